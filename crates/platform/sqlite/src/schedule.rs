//! `ScheduleStore` on the embedded engine: the claim is read and written in the writer's
//! transaction, so two claims of one job are decided one after another.

use crate::{exec, map_err, SqliteStore};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, OptionalExtension};
use tinhso_kernel::schedule::{due_at, LastRun};
use tinhso_store::{Result, ScheduleStore};

#[async_trait]
impl ScheduleStore for SqliteStore {
    async fn claim_run(&self, job: &str, every: Duration, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        let job = job.to_owned();
        self.write(move |tx| {
            let last = tx
                .prepare_cached("SELECT started_at, finished_at IS NOT NULL FROM job_run WHERE job = ?1")
                .and_then(|mut st| {
                    st.query_row([&job], |r| Ok(LastRun { started_at: r.get(0)?, finished: r.get(1)? })).optional()
                })
                .map_err(map_err)?;
            if let Some(next) = due_at(last, every, now) {
                return Ok(Some(next));
            }
            exec(
                tx,
                "INSERT INTO job_run (job, started_at, finished_at) VALUES (?1, ?2, NULL)
                 ON CONFLICT (job) DO UPDATE SET started_at = excluded.started_at, finished_at = NULL",
                params![job, now],
            )?;
            Ok(None)
        })
        .await
    }

    async fn finish_run(&self, job: &str, started_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
        let job = job.to_owned();
        self.write(move |tx| {
            exec(
                tx,
                "UPDATE job_run SET finished_at = ?3 WHERE job = ?1 AND started_at = ?2",
                params![job, started_at, now],
            )
            .map(drop)
        })
        .await
    }
}
