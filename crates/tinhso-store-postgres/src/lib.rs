//! PostgreSQL backend: a connection pool, migrations under an advisory lock so that
//! several `tinhso serve` processes can start against one database at once.

mod dossier;
mod inbox;
mod ioc;
mod rows;
mod write;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tinhso_catalogue::procedure::Procedure;
use tinhso_dossier::tally::{Tally, TallyKey};
use tinhso_dossier::{Dossier, Event};
use tinhso_kernel::calendar::YearCalendar;
use tinhso_kernel::ids::{AccountId, AgencyCode, DossierCode, PersonalId, Sha256};
use tinhso_kernel::province::{Agency, Province, Unit};
use tinhso_policy::Role;
use tinhso_store::codec::from_json;
use tinhso_store::plan::Projections;
use tinhso_store::{
    event_from_link, file_kind, file_purpose, Account, AttachedFile, Attachment, AuditAnchors, AuditRow,
    CatalogueStore, Document, DocumentStore, DossierQuery, DossierStore, Health, IdentityStore, InboxMessage,
    LedgerStore, NewAccount, NewDossier, Notification, NotifyStore, PendingEmail, ProvinceSetup, ProvinceStore,
    RawDossier, Result, Session, StoreError, StoredEvent, StoredFile,
};
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_foundation.sql")),
    (2, include_str!("../migrations/0002_dossiers.sql")),
    (3, include_str!("../migrations/0003_files.sql")),
    (4, include_str!("../migrations/0004_inbox.sql")),
    (5, include_str!("../migrations/0005_email.sql")),
    (6, include_str!("../migrations/0006_accounts.sql")),
    (7, include_str!("../migrations/0007_ioc.sql")),
    (8, include_str!("../migrations/0008_alerts.sql")),
    (9, include_str!("../migrations/0009_lean_writes.sql")),
    (10, include_str!("../migrations/0010_inbox_tally.sql")),
    (11, include_str!("../migrations/0011_ioc_members.sql")),
];
/// Arbitrary key of the advisory lock that serialises migrations.
const MIGRATION_LOCK: i64 = 0x7469_6e68_736f;

pub struct PgStore {
    pool: Pool,
    /// Read models kept in each dossier write's transaction, as the composition root registered them.
    projections: Projections,
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
    /// Connects with a `postgres://` URL and migrates; every dossier write keeps `projections`
    /// in its transaction.
    pub async fn connect(url: &str, max_connections: usize, projections: Projections) -> Result<Self> {
        let config: tokio_postgres::Config = url.parse().map_err(backend)?;
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager).max_size(max_connections).build().map_err(backend)?;
        let store = Self { pool, projections };
        store.migrate().await?;
        Ok(store)
    }

    pub async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(backend)
    }

    /// Records stored as one JSON `body` column, in the query's order.
    async fn json_bodies<T: serde::de::DeserializeOwned>(&self, sql: &str) -> Result<Vec<T>> {
        let rows = self.client().await?.query(sql, &[]).await.map_err(map_err)?;
        rows.iter().map(|r| from_json(r.get::<_, &str>(0))).collect()
    }

    async fn migrate(&self) -> Result<()> {
        let mut client = self.client().await?;
        client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK]).await.map_err(map_err)?;
        let result = async {
            client
                .batch_execute(
                    "CREATE TABLE IF NOT EXISTS schema_migration (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)",
                )
                .await
                .map_err(map_err)?;
            for (version, sql) in MIGRATIONS {
                let tx = client.transaction().await.map_err(map_err)?;
                let done = tx
                    .query_opt("SELECT 1 FROM schema_migration WHERE version = $1", &[version])
                    .await
                    .map_err(map_err)?
                    .is_some();
                if !done {
                    tx.batch_execute(sql).await.map_err(map_err)?;
                    if *version == 11 {
                        dossier::members_of_stored_dossiers(&tx).await?;
                    }
                    tx.execute("INSERT INTO schema_migration VALUES ($1, now())", &[version]).await.map_err(map_err)?;
                }
                tx.commit().await.map_err(map_err)?;
            }
            Ok(())
        }
        .await;
        client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]).await.map_err(map_err)?;
        result
    }
}

#[async_trait]
impl Health for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> Result<()> {
        self.client().await?.execute("SELECT 1", &[]).await.map_err(map_err)?;
        Ok(())
    }
}

