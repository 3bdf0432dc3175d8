//! The scale-out engine: PostgreSQL through a connection pool (`client`), migrations under an
//! advisory lock so that several `tinhso serve` processes can start against one database at
//! once. Module stores build on `client` and the platform's in-transaction writes
//! (`ledger::claim_many` and `write_dossier_entries`, `ledger::append_entry`,
//! `outbox::enqueue`). Implements the platform's ports (province, identity, files, notify,
//! ledger reads) itself.
//!
//! May depend on: the kernel, the policy, the ledger, the storage vocabulary; the dossier and
//! ioc cores only for the one Rust step of the frozen pre-module migration sequence.

mod alerts;
mod audit_runs;
mod blobs;
pub mod cached;
mod credentials;
mod documents;
mod durability;
mod texts;
pub use cached::Cached;
pub mod guard;
pub mod ledger;
pub mod migrate;
pub mod outbox;
mod rows;
pub mod schedule;
pub mod tls;
mod write;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tinhso_kernel::ids::{AccountId, AgencyCode, PersonalId};
use tinhso_kernel::province::{Agency, Province, Unit};
use tinhso_ledger::chain::LaneHead;
use tinhso_policy::Role;
use tinhso_store::admin::{AdminAct, AdminEntry, LogFilter};
use tinhso_store::codec::from_json;
use tinhso_store::migrate::Migrations;
use tinhso_store::stats::{self, Histogram};
use tinhso_store::{
    Account, AuditAnchors, AuditRow, Health, IdentityStore, InboxMessage, LedgerStore, NewAccount, Notification,
    NotifyStore, PendingEmail, ProvinceSetup, ProvinceStore, Result, Session, StoreError,
};
use tokio_postgres::error::SqlState;

pub struct PgStore {
    pool: Pool,
    /// Writes committed together (a module's batched submissions), for `/metrics`.
    batches: Batches,
}

/// Commits of batched writes: the writes each held and its time (counts and sums are the totals).
struct Batches {
    sizes: Histogram,
    durations: Histogram,
}

impl Default for Batches {
    fn default() -> Self {
        Self { sizes: Histogram::new(stats::BATCH_SIZES), durations: Histogram::new(stats::DISK_SECONDS) }
    }
}

pub fn map_err(e: tokio_postgres::Error) -> StoreError {
    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        StoreError::Conflict(e.to_string())
    } else {
        StoreError::Backend(e.to_string())
    }
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl PgStore {
    /// Connects with a `postgres://` URL and applies `schema`: the platform's and the modules'
    /// migrations, in the order the composition root lists them.
    pub async fn connect(url: &str, max_connections: usize, schema: Vec<Migrations>) -> Result<Self> {
        Self::connect_with(url, None, max_connections, schema).await
    }

    /// The same, trusting the PEM CA certificates in `ca_pem` too for the server's TLS
    /// certificate (a provincial CA). TLS follows the URL's `sslmode`.
    pub async fn connect_with(
        url: &str,
        ca_pem: Option<&[u8]>,
        max_connections: usize,
        schema: Vec<Migrations>,
    ) -> Result<Self> {
        let mut config: tokio_postgres::Config = tls::libpq_sslmode(url).parse().map_err(backend)?;
        // libpq's default `prefer` means TLS without checking whom one talks to; this platform
        // does not make unverified TLS connections, so `prefer` (or no sslmode) is plain, and
        // `require` / `verify-ca` / `verify-full` is TLS, always verified.
        if config.get_ssl_mode() == tokio_postgres::config::SslMode::Prefer {
            config.ssl_mode(tokio_postgres::config::SslMode::Disable);
        }
        let tls = tls::RustlsConnect::new(ca_pem).map_err(StoreError::Backend)?;
        let pool = |config: tokio_postgres::Config, size: usize| {
            let manager =
                Manager::from_config(config, tls.clone(), ManagerConfig { recycling_method: RecyclingMethod::Fast });
            Pool::builder(manager).max_size(size).build().map_err(backend)
        };
        // One session as the server gives it, to check what it would do; then the pool, with
        // the checked setting pinned.
        let setting = {
            let probe = pool(config.clone(), 1)?;
            let client = probe.get().await.map_err(backend)?;
            durability::durable_commits(&client).await?
        };
        let store =
            Self { pool: pool(durability::pinned(config, &setting), max_connections)?, batches: Batches::default() };
        let mut client = store.client().await?;
        migrate::run(&mut client, &schema).await?;
        Ok(store)
    }

    pub async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(backend)
    }

    /// Counts a commit of `writes` batched writes that took `commit` (the `COMMIT` itself).
    pub fn record_batch(&self, writes: usize, commit: std::time::Duration) {
        self.batches.sizes.observe(writes as f64);
        self.batches.durations.observe_duration(commit);
    }

    /// The connection pool's size and waiters, for `/metrics`.
    pub fn pool_status(&self) -> deadpool_postgres::Status {
        self.pool.status()
    }

    /// Records stored as one JSON `body` column, in the query's order.
    pub async fn json_bodies<T: serde::de::DeserializeOwned>(&self, sql: &str) -> Result<Vec<T>> {
        let rows = self.client().await?.query(sql, &[]).await.map_err(map_err)?;
        rows.iter().map(|r| from_json(r.get::<_, &str>(0))).collect()
    }
}

