//! The server's condition told to the province admins (`tinhso_http::ops`): this server's data
//! disk and its nightly backups, checked here; the modules add their own (the results module,
//! its signing certificates). Every hour each server asks its checks, since a disk is each
//! server's own, and tells each concern once a day: an admin reads it in their notices (and by
//! email when a relay is set) even where no Prometheus watches the metrics.

use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tinhso_files::room::Room;
use tinhso_http::ops::Concern;
use tinhso_kernel::format::grouped;
use tinhso_policy::Role;
use tinhso_store::Notification;

/// A backup older than this is a concern (a nightly one missed, with a few hours' grace).
const BACKUP_STALE_HOURS: i64 = 30;

fn mb(bytes: u64, separator: char) -> String {
    format!("{} MB", grouped(bytes / (1024 * 1024), separator))
}

/// The data disk of server `host`: at its reserve (uploads refused), or with less than a tenth
/// of the disk left above it.
pub fn disk_concern(room: Room, reserve: u64, host: &str) -> Option<Concern> {
    if !room.takes_upload(reserve) {
        return Some(Concern {
            key: format!("disk-full:{host}"),
            vi: format!(
                "Ổ đĩa dữ liệu của máy chủ {host} đã xuống mức dự phòng (còn trống {}): tệp người dân tải lên đang bị từ chối. \
                 Hãy giải phóng dung lượng (chuyển bản sao lưu cũ đi nơi khác) hoặc mở rộng ổ đĩa; ổ đĩa đầy thì máy chủ dừng.",
                mb(room.free, '.')
            ),
            en: format!(
                "The data disk of server {host} is down to its reserve ({} free): uploads are refused. \
                 Make room (move old backups elsewhere) or grow the disk; a full disk stops the server.",
                mb(room.free, ',')
            ),
        });
    }
    let above = room.free.saturating_sub(reserve);
    (above < room.size / 10).then(|| Concern {
        key: format!("disk-low:{host}"),
        vi: format!(
            "Ổ đĩa dữ liệu của máy chủ {host} sắp đầy: còn {} trước mức dự phòng, dưới một phần mười ổ đĩa. \
             Hãy giải phóng dung lượng hoặc mở rộng ổ đĩa trước khi tệp tải lên bị từ chối.",
            mb(above, '.')
        ),
        en: format!(
            "The data disk of server {host} is nearly full: {} left before its reserve, under a tenth of the disk. \
             Make room or grow the disk before uploads are refused.",
            mb(above, ',')
        ),
    })
}

/// The backups in `dir`: none yet, or the newest begun more than 30 hours before `now`.
pub fn backup_concern(newest: Option<DateTime<Utc>>, now: DateTime<Utc>, dir: &Path) -> Option<Concern> {
    let dir = dir.display();
    match newest {
        None => Some(Concern {
            key: "backup-none".into(),
            vi: format!(
                "Chưa có bản sao lưu hoàn chỉnh nào trong {dir}. Chạy ngay `systemctl start tinhso-backup` \
                 (hoặc `tinhso backup --into {dir}`) và kiểm tra bộ hẹn giờ tinhso-backup.timer."
            ),
            en: format!(
                "There is no complete backup in {dir} yet. Run `systemctl start tinhso-backup` (or \
                 `tinhso backup --into {dir}`) now, and check the tinhso-backup.timer."
            ),
        }),
        Some(at) if now - at > chrono::Duration::hours(BACKUP_STALE_HOURS) => {
            let local = tinhso_kernel::calendar::local_time(at);
            Some(Concern {
                key: "backup-stale".into(),
                vi: format!(
                    "Bản sao lưu mới nhất trong {dir} bắt đầu lúc {}, đã hơn {BACKUP_STALE_HOURS} giờ: bản sao lưu hằng đêm \
                     không hoàn thành. Xem `journalctl -u tinhso-backup`, rồi chạy `systemctl start tinhso-backup`.",
                    local.format("%H:%M ngày %d/%m/%Y")
                ),
                en: format!(
                    "The newest backup in {dir} began at {}, over {BACKUP_STALE_HOURS} hours ago: the nightly backup \
                     does not complete. See `journalctl -u tinhso-backup`, then run `systemctl start tinhso-backup`.",
                    local.format("%H:%M on %d/%m/%Y")
                ),
            })
        }
        Some(_) => None,
    }
}

