//! Periodic jobs that sweep the whole province (alerts, escalation, the province's own open
//! data) run once per period across servers and restarts, on SQLite and on PostgreSQL.

use crate::ports::{postgres, sqlite};
use chrono::{Duration, Utc};
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
    let now = Utc::now();
    // Sixteen servers (or restarts) claim a job never run, at once: exactly one runs it.
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let s = s.clone();
        set.spawn(async move { s.claim_run("opendata.publish", every, now).await });
    }
    let claims: Vec<_> = set.join_all().await.into_iter().map(Result::unwrap).collect();
    assert_eq!(claims.iter().filter(|c| c.is_none()).count(), 1, "{claims:?}");
    // The others are told when it falls due: a period after the winner's start.
    assert!(claims.iter().flatten().all(|next| (*next - (now + every)).num_milliseconds().abs() < 1), "{claims:?}");
    // Another job is its own: due at once.
    assert_eq!(s.claim_run("ioc.alerts", Duration::minutes(15), now).await.unwrap(), None);
    // Not due a minute before the period ends; due at its end, and claimed once again.
    let before = now + every - Duration::minutes(1);
    assert!(s.claim_run("opendata.publish", every, before).await.unwrap().is_some());
    let at = now + every;
    assert_eq!(s.claim_run("opendata.publish", every, at).await.unwrap(), None);
    assert!(s.claim_run("opendata.publish", every, at).await.unwrap().is_some());

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
}