#[async_trait]
impl Health for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> Result<()> {
        self.client().await?.execute_cached("SELECT 1", &[]).await.map_err(map_err)?;
        Ok(())
    }

    fn engine_stats(&self) -> tinhso_store::EngineStats {
        let status = self.pool_status();
        let b = &self.batches;
        tinhso_store::EngineStats {
            queued: 0,
            connections: status.size as u64,
            waiting_for_connection: status.waiting as u64,
            batch_sizes: b.sizes.read(),
            commit_durations: b.durations.read(),
            syncs: None,
        }
    }

    async fn outbox_lag(&self, now: DateTime<Utc>) -> Result<(i64, i64)> {
        let row = self
            .client()
            .await?
            .query_one_cached("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE email_state = 'pending'", &[])
            .await
            .map_err(map_err)?;
        let oldest: Option<DateTime<Utc>> = row.get(1);
        Ok((row.get(0), oldest.map_or(0, |t| (now - t).num_seconds().max(0))))
    }
}

#[async_trait]
impl ProvinceStore for PgStore {
    async fn province(&self) -> Result<Option<Province>> {
        let row = self.client().await?.query_opt_cached(rows::PROVINCE_SELECT, &[]).await.map_err(map_err)?;
        Ok(row.as_ref().map(rows::province))
    }

    async fn setup_province(&self, setup: &ProvinceSetup) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let out = write::setup(&tx, setup).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(out)
    }

    async fn adopt_province_before_log(&self, by: &AdminAct) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let adopted = write::adopt_province(&tx, by).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(adopted)
    }

    async fn units(&self, on: NaiveDate) -> Result<Vec<Unit>> {
        let rows = self
            .client()
            .await?
            .query_cached(
                "SELECT code, name, division_type, province_code, valid_from, valid_to FROM unit
                 WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1) ORDER BY code",
                &[&on],
            )
            .await
            .map_err(map_err)?;
        rows.iter().map(rows::unit).collect()
    }

    async fn agencies(&self) -> Result<Vec<Agency>> {
        let rows = self.client().await?.query_cached(rows::AGENCIES_SELECT, &[]).await.map_err(map_err)?;
        rows.iter().map(rows::agency).collect()
    }
}

