//! The operations centre's tables on SQLite: reads through the engine's pooled readers; the
//! aggregates and the member index are written by the dossier writes' registered projection.

use chrono::NaiveDate;
use rusqlite::params;
use std::sync::Arc;
use tinhso_ioc::{FactKey, Measure};
use tinhso_kernel::ids::AgencyCode;
use tinhso_sqlite::{map_err, SqliteStore};
use tinhso_store::admin::AdminAct;
use tinhso_store::{ioc_key, ioc_rows, monthly_rows, Grain, IocEntry, IocStore, MemberQuery, Result, StoreError};

/// A code above every dossier code (they are ASCII digits, letters, dots and dashes).
const CODE_MAX: &str = "~";

/// The operations centre's port on an SQLite engine.
/// The module's tables on SQLite, oldest first.
pub const MIGRATIONS: tinhso_store::migrate::Migrations = tinhso_store::migrate::Migrations {
    module: crate::MODULE,
    steps: &[tinhso_store::migrate::Migration {
        version: 1,
        name: "ioc",
        sql: include_str!("../migrations/sqlite/0001_ioc.sql"),
    }],
};

pub struct IocSqlite {
    db: Arc<SqliteStore>,
}

impl IocSqlite {
    pub fn new(db: Arc<SqliteStore>) -> Self {
        Self { db }
    }
}

#[async_trait::async_trait]
impl IocStore for IocSqlite {
    async fn ioc_members(&self, q: &MemberQuery) -> Result<Vec<(NaiveDate, String)>> {
        let (agency, measure, from, limit) = (q.agency.to_string(), q.measure.key(), q.from, q.limit as i64);
        let (until, below) = q.after.clone().unwrap_or_else(|| (q.to, CODE_MAX.to_owned()));
        let until = until.min(q.to);
        self.db
            .read(move |c| {
                // One range of the primary key, read backwards: no sorter, whatever the volume.
                let mut st = c.prepare_cached(
                    "SELECT day, code FROM ioc_member
                 WHERE agency = ?1 AND measure = ?2 AND day >= ?3 AND day <= ?4 AND (day < ?4 OR code < ?5)
                 ORDER BY day DESC, code DESC LIMIT ?6",
                )?;
                let rows =
                    st.query_map(params![agency, measure, from, until, below, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect()
            })
            .await
    }

    async fn ioc_member_count(&self, q: &MemberQuery) -> Result<i64> {
        let (agency, measure, from, to) = (q.agency.to_string(), q.measure.key(), q.from, q.to);
        self.db
            .read(move |c| {
                c.prepare_cached(
                    "SELECT count(*) FROM ioc_member WHERE agency = ?1 AND measure = ?2 AND day BETWEEN ?3 AND ?4",
                )?
                .query_row(params![agency, measure, from, to], |r| r.get(0))
            })
            .await
    }

    async fn ioc_member_counts(&self) -> Result<Vec<(FactKey, i64)>> {
        let rows: Vec<(String, String, NaiveDate, i64)> = self
            .db
            .read(move |c| {
                let mut st =
                    c.prepare("SELECT agency, measure, day, count(*) FROM ioc_member GROUP BY agency, measure, day")?;
                let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
                rows.collect()
            })
            .await?;
        rows.into_iter()
            .map(|(a, m, day, n)| ioc_key(&a, &m).map(|(agency, measure)| (FactKey { agency, day, measure }, n)))
            .collect()
    }

    async fn ioc_totals(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<(AgencyCode, Measure, i64)>> {
        let ranges = tinhso_store::period_ranges(from, to);
        let rows: Vec<(String, String, i64)> = self
            .db
            .read(move |c| {
                let mut st = c.prepare_cached(
                    "SELECT agency, measure, SUM(value) FROM ioc_aggregate
                     WHERE grain = ?1 AND bucket BETWEEN ?2 AND ?3 GROUP BY agency, measure",
                )?;
                let mut out = Vec::new();
                for (grain, a, b) in &ranges {
                    let rows = st.query_map(params![grain.key(), a, b], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                    for r in rows {
                        out.push(r?);
                    }
                }
                Ok(out)
            })
            .await?;
        ioc_rows(rows)
    }

    async fn ioc_monthly(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<(String, Measure, i64)>> {
        let (a, b) = (Grain::Month.bucket(from), Grain::Month.bucket(to));
        let rows: Vec<(String, String, i64)> = self
            .db
            .read(move |c| {
                let mut st = c.prepare_cached(
                    "SELECT bucket, measure, SUM(value) FROM ioc_aggregate
                     WHERE grain = 'm' AND bucket BETWEEN ?1 AND ?2 GROUP BY bucket, measure",
                )?;
                let rows = st.query_map([a, b], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                rows.collect()
            })
            .await?;
        monthly_rows(rows)
    }

    async fn ioc_buckets(&self, grain: Grain) -> Result<Vec<(Grain, String, AgencyCode, Measure, i64)>> {
        let rows: Vec<(String, String, String, i64)> = self
            .db
            .read(move |c| {
                let mut st = c.prepare(
                    "SELECT bucket, agency, measure, value FROM ioc_aggregate WHERE grain = ?1 AND value <> 0",
                )?;
                let rows = st.query_map([grain.key()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
                rows.collect()
            })
            .await?;
        rows.into_iter()
            .map(|(bucket, agency, measure, v)| {
                let (a, m) = ioc_key(&agency, &measure)?;
                Ok((grain, bucket, a, m, v))
            })
            .collect()
    }

    async fn overdue_counts(&self, today: NaiveDate) -> Result<Vec<(AgencyCode, i64)>> {
        let rows: Vec<(String, i64)> = self
            .db
            .read(move |c| {
                // The open_due stock summed over due dates before today: no dossier is read.
                let mut st = c.prepare_cached(
                    "SELECT agency, SUM(value) FROM ioc_aggregate INDEXED BY ioc_aggregate_measure
                     WHERE measure = 'open_due' AND grain = 'd' AND bucket < ?1 GROUP BY agency HAVING SUM(value) <> 0",
                )?;
                let rows = st.query_map([Grain::Day.bucket(today)], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect()
            })
            .await?;
        rows.into_iter()
            .map(|(a, n)| Ok((AgencyCode::parse("agency", &a).map_err(|e| StoreError::Corrupt(e.to_string()))?, n)))
            .collect()
    }

    async fn ioc_entries(&self) -> Result<Vec<IocEntry>> {
        self.db.read(|c| {
            let mut st = c.prepare(
                "SELECT indicator, unit, rate, evidence, entered_by, entered_at FROM ioc_entry ORDER BY indicator, unit",
            )?;
            let rows = st.query_map([], |r| {
                Ok(IocEntry {
                    indicator: r.get(0)?,
                    unit: r.get(1)?,
                    rate: r.get(2)?,
                    evidence: r.get(3)?,
                    entered_by: r.get(4)?,
                    entered_at: r.get(5)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn put_ioc_entry(&self, e: &IocEntry, by: &AdminAct) -> Result<()> {
        let (e, by) = (e.clone(), *by);
        self.db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO ioc_entry (indicator, unit, rate, evidence, entered_by, entered_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (indicator, unit) DO UPDATE SET rate = excluded.rate, evidence = excluded.evidence,
                 entered_by = excluded.entered_by, entered_at = excluded.entered_at",
                    params![e.indicator, e.unit, e.rate, e.evidence, e.entered_by, e.entered_at],
                )
                .map_err(map_err)?;
                tinhso_sqlite::ledger::append_admin(tx, &e.change(), &by)
            })
            .await
    }
}
