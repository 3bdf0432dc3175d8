//! `ScheduleStore` on the embedded engine: the claim is read and written in the writer's
//! transaction, so two claims of one job are decided one after another.

use crate::{exec, map_err, SqliteStore};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, OptionalExtension};
use tinhso_kernel::schedule::due_at;
use tinhso_store::{Result, ScheduleStore};

#[async_trait]
impl ScheduleStore for SqliteStore {
    async fn claim_run(&self, job: &str, every: Duration, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        let job = job.to_owned();
        self.write(move |tx| {
            let last: Option<DateTime<Utc>> = tx
                .prepare_cached("SELECT started_at FROM job_run WHERE job = ?1")
                .and_then(|mut st| st.query_row([&job], |r| r.get(0)).optional())
                .map_err(map_err)?;
            if let Some(next) = due_at(last, every, now) {
                return Ok(Some(next));
            }
            exec(
                tx,
                "INSERT INTO job_run (job, started_at) VALUES (?1, ?2)
                 ON CONFLICT (job) DO UPDATE SET started_at = excluded.started_at",
                params![job, now],
            )?;
            Ok(None)
        })
        .await
    }
}
