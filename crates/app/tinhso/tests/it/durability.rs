//! Storage failures: a failed fsync, or a write to the WAL refused because the disk is full
//! (injected with an `LD_PRELOAD` shim, `fixtures/failsync.c`, compiled by the test with the
//! system's C compiler), stops the SQLite writer and the server with a clear message and exit
//! status 74; nothing after it is acknowledged, everything acknowledged before it survives the
//! restart, and the history checks pass. The write failure matters because the writer's VFS
//! (tinhso-sqlite-vfs) holds a commit's WAL appends until its sync: the error must still reach
//! the commit.

use crate::dossier::{generic_form, Caller, PASSWORD, PROVINCIAL};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;
use tinhso_testkit::server::{fresh_data_dir, run_cli};
use tinhso_testkit::{Backend, TestServer};

/// Builds the fault-injecting shim; the test cannot run without it, so a missing compiler fails.
pub(crate) fn failsync_library(dir: &std::path::Path) -> std::path::PathBuf {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/failsync.c");
    let lib = dir.join("libfailsync.so");
    let out = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(&lib)
        .arg(&src)
        .arg("-ldl")
        .output()
        .expect("a C compiler (cc) to build the fsync-failure shim");
    assert!(out.status.success(), "cc: {}", String::from_utf8_lossy(&out.stderr));
    lib
}

#[tokio::test]
async fn a_failed_fsync_stops_the_server_and_loses_nothing_acknowledged() {
    stops_the_server_and_loses_nothing_acknowledged("TINHSO_FAIL_SYNC_FLAG").await;
}

#[tokio::test]
async fn a_full_disk_stops_the_server_and_loses_nothing_acknowledged() {
    stops_the_server_and_loses_nothing_acknowledged("TINHSO_FAIL_WRITE_FLAG").await;
}

/// The disk starts failing the way `fault` (the shim's flag variable) says, after three
/// acknowledged submissions.
async fn stops_the_server_and_loses_nothing_acknowledged(fault: &str) {
    let scratch = fresh_data_dir().unwrap();
    let lib = failsync_library(&scratch);
    let flag = scratch.join("fail-now");
    let data = fresh_data_dir().unwrap();
    let env = [("LD_PRELOAD", lib.to_str().unwrap()), (fault, flag.to_str().unwrap())];
    let mut s = TestServer::start_with_env(Backend::Sqlite, crate::bin(), data.clone(), None, "127.0.0.1:0", &[], &env)
        .await
        .unwrap();
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let (_, units) = citizen.get("/api/v1/units").await;
    let commune = units["items"][0]["code"].as_u64().unwrap();
    let submit = || json!({ "procedure": PROVINCIAL, "form": generic_form(commune) });
    let mut acknowledged = Vec::new();
    for _ in 0..3 {
        let (st, d) = citizen.post("/api/v1/dossiers", submit()).await;
        assert_eq!(st, StatusCode::CREATED, "{d}");
        acknowledged.push(d["code"].as_str().unwrap().to_owned());
    }
    // The disk starts failing: the next write is refused (or the connection drops as the
    // server stops), and the server exits with the storage-failure status.
    std::fs::write(&flag, b"").unwrap();
    let r = citizen
        .c
        .post(format!("{}/api/v1/dossiers", s.url))
        .header("x-csrf-token", citizen.csrf())
        .json(&submit())
        .send()
        .await;
    if let Ok(r) = r {
        assert_ne!(r.status(), StatusCode::CREATED, "nothing is acknowledged once the disk fails");
    }
    assert_eq!(s.exited(Duration::from_secs(20)).await.unwrap(), Some(74), "exit status EX_IOERR");
    std::fs::remove_file(&flag).unwrap();

    // Restarted on a sound disk: every acknowledged dossier is there, the checks pass.
    let s = TestServer::start_on(Backend::Sqlite, crate::bin(), data, None, &[]).await.unwrap();
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    for code in &acknowledged {
        let (st, _) = citizen.get(&format!("/api/v1/dossiers/{code}")).await;
        assert_eq!(st, StatusCode::OK, "{code} survived");
    }
    // The write that met the failure was never acknowledged; its frames may still have reached
    // the disk (when only the fsync failed), as after any crash mid-request: either way whole.
    let (_, mine) = citizen.get("/api/v1/dossiers?limit=50").await;
    let stored = mine["items"].as_array().unwrap().len();
    assert!((acknowledged.len()..=acknowledged.len() + 1).contains(&stored), "{stored}");
    for check in [["audit", "verify"], ["ioc", "check"]] {
        let args = [check.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>(), s.data_args()].concat();
        let (code, out, err) = run_cli(crate::bin(), &args).await.unwrap();
        assert_eq!(code, 0, "{check:?}: {out}{err}");
    }
    s.stop().await.unwrap();
}
