//! The server's condition told to the province admins (`tinhso_http::ops`): this server's data
//! disk and its nightly backups, checked here; the modules add their own (the results module,
//! its signing certificates). Every hour each server asks its checks, since a disk is each
//! server's own, and tells each concern once a day: an admin reads it in their notices (and by
//! email when a relay is set) even where no Prometheus watches the metrics.

use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tinhso_files::room::Room;
use tinhso_http::ops::Condition;
use tinhso_kernel::format::grouped;
use tinhso_policy::Role;
use tinhso_store::Notification;

/// A backup older than this is a concern (a nightly one missed, with a few hours' grace).
const BACKUP_STALE_HOURS: i64 = 30;

fn mb(bytes: u64, separator: char) -> String {
    format!("{} MB", grouped(bytes / (1024 * 1024), separator))
}

/// The data disk of server `host`: a concern at its reserve (uploads refused), or with less
/// than a tenth of the disk left above it; else its room, as it is.
pub fn disk_condition(room: Room, reserve: u64, host: &str) -> Condition {
    if !room.takes_upload(reserve) {
        return Condition::concern(
            format!("disk-full:{host}"),
            format!(
                "Ổ đĩa dữ liệu của máy chủ {host} đã xuống mức dự phòng (còn trống {}): tệp người dân tải lên đang bị từ chối. \
                 Hãy giải phóng dung lượng (chuyển bản sao lưu cũ đi nơi khác) hoặc mở rộng ổ đĩa; ổ đĩa đầy thì máy chủ dừng.",
                mb(room.free, '.')
            ),
            format!(
                "The data disk of server {host} is down to its reserve ({} free): uploads are refused. \
                 Make room (move old backups elsewhere) or grow the disk; a full disk stops the server.",
                mb(room.free, ',')
            ),
        );
    }
    let above = room.free.saturating_sub(reserve);
    if above < room.size / 10 {
        return Condition::concern(
            format!("disk-low:{host}"),
            format!(
                "Ổ đĩa dữ liệu của máy chủ {host} sắp đầy: còn {} trước mức dự phòng, dưới một phần mười ổ đĩa. \
                 Hãy giải phóng dung lượng hoặc mở rộng ổ đĩa trước khi tệp tải lên bị từ chối.",
                mb(above, '.')
            ),
            format!(
                "The data disk of server {host} is nearly full: {} left before its reserve, under a tenth of the disk. \
                 Make room or grow the disk before uploads are refused.",
                mb(above, ',')
            ),
        );
    }
    Condition::fine(
        format!("disk:{host}"),
        format!(
            "Ổ đĩa dữ liệu của máy chủ {host}: còn trống {} trên {}, giữ {} dự phòng cho cơ sở dữ liệu; đang nhận tệp tải lên.",
            mb(room.free, '.'),
            mb(room.size, '.'),
            mb(reserve, '.')
        ),
        format!(
            "The data disk of server {host}: {} free of {}, {} kept for the database; uploads are taken.",
            mb(room.free, ','),
            mb(room.size, ','),
            mb(reserve, ',')
        ),
    )
}

/// The backups in `dir`: a concern when there is none or the newest began more than 30 hours
/// before `now`; else when the newest began and how many are kept.
pub fn backup_condition(newest: Option<DateTime<Utc>>, kept: usize, now: DateTime<Utc>, dir: &Path) -> Condition {
    let dir = dir.display();
    let Some(at) = newest else {
        return Condition::concern(
            "backup-none",
            format!(
                "Chưa có bản sao lưu hoàn chỉnh nào trong {dir}. Chạy ngay `systemctl start tinhso-backup` \
                 (hoặc `tinhso backup --into {dir}`) và kiểm tra bộ hẹn giờ tinhso-backup.timer."
            ),
            format!(
                "There is no complete backup in {dir} yet. Run `systemctl start tinhso-backup` (or \
                 `tinhso backup --into {dir}`) now, and check the tinhso-backup.timer."
            ),
        );
    };
    let local = tinhso_kernel::calendar::local_time(at);
    let (vi_at, en_at) = (local.format("%H:%M ngày %d/%m/%Y"), local.format("%H:%M on %d/%m/%Y"));
    if now - at > chrono::Duration::hours(BACKUP_STALE_HOURS) {
        return Condition::concern(
            "backup-stale",
            format!(
                "Bản sao lưu mới nhất trong {dir} bắt đầu lúc {vi_at}, đã hơn {BACKUP_STALE_HOURS} giờ: bản sao lưu hằng đêm \
                 không hoàn thành. Xem `journalctl -u tinhso-backup`, rồi chạy `systemctl start tinhso-backup`."
            ),
            format!(
                "The newest backup in {dir} began at {en_at}, over {BACKUP_STALE_HOURS} hours ago: the nightly backup \
                 does not complete. See `journalctl -u tinhso-backup`, then run `systemctl start tinhso-backup`."
            ),
        );
    }
    Condition::fine(
        "backup",
        format!("Bản sao lưu mới nhất trong {dir} bắt đầu lúc {vi_at}; đang giữ {kept} bản."),
        format!("The newest backup in {dir} began at {en_at}; {kept} are kept."),
    )
}