#[async_trait]
impl ProvinceStore for PgStore {
    async fn province(&self) -> Result<Option<Province>> {
        let row = self
            .client()
            .await?
            .query_opt("SELECT code, name, division_type, agency_code_suffix FROM province", &[])
            .await
            .map_err(map_err)?;
        Ok(row.map(|r| Province {
            code: rows::u32_at(&r, 0),
            name: r.get(1),
            division_type: r.get(2),
            agency_code_suffix: r.get(3),
        }))
    }

    async fn setup_province(&self, setup: &ProvinceSetup) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let out = write::setup(&tx, setup).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(out)
    }

    async fn units(&self, on: NaiveDate) -> Result<Vec<Unit>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT code, name, division_type, province_code, valid_from, valid_to FROM unit
                 WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1) ORDER BY code",
                &[&on],
            )
            .await
            .map_err(map_err)?;
        rows.iter().map(rows::unit).collect()
    }

    async fn agencies(&self) -> Result<Vec<Agency>> {
        let rows = self
            .client()
            .await?
            .query("SELECT code, name, level, kind, parent, unit_code FROM agency ORDER BY code", &[])
            .await
            .map_err(map_err)?;
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

    async fn claim_account(&self, id: AccountId, password_hash: &str, full_name: &str) -> Result<bool> {
        let n = self
            .client()
            .await?
            .execute(
                "UPDATE account SET password_hash = $1, full_name = $2 WHERE id = $3 AND password_hash = ''",
                &[&password_hash, &full_name, &id],
            )
            .await
            .map_err(map_err)?;
        Ok(n == 1)
    }

    async fn staff(&self, agency: &AgencyCode) -> Result<Vec<Account>> {
        let sql = format!(
            "SELECT {} FROM account WHERE agency_code = $1 AND role <> 'citizen' ORDER BY full_name, id",
            rows::ACCOUNT_COLUMNS
        );
        let rows = self.client().await?.query(&sql, &[&agency.as_str()]).await.map_err(map_err)?;
        rows.iter().map(|r| rows::account_at(r, 0)).collect()
    }

    async fn create_session(&self, s: &Session) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO session (token_hash, account_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                &[&s.token_hash, &s.account_id, &s.csrf_token, &s.created_at, &s.expires_at],
            )
            .await
            .map_err(map_err)?;
        client.execute("DELETE FROM session WHERE expires_at <= $1", &[&s.created_at]).await.map_err(map_err)?;
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
            .execute("DELETE FROM session WHERE token_hash = $1", &[&token_hash])
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn staff_with_role(&self, role: Role) -> Result<Vec<Account>> {
        self.staff_with_role_q(role).await
    }
}

#[async_trait]
impl CatalogueStore for PgStore {
    async fn procedures(&self) -> Result<Vec<Procedure>> {
        self.json_bodies("SELECT body::text FROM procedure ORDER BY code").await
    }

    async fn upsert_procedures(&self, procedures: &[Procedure]) -> Result<usize> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let out = write::upsert_procedures(&tx, procedures).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(out)
    }

    async fn calendar_years(&self) -> Result<Vec<YearCalendar>> {
        self.json_bodies("SELECT body::text FROM calendar_year ORDER BY year").await
    }

    async fn read_model_revision(&self) -> Result<String> {
        let row = self
            .client()
            .await?
            .query_one(
                "SELECT (SELECT count(*) || '/' || coalesce(max(updated_at)::text, '') FROM procedure)
                 || '/' || (SELECT count(*) || '/' || coalesce(max(updated_at)::text, '') FROM calendar_year)",
                &[],
            )
            .await
            .map_err(map_err)?;
        Ok(row.get(0))
    }

    async fn put_calendar_year(&self, year: &YearCalendar) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let out = write::put_calendar_year(&tx, year).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(out)
    }
}

