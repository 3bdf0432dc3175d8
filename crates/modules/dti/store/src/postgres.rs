//! `DtiStore` on the scale-out engine. Writes to an assessment or a round take the round's
//! row `FOR UPDATE` first, so a publication and a last appraisal never cross.

use crate::{kind, published, stale, ASSESSMENT, ROUND};
use async_trait::async_trait;
use std::sync::Arc;
use tinhso_dti_port::{DtiAssessment, DtiAudited, DtiRound, DtiStore};
use tinhso_kernel::ids::AccountId;
use tinhso_ledger::chain::Link;
use tinhso_postgres::{ledger, map_err, outbox, Cached, PgStore};
use tinhso_store::migrate::{Migration, Migrations};
use tinhso_store::{Notification, Result, StoreError};
use tokio_postgres::Row;

pub const MIGRATIONS: Migrations = Migrations {
    module: crate::MODULE,
    steps: &[Migration { version: 1, name: "dti", sql: include_str!("../migrations/postgres/0001_dti.sql") }],
};

pub struct DtiPg {
    db: Arc<PgStore>,
}

impl DtiPg {
    pub fn new(db: Arc<PgStore>) -> Self {
        Self { db }
    }
}

fn round(r: &Row) -> DtiRound {
    DtiRound { year: r.get(0), framework: r.get(1), deadline: r.get(2), opened_at: r.get(3), published_at: r.get(4) }
}

fn assessment(r: &Row) -> DtiAssessment {
    DtiAssessment {
        year: r.get(0),
        unit: r.get(1),
        unit_group: r.get(2),
        step: r.get(3),
        version: r.get(4),
        scores: r.get(5),
        appraisal: r.get(6),
        reason: r.get(7),
        submitted_at: r.get(8),
        appraised_at: r.get(9),
        updated_at: r.get(10),
        updated_by: AccountId(r.get(11)),
    }
}

/// Locks the year's round; whether it is open (exists and is not published).
async fn lock_open(tx: &deadpool_postgres::Transaction<'_>, year: i32) -> Result<bool> {
    let row = tx
        .query_opt("SELECT published_at FROM dti_round WHERE year = $1 FOR UPDATE", &[&year])
        .await
        .map_err(map_err)?;
    Ok(row.is_some_and(|r| r.get::<_, Option<String>>(0).is_none()))
}

async fn notify(tx: &deadpool_postgres::Transaction<'_>, notes: &[Notification]) -> Result<()> {
    let items: Vec<(&Notification, Option<&str>, Option<i64>)> = notes.iter().map(|n| (n, None, None)).collect();
    outbox::enqueue_many(tx, &items).await
}

#[async_trait]
impl DtiStore for DtiPg {
    async fn open_round(&self, r: &DtiRound, entry: &Link, notes: &[Notification]) -> Result<()> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let n = tx
            .execute_cached(
                &format!("INSERT INTO dti_round ({ROUND}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (year) DO NOTHING"),
                &[&r.year, &r.framework, &r.deadline, &r.opened_at, &r.published_at],
            )
            .await
            .map_err(map_err)?;
        if n == 0 {
            return Err(StoreError::Conflict(format!("dti round {} exists", r.year)));
        }
        ledger::append_entry(&tx, tinhso_dti::audit::ROUND_OPENED, false, entry).await?;
        notify(&tx, notes).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn publish_round(&self, year: i32, at: &str, entry: &Link, notes: &[Notification]) -> Result<()> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        if !lock_open(&tx, year).await? {
            return Err(published(year));
        }
        let n = tx
            .execute_cached(
                "UPDATE dti_round SET published_at = $2 WHERE year = $1 \
                 AND NOT EXISTS (SELECT 1 FROM dti_assessment WHERE year = $1 AND step = 'submitted')",
                &[&year, &at],
            )
            .await
            .map_err(map_err)?;
        if n == 0 {
            return Err(published(year));
        }
        ledger::append_entry(&tx, tinhso_dti::audit::ROUND_PUBLISHED, false, entry).await?;
        notify(&tx, notes).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn rounds(&self) -> Result<Vec<DtiRound>> {
        let client = self.db.client().await?;
        let sql = format!("SELECT {ROUND} FROM dti_round ORDER BY year DESC");
        Ok(client.query_cached(&sql, &[]).await.map_err(map_err)?.iter().map(round).collect())
    }

