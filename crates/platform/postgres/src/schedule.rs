//! `ScheduleStore` on PostgreSQL: a claim locks the job's row for its transaction, so claims of
//! one job from every server are decided one after another and one of them runs it.

use crate::Cached;
use crate::{map_err, PgStore};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use tinhso_kernel::schedule::due_at;
use tinhso_store::{Result, ScheduleStore};

#[async_trait]
impl ScheduleStore for PgStore {
    async fn claim_run(&self, job: &str, every: Duration, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        // A job never run gets a row that reads as never run (1970), so there is a row to lock.
        tx.execute_cached(
            "INSERT INTO job_run (job, started_at) VALUES ($1, 'epoch') ON CONFLICT (job) DO NOTHING",
            &[&job],
        )
        .await
        .map_err(map_err)?;
        let row = tx
            .query_one_cached("SELECT started_at FROM job_run WHERE job = $1 FOR UPDATE", &[&job])
            .await
            .map_err(map_err)?;
        let last: DateTime<Utc> = row.get(0);
        let last = (last != DateTime::<Utc>::UNIX_EPOCH).then_some(last);
        if let Some(next) = due_at(last, every, now) {
            // Nothing written: the transaction ends without a commit's fsync.
            tx.rollback().await.map_err(map_err)?;
            return Ok(Some(next));
        }
        tx.execute_cached("UPDATE job_run SET started_at = $2 WHERE job = $1", &[&job, &now]).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(None)
    }
}