#[async_trait]
impl DossierStore for PgStore {
    async fn submit_dossier(&self, new: &NewDossier) -> Result<Dossier> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let d = dossier::submit(&tx, new, &self.projections).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(d)
    }

    async fn append_event(
        &self,
        before: &Dossier,
        event: &Event,
        next: &Dossier,
        notify: &[Notification],
        files: &[Attachment],
    ) -> Result<()> {
        let plan = tinhso_store::plan::append(before, event, next, notify, files, &self.projections);
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        dossier::execute(&tx, &plan).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn events_by_dossier(&self, after: Option<&str>, dossiers: usize) -> Result<tinhso_store::EventPage> {
        self.events_by_dossier_q(after, dossiers).await
    }

    async fn open_dossiers_of(&self, agency: &AgencyCode, until: NaiveDate, limit: usize) -> Result<Vec<Dossier>> {
        self.open_dossiers_of_q(agency, until, limit).await
    }

    async fn inbox_counts(&self, agency: Option<&AgencyCode>) -> Result<Vec<(TallyKey, i64)>> {
        self.inbox_counts_q(agency).await
    }

    async fn inbox_tally(&self) -> Result<Tally> {
        self.inbox_tally_q().await
    }

    async fn import_dossiers(&self, items: &[(NewDossier, Vec<Event>)]) -> Result<usize> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        for (new, events) in items {
            dossier::import(&tx, new, events, &self.projections).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(items.len())
    }

    async fn dossier_raw(&self, code: &DossierCode) -> Result<Option<RawDossier>> {
        let code = code.as_str();
        let row = self
            .client()
            .await?
            .query_opt("SELECT body::text, form::text, applicant_phone FROM dossier WHERE code = $1", &[&code])
            .await
            .map_err(map_err)?;
        row.map(|r| Ok(RawDossier { body: r.get(0), form: r.get(1), applicant_phone: r.get(2) })).transpose()
    }

    async fn dossier_events(&self, code: &DossierCode) -> Result<Vec<StoredEvent>> {
        let code = code.as_str();
        let rows = self
            .client()
            .await?
            .query(
                &format!("SELECT {} FROM dossier_event WHERE dossier_code = $1 ORDER BY id", dossier::LINK_COLUMNS),
                &[&code],
            )
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                let (link, _, public) = dossier::link(r);
                Ok(StoredEvent { id: link.id, event: event_from_link(&link)?, dossier: link.dossier, public })
            })
            .collect()
    }

    async fn dossier_bodies(&self, q: &DossierQuery) -> Result<Vec<String>> {
        let states: Vec<&str> = q.states.iter().map(|s| s.key()).collect();
        let (limit, offset) = (q.limit.max(1) as i64, q.offset as i64);
        let filter = "($1::bigint IS NULL OR applicant_id = $1) AND (cardinality($2::text[]) = 0 OR state = ANY($2))";
        let order = "ORDER BY submitted_at DESC, code DESC";
        let client = self.client().await?;
        let rows = match &q.agency {
            // Two index-ordered scans cut at limit + offset, merged: no sort of a whole desk.
            Some(agency) => {
                let side = |col: &str| {
                    format!(
                        "(SELECT code, submitted_at, body FROM dossier WHERE {col} = $3::text AND {filter} {order} LIMIT $4::bigint + $5::bigint)"
                    )
                };
                let sql = format!(
                    "SELECT body::text FROM ({} UNION {}) d {order} LIMIT $4 OFFSET $5",
                    side("receiving_agency"),
                    side("competent_agency")
                );
                client.query(&sql, &[&q.applicant, &states, &agency.as_str(), &limit, &offset]).await
            }
            None => {
                let sql = format!("SELECT body::text FROM dossier WHERE {filter} {order} LIMIT $3 OFFSET $4");
                client.query(&sql, &[&q.applicant, &states, &limit, &offset]).await
            }
        }
        .map_err(map_err)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn dossier_files(&self, code: &DossierCode) -> Result<Vec<AttachedFile>> {
        let code = code.as_str();
        let rows = self
            .client()
            .await?
            .query(
                "SELECT f.sha256, f.name, f.purpose, f.component, b.size, b.mime, f.created_at FROM dossier_file f
                 JOIN file_blob b ON b.sha256 = f.sha256 WHERE f.dossier_code = $1 ORDER BY f.id",
                &[&code],
            )
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(AttachedFile {
                    attachment: Attachment {
                        sha256: tinhso_store::sha256(r.get(0))?,
                        name: r.get(1),
                        purpose: file_purpose(r.get(2))?,
                        component: r.get::<_, Option<i32>>(3).and_then(|c| u16::try_from(c).ok()),
                    },
                    size: r.get::<_, i64>(4) as u64,
                    kind: file_kind(r.get(5))?,
                    created_at: r.get(6),
                })
            })
            .collect()
    }

    async fn open_dossiers_due(&self, until: NaiveDate, limit: usize) -> Result<Vec<Dossier>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT body::text FROM dossier
                 WHERE state IN ('received', 'processing', 'payment_requested') AND due_on <= $1
                 ORDER BY due_on LIMIT $2",
                &[&until, &(limit as i64)],
            )
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| from_json(r.get::<_, &str>(0))).collect()
    }
}

