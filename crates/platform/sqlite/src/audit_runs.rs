//! `AuditRunStore` on the embedded engine.

use crate::{exec, SqliteStore};
use async_trait::async_trait;
use rusqlite::params;
use tinhso_store::{AuditFinding, AuditRun, AuditRunStore, Result};

#[async_trait]
impl AuditRunStore for SqliteStore {
    async fn record_audit_run(&self, run: &AuditRun) -> Result<i64> {
        let run = run.clone();
        self.write(move |tx| {
            let (intact, events, subjects, checkpoint, vi, en) = run.columns();
            exec(
                tx,
                "INSERT INTO audit_run (started_at, finished_at, requested_by, intact, events, subjects, checkpoint,
                                        finding_vi, finding_en)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    run.started_at,
                    run.finished_at,
                    run.requested_by.map(|a| a.0),
                    intact,
                    events,
                    subjects,
                    checkpoint,
                    vi,
                    en
                ],
            )?;
            Ok(tx.last_insert_rowid())
        })
        .await
    }

    async fn audit_runs(&self, limit: usize) -> Result<Vec<AuditRun>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(move |c| {
            let mut st = c.prepare(
                "SELECT id, started_at, finished_at, requested_by, intact, events, subjects, checkpoint, finding_vi,
                        finding_en
                 FROM audit_run ORDER BY id DESC LIMIT ?1",
            )?;
            let rows = st.query_map([limit], |r| {
                Ok(AuditRun {
                    id: r.get(0)?,
                    started_at: r.get(1)?,
                    finished_at: r.get(2)?,
                    requested_by: r.get::<_, Option<i64>>(3)?.map(tinhso_kernel::ids::AccountId),
                    finding: AuditFinding::from_columns(
                        r.get(4)?,
                        (r.get(5)?, r.get(6)?),
                        r.get(7)?,
                        r.get(8)?,
                        r.get(9)?,
                    ),
                })
            })?;
            rows.collect()
        })
        .await
    }
}
