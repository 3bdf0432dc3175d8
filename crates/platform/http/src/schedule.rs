//! Periodic jobs that sweep the whole province run once per period across every server and
//! restart: each turn claims the job in the database (platform: schedule) and runs it only if
//! the claim says it is due, so a restart (after a crash, an upgrade) does not redo a day's
//! publication or a quarter-hour's alert sweep on top of the load it restarts into, and two
//! servers on one database do not both do it.

use chrono::Utc;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tinhso_store::ScheduleStore;

/// How long a server waits after a claim it could not make (the database unreachable).
const RETRY: Duration = Duration::from_secs(60);

/// Runs `turn` every `every` (measured from the job's last start on any server), forever.
/// A claim is made before the job runs and its end recorded after: a server that dies mid-run
/// holds the job for at most `tinhso_kernel::schedule::LEASE`, then any server runs it again.
pub async fn every<F, Fut>(schedule: Arc<dyn ScheduleStore>, job: &'static str, every: Duration, mut turn: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    loop {
        let wait = match run_if_due(&*schedule, job, every, &mut turn).await {
            Ok(wait) => wait,
            Err(e) => {
                tracing::warn!(job, error = %e, "cannot claim a periodic job; trying again");
                RETRY
            }
        };
        // Not less than a second, so a clock far off never makes this spin.
        tokio::time::sleep(wait.max(Duration::from_secs(1))).await;
    }
}

/// One turn: claims `job` and runs `turn` if it is due now. Returns how long to wait before
/// the next turn: `every` after a run, else until the job falls due (another server ran it,
/// or this one before a restart).
pub async fn run_if_due<F, Fut>(
    schedule: &dyn ScheduleStore,
    job: &str,
    every: Duration,
    turn: &mut F,
) -> tinhso_store::Result<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let period = chrono::Duration::from_std(every).unwrap_or(chrono::Duration::MAX);
    let started_at = Utc::now();
    match schedule.claim_run(job, period, started_at).await? {
        None => {
            turn().await;
            schedule.finish_run(job, started_at, Utc::now()).await?;
            Ok(every)
        }
        Some(next) => Ok((next - Utc::now()).to_std().unwrap_or(Duration::ZERO)),
    }
}
