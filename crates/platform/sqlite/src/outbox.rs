//! The notification outbox's write side, in the caller's transaction: a message becomes
//! visible in the recipient's inbox, and is queued for email, only if the write it belongs
//! to commits.

use crate::exec;
use chrono::Utc;
use rusqlite::{params, Connection};
use tinhso_store::{Notification, Result};

/// Queues `n`, about dossier `dossier` and ledger entry `event_id` when it concerns one.
pub fn enqueue(tx: &Connection, n: &Notification, dossier: Option<&str>, event_id: Option<i64>) -> Result<()> {
    exec(
        tx,
        "INSERT INTO outbox (account_id, dossier_code, event_id, subject, body, subject_en, body_en, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![n.account_id, dossier, event_id, n.subject, n.body, n.subject_en, n.body_en, Utc::now()],
    )?;
    Ok(())
}

/// Queues `n` for email only: it is never listed in the recipient's inbox.
pub fn enqueue_email_only(tx: &Connection, n: &Notification) -> Result<()> {
    exec(
        tx,
        "INSERT INTO outbox (account_id, subject, body, subject_en, body_en, created_at, in_inbox)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, FALSE)",
        params![n.account_id, n.subject, n.body, n.subject_en, n.body_en, Utc::now()],
    )?;
    Ok(())
}