#[async_trait]
impl IdentityStore for PgStore {
    async fn create_account(&self, a: &NewAccount) -> Result<AccountId> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let out = write::insert_account(&tx, a).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(out)
    }

    async fn account_by_login(&self, login: &str) -> Result<Option<Account>> {
        let row = self
            .client()
            .await?
            .query_opt(&format!("SELECT {} FROM account WHERE login = $1", rows::ACCOUNT_COLUMNS), &[&login])
            .await
            .map_err(map_err)?;
        row.map(|r| rows::account_at(&r, 0)).transpose()
    }

    async fn account(&self, id: AccountId) -> Result<Option<Account>> {
        let row = self
            .client()
            .await?
            .query_opt(&format!("SELECT {} FROM account WHERE id = $1", rows::ACCOUNT_COLUMNS), &[&id.0])
            .await
            .map_err(map_err)?;
        row.map(|r| rows::account_at(&r, 0)).transpose()
    }

    async fn staff_accounts(&self) -> Result<Vec<Account>> {
        let sql = format!(
            "SELECT {} FROM account WHERE role IN ({}) ORDER BY id",
            rows::ACCOUNT_COLUMNS,
            tinhso_store::staff_roles_sql()
        );
        let rows = self.client().await?.query(&sql, &[]).await.map_err(map_err)?;
        rows.iter().map(|r| rows::account_at(r, 0)).collect()
    }

    async fn locked_accounts(&self) -> Result<Vec<Account>> {
        let sql = format!("SELECT {} FROM account WHERE disabled ORDER BY id", rows::ACCOUNT_COLUMNS);
        let rows = self.client().await?.query(&sql, &[]).await.map_err(map_err)?;
        rows.iter().map(|r| rows::account_at(r, 0)).collect()
    }

    async fn staff_before_log(&self) -> Result<tinhso_store::staff_audit::StaffBeforeLog> {
        let rows = self
            .client()
            .await?
            .query("SELECT account, role, agency FROM staff_before_log", &[])
            .await
            .map_err(map_err)?;
        Ok(tinhso_store::staff_audit::before_log(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect()))
    }

    async fn accounts(&self) -> Result<Vec<Account>> {
        let rows = self
            .client()
            .await?
            .query(&format!("SELECT {} FROM account ORDER BY id", rows::ACCOUNT_COLUMNS), &[])
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| rows::account_at(r, 0)).collect()
    }

    async fn citizen_by_personal_id(&self, personal_id: &PersonalId) -> Result<Option<Account>> {
        let personal_id = personal_id.as_str();
        let sql = format!(
            "SELECT {} FROM account WHERE personal_id = $1 AND role = 'citizen' ORDER BY id LIMIT 1",
            rows::ACCOUNT_COLUMNS
        );
        let row = self.client().await?.query_opt(&sql, &[&personal_id]).await.map_err(map_err)?;
        row.map(|r| rows::account_at(&r, 0)).transpose()
    }

    async fn claim_account(&self, id: AccountId, code: &str, password_hash: &str, full_name: &str) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let n = tx
            .execute_cached(
                "UPDATE account SET password_hash = $1, full_name = $2 WHERE id = $3 AND password_hash = ''
                   AND EXISTS (SELECT 1 FROM account_claim WHERE account_id = $3 AND code = $4)",
                &[&password_hash, &full_name, &id, &code],
            )
            .await
            .map_err(map_err)?;
        if n == 1 {
            tx.execute_cached("DELETE FROM account_claim WHERE account_id = $1", &[&id]).await.map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(n == 1)
    }

    async fn issue_claim_code(&self, id: AccountId, code: &str) -> Result<Option<String>> {
        let client = self.client().await?;
        client
            .execute_cached(
                "INSERT INTO account_claim (account_id, code)
                 SELECT id, $2 FROM account WHERE id = $1 AND password_hash = '' ON CONFLICT (account_id) DO NOTHING",
                &[&id, &code],
            )
            .await
            .map_err(map_err)?;
        let row = client
            .query_opt_cached("SELECT code FROM account_claim WHERE account_id = $1", &[&id])
            .await
            .map_err(map_err)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn claim_code(&self, id: AccountId) -> Result<Option<String>> {
        let row = self
            .client()
            .await?
            .query_opt_cached("SELECT code FROM account_claim WHERE account_id = $1", &[&id])
            .await
            .map_err(map_err)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn staff(&self, agency: &AgencyCode) -> Result<Vec<Account>> {
        let sql = format!("SELECT {} FROM account WHERE agency_code = $1 AND role <> 'citizen'", rows::ACCOUNT_COLUMNS);
        let rows = self.client().await?.query(&sql, &[&agency.as_str()]).await.map_err(map_err)?;
        let mut staff = rows.iter().map(|r| rows::account_at(r, 0)).collect::<Result<Vec<_>>>()?;
        tinhso_store::by_name(&mut staff);
        Ok(staff)
    }

    async fn account_names(&self, ids: &[AccountId]) -> Result<Vec<(AccountId, String)>> {
        let ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
        let rows = self
            .client()
            .await?
            .query_cached("SELECT id, full_name FROM account WHERE id = ANY($1)", &[&ids])
            .await
            .map_err(map_err)?;
        Ok(rows.iter().map(|r| (AccountId(r.get(0)), r.get(1))).collect())
    }

    async fn create_session(&self, s: &Session) -> Result<()> {
        let client = self.client().await?;
        client
            .execute_cached(
                "INSERT INTO session (token_hash, account_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                &[&s.token_hash, &s.account_id, &s.csrf_token, &s.created_at, &s.expires_at],
            )
            .await
            .map_err(map_err)?;
        client.execute_cached("DELETE FROM session WHERE expires_at <= $1", &[&s.created_at]).await.map_err(map_err)?;
        Ok(())
    }

    async fn session(&self, token_hash: &[u8], now: DateTime<Utc>) -> Result<Option<(Session, Account)>> {
        let cols: String = rows::ACCOUNT_COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
        let row = self
            .client()
            .await?
            .query_opt(
                &format!(
                    "SELECT s.token_hash, s.account_id, s.csrf_token, s.created_at, s.expires_at, {cols}
                     FROM session s JOIN account a ON a.id = s.account_id
                     WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT a.disabled"
                ),
                &[&token_hash, &now],
            )
            .await
            .map_err(map_err)?;
        row.map(|r| {
            let session = Session {
                token_hash: r.get(0),
                account_id: r.get(1),
                csrf_token: r.get(2),
                created_at: r.get(3),
                expires_at: r.get(4),
            };
            Ok((session, rows::account_at(&r, 5)?))
        })
        .transpose()
    }

    async fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        self.client()
            .await?
            .execute_cached("DELETE FROM session WHERE token_hash = $1", &[&token_hash])
            .await
            .map_err(map_err)?;
        Ok(())
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
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let n = tx
            .execute(
                "UPDATE account SET password_hash = $1, must_change_password = FALSE WHERE id = $2",
                &[&password_hash, &id.0],
            )
            .await
            .map_err(map_err)?;
        tx.execute("DELETE FROM session WHERE account_id = $1 AND token_hash <> $2", &[&id.0, &keep])
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(n == 1)
    }

    async fn staff_with_role(&self, role: Role) -> Result<Vec<Account>> {
        self.staff_with_role_q(role).await
    }
}

