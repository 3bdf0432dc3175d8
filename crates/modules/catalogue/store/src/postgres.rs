//! `CatalogueStore` on the scale-out engine.

use async_trait::async_trait;
use deadpool_postgres::Transaction;
use std::sync::Arc;
use tinhso_catalogue::procedure::Procedure;
use tinhso_kernel::calendar::YearCalendar;
use tinhso_kernel::ids::AccountId;
use tinhso_postgres::{ledger, map_err, PgStore};
use tinhso_store::admin::{AdminAct, AdminChange, Basis};
use tinhso_store::codec::{from_json, from_json_all, to_json};
use tinhso_store::migrate::{Migration, Migrations};
use tinhso_store::{BeforeLog, CalendarVersion, CatalogueStore, ProcedureVersion, Result, Version};
use tokio_postgres::types::Json;

/// The module's tables on PostgreSQL, oldest first.
pub const MIGRATIONS: Migrations = Migrations {
    module: crate::MODULE,
    steps: &[
        Migration { version: 1, name: "catalogue", sql: include_str!("../migrations/postgres/0001_catalogue.sql") },
        Migration { version: 2, name: "before_log", sql: include_str!("../migrations/postgres/0002_before_log.sql") },
        Migration {
            version: 3,
            name: "procedure_version",
            sql: include_str!("../migrations/postgres/0003_procedure_version.sql"),
        },
        Migration {
            version: 4,
            name: "calendar_version",
            sql: include_str!("../migrations/postgres/0004_calendar_version.sql"),
        },
    ],
};

pub struct CataloguePg {
    db: Arc<PgStore>,
}

impl CataloguePg {
    pub fn new(db: Arc<PgStore>) -> Self {
        Self { db }
    }

    /// The versions `sql` selects (when, who, body) for `key` (`NULL`: all), oldest first.
    async fn versions<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        key: &(dyn tokio_postgres::types::ToSql + Sync),
    ) -> Result<Vec<Version<T>>> {
        let rows = self.db.client().await?.query(sql, &[key]).await.map_err(map_err)?;
        rows.iter()
            .map(|r| {
                let body: String = r.get(2);
                Ok(Version { at: r.get(0), actor: AccountId(r.get(1)), value: from_json(&body)? })
            })
            .collect()
    }
}

/// The advisory lock every save of the catalogue takes first (edits are rare; two at once,
/// from one server or two, then see each other's, so a [`Basis`] check cannot miss a save).
const EDIT_LOCK: i64 = 0x4341_5441_4c4f_4721; // "CATALOG!"

async fn lock(tx: &Transaction<'_>) -> Result<()> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&EDIT_LOCK]).await.map_err(map_err).map(drop)
}

/// The body the query `sql` finds for `key`, parsed (none: no such row).
async fn stored<T: serde::de::DeserializeOwned>(
    tx: &Transaction<'_>,
    sql: &str,
    key: &(dyn tokio_postgres::types::ToSql + Sync),
) -> Result<Option<T>> {
    let row = tx.query_opt(sql, &[key]).await.map_err(map_err)?;
    row.map(|r| from_json(&r.get::<_, String>(0))).transpose()
}

/// Writes `procedures`, their versions and their log entry; the caller holds [`lock`].
async fn upsert_procedures(tx: &Transaction<'_>, procedures: &[Procedure], by: &AdminAct) -> Result<usize> {
    let st = tx
        .prepare(
            "INSERT INTO procedure (code, name, field, online_level, body, updated_at)
             VALUES ($1, $2, $3, $4, $5::text::jsonb, clock_timestamp())
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, field = excluded.field,
             online_level = excluded.online_level, body = excluded.body, updated_at = excluded.updated_at",
        )
        .await
        .map_err(map_err)?;
    let version = tx
        .prepare("INSERT INTO procedure_version (code, saved_at, actor, body) VALUES ($1, $2, $3, $4::text::jsonb)")
        .await
        .map_err(map_err)?;
    for p in procedures {
        let body = to_json(p)?;
        tx.execute(&st, &[&p.code.as_str(), &p.name, &p.field, &p.online_level.key(), &body]).await.map_err(map_err)?;
        tx.execute(&version, &[&p.code.as_str(), &by.at, &by.actor.0, &body]).await.map_err(map_err)?;
    }
    if !procedures.is_empty() {
        ledger::append_admin(tx, &AdminChange::procedures_saved(procedures)?, by).await?;
    }
    Ok(procedures.len())
}

