//! `CatalogueStore` on the embedded engine.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use std::sync::Arc;
use tinhso_catalogue::procedure::Procedure;
use tinhso_kernel::calendar::YearCalendar;
use tinhso_kernel::ids::AccountId;
use tinhso_sqlite::{ledger, map_err, SqliteStore};
use tinhso_store::admin::{AdminAct, AdminChange, Basis};
use tinhso_store::codec::{from_json, from_json_all, to_json};
use tinhso_store::migrate::{Migration, Migrations};
use tinhso_store::{BeforeLog, CalendarVersion, CatalogueStore, ProcedureVersion, Result, Version};

/// The module's tables on SQLite, oldest first.
pub const MIGRATIONS: Migrations = Migrations {
    module: crate::MODULE,
    steps: &[
        Migration { version: 1, name: "catalogue", sql: include_str!("../migrations/sqlite/0001_catalogue.sql") },
        Migration { version: 2, name: "before_log", sql: include_str!("../migrations/sqlite/0002_before_log.sql") },
        Migration {
            version: 3,
            name: "procedure_version",
            sql: include_str!("../migrations/sqlite/0003_procedure_version.sql"),
        },
        Migration {
            version: 4,
            name: "calendar_version",
            sql: include_str!("../migrations/sqlite/0004_calendar_version.sql"),
        },
    ],
};

const REVISION_SQL: &str = "SELECT (SELECT count(*) || '/' || coalesce(max(updated_at), '') FROM procedure)
     || '/' || (SELECT count(*) || '/' || coalesce(max(updated_at), '') FROM calendar_year)";

pub struct CatalogueSqlite {
    db: Arc<SqliteStore>,
}

impl CatalogueSqlite {
    pub fn new(db: Arc<SqliteStore>) -> Self {
        Self { db }
    }

