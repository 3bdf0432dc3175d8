//! `DtiStore` on the embedded engine.

use crate::{kind, published, stale, ASSESSMENT, ROUND};
use async_trait::async_trait;
use rusqlite::{params, OptionalExtension, Row};
use std::sync::Arc;
use tinhso_dti_port::{DtiAssessment, DtiAudited, DtiRound, DtiStore};
use tinhso_kernel::ids::AccountId;
use tinhso_ledger::chain::Link;
use tinhso_sqlite::{exec, ledger, map_err, outbox, SqliteStore};
use tinhso_store::migrate::{Migration, Migrations};
use tinhso_store::{Notification, Result, StoreError};

pub const MIGRATIONS: Migrations = Migrations {
    module: crate::MODULE,
    steps: &[Migration { version: 1, name: "dti", sql: include_str!("../migrations/sqlite/0001_dti.sql") }],
};

pub struct DtiSqlite {
    db: Arc<SqliteStore>,
}

impl DtiSqlite {
    pub fn new(db: Arc<SqliteStore>) -> Self {
        Self { db }
    }
}

fn round(r: &Row<'_>) -> rusqlite::Result<DtiRound> {
    Ok(DtiRound {
        year: r.get(0)?,
        framework: r.get(1)?,
        deadline: r.get(2)?,
        opened_at: r.get(3)?,
        published_at: r.get(4)?,
    })
}

fn assessment(r: &Row<'_>) -> rusqlite::Result<DtiAssessment> {
    Ok(DtiAssessment {
        year: r.get(0)?,
        unit: r.get(1)?,
        unit_group: r.get(2)?,
        step: r.get(3)?,
        version: r.get(4)?,
        scores: r.get(5)?,
        appraisal: r.get(6)?,
        reason: r.get(7)?,
        submitted_at: r.get(8)?,
        appraised_at: r.get(9)?,
        updated_at: r.get(10)?,
        updated_by: AccountId(r.get(11)?),
    })
}

fn entries(c: &rusqlite::Connection, subject: &str) -> rusqlite::Result<Vec<(String, String)>> {
    Ok(ledger::entries(c, subject)?.into_iter().map(|(e, _, _)| (e.lane, e.payload)).collect())
}

fn notify(tx: &rusqlite::Connection, notes: &[Notification]) -> Result<()> {
    notes.iter().try_for_each(|n| outbox::enqueue(tx, n, None, None))
}

#[async_trait]
impl DtiStore for DtiSqlite {
    async fn open_round(&self, r: &DtiRound, entry: &Link, notes: &[Notification]) -> Result<()> {
        let (r, entry, notes) = (r.clone(), entry.clone(), notes.to_vec());
        self.db
            .write(move |tx| {
                let n = exec(
                    tx,
                    &format!(
                        "INSERT INTO dti_round ({ROUND}) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (year) DO NOTHING"
                    ),
                    params![r.year, r.framework, r.deadline, r.opened_at, r.published_at],
                )?;
                if n == 0 {
                    return Err(StoreError::Conflict(format!("dti round {} exists", r.year)));
                }
                ledger::append_entry(tx, tinhso_dti::audit::ROUND_OPENED, false, &entry)?;
                notify(tx, &notes)
            })
            .await
    }

    async fn publish_round(&self, year: i32, at: &str, entry: &Link, notes: &[Notification]) -> Result<()> {
        let (at, entry, notes) = (at.to_owned(), entry.clone(), notes.to_vec());
        self.db
            .write(move |tx| {
                let n = exec(
                    tx,
                    "UPDATE dti_round SET published_at = ?2 WHERE year = ?1 AND published_at IS NULL \
                     AND NOT EXISTS (SELECT 1 FROM dti_assessment WHERE year = ?1 AND step = 'submitted')",
                    params![year, at],
                )?;
                if n == 0 {
                    return Err(published(year));
                }
                ledger::append_entry(tx, tinhso_dti::audit::ROUND_PUBLISHED, false, &entry)?;
                notify(tx, &notes)
            })
            .await
    }

