//! The operations centre's tables on PostgreSQL, through the engine's pool.

use chrono::NaiveDate;
use std::sync::Arc;
use tinhso_ioc::{FactKey, Measure};
use tinhso_kernel::ids::AgencyCode;
use tinhso_postgres::Cached;
use tinhso_postgres::{map_err, PgStore};
use tinhso_store::admin::AdminAct;
use tinhso_store::{ioc_key, ioc_rows, monthly_rows, Grain, IocEntry, IocStore, MemberQuery, Result, StoreError};

/// The operations centre's port on a PostgreSQL engine.
/// The module's tables on PostgreSQL, oldest first.
pub const MIGRATIONS: tinhso_store::migrate::Migrations = tinhso_store::migrate::Migrations {
    module: crate::MODULE,
    steps: &[tinhso_store::migrate::Migration {
        version: 1,
        name: "ioc",
        sql: include_str!("../migrations/postgres/0001_ioc.sql"),
    }],
};

pub struct IocPg {
    db: Arc<PgStore>,
}

impl IocPg {
    pub fn new(db: Arc<PgStore>) -> Self {
        Self { db }
    }
}

#[async_trait::async_trait]
impl IocStore for IocPg {
    async fn ioc_members(&self, q: &MemberQuery) -> Result<Vec<(NaiveDate, String)>> {
        let limit = q.limit as i64;
        let rows = match &q.after {
            None => {
                self.db
                    .client()
                    .await?
                    .query_cached(
                        "SELECT day, code FROM ioc_member WHERE agency = $1 AND measure = $2 AND day BETWEEN $3 AND $4
                         ORDER BY day DESC, code DESC LIMIT $5",
                        &[&q.agency.as_str(), &q.measure.key(), &q.from, &q.to, &limit],
                    )
                    .await
            }
            Some((day, code)) => {
                let until = (*day).min(q.to);
                self.db
                    .client()
                    .await?
                    .query_cached(
                        "SELECT day, code FROM ioc_member WHERE agency = $1 AND measure = $2 AND day >= $3
                         AND (day, code) < ($4, $5) ORDER BY day DESC, code DESC LIMIT $6",
                        &[&q.agency.as_str(), &q.measure.key(), &q.from, &until, code, &limit],
                    )
                    .await
            }
        }
        .map_err(map_err)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn ioc_member_count(&self, q: &MemberQuery) -> Result<i64> {
        let row = self
            .db
            .client()
            .await?
            .query_one_cached(
                "SELECT count(*) FROM ioc_member WHERE agency = $1 AND measure = $2 AND day BETWEEN $3 AND $4",
                &[&q.agency.as_str(), &q.measure.key(), &q.from, &q.to],
            )
            .await
            .map_err(map_err)?;
        Ok(row.get(0))
    }

    async fn ioc_member_counts(&self) -> Result<Vec<(FactKey, i64)>> {
        let rows = self
            .db
            .client()
            .await?
            .query_cached("SELECT agency, measure, day, count(*) FROM ioc_member GROUP BY agency, measure, day", &[])
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                let (agency, measure) = ioc_key(r.get(0), r.get(1))?;
                Ok((FactKey { agency, day: r.get(2), measure }, r.get(3)))
            })
            .collect()
    }

    async fn ioc_totals(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<(AgencyCode, Measure, i64)>> {
        let client = self.db.client().await?;
        let mut out = Vec::new();
        for (grain, a, b) in tinhso_store::period_ranges(from, to) {
            let rows = client
                .query_cached(
                    "SELECT agency, measure, SUM(value)::bigint FROM ioc_aggregate
                     WHERE grain = $1 AND bucket BETWEEN $2 AND $3 GROUP BY agency, measure",
                    &[&grain.key(), &a, &b],
                )
                .await
                .map_err(map_err)?;
            out.extend(rows.iter().map(|r| (r.get::<_, String>(0), r.get::<_, String>(1), r.get::<_, i64>(2))));
        }
        ioc_rows(out)
    }

    async fn ioc_monthly(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<(String, Measure, i64)>> {
        let rows = self
            .db
            .client()
            .await?
            .query_cached(
                "SELECT bucket, measure, SUM(value)::bigint FROM ioc_aggregate
                 WHERE grain = 'm' AND bucket BETWEEN $1 AND $2 GROUP BY bucket, measure",
                &[&Grain::Month.bucket(from), &Grain::Month.bucket(to)],
            )
            .await
            .map_err(map_err)?;
        monthly_rows(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
    }

    async fn ioc_buckets(&self, grain: Grain) -> Result<Vec<(Grain, String, AgencyCode, Measure, i64)>> {
        let rows = self
            .db
            .client()
            .await?
            .query_cached(
                "SELECT bucket, agency, measure, value FROM ioc_aggregate WHERE grain = $1 AND value <> 0",
                &[&grain.key()],
            )
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                let (a, m) = ioc_key(r.get(1), r.get(2))?;
                Ok((grain, r.get(0), a, m, r.get(3)))
            })
            .collect()
    }

    async fn overdue_counts(&self, today: NaiveDate) -> Result<Vec<(AgencyCode, i64)>> {
        let rows = self
            .db
            .client()
            .await?
            .query_cached(
                "SELECT agency, SUM(value)::bigint FROM ioc_aggregate
                 WHERE measure = 'open_due' AND grain = 'd' AND bucket < $1 GROUP BY agency HAVING SUM(value) <> 0",
                &[&Grain::Day.bucket(today)],
            )
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                let a: String = r.get(0);
                Ok((AgencyCode::parse("agency", &a).map_err(|e| StoreError::Corrupt(e.to_string()))?, r.get(1)))
            })
            .collect()
    }

    async fn ioc_entries(&self) -> Result<Vec<IocEntry>> {
        let rows = self
            .db
            .client()
            .await?
            .query_cached(
                "SELECT indicator, unit, rate, evidence, entered_by, entered_at FROM ioc_entry ORDER BY indicator, unit",
                &[],
            )
            .await
            .map_err(map_err)?;
        Ok(rows
            .iter()
            .map(|r| IocEntry {
                indicator: r.get(0),
                unit: r.get(1),
                rate: r.get(2),
                evidence: r.get(3),
                entered_by: r.get(4),
                entered_at: r.get(5),
            })
            .collect())
    }

    async fn put_ioc_entry(&self, e: &IocEntry, by: &AdminAct) -> Result<()> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        tx.execute_cached(
            "INSERT INTO ioc_entry (indicator, unit, rate, evidence, entered_by, entered_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (indicator, unit) DO UPDATE SET rate = excluded.rate, evidence = excluded.evidence,
             entered_by = excluded.entered_by, entered_at = excluded.entered_at",
            &[&e.indicator, &e.unit, &e.rate, &e.evidence, &e.entered_by, &e.entered_at],
        )
        .await
        .map_err(map_err)?;
        tinhso_postgres::ledger::append_admin(&tx, &e.change(), by).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(())
    }
}
