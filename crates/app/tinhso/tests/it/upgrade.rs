//! Upgrading in place: data the release before the module layout made (60 demo dossiers with
//! their chained events, aggregates, member index and inbox tally; `tests/fixtures`, dumped from
//! that release's SQLite file and PostgreSQL database) is opened by this build with no manual
//! step: `tinhso audit verify` and `tinhso ioc check` pass on it, and the server serves it.
//! The single migration sequence it was made with is adopted once by the per-module runner:
//! the schema it ends with is compared, table by table, column by column, index by index and
//! constraint by constraint, with the schema a fresh database gets from the modules'
//! migrations.

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

    // Started once, the server recorded the catalogue and calendar it found in the
    // administrators' log, and the province with its agencies: from here on they are held to it
    // like any saved since.
    let before_log = s.query_i64("SELECT CAST(count(*) AS BIGINT) FROM catalogue_before_log").await.unwrap();
    assert_eq!(before_log, 0, "adopted at start-up");
    let province = "SELECT CAST(count(*) AS BIGINT) FROM ledger_entry WHERE subject = 'admin/province'";
    assert_eq!(s.query_i64(province).await.unwrap(), 1, "the province adopted at start-up");
    let rename = "UPDATE agency SET name = name || ' (sửa)' WHERE code = (SELECT min(code) FROM agency)";
    s.exec_sql(rename).await.unwrap();
    let (code, out, err) = run_cli(crate::bin(), &with(&["audit", "verify"])).await.unwrap();
    assert_eq!(code, 1, "{out}{err}");
    assert!(format!("{out}{err}").contains("cấu hình tỉnh và các cơ quan"), "{out}{err}");
    s.exec_sql("UPDATE agency SET name = replace(name, ' (sửa)', '')").await.unwrap();
    // A second start adopts nothing again.
    let (data, database) = (s.data.clone(), s.database.clone());
    s.stop().await.unwrap();
    let s = TestServer::start_on(backend, crate::bin(), data, database, &[]).await.unwrap();
    assert_eq!(s.query_i64(province).await.unwrap(), 1, "adopted once");
    let year = s.query_i64("SELECT CAST(min(year) AS BIGINT) FROM calendar_year").await.unwrap();
    let edit = match backend {
        Backend::Sqlite => {
            format!("UPDATE calendar_year SET body = json_set(body, '$.basis', 'sửa') WHERE year = {year}")
        }
        Backend::Postgres => {
            format!("UPDATE calendar_year SET body = jsonb_set(body, '{{basis}}', '\"sửa\"') WHERE year = {year}")
        }
    };
    s.exec_sql(&edit).await.unwrap();
    let (code, out, err) = run_cli(crate::bin(), &with(&["audit", "verify"])).await.unwrap();
    assert_eq!(code, 1, "{out}{err}");
    assert!(format!("{out}{err}").contains(&format!("lịch làm việc năm {year}")), "{out}{err}");
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
    upgraded(Backend::Sqlite, data.clone(), None).await;
    let fresh = fresh_data_dir().unwrap().join("tinhso.db");
    tinhso::db::sqlite(&fresh).await.unwrap();
    let (old, new) = (sqlite_schema(&data.join("tinhso.db")), sqlite_schema(&fresh));
    assert!(new.len() > 60, "the schema read is the whole schema: {new:#?}");
    assert_same(&old, &new);
    assert_eq!(sqlite_modules(&data.join("tinhso.db")), sqlite_modules(&fresh));
}

/// The two schemas list the same things; the failure names only what differs.
fn assert_same(adopted: &[String], fresh: &[String]) {
    let only_adopted: Vec<&String> = adopted.iter().filter(|l| !fresh.contains(l)).collect();
    let only_fresh: Vec<&String> = fresh.iter().filter(|l| !adopted.contains(l)).collect();
    assert!(
        only_adopted.is_empty() && only_fresh.is_empty() && adopted.len() == fresh.len(),
        "adopted and fresh schemas differ\nonly after adoption: {only_adopted:#?}\nonly when fresh: {only_fresh:#?}"
    );
}

/// Tables (with columns, keys, foreign keys and rowid-ness) and indexes (with their
/// definitions), whitespace-normalised, without the migration bookkeeping.
fn sqlite_schema(path: &std::path::Path) -> Vec<String> {
    let c = rusqlite::Connection::open(path).unwrap();
    let rows = |sql: &str| -> Vec<String> {
        let mut st = c.prepare(sql).unwrap();
        let out = st
            .query_map([], |r| {
                let n = r.as_ref().column_count();
                (0..n)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i).map(|v| match v {
                            rusqlite::types::Value::Null => "NULL".to_owned(),
                            rusqlite::types::Value::Integer(i) => i.to_string(),
                            rusqlite::types::Value::Real(f) => f.to_string(),
                            rusqlite::types::Value::Text(t) => t,
                            rusqlite::types::Value::Blob(b) => format!("{b:?}"),
                        })
                    })
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map(|v| v.join(" | "))
            })
            .unwrap();
        out.map(|r| r.unwrap().split_whitespace().collect::<Vec<_>>().join(" ")).collect()
    };
    let tables = "m.type = 'table' AND m.name NOT IN ('module_migration') AND m.name NOT LIKE 'sqlite_%'";
    let mut out = rows(&format!(
        "SELECT 'table', m.name, m.sql LIKE '%WITHOUT ROWID' FROM sqlite_master m WHERE {tables} ORDER BY 2"
    ));
    out.extend(rows(&format!(
        "SELECT 'column', m.name, p.cid, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE {tables} ORDER BY 2, 3"
    )));
    out.extend(rows(&format!(
        "SELECT 'fk', m.name, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete \
         FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE {tables} ORDER BY 2, 3, 4"
    )));
    out.extend(rows(&format!(
        "SELECT 'index', m.name, i.name, i.\"unique\", i.origin, i.partial \
         FROM sqlite_master m JOIN pragma_index_list(m.name) i WHERE {tables} ORDER BY 2, 3"
    )));
    out.extend(rows(
        "SELECT 'index sql', name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY 2",
    ));
    out
}

