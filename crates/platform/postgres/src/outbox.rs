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
        "INSERT INTO outbox (account_id, dossier_code, event_id, subject, body, created_at) VALUES ($1, $2, $3, $4, $5, now())",
        &[&n.account_id, &dossier, &event_id, &n.subject, &n.body],
    )
    .await
    .map_err(map_err)?;
    Ok(())
}