/// Each row's first column, a JSON text.
fn bodies(rows: &[tokio_postgres::Row]) -> Vec<String> {
    rows.iter().map(|r| r.get(0)).collect()
}

#[async_trait]
impl CatalogueStore for CataloguePg {
    async fn procedures(&self) -> Result<Vec<Procedure>> {
        self.db.json_bodies("SELECT body::text FROM procedure ORDER BY code").await
    }

    async fn upsert_procedures(&self, procedures: &[Procedure], by: &AdminAct) -> Result<usize> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        lock(&tx).await?;
        let out = upsert_procedures(&tx, procedures, by).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(out)
    }

    async fn calendar_years(&self) -> Result<Vec<YearCalendar>> {
        self.db.json_bodies("SELECT body::text FROM calendar_year ORDER BY year").await
    }

    async fn read_model_revision(&self) -> Result<String> {
        let row = self
            .db
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

    async fn save_procedure(&self, procedure: &Procedure, basis: &Basis, by: &AdminAct) -> Result<()> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        lock(&tx).await?;
        let now: Option<Procedure> =
            stored(&tx, "SELECT body::text FROM procedure WHERE code = $1", &procedure.code.as_str()).await?;
        basis.admits(&format!("procedure {}", procedure.code), now.as_ref())?;
        upsert_procedures(&tx, std::slice::from_ref(procedure), by).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn procedure_history(&self, code: Option<&str>) -> Result<Vec<ProcedureVersion>> {
        let sql =
            "SELECT saved_at, actor, body::text FROM procedure_version WHERE $1::text IS NULL OR code = $1 ORDER BY id";
        self.versions(sql, &code).await
    }

    async fn calendar_history(&self, year: Option<i32>) -> Result<Vec<CalendarVersion>> {
        let sql =
            "SELECT saved_at, actor, body::text FROM calendar_version WHERE $1::int IS NULL OR year = $1 ORDER BY id";
        self.versions(sql, &year).await
    }

    async fn put_calendar_year(&self, year: &YearCalendar, basis: &Basis, by: &AdminAct) -> Result<()> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        lock(&tx).await?;
        let now: Option<YearCalendar> =
            stored(&tx, "SELECT body::text FROM calendar_year WHERE year = $1", &year.year).await?;
        basis.admits(&format!("calendar {}", year.year), now.as_ref())?;
        tx.execute(
            "INSERT INTO calendar_year (year, body, updated_at) VALUES ($1, $2, clock_timestamp())
             ON CONFLICT (year) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            &[&year.year, &Json(year)],
        )
        .await
        .map_err(map_err)?;
        tx.execute(
            "INSERT INTO calendar_version (year, saved_at, actor, body) VALUES ($1, $2, $3, $4)",
            &[&year.year, &by.at, &by.actor.0, &Json(year)],
        )
        .await
        .map_err(map_err)?;
        ledger::append_admin(&tx, &AdminChange::calendar_saved(year)?, by).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(())
    }

    async fn adopt_before_log(&self, by: &AdminAct) -> Result<usize> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        // Locked first, so that two servers starting at once adopt them once.
        tx.execute("LOCK TABLE catalogue_before_log IN EXCLUSIVE MODE", &[]).await.map_err(map_err)?;
        let read = |sql: &'static str| async { tx.query(sql, &[]).await.map_err(map_err).map(|rows| bodies(&rows)) };
        let procedures: Vec<Procedure> = from_json_all(
            &read(
                "SELECT body::text FROM procedure
                 WHERE code IN (SELECT key FROM catalogue_before_log WHERE kind = 'procedure') ORDER BY code",
            )
            .await?,
        )?;
        let years: Vec<YearCalendar> = from_json_all(
            &read(
                "SELECT body::text FROM calendar_year
                 WHERE year::text IN (SELECT key FROM catalogue_before_log WHERE kind = 'calendar_year') ORDER BY year",
            )
            .await?,
        )?;
        for change in AdminChange::adopted(&procedures, &years)? {
            ledger::append_admin(&tx, &change, by).await?;
        }
        tx.execute("DELETE FROM catalogue_before_log", &[]).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(procedures.len() + years.len())
    }

    async fn saved_before_log(&self) -> Result<BeforeLog> {
        let rows = self
            .db
            .client()
            .await?
            .query("SELECT kind, key FROM catalogue_before_log ORDER BY kind, key", &[])
            .await
            .map_err(map_err)?;
        BeforeLog::from_rows(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}
