//! The embedded engine (the default): SQLite in WAL mode with `synchronous=FULL`, so a commit
//! that returned is on disk. One writer connection (SQLite allows one writer anyway) with
//! group commit (`write`), a small pool of readers that keep their snapshot while nothing has
//! been committed (`read` on tokio's blocking pool, `read_now` for point reads; readers.rs).
//! Module stores build on `read`, `write`, `exec`, and the platform's
//! in-transaction writes (`ledger::append`, `outbox::enqueue`); the migration runner applies
//! the schema the composition root lists. Implements the platform's ports (province,
//! identity, files, notify, ledger reads) itself.
//!
//! May depend on: the kernel, the policy, the ledger, the storage vocabulary, the writer's VFS
//! (tinhso-sqlite-vfs); the dossier and ioc cores only for the one Rust step of the frozen
//! pre-module migration sequence.

mod alerts;
mod audit_runs;
mod credentials;
mod documents;
pub mod guard;
pub mod ledger;
pub mod migrate;
mod notify;
pub mod outbox;
mod readers;
/// How late this server's readers may see a commit made by another process (an operator's command).
pub use readers::MAX_STALE;
mod rows;
pub mod schedule;
mod texts;
mod write;
mod writer;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tinhso_kernel::ids::{AccountId, AgencyCode, PersonalId};
use tinhso_kernel::province::{Agency, Province, Unit};
use tinhso_ledger::chain::LaneHead;
use tinhso_policy::Role;
use tinhso_store::admin::{AdminAct, AdminEntry, LogFilter};
use tinhso_store::migrate::Migrations;
use tinhso_store::{
    Account, AuditAnchors, AuditRow, Health, IdentityStore, LedgerStore, NewAccount, Notification, ProvinceSetup,
    ProvinceStore, Result, Session, StoreError,
};

/// Page cache of the write connection, in KiB.
const WRITER_CACHE_KIB: u32 = 64 * 1024;

pub struct SqliteStore {
    writer: writer::Writer,
    readers: Arc<readers::Readers>,
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Runs a statement through the connection's statement cache: write paths repeat a few
/// statements thousands of times a second, and parsing them each time showed in profiles.
pub fn exec(tx: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<usize> {
    tx.prepare_cached(sql).and_then(|mut st| st.execute(params)).map_err(map_err)
}

pub fn map_err(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            StoreError::Conflict(e.to_string())
        }
        _ => backend(e),
    }
}

/// A read-write connection. The writer's (`vfs` Some) opens its files through the VFS that
/// gathers a commit's WAL appends into a few large writes (tinhso-sqlite-vfs); the checkpointer,
/// which never appends to the WAL, through the default one.
fn open(path: &Path, vfs: Option<&str>) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match vfs {
        Some(vfs) => Connection::open_with_flags_and_vfs(path, flags, vfs)?,
        None => Connection::open_with_flags(path, flags)?,
    };
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Room for every statement of the write path (rusqlite keeps 16 by default).
    conn.set_prepared_statement_cache_capacity(64);
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
    )?;
    Ok(conn)
}

