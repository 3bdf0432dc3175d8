//! The SQLite writer's file layer. What it is for: one VFS, `tinhso-gather`
//! (`src/gather.c`), that the store's writer connection opens its database with, so that a
//! commit's WAL frames reach the kernel in writes of 124 KiB instead of two calls per page;
//! it times its syncs too (`take_sync_time`), which `/metrics` shows as the commits' fsync time.
//! May depend on: the SQLite that rusqlite links, nothing else of the platform.
//!
//! Why: a submission dirties about nine pages, most of them random index leaves; a commit of a
//! batch wrote ~180 frames with ~360 `pwrite` calls, and that path was a quarter of the writer
//! thread's time (`perf`, BENCHMARKS.md issue 13). Durability does not change: SQLite
//! acknowledges a commit after its `xSync`, and the shim writes what it holds before syncing.

use std::sync::OnceLock;

/// The VFS's name, for `Connection::open_with_flags_and_vfs`.
pub const GATHER: &str = "tinhso-gather";

extern "C" {
    fn tinhso_gather_register() -> std::os::raw::c_int;
    fn tinhso_gather_take_sync_nanos() -> std::os::raw::c_ulonglong;
}

/// Time spent in the VFS's syncs (the gathered WAL writes and `fdatasync`) since the last call,
/// by every connection opened with it: in the server, the writer's alone. Taken after each
/// commit, it is how long that commit waited for the disk.
pub fn take_sync_time() -> std::time::Duration {
    // SAFETY: an atomic exchange on a static counter; no pointers, no SQLite state.
    std::time::Duration::from_nanos(unsafe { tinhso_gather_take_sync_nanos() })
}

/// Registers the `tinhso-gather` VFS (once per process; later calls return the first result).
/// Errors are SQLite result codes.
pub fn register() -> Result<&'static str, i32> {
    static REGISTERED: OnceLock<i32> = OnceLock::new();
    // SAFETY: tinhso_gather_register only calls SQLite's thread-safe initialisation and VFS
    // registration functions and writes its own static VFS struct; the OnceLock runs it once.
    let rc = *REGISTERED.get_or_init(|| unsafe { tinhso_gather_register() });
    if rc == 0 {
        Ok(GATHER)
    } else {
        Err(rc)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::disallowed_methods)] // test set-up
mod tests {
    use super::*;
    use rusqlite::{Connection, OpenFlags};

    fn dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("tinhso-vfs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// A fresh database in its own directory and its writer, opened as the store opens it but
    /// with a page cache of 8 pages, so that a large transaction spills: SQLite then appends
    /// frames before the commit, reads them back and writes some of them again in place, the
    /// paths where gathered bytes must be seen.
    fn writer(name: &str) -> (std::path::PathBuf, std::path::PathBuf, Connection) {
        let d = dir(name);
        let path = d.join("t.db");
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE;
        let c = Connection::open_with_flags_and_vfs(&path, flags, register().unwrap()).unwrap();
        c.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = 8;
             PRAGMA wal_autocheckpoint = 0;
             CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, pad BLOB NOT NULL);",
        )
        .unwrap();
        (d, path, c)
    }

    /// What another connection (the default VFS, as the store's readers) sees.
    fn seen(path: &std::path::Path) -> (i64, i64, String) {
        let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let (n, sum) =
            c.query_row("SELECT count(*), coalesce(sum(v), 0) FROM t", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        let check: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        (n, sum, check)
    }

    #[test]
    fn registering_twice_gives_the_same_vfs() {
        assert_eq!(register(), Ok(GATHER));
        assert_eq!(register(), Ok(GATHER));
    }

    #[test]
    fn syncs_are_timed_and_taking_the_time_starts_a_new_count() {
        let (d, _, w) = writer("timed");
        let _ = take_sync_time();
        w.execute("INSERT INTO t (v, pad) VALUES (1, randomblob(300))", []).unwrap();
        // Only this test takes the count; others running at once can only add to it.
        assert!(take_sync_time() > std::time::Duration::ZERO, "the commit's sync was timed");
        drop(w);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn every_commit_is_seen_whole_by_another_connection() {
        let (d, path, w) = writer("commits");
        let mut expected = 0i64;
        for round in 0..50i64 {
            let tx = w.unchecked_transaction().unwrap();
            for i in 0..40i64 {
                let v = round * 1000 + i;
                tx.execute("INSERT INTO t (v, pad) VALUES (?1, randomblob(300))", [v]).unwrap();
                expected += v;
            }
            tx.commit().unwrap();
            assert_eq!(seen(&path), ((round + 1) * 40, expected, "ok".to_owned()), "after commit {round}");
        }
        drop(w);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_spilling_transaction_reads_and_rewrites_its_own_frames() {
        let (d, path, w) = writer("spill");
        let tx = w.unchecked_transaction().unwrap();
        for i in 0..3000i64 {
            tx.execute("INSERT INTO t (v, pad) VALUES (?1, randomblob(400))", [i]).unwrap();
        }
        // Every page again, after most of them spilled to the WAL: reads of frames not yet
        // committed, and frames written again in place.
        tx.execute_batch("UPDATE t SET v = v * 2, pad = randomblob(400);").unwrap();
        let in_tx: i64 = tx.query_row("SELECT sum(v) FROM t", [], |r| r.get(0)).unwrap();
        // Another connection sees none of it before the commit.
        assert_eq!(seen(&path).0, 0);
        tx.commit().unwrap();
        let expected = (0..3000i64).map(|i| i * 2).sum::<i64>();
        assert_eq!(in_tx, expected);
        assert_eq!(seen(&path), (3000, expected, "ok".to_owned()));
        // From the files alone, as after a crash: a copy of the database and its WAL, without
        // the shared-memory index, is recovered from the WAL's frames and their checksums.
        let copy = dir("spill-copy");
        std::fs::copy(&path, copy.join("t.db")).unwrap();
        std::fs::copy(d.join("t.db-wal"), copy.join("t.db-wal")).unwrap();
        assert_eq!(seen(&copy.join("t.db")), (3000, expected, "ok".to_owned()));
        drop(w);
        std::fs::remove_dir_all(&d).unwrap();
        std::fs::remove_dir_all(&copy).unwrap();
    }
}
