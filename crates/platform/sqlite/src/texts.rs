//! Text messages (SMS) of the outbox (platform: notify): a cursor walks the outbox by id and
//! queues a text for each message to an account that logs in with a phone (a password
//! reset's code too, which no inbox lists); the texts are then
//! leased, sent and retried as emails are.

use crate::{map_err, SqliteStore};
use chrono::{DateTime, Utc};
use rusqlite::params;
use tinhso_kernel::ids::AccountId;
use tinhso_store::{PendingText, Result};

impl SqliteStore {
    pub(crate) async fn queue_texts_q(&self, since: DateTime<Utc>, scan: usize) -> Result<usize> {
        // Asked every second: a read first, so that an idle outbox costs the writer nothing.
        let behind: bool = self
            .read(|c| {
                c.query_row(
                    "SELECT COALESCE((SELECT MAX(id) FROM outbox), 0) > (SELECT last_id FROM sms_cursor WHERE id = 1)",
                    [],
                    |r| r.get(0),
                )
            })
            .await?;
        if !behind {
            return Ok(0);
        }
        self.write(move |c| {
            let from: i64 =
                c.query_row("SELECT last_id FROM sms_cursor WHERE id = 1", [], |r| r.get(0)).map_err(map_err)?;
            let (passed, to): (i64, Option<i64>) = c
                .query_row(
                    "SELECT COUNT(*), MAX(id) FROM (SELECT id FROM outbox WHERE id > ?1 ORDER BY id LIMIT ?2)",
                    params![from, scan as i64],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(map_err)?;
            let Some(to) = to else { return Ok(0) };
            c.execute(
                "INSERT INTO sms_delivery (outbox_id, next_attempt_at)
                 SELECT o.id, ?3 FROM outbox o JOIN account a ON a.id = o.account_id
                 WHERE o.id > ?1 AND o.id <= ?2 AND instr(a.login, '@') = 0 AND (NOT o.in_inbox OR NOT EXISTS (SELECT 1 FROM sms_opt_out x WHERE x.account_id = o.account_id))
             AND o.created_at >= ?4
                 ON CONFLICT (outbox_id) DO NOTHING",
                params![from, to, Utc::now(), since],
            )
            .map_err(map_err)?;
            c.execute("UPDATE sms_cursor SET last_id = ?1 WHERE id = 1", [to]).map_err(map_err)?;
            Ok(usize::try_from(passed).unwrap_or(0))
        })
        .await
    }

    pub(crate) async fn claim_texts_q(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<PendingText>> {
        let due: bool = self
            .read(move |c| {
                c.query_row(
                    "SELECT EXISTS (SELECT 1 FROM sms_delivery WHERE state = 'pending' AND next_attempt_at <= ?1
                     AND (claimed_until IS NULL OR claimed_until <= ?1))",
                    [now],
                    |r| r.get(0),
                )
            })
            .await?;
        if !due {
            return Ok(Vec::new());
        }
        self.write(move |c| {
            let mut st = c
                .prepare_cached(
                    "UPDATE sms_delivery SET claimed_until = ?1 WHERE outbox_id IN (
                        SELECT outbox_id FROM sms_delivery WHERE state = 'pending' AND next_attempt_at <= ?2
                        AND (claimed_until IS NULL OR claimed_until <= ?2) ORDER BY next_attempt_at, outbox_id LIMIT ?3)
                     RETURNING outbox_id",
                )
                .map_err(map_err)?;
            let ids: Vec<i64> = st
                .query_map(params![lease_until, now, limit as i64], |r| r.get(0))
                .map_err(map_err)?
                .collect::<rusqlite::Result<_>>()
                .map_err(map_err)?;
            let mut get = c
                .prepare_cached(
                    "SELECT o.id, a.login, o.subject, o.body, o.dossier_code, s.attempts, o.in_inbox
                     FROM sms_delivery s JOIN outbox o ON o.id = s.outbox_id JOIN account a ON a.id = o.account_id
                     WHERE s.outbox_id = ?1",
                )
                .map_err(map_err)?;
            ids.iter()
                .map(|id| {
                    get.query_row([id], |r| {
                        Ok(PendingText {
                            id: r.get(0)?,
                            to: r.get(1)?,
                            subject: r.get(2)?,
                            body: r.get(3)?,
                            dossier: r.get(4)?,
                            attempts: r.get(5)?,
                            in_inbox: r.get(6)?,
                        })
                    })
                    .map_err(map_err)
                })
                .collect()
        })
        .await
    }

    pub(crate) async fn text_sent_q(&self, id: i64) -> Result<()> {
        self.write(move |c| {
            c.execute(
                "UPDATE sms_delivery SET state = 'sent', sent_at = ?1, attempts = attempts + 1, claimed_until = NULL
                 WHERE outbox_id = ?2",
                params![Utc::now(), id],
            )
            .map(drop)
            .map_err(map_err)
        })
        .await
    }

    pub(crate) async fn text_failed_q(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
        let error = error.chars().take(500).collect::<String>();
        self.write(move |c| {
            c.execute(
                "UPDATE sms_delivery SET attempts = attempts + 1, last_error = ?1, claimed_until = NULL,
                 next_attempt_at = COALESCE(?2, next_attempt_at),
                 state = CASE WHEN ?2 IS NULL THEN 'failed' ELSE 'pending' END WHERE outbox_id = ?3",
                params![error, retry_at, id],
            )
            .map(drop)
            .map_err(map_err)
        })
        .await
    }

    pub(crate) async fn texts_wanted_q(&self, account: AccountId) -> Result<bool> {
        self.read(move |c| {
            c.query_row("SELECT NOT EXISTS (SELECT 1 FROM sms_opt_out WHERE account_id = ?1)", [account.0], |r| {
                r.get(0)
            })
        })
        .await
    }

    pub(crate) async fn set_texts_wanted_q(&self, account: AccountId, wanted: bool) -> Result<()> {
        self.write(move |c| {
            if wanted {
                c.execute("DELETE FROM sms_opt_out WHERE account_id = ?1", [account.0])
            } else {
                c.execute(
                    "INSERT INTO sms_opt_out (account_id, since) VALUES (?1, ?2) ON CONFLICT (account_id) DO NOTHING",
                    params![account.0, Utc::now()],
                )
            }
            .map(drop)
            .map_err(map_err)
        })
        .await
    }
}