/// A read connection: WAL is a property of the file, set once by the writer.
fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(64);
    // Pages read through a shared memory map (up to 1 TiB: the build raises SQLite's 2 GiB cap,
    // .cargo/config.toml; a build without it maps the first 2 GiB) instead of copied into
    // each reader's own cache by a system call and an allocation per page: with keys drawn over
    // a whole large table, those copies and the allocator's locks were most of a point read.
    // Readers never write, so a map cannot carry unsynced data anywhere.
    conn.execute_batch("PRAGMA cache_size = -2000; PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 1099511627776;")?;
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies `schema`: the platform's
    /// and the modules' migrations, in the order the composition root lists them.
    pub async fn open(path: impl Into<PathBuf>, schema: Vec<Migrations>) -> Result<Self> {
        let path = path.into();
        let p = path.clone();
        let (writer, checkpointer) = tokio::task::spawn_blocking(move || -> Result<(Connection, Connection)> {
            let gather = tinhso_sqlite_vfs::register()
                .map_err(|rc| StoreError::Backend(format!("registering the SQLite VFS failed: code {rc}")))?;
            let mut conn = open(&p, Some(gather)).map_err(backend)?;
            // The writer's own pages (index tails, aggregates, chain head) stay in its cache
            // instead of being read back from the file on every batch; a migration that fills
            // an index from stored rows needs the same.
            conn.execute_batch(&format!("PRAGMA cache_size = -{WRITER_CACHE_KIB};")).map_err(backend)?;
            migrate::run(&mut conn, &schema)?;
            Ok((conn, open(&p, None).map_err(backend)?))
        })
        .await
        .map_err(backend)??;
        let readers = Arc::new(readers::Readers::new(path.clone()));
        let writer = writer::Writer::start(writer, checkpointer, readers.clone()).map_err(backend)?;
        Ok(Self { writer, readers })
    }

    /// Runs `f` on the blocking pool in a pooled reader's snapshot (readers.rs): every
    /// statement of `f` sees the same data, which includes every write acknowledged before.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || readers.with(f)).await.map_err(backend)?
    }

    /// A point read (one row by its key, microseconds in the page cache) on the calling thread,
    /// with a pooled reader: handing it to the blocking pool and back costs two thread wake-ups,
    /// several times the read itself. Only for reads bounded by an index lookup; anything that
    /// scans goes through [`Self::read`].
    pub fn read_now<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Connection) -> rusqlite::Result<T>,
    {
        self.readers.with(f)
    }

    /// Records stored as one JSON `body` column, in the query's order.
    pub async fn json_bodies<T: serde::de::DeserializeOwned>(&self, sql: &'static str) -> Result<Vec<T>> {
        let bodies: Vec<String> = self
            .read(move |c| {
                let mut st = c.prepare(sql)?;
                let rows = st.query_map([], |r| r.get(0))?;
                rows.collect()
            })
            .await?;
        bodies.iter().map(|b| tinhso_store::codec::from_json(b)).collect()
    }

    /// Runs `f` atomically in the next group commit; resolves once it is durable. `f` may run
    /// more than once (only the last run counts) if another write of its batch fails.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&Connection) -> Result<T> + Send + 'static,
    {
        self.writer.write(f).await
    }
}

#[async_trait]
impl Health for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> Result<()> {
        self.read(|c| c.query_row("SELECT 1", [], |_| Ok(()))).await
    }

    fn engine_stats(&self) -> tinhso_store::EngineStats {
        let stats = self.writer.stats();
        let readers = self.readers.idle() as u64;
        tinhso_store::EngineStats {
            queued: stats.queued(),
            connections: readers + 1,
            waiting_for_connection: 0,
            batch_sizes: stats.sizes.read(),
            commit_durations: stats.commits.read(),
            syncs: Some(stats.syncs.read()),
        }
    }

    async fn outbox_lag(&self, now: DateTime<Utc>) -> Result<(i64, i64)> {
        self.read(move |c| {
            c.query_row("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE email_state = 'pending'", [], |r| {
                let oldest: Option<DateTime<Utc>> = r.get(1)?;
                Ok((r.get(0)?, oldest.map_or(0, |t| (now - t).num_seconds().max(0))))
            })
        })
        .await
    }
}

#[async_trait]
impl ProvinceStore for SqliteStore {
    async fn province(&self) -> Result<Option<Province>> {
        self.read(rows::province).await
    }

    async fn setup_province(&self, setup: &ProvinceSetup) -> Result<()> {
        let setup = setup.clone();
        self.write(move |tx| write::setup(tx, &setup)).await
    }

    async fn adopt_province_before_log(&self, by: &AdminAct) -> Result<bool> {
        let by = *by;
        self.write(move |tx| write::adopt_province(tx, &by)).await
    }

