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

/// A point read that leaves its connection inside a transaction (a read failing between BEGIN
/// and COMMIT) does not put it back in the pool: it would pin its snapshot and the WAL, keeping
/// every later checkpoint from finishing and later reads from seeing new writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_left_in_a_transaction_is_not_pooled() {
    let dir = std::env::temp_dir().join(format!("tinhso-rt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(dir.join("t.db"), crate::migrate::PLATFORM.to_vec()).await.unwrap();
    store.create_account(&account("a@x.vn")).await.unwrap();
    let count = |c: &Connection| c.query_row("SELECT count(*) FROM account", [], |r| r.get::<_, i64>(0));
    let failed = store.read_now(|c| {
        c.execute_batch("BEGIN")?;
        count(c)?;
        c.query_row("SELECT nothing FROM no_such_table", [], |r| r.get::<_, i64>(0))
    });
    assert!(failed.is_err());
    for _ in 0..4 {
        assert!(store.read_now(|c| Ok(c.is_autocommit())).unwrap(), "a pooled reader outside any transaction");
    }
    // A write after them is seen by the next read: no reader kept an old snapshot.
    store.create_account(&account("b@x.vn")).await.unwrap();
    assert_eq!(store.read_now(count).unwrap(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}
