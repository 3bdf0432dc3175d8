#![allow(clippy::disallowed_methods)] // test set-up
use super::*;
use tinhso_policy::Role;

fn account(login: &str) -> NewAccount {
    NewAccount {
        login: login.to_owned(),
        full_name: "Thử nghiệm".to_owned(),
        password_hash: "x".to_owned(),
        role: Role::Citizen,
        agency: None,
        personal_id: None,
    }
}

/// A fresh store in a directory of its own, removed by the caller.
async fn fresh(name: &str) -> (std::path::PathBuf, std::sync::Arc<SqliteStore>) {
    let dir = std::env::temp_dir().join(format!("tinhso-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(dir.join("t.db"), crate::migrate::PLATFORM.to_vec()).await.unwrap();
    (dir, std::sync::Arc::new(store))
}

/// Accounts stored, as a reader sees them.
fn count(c: &Connection) -> rusqlite::Result<i64> {
    c.query_row("SELECT count(*) FROM account", [], |r| r.get(0))
}

/// Concurrent writes share commits; one that fails (a duplicate login) undoes only itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_commit_isolates_failed_writes() {
    let dir = std::env::temp_dir().join(format!("tinhso-gc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store =
        std::sync::Arc::new(SqliteStore::open(dir.join("t.db"), crate::migrate::PLATFORM.to_vec()).await.unwrap());
    let mut tasks = Vec::new();
    for i in 0..300 {
        let store = store.clone();
        // Every tenth login repeats the one before it.
        let login = if i % 10 == 9 { format!("{}@x.vn", i - 1) } else { format!("{i}@x.vn") };
        tasks.push(tokio::spawn(async move { store.create_account(&account(&login)).await }));
    }
    let mut ok = 0;
    let mut conflicts = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Conflict(_)) => conflicts += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!((ok, conflicts), (270, 30));
    assert_eq!(store.accounts().await.unwrap().len(), 270);
    // Reopened from disk, everything acknowledged is there.
    drop(store);
    let again = SqliteStore::open(dir.join("t.db"), crate::migrate::PLATFORM.to_vec()).await.unwrap();
    assert_eq!(again.accounts().await.unwrap().len(), 270);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A write that fails after it has written leaves nothing behind, and the writes batched with
/// it (run again each alone) all land, each once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_failing_half_way_undoes_only_itself() {
    let dir = std::env::temp_dir().join(format!("tinhso-half-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store =
        std::sync::Arc::new(SqliteStore::open(dir.join("t.db"), crate::migrate::PLATFORM.to_vec()).await.unwrap());
    store.write(|c| c.execute_batch("CREATE TABLE scratch (n INTEGER PRIMARY KEY)").map_err(map_err)).await.unwrap();
    let mut tasks = Vec::new();
    for n in 0..200i64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .write(move |c| {
                    c.execute("INSERT INTO scratch (n) VALUES (?1)", [n]).map_err(map_err)?;
                    if n % 7 == 3 {
                        return Err(StoreError::Conflict(format!("{n} fails after writing")));
                    }
                    c.execute("INSERT INTO scratch (n) VALUES (?1)", [n + 1000]).map_err(map_err)?;
                    Ok(n)
                })
                .await
        }));
    }
    let mut failed = Vec::new();
    for t in tasks {
        if let Err(e) = t.await.unwrap() {
            failed.push(e.to_string());
        }
    }
    assert_eq!(failed.len(), (0..200).filter(|n| n % 7 == 3).count(), "{failed:?}");
    let rows: Vec<i64> = store
        .read(|c| c.prepare("SELECT n FROM scratch ORDER BY n")?.query_map([], |r| r.get(0))?.collect())
        .await
        .unwrap();
    let want: Vec<i64> =
        (0..200).filter(|n| n % 7 != 3).chain((0..200).filter(|n| n % 7 != 3).map(|n| n + 1000)).collect();
    assert_eq!(rows, want);
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A read whose statement fails leaves its reader usable and current: later reads on the
/// pooled connections see a write made after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_read_leaves_the_readers_current() {
    let (dir, store) = fresh("rt").await;
    store.create_account(&account("a@x.vn")).await.unwrap();
    let failed = store.read_now(|c| {
        count(c)?;
        c.query_row("SELECT nothing FROM no_such_table", [], |r| r.get::<_, i64>(0))
    });
    assert!(failed.is_err());
    assert_eq!(store.read_now(count).unwrap(), 1);
    store.create_account(&account("b@x.vn")).await.unwrap();
    for _ in 0..4 {
        assert_eq!(store.read_now(count).unwrap(), 2);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Readers keep their snapshot between uses, yet every read sees every write acknowledged
/// before it began, from many tasks at once; and a commit by another process (here another
/// connection, as an operator's command would make) is seen once `MAX_STALE` has passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_see_every_acknowledged_write_and_others_soon() {
    let (dir, store) = fresh("snap").await;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..40 {
                let before = store.read_now(count).unwrap();
                store.create_account(&account(&format!("{t}-{i}@x.vn"))).await.unwrap();
                // Our own write, and at least every write seen before it.
                let after = store.read_now(count).unwrap();
                assert!(after > before, "task {t}: {after} after a write, {before} before");
                let scanned = store.read(count).await.unwrap();
                assert!(scanned >= after, "task {t}: {scanned} then {after}");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(store.read_now(count).unwrap(), 320);

    let other = Connection::open(dir.join("t.db")).unwrap();
    other.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    other.execute("DELETE FROM account WHERE login LIKE '0-%'", []).unwrap();
    std::thread::sleep(crate::readers::MAX_STALE * 3);
    for _ in 0..8 {
        assert_eq!(store.read_now(count).unwrap(), 280);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Idle readers' snapshots do not hold the WAL: after writes made while readers sat in the
/// pool with older snapshots, the checkpointer copies every frame back within a few rounds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_readers_do_not_hold_back_checkpoints() {
    let (dir, store) = fresh("ckpt").await;
    // Several readers pooled, each holding a snapshot taken before the writes below.
    let held: Vec<_> = (0..6)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.read(count).await.unwrap() })
        })
        .collect();
    for h in held {
        assert_eq!(h.await.unwrap(), 0);
    }
    for i in 0..50 {
        store.create_account(&account(&format!("{i}@x.vn"))).await.unwrap();
    }
    let other = Connection::open(dir.join("t.db")).unwrap();
    let mut last = (0, 0, 0);
    for _ in 0..20 {
        std::thread::sleep(std::time::Duration::from_millis(150));
        // (busy, frames in the WAL, frames copied back)
        last =
            other.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
        if last.1 > 0 && last.1 == last.2 {
            break;
        }
    }
    let (busy, frames, copied): (i64, i64, i64) = last;
    assert!(busy == 0 && frames > 0 && copied == frames, "{last:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