    async fn units(&self, on: NaiveDate) -> Result<Vec<Unit>> {
        self.read(move |c| {
            let mut st = c.prepare(
                "SELECT code, name, division_type, province_code, valid_from, valid_to FROM unit
                 WHERE valid_from <= ?1 AND (valid_to IS NULL OR valid_to > ?1) ORDER BY code",
            )?;
            let rows = st.query_map([on], rows::unit)?;
            rows.collect()
        })
        .await
    }

    async fn agencies(&self) -> Result<Vec<Agency>> {
        self.read(rows::agencies).await
    }
}

#[async_trait]
impl IdentityStore for SqliteStore {
    async fn create_account(&self, a: &NewAccount) -> Result<AccountId> {
        let a = a.clone();
        self.write(move |tx| write::insert_account(tx, &a)).await
    }

    async fn account_by_login(&self, login: &str) -> Result<Option<Account>> {
        let login = login.to_owned();
        self.read(move |c| {
            c.query_row(
                &format!("SELECT {} FROM account WHERE login = ?1", rows::ACCOUNT_COLUMNS),
                [login],
                rows::account,
            )
            .optional()
        })
        .await
    }

    async fn account(&self, id: AccountId) -> Result<Option<Account>> {
        self.read(move |c| {
            c.query_row(&format!("SELECT {} FROM account WHERE id = ?1", rows::ACCOUNT_COLUMNS), [id.0], rows::account)
                .optional()
        })
        .await
    }

    async fn staff_accounts(&self) -> Result<Vec<Account>> {
        let sql = format!(
            "SELECT {} FROM account WHERE role IN ({}) ORDER BY id",
            rows::ACCOUNT_COLUMNS,
            tinhso_store::staff_roles_sql()
        );
        self.read(move |c| {
            let mut st = c.prepare(&sql)?;
            let rows = st.query_map([], rows::account)?;
            rows.collect()
        })
        .await
    }

    async fn locked_accounts(&self) -> Result<Vec<Account>> {
        let sql = format!("SELECT {} FROM account WHERE disabled ORDER BY id", rows::ACCOUNT_COLUMNS);
        self.read(move |c| {
            let mut st = c.prepare(&sql)?;
            let rows = st.query_map([], rows::account)?;
            rows.collect()
        })
        .await
    }

    async fn staff_before_log(&self) -> Result<tinhso_store::staff_audit::StaffBeforeLog> {
        let rows = self
            .read(|c| {
                let mut st = c.prepare("SELECT account, role, agency FROM staff_before_log")?;
                let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                rows.collect()
            })
            .await?;
        Ok(tinhso_store::staff_audit::before_log(rows))
    }

    async fn accounts(&self) -> Result<Vec<Account>> {
        self.read(|c| {
            let mut st = c.prepare(&format!("SELECT {} FROM account ORDER BY id", rows::ACCOUNT_COLUMNS))?;
            let rows = st.query_map([], rows::account)?;
            rows.collect()
        })
        .await
    }

    async fn citizen_by_personal_id(&self, personal_id: &PersonalId) -> Result<Option<Account>> {
        let pid = personal_id.to_string();
        self.read(move |c| {
            let sql = format!(
                "SELECT {} FROM account WHERE personal_id = ?1 AND role = 'citizen' ORDER BY id LIMIT 1",
                rows::ACCOUNT_COLUMNS
            );
            c.query_row(&sql, [pid], rows::account).optional()
        })
        .await
    }

    async fn claim_account(&self, id: AccountId, code: &str, password_hash: &str, full_name: &str) -> Result<bool> {
        let (code, hash, name) = (code.to_owned(), password_hash.to_owned(), full_name.to_owned());
        self.write(move |tx| {
            let n = tx
                .execute(
                    "UPDATE account SET password_hash = ?1, full_name = ?2 WHERE id = ?3 AND password_hash = ''
                       AND EXISTS (SELECT 1 FROM account_claim WHERE account_id = ?3 AND code = ?4)",
                    rusqlite::params![hash, name, id, code],
                )
                .map_err(map_err)?;
            if n == 1 {
                exec(tx, "DELETE FROM account_claim WHERE account_id = ?1", [id])?;
            }
            Ok(n == 1)
        })
        .await
    }