/// This machine's name, as concerns about its own disk say it.
fn host_name() -> String {
    #[allow(clippy::disallowed_methods)] // read once, at start-up
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    // Words in both languages say it, so a missing name is not replaced by either's.
    match name.trim() {
        "" => "localhost".to_owned(),
        n => n.to_owned(),
    }
}

/// Registers the disk's check (always) and the backups' (with `--backup-dir`).
pub fn install(state: &tinhso_http::AppState, files_dir: PathBuf, backups: Option<PathBuf>) {
    let (host, reserve) = (host_name(), state.files.reserve());
    state.ops.watch(move || match tinhso_files::room::room(&files_dir) {
        Ok(room) => vec![disk_condition(room, reserve, &host)],
        Err(e) => {
            tracing::warn!(error = %e, "the data directory's disk could not be measured");
            Vec::new()
        }
    });
    if let Some(dir) = backups {
        state.ops.watch(move || {
            let found = if dir.exists() { crate::backup::newest(&dir) } else { Ok((None, 0)) };
            match found {
                Ok((newest, kept)) => vec![backup_condition(newest, kept, Utc::now(), &dir)],
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
    let concerns: Vec<Condition> = state.ops.conditions().await.into_iter().filter(|c| c.concern).collect();
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
        let said = |free| {
            let c = disk_condition(Room { free, size: 100 * GB }, reserve, "may-chu-1");
            (c.concern, c.key)
        };
        assert_eq!(said(50 * GB), (false, "disk:may-chu-1".to_owned()));
        assert_eq!(said(reserve + 10 * GB + 1), (false, "disk:may-chu-1".to_owned()), "just over a tenth");
        assert_eq!(said(reserve + 10 * GB - 1), (true, "disk-low:may-chu-1".to_owned()));
        assert_eq!(said(reserve), (true, "disk-full:may-chu-1".to_owned()), "uploads refused");
        let c = disk_condition(Room { free: 4 * GB + 512 * 1024 * 1024, size: 100 * GB }, reserve, "h");
        assert!(c.vi.contains("còn 4.096 MB trước mức dự phòng"), "{}", c.vi);
        assert!(c.en.contains("4,096 MB left"), "{}", c.en);
    }

    #[test]
    fn backups_are_said_when_none_or_over_thirty_hours_old() {
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 3, 0, 0).unwrap();
        let dir = Path::new("/var/backups/tinhso");
        let said = |newest| {
            let c = backup_condition(newest, 3, now, dir);
            (c.concern, c.key)
        };
        assert_eq!(said(None), (true, "backup-none".to_owned()));
        assert_eq!(said(Some(now - chrono::Duration::hours(25))), (false, "backup".to_owned()), "last night's");
        assert_eq!(said(Some(now - chrono::Duration::hours(30))), (false, "backup".to_owned()), "30 hours exactly");
        assert_eq!(said(Some(now - chrono::Duration::hours(31))), (true, "backup-stale".to_owned()));
        let c = backup_condition(Some(now - chrono::Duration::hours(48)), 3, now, dir);
        assert!(c.vi.contains("bắt đầu lúc 10:00 ngày 05/12/2026"), "local time: {}", c.vi);
    }
}
