//! Text messages (SMS) of the outbox (platform: notify): a cursor walks the outbox by id and
//! queues a text for each message to an account that logs in with a phone (a password
//! reset's code too, which no inbox lists); the texts are then
//! leased, sent and retried as emails are. Servers sharing the database queue in turn (the
//! cursor's row is locked) and claim different texts (SKIP LOCKED).

use crate::Cached;
use crate::{map_err, PgStore};
use chrono::{DateTime, Utc};
use tinhso_kernel::ids::AccountId;
use tinhso_store::{PendingText, Result};

impl PgStore {
    pub(crate) async fn queue_texts_q(&self, since: DateTime<Utc>, scan: usize) -> Result<usize> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let from: i64 =
            tx.query_one("SELECT last_id FROM sms_cursor WHERE id = 1 FOR UPDATE", &[]).await.map_err(map_err)?.get(0);
        let row = tx
            .query_one(
                "SELECT COUNT(*), MAX(id) FROM (SELECT id FROM outbox WHERE id > $1 ORDER BY id LIMIT $2) passed",
                &[&from, &(scan as i64)],
            )
            .await
            .map_err(map_err)?;
        let (passed, to): (i64, Option<i64>) = (row.get(0), row.get(1));
        let Some(to) = to else { return Ok(0) };
        tx.execute(
            "INSERT INTO sms_delivery (outbox_id, next_attempt_at)
             SELECT o.id, now() FROM outbox o JOIN account a ON a.id = o.account_id
             WHERE o.id > $1 AND o.id <= $2 AND position('@' in a.login) = 0 AND (NOT o.in_inbox OR NOT EXISTS (SELECT 1 FROM sms_opt_out x WHERE x.account_id = o.account_id))
             AND o.created_at >= $3
             ON CONFLICT (outbox_id) DO NOTHING",
            &[&from, &to, &since],
        )
        .await
        .map_err(map_err)?;
        tx.execute("UPDATE sms_cursor SET last_id = $1 WHERE id = 1", &[&to]).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(usize::try_from(passed).unwrap_or(0))
    }

    pub(crate) async fn claim_texts_q(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<PendingText>> {
        let rows = self
            .client()
            .await?
            .query_cached(
                "WITH due AS (
                    SELECT outbox_id FROM sms_delivery WHERE state = 'pending' AND next_attempt_at <= $2
                    AND (claimed_until IS NULL OR claimed_until <= $2)
                    ORDER BY next_attempt_at, outbox_id LIMIT $3 FOR UPDATE SKIP LOCKED)
                 UPDATE sms_delivery s SET claimed_until = $1 FROM due, outbox o, account a
                 WHERE s.outbox_id = due.outbox_id AND o.id = s.outbox_id AND a.id = o.account_id
                 RETURNING o.id, a.login, o.subject, o.body, o.dossier_code, s.attempts, o.in_inbox",
                &[&lease_until, &now, &(limit as i64)],
            )
            .await
            .map_err(map_err)?;
        Ok(rows
            .iter()
            .map(|r| PendingText {
                id: r.get(0),
                to: r.get(1),
                subject: r.get(2),
                body: r.get(3),
                dossier: r.get(4),
                attempts: u32::try_from(r.get::<_, i32>(5)).unwrap_or(0),
                in_inbox: r.get(6),
            })
            .collect())
    }

    pub(crate) async fn text_sent_q(&self, id: i64) -> Result<()> {
        self.client()
            .await?
            .execute_cached(
                "UPDATE sms_delivery SET state = 'sent', sent_at = now(), attempts = attempts + 1, claimed_until = NULL
                 WHERE outbox_id = $1",
                &[&id],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub(crate) async fn text_failed_q(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
        let error: String = error.chars().take(500).collect();
        self.client()
            .await?
            .execute_cached(
                "UPDATE sms_delivery SET attempts = attempts + 1, last_error = $1, claimed_until = NULL,
                 next_attempt_at = COALESCE($2, next_attempt_at),
                 state = CASE WHEN $2::timestamptz IS NULL THEN 'failed' ELSE 'pending' END WHERE outbox_id = $3",
                &[&error, &retry_at, &id],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub(crate) async fn texts_wanted_q(&self, account: AccountId) -> Result<bool> {
        let row = self
            .client()
            .await?
            .query_one_cached("SELECT NOT EXISTS (SELECT 1 FROM sms_opt_out WHERE account_id = $1)", &[&account.0])
            .await
            .map_err(map_err)?;
        Ok(row.get(0))
    }

    pub(crate) async fn set_texts_wanted_q(&self, account: AccountId, wanted: bool) -> Result<()> {
        let client = self.client().await?;
        if wanted {
            client.execute_cached("DELETE FROM sms_opt_out WHERE account_id = $1", &[&account.0]).await
        } else {
            client
                .execute_cached(
                    "INSERT INTO sms_opt_out (account_id, since) VALUES ($1, now()) ON CONFLICT (account_id) DO NOTHING",
                    &[&account.0],
                )
                .await
        }
        .map_err(map_err)?;
        Ok(())
    }
}