    async fn issue_claim_code(&self, id: AccountId, code: &str) -> Result<Option<String>> {
        let code = code.to_owned();
        self.write(move |tx| {
            exec(
                tx,
                "INSERT INTO account_claim (account_id, code)
                 SELECT id, ?2 FROM account WHERE id = ?1 AND password_hash = '' ON CONFLICT (account_id) DO NOTHING",
                rusqlite::params![id, code],
            )?;
            tx.query_row("SELECT code FROM account_claim WHERE account_id = ?1", [id], |r| r.get(0))
                .optional()
                .map_err(map_err)
        })
        .await
    }

    async fn claim_code(&self, id: AccountId) -> Result<Option<String>> {
        self.read(move |c| {
            c.query_row("SELECT code FROM account_claim WHERE account_id = ?1", [id], |r| r.get(0)).optional()
        })
        .await
    }

    async fn staff(&self, agency: &AgencyCode) -> Result<Vec<Account>> {
        let agency = agency.to_string();
        self.read(move |c| {
            let sql =
                format!("SELECT {} FROM account WHERE agency_code = ?1 AND role <> 'citizen'", rows::ACCOUNT_COLUMNS);
            let mut st = c.prepare(&sql)?;
            let rows = st.query_map([agency], rows::account)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })
        .await
        .map(|mut staff| {
            tinhso_store::by_name(&mut staff);
            staff
        })
    }

    async fn account_names(&self, ids: &[AccountId]) -> Result<Vec<(AccountId, String)>> {
        let ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
        self.read(move |c| {
            let mut st = c.prepare_cached("SELECT id, full_name FROM account WHERE id = ?1")?;
            let mut names = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(row) = st.query_row([id], |r| Ok((AccountId(r.get(0)?), r.get(1)?))).optional()? {
                    names.push(row);
                }
            }
            Ok(names)
        })
        .await
    }

    async fn create_session(&self, s: &Session) -> Result<()> {
        let s = s.clone();
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO session (token_hash, account_id, csrf_token, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![s.token_hash, s.account_id, s.csrf_token, s.created_at, s.expires_at],
            )
            .map_err(map_err)?;
            // Sweep expired sessions while we hold the writer anyway.
            tx.execute("DELETE FROM session WHERE expires_at <= ?1", [s.created_at]).map_err(map_err)?;
            Ok(())
        })
        .await
    }

    async fn session(&self, token_hash: &[u8], now: DateTime<Utc>) -> Result<Option<(Session, Account)>> {
        let token_hash = token_hash.to_vec();
        self.read(move |c| {
            let cols: String =
                rows::ACCOUNT_COLUMNS.split(", ").map(|col| format!("a.{col}")).collect::<Vec<_>>().join(", ");
            c.query_row(
                &format!(
                    "SELECT s.token_hash, s.account_id, s.csrf_token, s.created_at, s.expires_at, {cols}
                     FROM session s JOIN account a ON a.id = s.account_id
                     WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND a.disabled = 0"
                ),
                params![token_hash, now],
                |r| {
                    let session = Session {
                        token_hash: r.get(0)?,
                        account_id: r.get(1)?,
                        csrf_token: r.get(2)?,
                        created_at: r.get(3)?,
                        expires_at: r.get(4)?,
                    };
                    Ok((session, rows::account_at(r, 5)?))
                },
            )
            .optional()
        })
        .await
    }

    async fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        let token_hash = token_hash.to_vec();
        self.write(move |tx| {
            tx.execute("DELETE FROM session WHERE token_hash = ?1", [&token_hash]).map_err(map_err)?;
            Ok(())
        })
        .await
    }

    async fn reset_password(&self, id: AccountId, code: &str, by: &AdminAct) -> Result<Option<String>> {
        self.reset_password_q(id, code, by).await
    }

    async fn create_staff(&self, a: &NewAccount, by: &AdminAct) -> Result<AccountId> {
        self.create_staff_q(a, by).await
    }

    async fn change_staff(&self, change: &tinhso_store::staff_change::StaffChange, by: &AdminAct) -> Result<bool> {
        self.change_staff_q(change, by).await
    }

    async fn issue_email_reset(
        &self,
        id: AccountId,
        code_sha256: &[u8; 32],
        until: DateTime<Utc>,
        mail: &Notification,
    ) -> Result<()> {
        self.issue_email_reset_q(id, code_sha256, until, mail).await
    }

    async fn redeem_email_reset(
        &self,
        id: AccountId,
        code_sha256: &[u8; 32],
        now: DateTime<Utc>,
        password_hash: &str,
    ) -> Result<bool> {
        self.redeem_email_reset_q(id, code_sha256, now, password_hash).await
    }

    async fn change_password(&self, id: AccountId, password_hash: &str, keep: &[u8]) -> Result<bool> {
        let (hash, keep) = (password_hash.to_owned(), keep.to_vec());
        self.write(move |tx| {
            let n = tx
                .execute(
                    "UPDATE account SET password_hash = ?1, must_change_password = FALSE WHERE id = ?2",
                    rusqlite::params![hash, id],
                )
                .map_err(map_err)?;
            exec(tx, "DELETE FROM session WHERE account_id = ?1 AND token_hash <> ?2", rusqlite::params![id, keep])?;
            Ok(n == 1)
        })
        .await
    }

    async fn staff_with_role(&self, role: Role) -> Result<Vec<Account>> {
        self.staff_with_role_q(role).await
    }
}