/// This machine's name, as concerns about its own disk say it.
fn host_name() -> String {
    #[allow(clippy::disallowed_methods)] // read once, at start-up
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    match name.trim() {
        "" => "này".to_owned(),
        n => n.to_owned(),
    }
}

/// Registers the disk's check (always) and the backups' (with `--backup-dir`).
pub fn install(state: &tinhso_http::AppState, files_dir: PathBuf, backups: Option<PathBuf>) {
    let (host, reserve) = (host_name(), state.files.reserve());
    state.ops.watch(move || match tinhso_files::room::room(&files_dir) {
        Ok(room) => disk_concern(room, reserve, &host).into_iter().collect(),
        Err(e) => {
            tracing::warn!(error = %e, "the data directory's disk could not be measured");
            Vec::new()
        }
    });
    if let Some(dir) = backups {
        state.ops.watch(move || {
            let newest = if dir.exists() { crate::backup::newest(&dir) } else { Ok(None) };
            match newest {
                Ok(newest) => backup_concern(newest, Utc::now(), &dir).into_iter().collect(),
                Err(e) => {
                    tracing::warn!(error = %e, "the backups' directory could not be read");
                    Vec::new()
                }
            }
        });
    }
}

/// Asks the checks now and then hourly; each concern goes to every province admin once a day.
pub async fn watch(state: tinhso_http::AppState) {
    loop {
        if let Err(e) = tell(&state).await {
            tracing::warn!(error = %e, "cannot tell the province admins of the server's condition");
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

async fn tell(state: &tinhso_http::AppState) -> anyhow::Result<()> {
    let concerns = state.ops.concerns().await;
    if concerns.is_empty() {
        return Ok(());
    }
    let mut admins = state.store.identity.staff_with_role(Role::ProvinceAdmin).await?;
    admins.retain(|a| !a.disabled);
    let today = tinhso_kernel::calendar::local_date(Utc::now());
    for c in concerns {
        tracing::warn!(concern = %c.en, "the server's condition needs an admin");
        let notes: Vec<Notification> = admins
            .iter()
            .map(|a| {
                Notification::new(a.id, "Máy chủ cần quản trị viên xử lý", c.vi.clone())
                    .with_english("The server needs an administrator", c.en.clone())
            })
            .collect();
        state.store.notify.send_alert(&format!("ops:{today}:{}", c.key), &notes).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const GB: u64 = 1024 * 1024 * 1024;

    #[test]
    fn a_disk_is_said_at_its_reserve_and_when_a_tenth_is_left_above_it() {
        let reserve = GB / 2;
        let said = |free| disk_concern(Room { free, size: 100 * GB }, reserve, "may-chu-1").map(|c| c.key);
        assert_eq!(said(50 * GB), None);
        assert_eq!(said(reserve + 10 * GB + 1), None, "just over a tenth above the reserve");
        assert_eq!(said(reserve + 10 * GB - 1).as_deref(), Some("disk-low:may-chu-1"));
        assert_eq!(said(reserve).as_deref(), Some("disk-full:may-chu-1"), "uploads refused");
        let c = disk_concern(Room { free: 4 * GB + 512 * 1024 * 1024, size: 100 * GB }, reserve, "h").unwrap();
        assert!(c.vi.contains("còn 4.096 MB trước mức dự phòng"), "{}", c.vi);
        assert!(c.en.contains("4,096 MB left"), "{}", c.en);
    }

    #[test]
    fn backups_are_said_when_none_or_over_thirty_hours_old() {
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 3, 0, 0).unwrap();
        let dir = Path::new("/var/backups/tinhso");
        let said = |newest| backup_concern(newest, now, dir).map(|c| c.key);
        assert_eq!(said(None).as_deref(), Some("backup-none"));
        assert_eq!(said(Some(now - chrono::Duration::hours(25))), None, "last night's");
        assert_eq!(said(Some(now - chrono::Duration::hours(30))), None, "30 hours exactly");
        assert_eq!(said(Some(now - chrono::Duration::hours(31))).as_deref(), Some("backup-stale"));
        let c = backup_concern(Some(now - chrono::Duration::hours(48)), now, dir).unwrap();
        assert!(c.vi.contains("bắt đầu lúc 10:00 ngày 05/12/2026"), "local time: {}", c.vi);
    }
}
