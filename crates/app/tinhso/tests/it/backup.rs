//! Backups under write load: every dossier acknowledged before the backup began is in it; the
//! restored copy serves them and passes `audit verify` and `ioc check`. SQLite with `tinhso
//! backup` / `tinhso restore`; PostgreSQL with the documented `pg_dump` / `pg_restore` path
//! and a copy of the files directory.

use crate::dossier::{generic_form, Caller, PASSWORD, PROVINCIAL};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tinhso_testkit::server::{fresh_data_dir, fresh_pg_database, run_cli};
use tinhso_testkit::{Backend, TestServer};

/// Submits `n` dossiers; their codes, each acknowledged (201).
async fn acknowledged(citizen: &Caller, commune: u64, n: usize) -> Vec<String> {
    let mut codes = Vec::new();
    for _ in 0..n {
        let (st, d) =
            citizen.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(commune) })).await;
        assert_eq!(st, StatusCode::CREATED, "{d}");
        codes.push(d["code"].as_str().unwrap().to_owned());
    }
    codes
}

/// Keeps submitting until told to stop; how many went through.
fn keep_submitting(s: &TestServer, commune: u64, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<usize> {
    let url = s.url.clone();
    tokio::spawn(async move {
        let citizen = Caller::login_at(&url, "0912345678", PASSWORD).await;
        let mut n = 0;
        while !stop.load(Ordering::Relaxed) {
            let (st, _) = citizen
                .post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(commune) }))
                .await;
            n += usize::from(st == StatusCode::CREATED);
        }
        n
    })
}

/// Five dossiers acknowledged, then a stream of submissions running: (their codes, the switch
/// that stops the stream, the stream's count of acknowledged submissions).
async fn acknowledged_then_load(s: &TestServer) -> (Vec<String>, Arc<AtomicBool>, tokio::task::JoinHandle<usize>) {
    let citizen = Caller::login(s, "0912345678", PASSWORD).await;
    let (_, units) = citizen.get("/api/v1/units").await;
    let commune = units["items"][0]["code"].as_u64().unwrap();
    let before = acknowledged(&citizen, commune, 5).await;
    let stop = Arc::new(AtomicBool::new(false));
    let load = keep_submitting(s, commune, stop.clone());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    (before, stop, load)
}

async fn checks_pass(args: Vec<String>) {
    for check in [["audit", "verify"], ["ioc", "check"]] {
        let all = [check.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>(), args.clone()].concat();
        let (code, out, err) = run_cli(crate::bin(), &all).await.unwrap();
        assert_eq!(code, 0, "{check:?} on the restored copy: {out}{err}");
    }
}

#[tokio::test]
async fn sqlite_backup_under_load_restores_every_acknowledged_dossier() {
    let s = crate::demo_server(Backend::Sqlite, 50).await;
    let (before, stop, load) = acknowledged_then_load(&s).await;
    let dir = fresh_data_dir().unwrap().join("sao-luu");
    let (code, out, err) = run_cli(
        crate::bin(),
        &["backup".into(), "--data".into(), s.data.display().to_string(), dir.display().to_string()],
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Đã sao lưu"), "{out}");
    stop.store(true, Ordering::Relaxed);
    assert!(load.await.unwrap() > 0, "the backup ran under write load");
    s.stop().await.unwrap();

    let restored = fresh_data_dir().unwrap();
    let restore = |into: &std::path::Path| {
        let args = vec!["restore".into(), "--data".into(), into.display().to_string(), dir.display().to_string()];
        async move { run_cli(crate::bin(), &args).await.unwrap() }
    };
    let (code, out, err) = restore(&restored).await;
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = restore(&restored).await;
    assert_ne!(code, 0, "restoring over a database is refused");
    assert!(err.contains("đã có cơ sở dữ liệu"), "{err}");
    checks_pass(vec!["--data".into(), restored.display().to_string()]).await;
    let s = TestServer::start_on(Backend::Sqlite, crate::bin(), restored, None, &[]).await.unwrap();
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    for code in &before {
        assert_eq!(citizen.get(&format!("/api/v1/dossiers/{code}")).await.0, StatusCode::OK, "{code} restored");
    }
    s.stop().await.unwrap();
}

#[tokio::test]
async fn postgres_pg_dump_under_load_restores_every_acknowledged_dossier() {
    let pg_bin = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL client tools (scripts/test installs them)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .max()
        .unwrap();
    let database = fresh_pg_database().await.unwrap();
    let s = TestServer::start_on(
        Backend::Postgres,
        crate::bin(),
        fresh_data_dir().unwrap(),
        Some(database.clone()),
        &["--demo-dossiers", "50"],
    )
    .await
    .unwrap();
    let (before, stop, load) = acknowledged_then_load(&s).await;
    // The README's path: pg_dump (one consistent snapshot), then the files directory.
    let dump = fresh_data_dir().unwrap().join("tinhso.dump");
    let out = tokio::process::Command::new(pg_bin.join("pg_dump"))
        .args(["--format=custom", "--file"])
        .arg(&dump)
        .arg(&database)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
    stop.store(true, Ordering::Relaxed);
    assert!(load.await.unwrap() > 0, "the dump ran under write load");
    let files = fresh_data_dir().unwrap();
    let copied = std::process::Command::new("cp").arg("-a").arg(s.data.join("files")).arg(&files).status();
    assert!(copied.is_ok_and(|st| st.success()) || !s.data.join("files").exists());
    s.stop().await.unwrap();

    let restored = fresh_pg_database().await.unwrap();
    let out = tokio::process::Command::new(pg_bin.join("pg_restore"))
        .args(["--no-owner", "--dbname"])
        .arg(&restored)
        .arg(&dump)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "pg_restore: {}", String::from_utf8_lossy(&out.stderr));
    checks_pass(vec!["--data".into(), files.display().to_string(), "--database".into(), restored.clone()]).await;
    let s = TestServer::start_on(Backend::Postgres, crate::bin(), files, Some(restored), &[]).await.unwrap();
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    for code in &before {
        assert_eq!(citizen.get(&format!("/api/v1/dossiers/{code}")).await.0, StatusCode::OK, "{code} restored");
    }
    s.stop().await.unwrap();
}