#[async_trait]
impl LedgerStore for SqliteStore {
    async fn admin_log(&self, before: Option<i64>, limit: usize, filter: &LogFilter) -> Result<Vec<AdminEntry>> {
        self.admin_log_q(before, limit, *filter).await
    }

    async fn audit_page(&self, after: i64, limit: usize) -> Result<Vec<AuditRow>> {
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT * FROM (
                     SELECT id, dossier_code, at, actor, payload, hash, kind, public, lane, seq FROM dossier_event
                     WHERE id > ?1 ORDER BY id LIMIT ?2)
                 UNION ALL
                 SELECT * FROM (
                     SELECT id, subject, at, actor, payload, hash, kind, public, lane, seq FROM ledger_entry
                     WHERE id > ?1 ORDER BY id LIMIT ?2)
                 ORDER BY id LIMIT ?2",
            )?;
            let rows = st.query_map(params![after, limit as i64], |r| {
                Ok(AuditRow { link: rows::link(r)?, hash: r.get(5)?, kind: r.get(6)?, public: r.get(7)? })
            })?;
            rows.collect()
        })
        .await
    }

    async fn audit_anchors(&self) -> Result<AuditAnchors> {
        self.read(|c| Ok(AuditAnchors::new(ledger::heads(c)?, ledger::checkpoints(c)?, ledger::marks(c)?))).await
    }

    async fn lane_heads(&self) -> Result<Vec<LaneHead>> {
        self.read(ledger::heads).await
    }

    async fn checkpoint(&self, at: DateTime<Utc>) -> Result<Option<i64>> {
        let at = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        self.write(move |tx| ledger::checkpoint(tx, &at)).await
    }

    async fn audit_unlinked(&self) -> Result<Vec<String>> {
        self.read(|c| {
            let mut st = c.prepare(
                "SELECT d.code FROM dossier d LEFT JOIN dossier_event e ON e.id = d.first_event
                 WHERE e.id IS NULL OR e.dossier_code <> d.code OR e.kind <> 'submitted' ORDER BY d.code LIMIT 100",
            )?;
            let rows = st.query_map([], |r| r.get(0))?;
            rows.collect()
        })
        .await
    }
}

#[cfg(test)]
mod tests;
