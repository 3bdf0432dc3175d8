//! `ReportStore` on the embedded engine: writes in the single writer's group commit, reads on
//! the pooled readers.

use crate::plan::{self, Row, Value};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::ToSqlOutput;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use std::sync::Arc;
use tinhso_kernel::ids::{AccountId, AgencyCode};
use tinhso_reports::routing::Route;
use tinhso_reports::{Category, Event, Report};
use tinhso_sqlite::{exec, ledger, map_err, outbox, SqliteStore};
use tinhso_store::admin::{self, AdminAct, AdminChange, Basis};
use tinhso_store::codec::from_json;
use tinhso_store::migrate::{Migration, Migrations};
use tinhso_store::{
    Notification, ReportAudience, ReportQuery, ReportStat, ReportStore, Result, StoreError, StoredReport,
    StoredReportEvent,
};

/// The module's tables on SQLite, oldest first.
pub const MIGRATIONS: Migrations = Migrations {
    module: crate::MODULE,
    steps: &[
        Migration { version: 1, name: "reports", sql: include_str!("../migrations/sqlite/0001_reports.sql") },
        Migration {
            version: 2,
            name: "follower_account",
            sql: include_str!("../migrations/sqlite/0002_follower_account.sql"),
        },
    ],
};

pub struct ReportsSqlite {
    db: Arc<SqliteStore>,
}

impl ReportsSqlite {
    pub fn new(db: Arc<SqliteStore>) -> Self {
        Self { db }
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Text(s) => ToSqlOutput::from(s.as_str()),
            Value::Int(i) => ToSqlOutput::from(*i),
            Value::Real(f) => ToSqlOutput::from(*f),
        })
    }
}

fn ph(n: usize) -> String {
    format!("?{n}")
}

fn put_row(tx: &Connection, r: &Row) -> Result<()> {
    exec(
        tx,
        "INSERT INTO report (id, lane, kind, category, commune, agency, state, is_open, lat, lon, search, received_at,
                             handle_due, client_token, version, body, handled_on)
         VALUES (?1, ?2, ?16, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?17)
         ON CONFLICT (id) DO UPDATE SET category = excluded.category, commune = excluded.commune,
             agency = excluded.agency, state = excluded.state, is_open = excluded.is_open, lat = excluded.lat,
             lon = excluded.lon, search = excluded.search, handle_due = excluded.handle_due,
             version = excluded.version, body = excluded.body, handled_on = excluded.handled_on",
        params![
            r.id,
            r.lane,
            r.category,
            r.commune,
            r.agency,
            r.state,
            r.is_open,
            r.lat,
            r.lon,
            r.search,
            r.received_at,
            r.handle_due,
            r.client_token,
            r.version,
            r.body,
            r.kind,
            r.handled_on
        ],
    )
    .map(drop)
}

fn current(c: &Connection, id: i64) -> Result<Option<(String, String)>> {
    c.prepare_cached("SELECT lane, body FROM report WHERE id = ?1")
        .and_then(|mut st| st.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .map_err(map_err)
}

fn append(tx: &Connection, id: i64, lane: &str, events: &[Event]) -> Result<()> {
    for (kind, public, link) in plan::entries(id, lane, events)? {
        ledger::append_entry(tx, kind, public, &link)?;
    }
    Ok(())
}

const CATEGORIES: &str = "SELECT code, name, name_en, public_service, active FROM report_category";

fn category(r: &rusqlite::Row<'_>) -> rusqlite::Result<Category> {
    Ok(Category { code: r.get(0)?, name: r.get(1)?, name_en: r.get(2)?, public_service: r.get(3)?, active: r.get(4)? })
}

/// The routing table as [`ReportStore::report_routes`] reads it.
fn routes_in(c: &Connection) -> Result<Vec<Route>> {
    let mut st =
        c.prepare("SELECT category, commune, agency FROM report_route ORDER BY category, commune").map_err(map_err)?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?))).map_err(map_err)?;
    rows.map(|row| {
        let (category, commune, agency) = row.map_err(map_err)?;
        Ok(Route {
            category,
            commune,
            agency: AgencyCode::parse("agency", &agency)
                .map_err(|_| StoreError::Corrupt(format!("routing agency {agency}")))?,
        })
    })
    .collect()
}

#[async_trait]
impl ReportStore for ReportsSqlite {
    async fn create_report(&self, first: &Event) -> Result<Report> {
        let first = first.clone();
        self.db
            .write(move |tx| {
                let id: i64 = tx
                    .prepare_cached("SELECT coalesce(max(id), 0) + 1 FROM report")
                    .and_then(|mut st| st.query_row([], |r| r.get(0)))
                    .map_err(map_err)?;
                let r = plan::fold(None, id, std::slice::from_ref(&first))?;
                let row = plan::row(&r)?;
                put_row(tx, &row)?;
                append(tx, id, &row.lane, std::slice::from_ref(&first))?;
                if let Some(a) = r.reporter {
                    exec(
                        tx,
                        "INSERT OR IGNORE INTO report_follower (report, account) VALUES (?1, ?2)",
                        params![id, a],
                    )?;
                }
                Ok(r)
            })
            .await
    }