    /// The versions `sql` selects (when, who, body) for `key` (`NULL`: all), oldest first.
    async fn versions<T: serde::de::DeserializeOwned>(
        &self,
        sql: &'static str,
        key: Box<dyn rusqlite::ToSql + Send>,
    ) -> Result<Vec<Version<T>>> {
        let rows: Vec<(DateTime<Utc>, i64, String)> = self
            .db
            .read(move |c| {
                let mut st = c.prepare(sql)?;
                let rows = st.query_map([&key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                rows.collect()
            })
            .await?;
        rows.into_iter()
            .map(|(at, actor, body)| Ok(Version { at, actor: AccountId(actor), value: from_json(&body)? }))
            .collect()
    }
}

fn upsert_procedures(tx: &Connection, procedures: &[Procedure], by: &AdminAct) -> Result<usize> {
    let now = Utc::now();
    let mut st = tx
        .prepare(
            "INSERT INTO procedure (code, name, field, online_level, body, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, field = excluded.field,
             online_level = excluded.online_level, body = excluded.body, updated_at = excluded.updated_at",
        )
        .map_err(map_err)?;
    let mut version = tx
        .prepare("INSERT INTO procedure_version (code, saved_at, actor, body) VALUES (?1, ?2, ?3, ?4)")
        .map_err(map_err)?;
    for p in procedures {
        let body = to_json(p)?;
        st.execute(params![p.code.as_str(), p.name, p.field, p.online_level.key(), body, now]).map_err(map_err)?;
        version.execute(params![p.code.as_str(), by.at, by.actor.0, body]).map_err(map_err)?;
    }
    if !procedures.is_empty() {
        ledger::append_admin(tx, &AdminChange::procedures_saved(procedures)?, by)?;
    }
    Ok(procedures.len())
}

/// The body the query `sql` finds for `key`, parsed (none: no such row).
fn stored<T: serde::de::DeserializeOwned>(tx: &Connection, sql: &str, key: &dyn rusqlite::ToSql) -> Result<Option<T>> {
    let body: Option<String> = tx.query_row(sql, [key], |r| r.get(0)).optional().map_err(map_err)?;
    body.map(|b| from_json(&b)).transpose()
}

fn save_procedure(tx: &Connection, p: &Procedure, basis: &Basis, by: &AdminAct) -> Result<()> {
    let now: Option<Procedure> = stored(tx, "SELECT body FROM procedure WHERE code = ?1", &p.code.as_str())?;
    basis.admits(&format!("procedure {}", p.code), now.as_ref())?;
    upsert_procedures(tx, std::slice::from_ref(p), by).map(drop)
}

fn put_calendar_year(tx: &Connection, year: &YearCalendar, basis: &Basis, by: &AdminAct) -> Result<()> {
    let now: Option<YearCalendar> = stored(tx, "SELECT body FROM calendar_year WHERE year = ?1", &year.year)?;
    basis.admits(&format!("calendar {}", year.year), now.as_ref())?;
    let body = to_json(year)?;
    tx.execute(
        "INSERT INTO calendar_year (year, body, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (year) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        params![year.year, body, Utc::now()],
    )
    .map_err(map_err)?;
    tx.execute(
        "INSERT INTO calendar_version (year, saved_at, actor, body) VALUES (?1, ?2, ?3, ?4)",
        params![year.year, by.at, by.actor.0, body],
    )
    .map_err(map_err)?;
    ledger::append_admin(tx, &AdminChange::calendar_saved(year)?, by)
}

fn adopt_before_log(tx: &Connection, by: &AdminAct) -> Result<usize> {
    let bodies = |sql: &str| -> Result<Vec<String>> {
        let mut st = tx.prepare(sql).map_err(map_err)?;
        let rows = st.query_map([], |r| r.get(0)).map_err(map_err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(map_err)
    };
    let procedures: Vec<Procedure> = from_json_all(&bodies(
        "SELECT body FROM procedure WHERE code IN (SELECT key FROM catalogue_before_log WHERE kind = 'procedure')
         ORDER BY code",
    )?)?;
    let years: Vec<YearCalendar> = from_json_all(&bodies(
        "SELECT body FROM calendar_year
         WHERE CAST(year AS TEXT) IN (SELECT key FROM catalogue_before_log WHERE kind = 'calendar_year') ORDER BY year",
    )?)?;
    for change in AdminChange::adopted(&procedures, &years)? {
        ledger::append_admin(tx, &change, by)?;
    }
    tx.execute("DELETE FROM catalogue_before_log", []).map_err(map_err)?;
    Ok(procedures.len() + years.len())
}

#[async_trait]
impl CatalogueStore for CatalogueSqlite {
    async fn procedures(&self) -> Result<Vec<Procedure>> {
        self.db.json_bodies("SELECT body FROM procedure ORDER BY code").await
    }

    async fn upsert_procedures(&self, procedures: &[Procedure], by: &AdminAct) -> Result<usize> {
        let (procedures, by) = (procedures.to_vec(), *by);
        self.db.write(move |tx| upsert_procedures(tx, &procedures, &by)).await
    }

    async fn calendar_years(&self) -> Result<Vec<YearCalendar>> {
        self.db.json_bodies("SELECT body FROM calendar_year ORDER BY year").await
    }

    async fn read_model_revision(&self) -> Result<String> {
        self.db.read(|c| c.query_row(REVISION_SQL, [], |r| r.get(0))).await
    }

    async fn save_procedure(&self, procedure: &Procedure, basis: &Basis, by: &AdminAct) -> Result<()> {
        let (p, basis, by) = (procedure.clone(), basis.clone(), *by);
        self.db.write(move |tx| save_procedure(tx, &p, &basis, &by)).await
    }

    async fn procedure_history(&self, code: Option<&str>) -> Result<Vec<ProcedureVersion>> {
        let sql = "SELECT saved_at, actor, body FROM procedure_version WHERE ?1 IS NULL OR code = ?1 ORDER BY id";
        self.versions(sql, Box::new(code.map(str::to_owned))).await
    }

    async fn calendar_history(&self, year: Option<i32>) -> Result<Vec<CalendarVersion>> {
        let sql = "SELECT saved_at, actor, body FROM calendar_version WHERE ?1 IS NULL OR year = ?1 ORDER BY id";
        self.versions(sql, Box::new(year)).await
    }

    async fn put_calendar_year(&self, year: &YearCalendar, basis: &Basis, by: &AdminAct) -> Result<()> {
        let (year, basis, by) = (year.clone(), basis.clone(), *by);
        self.db.write(move |tx| put_calendar_year(tx, &year, &basis, &by)).await
    }

    async fn adopt_before_log(&self, by: &AdminAct) -> Result<usize> {
        let by = *by;
        self.db.write(move |tx| adopt_before_log(tx, &by)).await
    }

    async fn saved_before_log(&self) -> Result<BeforeLog> {
        let rows: Vec<(String, String)> = self
            .db
            .read(|c| {
                let mut st = c.prepare("SELECT kind, key FROM catalogue_before_log ORDER BY kind, key")?;
                let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect()
            })
            .await?;
        BeforeLog::from_rows(rows)
    }
}
