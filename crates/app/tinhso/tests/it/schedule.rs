//! Periodic jobs that sweep the whole province (alerts, escalation, the province's own open
//! data) run once per period across servers and restarts, on SQLite and on PostgreSQL.

use crate::ports::{postgres, sqlite};
use chrono::{Duration, SubsecRound, Utc};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tinhso_http::schedule::run_if_due;
use tinhso_store::Stores;

#[tokio::test]
async fn schedule_sqlite() {
    once_per_period(sqlite().await).await;
}

#[tokio::test]
async fn schedule_postgres() {
    once_per_period(postgres().await).await;
}

async fn once_per_period(stores: Stores) {
    let s = stores.schedule.clone();
    let every = Duration::hours(24);
    // Whole seconds: PostgreSQL keeps microseconds, so instants compare exactly on both engines.
    let now = Utc::now().trunc_subsecs(0);
    // Sixteen servers (or restarts) claim a job never run, at once: exactly one runs it.
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let s = s.clone();
        set.spawn(async move { s.claim_run("opendata.publish", every, now).await });
    }
    let claims: Vec<_> = set.join_all().await.into_iter().map(Result::unwrap).collect();
    assert_eq!(claims.iter().filter(|c| c.is_none()).count(), 1, "{claims:?}");
    // The others are told when it falls due: while the winner runs, when its lease ends.
    let lease = now + tinhso_kernel::schedule::LEASE;
    assert!(claims.iter().flatten().all(|next| (*next - lease).num_milliseconds().abs() < 1), "{claims:?}");
    // Once it finished, a period after its start.
    s.finish_run("opendata.publish", now, now + Duration::minutes(1)).await.unwrap();
    let next = s.claim_run("opendata.publish", every, now + Duration::hours(2)).await.unwrap().unwrap();
    assert!((next - (now + every)).num_milliseconds().abs() < 1, "{next}");
    // Another job is its own: due at once.
    assert_eq!(s.claim_run("ioc.alerts", Duration::minutes(15), now).await.unwrap(), None);
    // Not due a minute before the period ends; due at its end, and claimed once again.
    let before = now + every - Duration::minutes(1);
    assert!(s.claim_run("opendata.publish", every, before).await.unwrap().is_some());
    let at = now + every;
    assert_eq!(s.claim_run("opendata.publish", every, at).await.unwrap(), None);
    assert_eq!(s.claim_run("opendata.publish", every, at).await.unwrap(), Some(at + tinhso_kernel::schedule::LEASE));

    // The servers' loop: a server started after another ran the job does not run it again,
    // and waits until it is due.
    let runs = Arc::new(AtomicUsize::new(0));
    let mut turn = || {
        let runs = runs.clone();
        async move {
            runs.fetch_add(1, Ordering::SeqCst);
        }
    };
    let period = std::time::Duration::from_secs(3600);
    let first = run_if_due(&*s, "reports.escalation", period, &mut turn).await.unwrap();
    assert_eq!((runs.load(Ordering::SeqCst), first), (1, period));
    let restarted = run_if_due(&*s, "reports.escalation", period, &mut turn).await.unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 1, "a restart ran the job again");
    assert!(restarted > std::time::Duration::from_secs(3500) && restarted <= period, "{restarted:?}");

    // A run cut by a crash (claimed, never finished) holds a daily job for an hour, not a day;
    // one that finished holds it the whole day. A late finish of an older run changes nothing.
    let t0 = now + Duration::days(10);
    assert_eq!(s.claim_run("daily", every, t0).await.unwrap(), None);
    assert_eq!(s.claim_run("daily", every, t0 + Duration::minutes(59)).await.unwrap(), Some(t0 + Duration::hours(1)));
    let t1 = t0 + Duration::hours(1);
    assert_eq!(s.claim_run("daily", every, t1).await.unwrap(), None, "a cut run held its job past the lease");
    s.finish_run("daily", t0, t1 + Duration::minutes(5)).await.unwrap();
    let late = s.claim_run("daily", every, t1 + Duration::minutes(30)).await.unwrap();
    assert_eq!(late, Some(t1 + Duration::hours(1)), "the cut run's late finish was taken for the new run's");
    s.finish_run("daily", t1, t1 + Duration::minutes(10)).await.unwrap();
    assert_eq!(s.claim_run("daily", every, t1 + Duration::hours(2)).await.unwrap(), Some(t1 + every));
    assert_eq!(s.claim_run("daily", every, t1 + every).await.unwrap(), None);
}

/// Whether the server's periodic `job` has finished a run (awaited for up to 10 s): a job due
/// runs at start, so a test makes it due (by deleting its `job_run` row) and restarts.
pub(crate) async fn job_ran(s: &tinhso_testkit::TestServer, job: &str) -> bool {
    let done = format!("UPDATE job_run SET job = job WHERE job = '{job}' AND finished_at IS NOT NULL");
    for _ in 0..200 {
        if s.exec_sql(&done).await.unwrap() == 1 {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}
