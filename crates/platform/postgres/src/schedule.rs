//! `ScheduleStore` on PostgreSQL: a claim locks the job's row for its transaction, so claims of
//! one job from every server are decided one after another and one of them runs it.

use crate::Cached;
use crate::{map_err, PgStore};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use tinhso_kernel::schedule::{due_at, LastRun};
use tinhso_store::{Result, ScheduleStore};

#[async_trait]
impl ScheduleStore for PgStore {
    async fn claim_run(&self, job: &str, every: Duration, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        // A job never run gets a row that reads as never run (started in 1970), so there is a row to lock.
        tx.execute_cached(
            "INSERT INTO job_run (job, started_at) VALUES ($1, 'epoch') ON CONFLICT (job) DO NOTHING",
            &[&job],
        )
        .await
        .map_err(map_err)?;
        let row = tx
            .query_one_cached(
                "SELECT started_at, finished_at IS NOT NULL FROM job_run WHERE job = $1 FOR UPDATE",
                &[&job],
            )
            .await
            .map_err(map_err)?;
        let started_at: DateTime<Utc> = row.get(0);
        let last = (started_at != DateTime::<Utc>::UNIX_EPOCH).then(|| LastRun { started_at, finished: row.get(1) });
        if let Some(next) = due_at(last, every, now) {
            // Nothing written: the transaction ends without a commit's fsync.
            tx.rollback().await.map_err(map_err)?;
            return Ok(Some(next));
        }
        tx.execute_cached("UPDATE job_run SET started_at = $2, finished_at = NULL WHERE job = $1", &[&job, &now])
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(None)
    }

    async fn finish_run(&self, job: &str, started_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
        self.client()
            .await?
            .execute_cached(
                "UPDATE job_run SET finished_at = $3 WHERE job = $1 AND started_at = $2",
                &[&job, &started_at, &now],
            )
            .await
            .map_err(map_err)
            .map(drop)
    }
}