    async fn record_report_events(
        &self,
        id: i64,
        version: i64,
        events: &[Event],
        notify: &[Notification],
    ) -> Result<Report> {
        let (events, notify) = (events.to_vec(), notify.to_vec());
        self.db
            .write(move |tx| {
                let (lane, body) = current(tx, id)?.ok_or_else(|| StoreError::Conflict(format!("no report {id}")))?;
                let r: Report = from_json(&body)?;
                if r.version != version {
                    return Err(StoreError::Conflict(format!("report {id} changed (version {})", r.version)));
                }
                let r = plan::fold(Some(r), id, &events)?;
                let mut row = plan::row(&r)?;
                // A report keeps the lane of its first entry, wherever it is moved.
                row.lane = lane;
                put_row(tx, &row)?;
                append(tx, id, &row.lane, &events)?;
                for n in &notify {
                    outbox::enqueue(tx, n, None, None)?;
                }
                Ok(r)
            })
            .await
    }

    async fn report(&self, id: i64) -> Result<Option<Report>> {
        let body = self.db.read_now(move |c| {
            c.prepare_cached("SELECT body FROM report WHERE id = ?1")?
                .query_row([id], |r| r.get::<_, String>(0))
                .optional()
        })?;
        body.map(|b| from_json(&b)).transpose()
    }

    async fn report_by_token(&self, token: &str) -> Result<Option<i64>> {
        let token = token.to_owned();
        self.db
            .read(move |c| {
                c.prepare_cached("SELECT id FROM report WHERE client_token = ?1")?
                    .query_row([token], |r| r.get(0))
                    .optional()
            })
            .await
    }

    async fn report_history(&self, id: i64) -> Result<Vec<StoredReportEvent>> {
        let subject = plan::subject(id);
        let entries = self.db.read(move |c| ledger::entries(c, &subject)).await?;
        entries.iter().map(|(link, _, public)| plan::stored_event(link, *public)).collect()
    }

    async fn reports(&self, q: &ReportQuery) -> Result<Vec<Report>> {
        let (clause, values) = plan::filter(q, ph, "is_open = 1");
        let sql =
            format!("SELECT body FROM report WHERE {clause} ORDER BY {} LIMIT {}", plan::order(q), plan::limit(q));
        let bodies: Vec<String> = self
            .db
            .read(move |c| {
                let mut st = c.prepare(&sql)?;
                let rows = st.query_map(params_from_iter(values.iter()), |r| r.get(0))?;
                rows.collect()
            })
            .await?;
        bodies.iter().map(|b| from_json(b)).collect()
    }

    async fn report_count(&self, q: &ReportQuery) -> Result<i64> {
        let (clause, values) = plan::filter(q, ph, "is_open = 1");
        let sql = format!("SELECT count(*) FROM report WHERE {clause}");
        self.db.read(move |c| c.prepare(&sql)?.query_row(params_from_iter(values.iter()), |r| r.get(0))).await
    }