#[async_trait]
impl LedgerStore for PgStore {
    async fn admin_log(&self, before: Option<i64>, limit: usize, filter: &LogFilter) -> Result<Vec<AdminEntry>> {
        self.admin_log_q(before, limit, filter).await
    }

    async fn audit_page(&self, after: i64, limit: usize) -> Result<Vec<AuditRow>> {
        let client = self.client().await?;
        let rows = client
            .query_cached(
                "(SELECT id, dossier_code, at, actor, payload, hash, public, kind, lane, seq FROM dossier_event
                  WHERE id > $1 ORDER BY id LIMIT $2)
                 UNION ALL
                 (SELECT id, subject, at, actor, payload, hash, public, kind, lane, seq FROM ledger_entry
                  WHERE id > $1 ORDER BY id LIMIT $2)
                 ORDER BY id LIMIT $2",
                &[&after, &(limit as i64)],
            )
            .await
            .map_err(map_err)?;
        Ok(rows
            .iter()
            .map(|r| {
                let (link, hash, public) = rows::link(r);
                AuditRow { link, hash, kind: r.get(7), public }
            })
            .collect())
    }

    async fn audit_anchors(&self) -> Result<AuditAnchors> {
        let mut client = self.client().await?;
        // One snapshot, so heads, checkpoints and marks agree with each other.
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(map_err)?;
        let anchors =
            AuditAnchors::new(ledger::heads(&tx).await?, ledger::checkpoints(&tx).await?, ledger::marks(&tx).await?);
        tx.commit().await.map_err(map_err)?;
        Ok(anchors)
    }

    async fn lane_heads(&self) -> Result<Vec<LaneHead>> {
        ledger::heads(&self.client().await?).await
    }

    async fn checkpoint(&self, at: DateTime<Utc>) -> Result<Option<i64>> {
        let at = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let n = ledger::checkpoint(&tx, &at).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(n)
    }
}

#[async_trait]
impl NotifyStore for PgStore {
    async fn send_alert(&self, key: &str, notes: &[Notification]) -> Result<bool> {
        self.send_alert_q(key, notes).await
    }

