//! The outbox on SQLite (platform: notify): the in-app inbox and its unread mark, alerts sent
//! once, and the email and text-message queues (texts in texts.rs).

use crate::{exec, map_err, SqliteStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::params;
use tinhso_kernel::ids::AccountId;
use tinhso_store::{InboxMessage, Notification, NotifyStore, PendingEmail, Result};

#[async_trait]
impl NotifyStore for SqliteStore {
    async fn send_alert(&self, key: &str, notes: &[Notification]) -> Result<bool> {
        self.send_alert_q(key, notes).await
    }

    async fn inbox(&self, account_id: AccountId) -> Result<Vec<InboxMessage>> {
        self.read(move |c| {
            let mut st = c.prepare(
                "SELECT id, dossier_code, subject, body, created_at, subject_en, body_en FROM outbox
                  WHERE account_id = ?1 AND in_inbox ORDER BY id DESC LIMIT 200",
            )?;
            let rows = st.query_map([account_id], |r| {
                Ok(InboxMessage {
                    id: r.get(0)?,
                    dossier: r.get(1)?,
                    subject: r.get(2)?,
                    body: r.get(3)?,
                    created_at: r.get(4)?,
                    subject_en: r.get(5)?,
                    body_en: r.get(6)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn unread(&self, account_id: AccountId) -> Result<u64> {
        // A point read every page of a logged-in person waits on: on this thread.
        self.read_now(move |c| {
            c.prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM outbox WHERE account_id = ?1 AND in_inbox
                   AND id > coalesce((SELECT last_id FROM inbox_read WHERE account_id = ?1), 0) LIMIT 100) AS u",
            )?
            .query_row([account_id], |r| r.get::<_, i64>(0))
            .map(|n| u64::try_from(n).unwrap_or(0))
        })
    }

    async fn mark_read(&self, account_id: AccountId, up_to: i64) -> Result<()> {
        self.write(move |tx| {
            exec(
                tx,
                "INSERT INTO inbox_read (account_id, last_id) VALUES (?1, ?2)
                 ON CONFLICT (account_id) DO UPDATE SET last_id = max(last_id, excluded.last_id)",
                params![account_id, up_to],
            )
            .map(drop)
        })
        .await
    }

    async fn claim_emails(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<PendingEmail>> {
        self.write(move |c| {
            c.execute(
                "UPDATE outbox SET email_state = 'no_address' WHERE email_state = 'pending'
                 AND account_id IN (SELECT id FROM account WHERE instr(login, '@') = 0)",
                [],
            )
            .map_err(map_err)?;
            let mut st = c
                .prepare(
                    "UPDATE outbox SET claimed_until = ?1 WHERE id IN (
                        SELECT id FROM outbox WHERE email_state = 'pending'
                        AND (next_attempt_at IS NULL OR next_attempt_at <= ?2)
                        AND (claimed_until IS NULL OR claimed_until <= ?2) ORDER BY id LIMIT ?3)
                     RETURNING id",
                )
                .map_err(map_err)?;
            let ids: Vec<i64> = st
                .query_map(params![lease_until, now, limit as i64], |r| r.get(0))
                .map_err(map_err)?
                .collect::<rusqlite::Result<_>>()
                .map_err(map_err)?;
            let mut get = c
                .prepare(
                    "SELECT o.id, a.login, a.full_name, o.subject, o.body, o.attempts, o.subject_en, o.body_en,
                            o.dossier_code, o.in_inbox
                     FROM outbox o JOIN account a ON a.id = o.account_id WHERE o.id = ?1",
                )
                .map_err(map_err)?;
            ids.iter()
                .map(|id| {
                    get.query_row([id], |r| {
                        Ok(PendingEmail {
                            id: r.get(0)?,
                            to: r.get(1)?,
                            full_name: r.get(2)?,
                            subject: r.get(3)?,
                            body: r.get(4)?,
                            attempts: r.get(5)?,
                            subject_en: r.get(6)?,
                            body_en: r.get(7)?,
                            dossier: r.get(8)?,
                            in_inbox: r.get(9)?,
                        })
                    })
                    .map_err(map_err)
                })
                .collect()
        })
        .await
    }

    async fn email_sent(&self, id: i64) -> Result<()> {
        self.write(move |c| {
            c.execute(
                "UPDATE outbox SET email_state = 'sent', email_sent_at = ?1, attempts = attempts + 1 WHERE id = ?2",
                params![Utc::now(), id],
            )
            .map_err(map_err)?;
            Ok(())
        })
        .await
    }

    async fn email_failed(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
        let error = error.chars().take(500).collect::<String>();
        self.write(move |c| {
            c.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?1, next_attempt_at = ?2, claimed_until = NULL,
                 email_state = CASE WHEN ?2 IS NULL THEN 'failed' ELSE 'pending' END WHERE id = ?3",
                params![error, retry_at, id],
            )
            .map_err(map_err)?;
            Ok(())
        })
        .await
    }

    async fn queue_texts(&self, since: DateTime<Utc>, scan: usize) -> Result<usize> {
        self.queue_texts_q(since, scan).await
    }

    async fn claim_texts(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<tinhso_store::PendingText>> {
        self.claim_texts_q(now, lease_until, limit).await
    }

    async fn text_sent(&self, id: i64) -> Result<()> {
        self.text_sent_q(id).await
    }

    async fn texts_wanted(&self, account: AccountId) -> Result<bool> {
        self.texts_wanted_q(account).await
    }

    async fn set_texts_wanted(&self, account: AccountId, wanted: bool) -> Result<()> {
        self.set_texts_wanted_q(account, wanted).await
    }

    async fn text_failed(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
        self.text_failed_q(id, error, retry_at).await
    }
}