    async fn assessment(&self, year: i32, unit: &str) -> Result<Option<DtiAssessment>> {
        let client = self.db.client().await?;
        let sql = format!("SELECT {ASSESSMENT} FROM dti_assessment WHERE year = $1 AND unit = $2");
        Ok(client.query_cached(&sql, &[&year, &unit]).await.map_err(map_err)?.first().map(assessment))
    }

    async fn assessments(&self, year: i32) -> Result<Vec<DtiAssessment>> {
        let client = self.db.client().await?;
        let sql = format!("SELECT {ASSESSMENT} FROM dti_assessment WHERE year = $1 ORDER BY unit");
        Ok(client.query_cached(&sql, &[&year]).await.map_err(map_err)?.iter().map(assessment).collect())
    }

    async fn put_assessment(
        &self,
        a: &DtiAssessment,
        expected: Option<i64>,
        entry: &Link,
        notes: &[Notification],
    ) -> Result<()> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        if !lock_open(&tx, a.year).await? {
            return Err(published(a.year));
        }
        let values: [&(dyn tokio_postgres::types::ToSql + Sync); 12] = [
            &a.year,
            &a.unit,
            &a.unit_group,
            &a.step,
            &a.version,
            &a.scores,
            &a.appraisal,
            &a.reason,
            &a.submitted_at,
            &a.appraised_at,
            &a.updated_at,
            &a.updated_by.0,
        ];
        let n = match expected {
            None => {
                let sql = format!(
                    "INSERT INTO dti_assessment ({ASSESSMENT}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (year, unit) DO NOTHING"
                );
                tx.execute_cached(&sql, &values).await
            }
            Some(v) => {
                let with_version: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
                    values.iter().copied().chain(std::iter::once(&v as _)).collect();
                tx.execute_cached(
                    "UPDATE dti_assessment SET unit_group = $3, step = $4, version = $5, scores = $6, \
                     appraisal = $7, reason = $8, submitted_at = $9, appraised_at = $10, updated_at = $11, \
                     updated_by = $12 WHERE year = $1 AND unit = $2 AND version = $13",
                    &with_version,
                )
                .await
            }
        }
        .map_err(map_err)?;
        if n == 0 {
            return Err(stale(a.year, &a.unit));
        }
        ledger::append_entry(&tx, kind(expected), false, entry).await?;
        notify(&tx, notes).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn dti_with_entries(&self) -> Result<DtiAudited> {
        let client = self.db.client().await?;
        let sql = format!("SELECT {ROUND} FROM dti_round ORDER BY year");
        let rounds: Vec<DtiRound> = client.query_cached(&sql, &[]).await.map_err(map_err)?.iter().map(round).collect();
        let subjects: Vec<String> = rounds.iter().map(|r| tinhso_dti::audit::round_subject(r.year)).collect();
        let rounds = rounds.into_iter().zip(ledger::lanes_and_payloads(&client, &subjects).await?).collect();
        let sql = format!("SELECT {ASSESSMENT} FROM dti_assessment ORDER BY year, unit");
        let rows: Vec<DtiAssessment> =
            client.query_cached(&sql, &[]).await.map_err(map_err)?.iter().map(assessment).collect();
        let subjects: Vec<String> = rows.iter().map(|a| tinhso_dti::audit::subject(a.year, &a.unit)).collect();
        let rows = rows.into_iter().zip(ledger::lanes_and_payloads(&client, &subjects).await?).collect();
        Ok((rounds, rows))
    }
}
