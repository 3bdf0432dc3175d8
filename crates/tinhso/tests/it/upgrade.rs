//! Upgrading in place: data the release before the module layout made (60 demo dossiers with
//! their chained events, aggregates, member index and inbox tally; `tests/fixtures`, dumped from
//! that release's SQLite file and PostgreSQL database) is opened by this build with no manual
//! step: `tinhso audit verify` and `tinhso ioc check` pass on it, and the server serves it.

use tinhso_testkit::server::{fresh_data_dir, fresh_pg_database, run_cli};
use tinhso_testkit::{Backend, TestServer};

const SQLITE_DUMP: &str = include_str!("../fixtures/legacy-sqlite.sql");
const POSTGRES_DUMP: &str = include_str!("../fixtures/legacy-postgres.sql");

async fn upgraded(backend: Backend, data: std::path::PathBuf, database: Option<String>) {
    let mut args = vec!["--data".to_owned(), data.display().to_string()];
    if let Some(db) = &database {
        args.extend(["--database".to_owned(), db.clone()]);
    }
    let with = |cmd: &[&str]| cmd.iter().map(|s| (*s).to_owned()).chain(args.clone()).collect::<Vec<_>>();
    let (code, out, err) = run_cli(crate::bin(), &with(&["audit", "verify"])).await.unwrap();
    assert_eq!(code, 0, "audit verify on {backend:?} data made before the change:\n{out}\n{err}");
    assert!(out.contains("60 hồ sơ"), "{out}");
    let (code, out, err) = run_cli(crate::bin(), &with(&["ioc", "check"])).await.unwrap();
    assert_eq!(code, 0, "ioc check on {backend:?} data made before the change:\n{out}\n{err}");

    let s = TestServer::start_on(backend, crate::bin(), data, database, &[]).await.unwrap();
    let c = s.client();
    let r = c
        .post(format!("{}/api/v1/session", s.url))
        .json(&serde_json::json!({ "login": "lanhdao@tinhso.local", "password": "TuyenQuang-demo-2025" }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let list: serde_json::Value =
        c.get(format!("{}/api/v1/dossiers?limit=200", s.url)).send().await.unwrap().json().await.unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 60, "every dossier made before the change is listed");
    let code = items[0]["code"].as_str().unwrap();
    let one = c.get(format!("{}/api/v1/dossiers/{code}/events", s.url)).send().await.unwrap();
    assert!(one.status().is_success());
}

#[tokio::test]
async fn data_made_before_the_module_layout_upgrades_in_place_sqlite() {
    let data = fresh_data_dir().unwrap();
    let conn = rusqlite::Connection::open(data.join("tinhso.db")).unwrap();
    // The dump lists tables by name, children before parents: check references once loaded.
    conn.execute_batch("PRAGMA foreign_keys = OFF;").unwrap();
    conn.execute_batch(SQLITE_DUMP).unwrap();
    let broken: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
    assert_eq!(broken, 0);
    conn.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
    drop(conn);
    upgraded(Backend::Sqlite, data, None).await;
}

#[tokio::test]
async fn data_made_before_the_module_layout_upgrades_in_place_postgres() {
    let url = fresh_pg_database().await.unwrap();
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.batch_execute(POSTGRES_DUMP).await.unwrap();
    drop(client);
    upgraded(Backend::Postgres, fresh_data_dir().unwrap(), Some(url)).await;
}