    async fn inbox(&self, account_id: AccountId) -> Result<Vec<InboxMessage>> {
        let rows = self
            .client()
            .await?
            .query_cached(
                "SELECT id, dossier_code, subject, body, created_at, subject_en, body_en FROM outbox
                  WHERE account_id = $1 AND in_inbox ORDER BY id DESC LIMIT 200",
                &[&account_id],
            )
            .await
            .map_err(map_err)?;
        Ok(rows
            .iter()
            .map(|r| InboxMessage {
                id: r.get(0),
                dossier: r.get(1),
                subject: r.get(2),
                body: r.get(3),
                created_at: r.get(4),
                subject_en: r.get(5),
                body_en: r.get(6),
            })
            .collect())
    }

    async fn unread(&self, account_id: AccountId) -> Result<u64> {
        let row = self
            .client()
            .await?
            .query_one_cached(
                "SELECT count(*) FROM (SELECT 1 FROM outbox WHERE account_id = $1 AND in_inbox
                   AND id > coalesce((SELECT last_id FROM inbox_read WHERE account_id = $1), 0) LIMIT 100) AS u",
                &[&account_id],
            )
            .await
            .map_err(map_err)?;
        Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
    }

    async fn mark_read(&self, account_id: AccountId, up_to: i64) -> Result<()> {
        self.client()
            .await?
            .execute_cached(
                "INSERT INTO inbox_read (account_id, last_id) VALUES ($1, $2)
                 ON CONFLICT (account_id) DO UPDATE SET last_id = greatest(inbox_read.last_id, excluded.last_id)",
                &[&account_id, &up_to],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn claim_emails(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<PendingEmail>> {
        let client = self.client().await?;
        client
            .execute_cached(
                "UPDATE outbox SET email_state = 'no_address' WHERE email_state = 'pending'
                 AND account_id IN (SELECT id FROM account WHERE position('@' in login) = 0)",
                &[],
            )
            .await
            .map_err(map_err)?;
        // SKIP LOCKED: servers claiming at once take different rows.
        let rows = client
            .query_cached(
                "WITH due AS (
                    SELECT id FROM outbox WHERE email_state = 'pending'
                    AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
                    AND (claimed_until IS NULL OR claimed_until <= $2)
                    ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
                 UPDATE outbox o SET claimed_until = $1 FROM due, account a
                 WHERE o.id = due.id AND a.id = o.account_id
                 RETURNING o.id, a.login, a.full_name, o.subject, o.body, o.attempts, o.subject_en, o.body_en,
                           o.dossier_code, o.in_inbox",
                &[&lease_until, &now, &(limit as i64)],
            )
            .await
            .map_err(map_err)?;
        Ok(rows
            .iter()
            .map(|r| PendingEmail {
                id: r.get(0),
                to: r.get(1),
                full_name: r.get(2),
                subject: r.get(3),
                body: r.get(4),
                attempts: u32::try_from(r.get::<_, i32>(5)).unwrap_or(0),
                subject_en: r.get(6),
                body_en: r.get(7),
                dossier: r.get(8),
                in_inbox: r.get(9),
            })
            .collect())
    }

    async fn email_sent(&self, id: i64) -> Result<()> {
        self.client()
            .await?
            .execute_cached(
                "UPDATE outbox SET email_state = 'sent', email_sent_at = now(), attempts = attempts + 1 WHERE id = $1",
                &[&id],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn email_failed(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
        let error: String = error.chars().take(500).collect();
        self.client()
            .await?
            .execute_cached(
                "UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, claimed_until = NULL,
                 email_state = CASE WHEN $2::timestamptz IS NULL THEN 'failed' ELSE 'pending' END WHERE id = $3",
                &[&error, &retry_at, &id],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn queue_texts(&self, since: DateTime<Utc>, scan: usize) -> Result<usize> {
        self.queue_texts_q(since, scan).await
    }

    async fn claim_texts(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<tinhso_store::PendingText>> {
        self.claim_texts_q(now, lease_until, limit).await
    }

    async fn text_sent(&self, id: i64) -> Result<()> {
        self.text_sent_q(id).await
    }

    async fn texts_wanted(&self, account: AccountId) -> Result<bool> {
        self.texts_wanted_q(account).await
    }

    async fn set_texts_wanted(&self, account: AccountId, wanted: bool) -> Result<()> {
        self.set_texts_wanted_q(account, wanted).await
    }

    async fn text_failed(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
        self.text_failed_q(id, error, retry_at).await
    }
}
