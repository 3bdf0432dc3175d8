//! Room on the data directory's disk. Uploads are staged there whatever the store (and kept
//! there on `Blobs::Disk`), and SQLite's database lives beside them: a disk filled by uploads
//! would stop every write, dossiers included (a full disk stops the SQLite writer, since a
//! commit it cannot make durable must not be acknowledged). So an upload is taken only while
//! the disk keeps a reserve for the database beyond the largest file, and the disk's room is
//! exported for the operator's alerts.

use std::path::Path;
use tinhso_kernel::files::MAX_FILE_BYTES;

/// What uploads leave free by default (`--disk-reserve-mb`): a province's days of dossiers,
/// notices and the WAL's growth between checkpoints, with room to spare.
pub const DEFAULT_RESERVE_BYTES: u64 = 512 * 1024 * 1024;

/// A disk's room as the platform's (unprivileged) process sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Room {
    /// Bytes this process may still write (blocks kept for root are not counted).
    pub free: u64,
    /// The file system's size.
    pub size: u64,
}

impl Room {
    /// Whether one more upload fits and still leaves `reserve` free: the largest a file may
    /// be is counted, since its size is known only once it has all come.
    pub fn takes_upload(self, reserve: u64) -> bool {
        self.free >= reserve.saturating_add(MAX_FILE_BYTES as u64)
    }
}

/// The room on the file system holding `dir` (or, before `dir` is made, its nearest existing
/// ancestor's).
pub fn room(dir: &Path) -> std::io::Result<Room> {
    let at = dir.ancestors().find(|d| d.exists()).unwrap_or(dir);
    let s = rustix::fs::statvfs(at)?;
    Ok(Room { free: s.f_bavail.saturating_mul(s.f_frsize), size: s.f_blocks.saturating_mul(s.f_frsize) })
}

/// Whether a write failed for want of room (or of the user's disk quota).
pub fn is_no_room(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: u64 = 1024 * 1024;

    #[test]
    fn an_upload_must_leave_the_reserve_after_the_largest_file() {
        let cap = MAX_FILE_BYTES as u64;
        let reserve = 512 * MB;
        assert!(Room { free: reserve + cap, size: 10_000 * MB }.takes_upload(reserve));
        assert!(!Room { free: reserve + cap - 1, size: 10_000 * MB }.takes_upload(reserve));
        assert!(!Room { free: 0, size: 10_000 * MB }.takes_upload(0), "not even a small file on a full disk");
        assert!(!Room { free: 1 << 40, size: 1 << 41 }.takes_upload(u64::MAX), "a reserve beyond any disk");
    }

    #[test]
    fn the_room_of_a_directory_not_yet_made_is_its_disks() {
        let tmp = std::env::temp_dir();
        let here = room(&tmp).unwrap();
        let later = room(&tmp.join("not-made-yet").join("files")).unwrap();
        assert!(here.size > 0 && later.size == here.size);
        assert!(here.free <= here.size);
    }

    #[test]
    fn a_full_disk_and_a_quota_are_no_room() {
        assert!(is_no_room(&std::io::Error::from(std::io::ErrorKind::StorageFull)));
        assert!(is_no_room(&std::io::Error::from_raw_os_error(28)), "ENOSPC");
        assert!(!is_no_room(&std::io::Error::from(std::io::ErrorKind::PermissionDenied)));
    }
}