#[async_trait]
impl LedgerStore for PgStore {
    async fn audit_page(&self, after: i64, limit: usize) -> Result<Vec<AuditRow>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, dossier_code, at, actor, payload, hash, public, kind FROM dossier_event
                 WHERE id > $1 ORDER BY id LIMIT $2",
                &[&after, &(limit as i64)],
            )
            .await
            .map_err(map_err)?;
        Ok(rows
            .iter()
            .map(|r| {
                let (link, hash, public) = dossier::link(r);
                AuditRow { link, hash, kind: r.get(7), public }
            })
            .collect())
    }

    async fn audit_anchors(&self) -> Result<AuditAnchors> {
        let client = self.client().await?;
        let head = client
            .query_opt("SELECT last_id, hash FROM chain_head WHERE one = 1", &[])
            .await
            .map_err(map_err)?
            .map(|r| (r.get(0), r.get(1)));
        let checkpoints = client
            .query("SELECT event_id, hash FROM chain_checkpoint ORDER BY event_id", &[])
            .await
            .map_err(map_err)?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        Ok(AuditAnchors { head, checkpoints })
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
            .query(
                "SELECT id, dossier_code, subject, body, created_at FROM outbox WHERE account_id = $1 ORDER BY id DESC LIMIT 200",
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
            })
            .collect())
    }

    async fn claim_emails(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<PendingEmail>> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE outbox SET email_state = 'no_address' WHERE email_state = 'pending'
                 AND account_id IN (SELECT id FROM account WHERE position('@' in login) = 0)",
                &[],
            )
            .await
            .map_err(map_err)?;
        // SKIP LOCKED: servers claiming at once take different rows.
        let rows = client
            .query(
                "WITH due AS (
                    SELECT id FROM outbox WHERE email_state = 'pending'
                    AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
                    AND (claimed_until IS NULL OR claimed_until <= $2)
                    ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
                 UPDATE outbox o SET claimed_until = $1 FROM due, account a
                 WHERE o.id = due.id AND a.id = o.account_id
                 RETURNING o.id, a.login, a.full_name, o.subject, o.body, o.attempts",
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
            })
            .collect())
    }

    async fn email_sent(&self, id: i64) -> Result<()> {
        self.client()
            .await?
            .execute(
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
            .execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, claimed_until = NULL,
                 email_state = CASE WHEN $2::timestamptz IS NULL THEN 'failed' ELSE 'pending' END WHERE id = $3",
                &[&error, &retry_at, &id],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }
}

#[async_trait]
impl DocumentStore for PgStore {
    async fn add_document(&self, account_id: AccountId, file: &StoredFile, name: &str) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        tx.execute(
            "INSERT INTO file_blob (sha256, size, mime, created_at) VALUES ($1, $2, $3, now()) ON CONFLICT (sha256) DO NOTHING",
            &[&file.sha256.as_str(), &(file.size as i64), &file.kind.mime()],
        )
        .await
        .map_err(map_err)?;
        tx.execute(
            "INSERT INTO document (account_id, sha256, name, created_at) VALUES ($1, $2, $3, now())
             ON CONFLICT (account_id, sha256) DO UPDATE SET name = excluded.name",
            &[&account_id, &file.sha256.as_str(), &name],
        )
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn documents(&self, account_id: AccountId) -> Result<Vec<Document>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT d.sha256, d.name, b.size, b.mime, d.created_at FROM document d
                 JOIN file_blob b ON b.sha256 = d.sha256 WHERE d.account_id = $1 ORDER BY d.created_at DESC",
                &[&account_id],
            )
            .await
            .map_err(map_err)?;
        rows.iter().map(rows::document).collect()
    }

    async fn documents_named(&self, account_id: AccountId, hashes: &[Sha256]) -> Result<Vec<Document>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT d.sha256, d.name, b.size, b.mime, d.created_at FROM document d
                 JOIN file_blob b ON b.sha256 = d.sha256 WHERE d.account_id = $1 AND d.sha256 = ANY($2)",
                &[&account_id, &hashes.iter().map(Sha256::as_str).collect::<Vec<_>>()],
            )
            .await
            .map_err(map_err)?;
        rows.iter().map(rows::document).collect()
    }
}

#[cfg(test)]
mod tests {
    /// Every file in migrations/ is registered, in order.
    #[test]
    fn all_migration_files_are_registered() {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"));
        assert_eq!(tinhso_store::check_migration_files(dir, super::MIGRATIONS.len()), Ok(()));
    }
}
