use super::*;
use tinhso_domain::policy::Role;

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
    let store = std::sync::Arc::new(SqliteStore::open(dir.join("t.db")).await.unwrap());
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
    let again = SqliteStore::open(dir.join("t.db")).await.unwrap();
    assert_eq!(again.accounts().await.unwrap().len(), 270);
    std::fs::remove_dir_all(&dir).unwrap();
}
