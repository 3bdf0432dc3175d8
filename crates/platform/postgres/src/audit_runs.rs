//! `AuditRunStore` on PostgreSQL.

use crate::{map_err, PgStore};
use async_trait::async_trait;
use tinhso_store::{AuditFinding, AuditRun, AuditRunStore, Result};

#[async_trait]
impl AuditRunStore for PgStore {
    async fn record_audit_run(&self, run: &AuditRun) -> Result<i64> {
        let (intact, events, subjects, checkpoint, vi, en) = run.columns();
        let row = self
            .client()
            .await?
            .query_one(
                "INSERT INTO audit_run (started_at, finished_at, requested_by, intact, events, subjects, checkpoint,
                                        finding_vi, finding_en)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                &[
                    &run.started_at,
                    &run.finished_at,
                    &run.requested_by.map(|a| a.0),
                    &intact,
                    &events,
                    &subjects,
                    &checkpoint,
                    &vi,
                    &en,
                ],
            )
            .await
            .map_err(map_err)?;
        Ok(row.get(0))
    }

    async fn audit_runs(&self, limit: usize) -> Result<Vec<AuditRun>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .client()
            .await?
            .query(
                "SELECT id, started_at, finished_at, requested_by, intact, events, subjects, checkpoint, finding_vi,
                        finding_en
                 FROM audit_run ORDER BY id DESC LIMIT $1",
                &[&limit],
            )
            .await
            .map_err(map_err)?;
        Ok(rows
            .iter()
            .map(|r| AuditRun {
                id: r.get(0),
                started_at: r.get(1),
                finished_at: r.get(2),
                requested_by: r.get::<_, Option<i64>>(3).map(tinhso_kernel::ids::AccountId),
                finding: AuditFinding::from_columns(r.get(4), (r.get(5), r.get(6)), r.get(7), r.get(8), r.get(9)),
            })
            .collect())
    }
}
