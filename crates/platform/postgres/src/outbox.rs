//! The notification outbox's write side, in the caller's transaction: a message becomes
//! visible in the recipient's inbox, and is queued for email, only if the write it belongs
//! to commits.

use crate::map_err;
use crate::Cached;
use deadpool_postgres::Transaction;
use tinhso_store::{Notification, Result};

/// Queues `n`, about dossier `dossier` and ledger entry `event_id` when it concerns one.
pub async fn enqueue(
    tx: &Transaction<'_>,
    n: &Notification,
    dossier: Option<&str>,
    event_id: Option<i64>,
) -> Result<()> {
    tx.execute_cached(
        "INSERT INTO outbox (account_id, dossier_code, event_id, subject, body, subject_en, body_en, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now())",
        &[&n.account_id, &dossier, &event_id, &n.subject, &n.body, &n.subject_en, &n.body_en],
    )
    .await
    .map_err(map_err)?;
    Ok(())
}

/// Queues several messages in one statement: each with the dossier and ledger entry it is about.
pub async fn enqueue_many(tx: &Transaction<'_>, items: &[(&Notification, Option<&str>, Option<i64>)]) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let accounts: Vec<i64> = items.iter().map(|(n, _, _)| n.account_id.0).collect();
    let dossiers: Vec<Option<&str>> = items.iter().map(|(_, d, _)| *d).collect();
    let events: Vec<Option<i64>> = items.iter().map(|(_, _, e)| *e).collect();
    let subjects: Vec<&str> = items.iter().map(|(n, _, _)| n.subject.as_str()).collect();
    let bodies: Vec<&str> = items.iter().map(|(n, _, _)| n.body.as_str()).collect();
    let subjects_en: Vec<&str> = items.iter().map(|(n, _, _)| n.subject_en.as_str()).collect();
    let bodies_en: Vec<&str> = items.iter().map(|(n, _, _)| n.body_en.as_str()).collect();
    tx.execute_cached(
        "INSERT INTO outbox (account_id, dossier_code, event_id, subject, body, subject_en, body_en, created_at)
         SELECT a, d, e, s, b, se, be, now()
           FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[])
             AS u(a, d, e, s, b, se, be)",
        &[&accounts, &dossiers, &events, &subjects, &bodies, &subjects_en, &bodies_en],
    )
    .await
    .map_err(map_err)?;
    Ok(())
}

/// Queues `n` for email only: it is never listed in the recipient's inbox.
pub async fn enqueue_email_only(tx: &Transaction<'_>, n: &Notification) -> Result<()> {
    tx.execute_cached(
        "INSERT INTO outbox (account_id, subject, body, subject_en, body_en, created_at, in_inbox)
         VALUES ($1, $2, $3, $4, $5, now(), FALSE)",
        &[&n.account_id, &n.subject, &n.body, &n.subject_en, &n.body_en],
    )
    .await
    .map_err(map_err)?;
    Ok(())
}