/// What the daily timer (deploy/tinhso-backup.timer) runs: `backup --into <dir> --keep N`.
/// Each backup is a new directory named by its time; files already in the newest earlier one
/// are hard-linked (the same inode, no second copy); past N the oldest go, and a directory a
/// cut-short run left (no manifest) or anything else there stays. The newest restores whole.
#[tokio::test]
async fn daily_backups_link_unchanged_files_and_keep_the_newest() {
    use std::os::unix::fs::MetadataExt;
    let s = crate::server(Backend::Sqlite).await;
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let parent = fresh_data_dir().unwrap().join("sao-luu");
    let data = s.data.display().to_string();
    let args = |extra: &[&str]| -> Vec<String> {
        ["backup", "--data", &data].iter().chain(extra).map(|a| (*a).to_owned()).collect()
    };
    let parent_text = parent.display().to_string();
    let daily = args(&["--into", &parent_text, "--keep", "2"]);
    let backups = || -> Vec<std::path::PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(&parent).unwrap().map(|e| e.unwrap().path()).collect();
        v.sort();
        v
    };
    let stored = |dir: &std::path::Path| -> Vec<std::path::PathBuf> {
        let mut found = Vec::new();
        let mut todo = vec![dir.join("files")];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    todo.push(p)
                } else {
                    found.push(p)
                }
            }
        }
        found.sort();
        found
    };

    let (st, _) = citizen.upload("giay-khai-sinh.pdf", &crate::blobs::pdf("first")).await;
    assert_eq!(st, StatusCode::CREATED);
    let (code, out, err) = run_cli(crate::bin(), &daily).await.unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("(0 tệp không đổi"), "{out}");
    let first = backups();
    assert_eq!(first.len(), 1);
    let first_files = stored(&first[0]);
    assert!(!first_files.is_empty(), "the upload is in the backup");

    // A day later (a second is enough for a new name): one new file, the old one linked.
    let (st, _) = citizen.upload("so-ho-khau.pdf", &crate::blobs::pdf("second")).await;
    assert_eq!(st, StatusCode::CREATED);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (code, out, err) = run_cli(crate::bin(), &daily).await.unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("({} tệp không đổi", first_files.len())), "{out}");
    let second = backups().pop().unwrap();
    let second_files = stored(&second);
    assert_eq!(second_files.len(), first_files.len() + 1);
    for f in &first_files {
        let again = second.join(f.strip_prefix(&first[0]).unwrap());
        assert_eq!(std::fs::metadata(f).unwrap().ino(), std::fs::metadata(&again).unwrap().ino(), "{f:?} linked");
    }

    // A run cut short left a directory without its manifest: never counted, never removed.
    let cut_short = parent.join("2000-01-01T000000Z");
    std::fs::create_dir_all(cut_short.join("files")).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (code, out, err) = run_cli(crate::bin(), &daily).await.unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("xoá 1 bản cũ"), "{out}");
    let left = backups();
    assert_eq!(left.len(), 3, "two backups and the cut-short directory: {left:?}");
    assert!(!left.contains(&first[0]), "the oldest backup is removed");
    assert!(left.contains(&cut_short) && left.contains(&second));
    assert!(second_files.iter().all(|f| f.exists()), "linked files outlive the backup they came from");
    s.stop().await.unwrap();

    // The newest restores whole, and its history checks out.
    let restored = fresh_data_dir().unwrap();
    let newest = left.last().unwrap().display().to_string();
    let (code, out, err) =
        run_cli(crate::bin(), &["restore".into(), "--data".into(), restored.display().to_string(), newest])
            .await
            .unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(stored(&restored).len(), second_files.len());
    checks_pass(vec!["--data".into(), restored.display().to_string()]).await;

    // Asked wrongly, it says so and makes nothing.
    for wrong in [args(&["--keep", "2"]), args(&["--into", &parent_text, "--keep", "0"]), args(&[])] {
        let (code, _, err) = run_cli(crate::bin(), &wrong).await.unwrap();
        assert_ne!(code, 0, "{wrong:?}: {err}");
    }
    assert_eq!(backups().len(), 3);
}