    async fn report_stats(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<Vec<ReportStat>> {
        let (since, until, today) = (plan::micros(since), plan::micros(until), today.to_string());
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(
                    "SELECT category, commune, agency, count(*), sum(is_open),
                            sum(CASE WHEN is_open = 1 AND handle_due < ?3 THEN 1 ELSE 0 END),
                            sum(CASE WHEN handled_on IS NOT NULL THEN 1 ELSE 0 END),
                            sum(CASE WHEN handled_on IS NOT NULL AND handled_on <= handle_due THEN 1 ELSE 0 END)
                     FROM report WHERE received_at >= ?1 AND received_at < ?2 AND state <> 'duplicate'
                     GROUP BY category, commune, agency",
                )?;
                let rows = st.query_map([since, until, today], |r| {
                    Ok(ReportStat {
                        category: r.get(0)?,
                        commune: r.get(1)?,
                        agency: r.get(2)?,
                        total: r.get(3)?,
                        open: r.get(4)?,
                        overdue: r.get(5)?,
                        handled: r.get(6)?,
                        on_time: r.get(7)?,
                    })
                })?;
                rows.collect()
            })
            .await
    }

    async fn service_feedback(&self, since: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<Report>> {
        let (since, until) = (plan::micros(since), plan::micros(until));
        let bodies: Vec<String> = self
            .db
            .read(move |c| {
                let mut st = c.prepare_cached(
                    "SELECT body FROM report WHERE kind = 'service' AND received_at >= ?1 AND received_at < ?2 ORDER BY id",
                )?;
                let rows = st.query_map([since, until], |r| r.get(0))?;
                rows.collect()
            })
            .await?;
        bodies.iter().map(|b| from_json(b)).collect()
    }

    async fn report_rows_with_history(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(StoredReport, Vec<StoredReportEvent>)>> {
        let rows: Vec<(StoredReport, Vec<(tinhso_ledger::chain::Link, String, bool)>)> = self
            .db
            .read(move |c| {
                let mut st = c.prepare_cached(&format!(
                    "SELECT {} FROM report WHERE id > ?1 ORDER BY id LIMIT ?2",
                    plan::STORED_COLUMNS
                ))?;
                let rows: Vec<StoredReport> = st
                    .query_map(params![after, limit as i64], |r| {
                        Ok(StoredReport {
                            id: r.get(0)?,
                            lane: r.get(1)?,
                            kind: r.get(2)?,
                            category: r.get(3)?,
                            commune: r.get(4)?,
                            agency: r.get(5)?,
                            state: r.get(6)?,
                            is_open: r.get(7)?,
                            lat: r.get(8)?,
                            lon: r.get(9)?,
                            received_at: r.get(10)?,
                            handle_due: r.get(11)?,
                            handled_on: r.get(12)?,
                            version: r.get(13)?,
                            body: r.get(14)?,
                        })
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                rows.into_iter()
                    .map(|row| {
                        let entries = ledger::entries(c, &plan::subject(row.id))?;
                        Ok((row, entries))
                    })
                    .collect()
            })
            .await?;
        rows.into_iter()
            .map(|(row, entries)| {
                let history =
                    entries.iter().map(|(l, _, public)| plan::stored_event(l, *public)).collect::<Result<Vec<_>>>()?;
                Ok((row, history))
            })
            .collect()
    }

    async fn report_categories(&self) -> Result<Vec<Category>> {
        self.db
            .read(|c| {
                let mut st = c.prepare(&format!("{CATEGORIES} ORDER BY position, code"))?;
                let rows = st.query_map([], category)?;
                rows.collect()
            })
            .await
    }

    async fn put_report_category(&self, cat: &Category, basis: &Basis, by: &AdminAct) -> Result<()> {
        let (cat, basis, by) = (cat.clone(), basis.clone(), *by);
        self.db
            .write(move |tx| {
                let stored = tx.query_row(&format!("{CATEGORIES} WHERE code = ?1"), [&cat.code], category).optional();
                basis.admits(&format!("report category {}", cat.code), stored.map_err(map_err)?.as_ref())?;
                exec(
                    tx,
                    "INSERT INTO report_category (code, name, name_en, public_service, active, position)
                     VALUES (?1, ?2, ?3, ?4, ?5, (SELECT coalesce(max(position), 0) + 1 FROM report_category))
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en,
                         public_service = excluded.public_service, active = excluded.active",
                    params![cat.code, cat.name, cat.name_en, cat.public_service, cat.active],
                )?;
                let change = AdminChange::category_saved(&cat)?;
                ledger::append_admin(tx, &change, &by)
            })
            .await
    }

    async fn report_routes(&self) -> Result<Vec<Route>> {
        self.db.read(|c| Ok(routes_in(c))).await?
    }

    async fn set_report_routes(&self, routes: &[Route], basis: &Basis, by: &AdminAct) -> Result<()> {
        let (routes, basis, by) = (routes.to_vec(), basis.clone(), *by);
        self.db
            .write(move |tx| {
                basis.admits("the report routing table", Some(&routes_in(tx)?))?;
                exec(tx, "DELETE FROM report_route", [])?;
                for r in &routes {
                    exec(
                        tx,
                        "INSERT INTO report_route (category, commune, agency) VALUES (?1, ?2, ?3)",
                        params![r.category, r.commune, r.agency.to_string()],
                    )?;
                }
                ledger::append_admin(tx, &admin::routes_change(&routes), &by)
            })
            .await
    }

    async fn add_open311_key(&self, name: &str, hash: &[u8], by: &AdminAct) -> Result<()> {
        let (name, hash, by) = (name.to_owned(), hash.to_vec(), *by);
        self.db
            .write(move |tx| {
                exec(
                    tx,
                    "INSERT INTO open311_key (hash, name, created_at) VALUES (?1, ?2, ?3)",
                    params![hash, name, chrono::Utc::now()],
                )?;
                ledger::append_admin(tx, &AdminChange::open311_key_issued(&name, &hash), &by)
            })
            .await
    }

    async fn open311_keys(&self) -> Result<Vec<tinhso_store::settings::Open311Key>> {
        self.db
            .read(|c| {
                let mut st = c.prepare("SELECT name, hash, revoked_at IS NOT NULL FROM open311_key ORDER BY name")?;
                let rows = st.query_map([], |r| {
                    Ok(tinhso_store::settings::Open311Key { client: r.get(0)?, hash: r.get(1)?, revoked: r.get(2)? })
                })?;
                rows.collect()
            })
            .await
    }

    async fn open311_client(&self, hash: &[u8]) -> Result<Option<String>> {
        let hash = hash.to_vec();
        self.db
            .read(move |c| {
                c.prepare_cached("SELECT name FROM open311_key WHERE hash = ?1 AND revoked_at IS NULL")?
                    .query_row([hash], |r| r.get(0))
                    .optional()
            })
            .await
    }

    async fn revoke_open311_keys(&self, name: &str, by: &AdminAct) -> Result<u64> {
        let (name, by) = (name.to_owned(), *by);
        self.db
            .write(move |tx| {
                let count = exec(
                    tx,
                    "UPDATE open311_key SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
                    params![name, chrono::Utc::now()],
                )? as u64;
                if count > 0 {
                    ledger::append_admin(tx, &AdminChange::Open311KeysRevoked { client: name.clone(), count }, &by)?;
                }
                Ok(count)
            })
            .await
    }

    async fn set_commune_boundaries(&self, b: &[(u32, tinhso_reports::geo::Territory)], by: &AdminAct) -> Result<()> {
        let rows = b.iter().map(|(c, t)| Ok((*c, tinhso_store::codec::to_json(t)?))).collect::<Result<Vec<_>>>()?;
        let (change, by) = (AdminChange::boundaries_set(b)?, *by);
        self.db
            .write(move |tx| {
                exec(tx, "DELETE FROM commune_boundary", [])?;
                for (code, territory) in &rows {
                    exec(
                        tx,
                        "INSERT INTO commune_boundary (code, territory) VALUES (?1, ?2)",
                        params![code, territory],
                    )?;
                }
                exec(tx, "UPDATE commune_boundary_version SET version = version + 1", [])?;
                ledger::append_admin(tx, &change, &by)
            })
            .await
    }

    async fn commune_boundaries(&self) -> Result<Vec<(u32, tinhso_reports::geo::Territory)>> {
        let rows: Vec<(u32, String)> = self
            .db
            .read(|c| {
                let mut st = c.prepare("SELECT code, territory FROM commune_boundary ORDER BY code")?;
                let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect()
            })
            .await?;
        rows.into_iter().map(|(c, t)| Ok((c, from_json(&t)?))).collect()
    }

    async fn commune_boundaries_version(&self) -> Result<i64> {
        self.db
            .read_now(|c| c.prepare_cached("SELECT version FROM commune_boundary_version")?.query_row([], |r| r.get(0)))
    }
}

#[async_trait]
impl ReportAudience for ReportsSqlite {
    async fn follow_report(&self, id: i64, account: AccountId) -> Result<()> {
        self.db
            .write(move |tx| {
                exec(
                    tx,
                    "INSERT OR IGNORE INTO report_follower (report, account) VALUES (?1, ?2)",
                    params![id, account],
                )
                .map(drop)
            })
            .await
    }

    async fn report_followers(&self, id: i64) -> Result<Vec<AccountId>> {
        self.db
            .read(move |c| {
                let mut st =
                    c.prepare_cached("SELECT account FROM report_follower WHERE report = ?1 ORDER BY account")?;
                let rows = st.query_map([id], |r| Ok(AccountId(r.get(0)?)))?;
                rows.collect()
            })
            .await
    }

    async fn followed_reports(&self, account: AccountId) -> Result<Vec<i64>> {
        self.db
            .read(move |c| {
                let mut st =
                    c.prepare_cached("SELECT report FROM report_follower WHERE account = ?1 ORDER BY report DESC")?;
                let rows = st.query_map([account], |r| r.get(0))?;
                rows.collect()
            })
            .await
    }

    async fn subscribe_commune(&self, commune: u32, account: AccountId, on: bool) -> Result<()> {
        self.db
            .write(move |tx| {
                let sql = if on {
                    "INSERT OR IGNORE INTO report_subscription (commune, account) VALUES (?1, ?2)"
                } else {
                    "DELETE FROM report_subscription WHERE commune = ?1 AND account = ?2"
                };
                exec(tx, sql, params![commune, account]).map(drop)
            })
            .await
    }

    async fn commune_subscribers(&self, commune: u32) -> Result<Vec<AccountId>> {
        self.db
            .read(move |c| {
                let mut st =
                    c.prepare_cached("SELECT account FROM report_subscription WHERE commune = ?1 ORDER BY account")?;
                let rows = st.query_map([commune], |r| Ok(AccountId(r.get(0)?)))?;
                rows.collect()
            })
            .await
    }
}