fn sqlite_modules(path: &std::path::Path) -> Vec<(String, i64)> {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut st = c.prepare("SELECT module, version FROM module_migration ORDER BY module, version").unwrap();
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

#[tokio::test]
async fn data_made_before_the_module_layout_upgrades_in_place_postgres() {
    let url = fresh_pg_database().await.unwrap();
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.batch_execute(POSTGRES_DUMP).await.unwrap();
    drop(client);
    upgraded(Backend::Postgres, fresh_data_dir().unwrap(), Some(url.clone())).await;
    let fresh = fresh_pg_database().await.unwrap();
    tinhso::db::postgres(&fresh, 2).await.unwrap();
    let (old, new) = (postgres_schema(&url).await, postgres_schema(&fresh).await);
    assert!(new.len() > 100, "the schema read is the whole schema: {new:#?}");
    assert_same(&old, &new);
    let legacy_table = "SELECT (to_regclass('schema_migration') IS NULL)::text";
    assert_eq!(postgres_rows(&url, legacy_table).await, ["true"], "the old bookkeeping is dropped");
    let modules = "SELECT module || ' ' || version FROM module_migration ORDER BY 1";
    assert_eq!(postgres_rows(&url, modules).await, postgres_rows(&fresh, modules).await);
}

/// The first column of each row, as text.
async fn postgres_rows(url: &str, sql: &str) -> Vec<String> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let rows = client.query(sql, &[]).await.unwrap();
    rows.iter().map(|r| r.get::<_, Option<String>>(0).unwrap_or_default()).collect()
}

/// Columns, indexes (their definitions) and constraints (their definitions), without the
/// migration bookkeeping.
async fn postgres_schema(url: &str) -> Vec<String> {
    let mut out = postgres_rows(
        url,
        "SELECT concat_ws(' | ', 'column', table_name, column_name, data_type, is_nullable, column_default)
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'module_migration'
         ORDER BY table_name, column_name",
    )
    .await;
    out.extend(
        postgres_rows(
            url,
            "SELECT concat_ws(' | ', 'index', indexname, indexdef) FROM pg_indexes
             WHERE schemaname = 'public' AND tablename <> 'module_migration' ORDER BY indexname",
        )
        .await,
    );
    out.extend(
        postgres_rows(
            url,
            "SELECT concat_ws(' | ', 'constraint', conrelid::regclass::text, conname, pg_get_constraintdef(oid))
             FROM pg_constraint WHERE connamespace = 'public'::regnamespace
               AND conrelid::regclass::text <> 'module_migration' ORDER BY 1",
        )
        .await,
    );
    out
}

/// A database a newer build migrated (a module version this build does not know) is refused
/// with the reason, not opened and guessed at.
#[tokio::test]
async fn a_database_from_a_newer_version_is_refused() {
    let path = fresh_data_dir().unwrap().join("tinhso.db");
    tinhso::db::sqlite(&path).await.unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("INSERT INTO module_migration VALUES ('dossier', 99, 'future', '2030-01-01')", []).unwrap();
    drop(conn);
    let err = tinhso::db::sqlite(&path).await.err().map(|e| format!("{e:#}")).unwrap_or_default();
    assert!(err.contains("dossier migration 99") && err.contains("newer"), "{err}");

    let url = fresh_pg_database().await.unwrap();
    tinhso::db::postgres(&url, 2).await.unwrap();
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.execute("INSERT INTO module_migration VALUES ('ioc', 7, 'future', now())", &[]).await.unwrap();
    let err = tinhso::db::postgres(&url, 2).await.err().map(|e| format!("{e:#}")).unwrap_or_default();
    assert!(err.contains("ioc migration 7") && err.contains("newer"), "{err}");
}