    async fn rounds(&self) -> Result<Vec<DtiRound>> {
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(&format!("SELECT {ROUND} FROM dti_round ORDER BY year DESC"))?;
                let rows = st.query_map([], round)?;
                rows.collect()
            })
            .await
    }

    async fn assessment(&self, year: i32, unit: &str) -> Result<Option<DtiAssessment>> {
        let unit = unit.to_owned();
        self.db
            .read(move |c| {
                c.prepare_cached(&format!("SELECT {ASSESSMENT} FROM dti_assessment WHERE year = ?1 AND unit = ?2"))?
                    .query_row(params![year, unit], assessment)
                    .optional()
            })
            .await
    }

    async fn assessments(&self, year: i32) -> Result<Vec<DtiAssessment>> {
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(&format!(
                    "SELECT {ASSESSMENT} FROM dti_assessment WHERE year = ?1 ORDER BY unit"
                ))?;
                let rows = st.query_map(params![year], assessment)?;
                rows.collect()
            })
            .await
    }

    async fn put_assessment(
        &self,
        a: &DtiAssessment,
        expected: Option<i64>,
        entry: &Link,
        notes: &[Notification],
    ) -> Result<()> {
        let (a, entry, notes) = (a.clone(), entry.clone(), notes.to_vec());
        self.db
            .write(move |tx| {
                let open: Option<Option<String>> = tx
                    .query_row("SELECT published_at FROM dti_round WHERE year = ?1", params![a.year], |r| r.get(0))
                    .optional()
                    .map_err(map_err)?;
                if !matches!(open, Some(None)) {
                    return Err(published(a.year));
                }
                let values = params![
                    a.year,
                    a.unit,
                    a.unit_group,
                    a.step,
                    a.version,
                    a.scores,
                    a.appraisal,
                    a.reason,
                    a.submitted_at,
                    a.appraised_at,
                    a.updated_at,
                    a.updated_by.0,
                    expected
                ];
                let n = match expected {
                    None => exec(
                        tx,
                        &format!(
                            "INSERT INTO dti_assessment ({ASSESSMENT}) \
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
                             ON CONFLICT (year, unit) DO NOTHING"
                        ),
                        &values[..12],
                    )?,
                    Some(_) => exec(
                        tx,
                        "UPDATE dti_assessment SET unit_group = ?3, step = ?4, version = ?5, scores = ?6, \
                         appraisal = ?7, reason = ?8, submitted_at = ?9, appraised_at = ?10, updated_at = ?11, \
                         updated_by = ?12 WHERE year = ?1 AND unit = ?2 AND version = ?13",
                        values,
                    )?,
                };
                if n == 0 {
                    return Err(stale(a.year, &a.unit));
                }
                ledger::append_entry(tx, kind(expected), false, &entry)?;
                notify(tx, &notes)
            })
            .await
    }

    async fn dti_with_entries(&self) -> Result<DtiAudited> {
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(&format!("SELECT {ROUND} FROM dti_round ORDER BY year"))?;
                let rounds = st.query_map([], round)?.collect::<rusqlite::Result<Vec<_>>>()?;
                let rounds = rounds
                    .into_iter()
                    .map(|r| {
                        let e = entries(c, &tinhso_dti::audit::round_subject(r.year))?;
                        Ok((r, e))
                    })
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let mut st =
                    c.prepare_cached(&format!("SELECT {ASSESSMENT} FROM dti_assessment ORDER BY year, unit"))?;
                let rows = st.query_map([], assessment)?.collect::<rusqlite::Result<Vec<_>>>()?;
                let rows = rows
                    .into_iter()
                    .map(|a| {
                        let e = entries(c, &tinhso_dti::audit::subject(a.year, &a.unit))?;
                        Ok((a, e))
                    })
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok((rounds, rows))
            })
            .await
    }
}