/// Read models a build with another fold or projection revision computed are rebuilt from the
/// events when the database is next opened, and only then: a counter tampered with under the
/// current signature stays wrong (and `ioc check` names it); marked stale, it is recomputed.
async fn stale_read_models_are_rebuilt(s: TestServer) {
    let check = || async {
        let args = [vec!["ioc".to_owned(), "check".to_owned()], s.data_args()].concat();
        run_cli(crate::bin(), &args).await.unwrap()
    };
    assert!(s.exec_sql("UPDATE ioc_aggregate SET value = value + 5 WHERE measure = 'online'").await.unwrap() > 0);
    assert!(s.exec_sql("UPDATE inbox_tally SET n = n + 2").await.unwrap() > 0);
    let (code, _, err) = check().await;
    assert_eq!(code, 1, "the signature is current: nothing is rebuilt, the tampering is seen\n{err}");
    // As a database an older build wrote: its signature names other revisions.
    assert_eq!(s.exec_sql("UPDATE dossier_fold SET signature = 'fold:1;ioc:1;inbox:1'").await.unwrap(), 1);
    let (code, out, err) = check().await;
    assert_eq!(code, 0, "rebuilt from the events on opening:\n{out}\n{err}");
    assert!(out.contains("khớp") && out.contains("120 hồ sơ"), "{out}");
    assert_eq!(
        s.exec_sql("UPDATE dossier_fold SET signature = signature WHERE signature LIKE 'fold:2;%'").await.unwrap(),
        1
    );
    s.stop().await.unwrap();
}

#[tokio::test]
async fn stale_read_models_are_rebuilt_on_sqlite() {
    stale_read_models_are_rebuilt(crate::demo_server(Backend::Sqlite, 120).await).await;
}

#[tokio::test]
async fn stale_read_models_are_rebuilt_on_postgres() {
    stale_read_models_are_rebuilt(crate::demo_server(Backend::Postgres, 120).await).await;
}

/// A PostgreSQL database whose commits do not wait for the WAL flush is refused with the
/// reason: acknowledged writes could vanish.
#[tokio::test]
async fn postgres_without_durable_commits_is_refused() {
    let url = fresh_pg_database().await.unwrap();
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let name = url.rsplit('/').next().unwrap().to_owned();
    client.batch_execute(&format!("ALTER DATABASE {name} SET synchronous_commit = off")).await.unwrap();
    let err = tinhso::db::postgres(&url, 2).await.err().map(|e| format!("{e:#}")).unwrap_or_default();
    assert!(err.contains("synchronous_commit = off"), "{err}");
    client.batch_execute(&format!("ALTER DATABASE {name} SET synchronous_commit = on")).await.unwrap();
    assert!(tinhso::db::postgres(&url, 2).await.is_ok());

    // Turned off while the platform runs: sessions it opens afterwards keep the setting it
    // checked at start (pinned in each session's startup packet), while others get `off`.
    let store = tinhso_postgres::PgStore::connect(&url, 4, Vec::new()).await.unwrap();
    client.batch_execute(&format!("ALTER DATABASE {name} SET synchronous_commit = off")).await.unwrap();
    let (other, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let show = "SHOW synchronous_commit";
    assert_eq!(other.query_one(show, &[]).await.unwrap().get::<_, String>(0), "off", "a new session elsewhere");
    let sessions: Vec<_> = futures_util::future::join_all((0..4).map(|_| store.client())).await;
    for s in sessions {
        assert_eq!(s.unwrap().query_one(show, &[]).await.unwrap().get::<_, String>(0), "on", "the platform's");
    }
    client.batch_execute(&format!("ALTER DATABASE {name} SET synchronous_commit = on")).await.unwrap();
}

/// PostgreSQL over TLS, the server's certificate verified against the province's CA
/// (`sslmode=verify-full` as libpq spells it, `--database-ca`); without that CA the
/// connection is refused, never made unverified.
#[tokio::test]
async fn postgres_over_verified_tls() {
    let ca = std::env::var("TINHSO_TEST_PG_CA").expect("TINHSO_TEST_PG_CA: run scripts/test, which makes the test CA");
    let url = format!("{}?sslmode=verify-full", fresh_pg_database().await.unwrap());
    let pem = std::fs::read(&ca).unwrap();
    let stores = tinhso::db::postgres_with(&url, Some(&pem), 2).await.unwrap();
    stores.health.ping().await.unwrap();
    let err = tinhso::db::postgres(&url, 2).await.err().map(|e| format!("{e:#}")).unwrap_or_default();
    assert!(err.to_lowercase().contains("tls handshake"), "an unknown issuer is refused: {err}");
    // The server itself, from the command line, over TLS.
    let data = fresh_data_dir().unwrap();
    let s = TestServer::start_on(Backend::Postgres, crate::bin(), data, Some(url.clone()), &["--database-ca", &ca])
        .await
        .unwrap();
    let health: serde_json::Value =
        s.client().get(format!("{}/healthz", s.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    s.stop().await.unwrap();
    // The connection is encrypted: PostgreSQL says so for the server's sessions.
    let plain = url.split('?').next().unwrap().to_owned();
    let (client, conn) = tokio_postgres::connect(&plain, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let db = plain.rsplit('/').next().unwrap().to_owned();
    let encrypted: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE s.ssl AND a.datname = $1",
            &[&db],
        )
        .await
        .unwrap()
        .get(0);
    assert!(encrypted >= 1, "the test's own TLS pool is still open and encrypted");
    drop(stores);
}
