//! Credentials (platform: identity): a forgotten password reset at the desk, which makes the
//! account claimable again with a code, or asked for by email, whose code is stored only as
//! its SHA-256 and whose email never shows in the inbox; staff accounts locked and unlocked.

use crate::{exec, map_err, SqliteStore};
use chrono::{DateTime, Utc};
use rusqlite::params;
use tinhso_kernel::ids::AccountId;
use tinhso_store::{Notification, Result};

impl SqliteStore {
    pub(crate) async fn reset_password_q(&self, id: AccountId, code: &str) -> Result<Option<String>> {
        let code = code.to_owned();
        self.write(move |tx| {
            let n = tx
                .execute(
                    "UPDATE account SET password_hash = '' WHERE id = ?1 AND role = 'citizen' AND personal_id IS NOT NULL",
                    [id],
                )
                .map_err(map_err)?;
            if n != 1 {
                return Ok(None);
            }
            exec(tx, "DELETE FROM session WHERE account_id = ?1", [id])?;
            exec(tx, "DELETE FROM password_reset WHERE account_id = ?1", [id])?;
            exec(
                tx,
                "INSERT INTO account_claim (account_id, code) VALUES (?1, ?2)
                 ON CONFLICT (account_id) DO UPDATE SET code = excluded.code",
                params![id, code],
            )?;
            Ok(Some(code.clone()))
        })
        .await
    }

    pub(crate) async fn issue_email_reset_q(
        &self,
        id: AccountId,
        code_sha256: &[u8; 32],
        until: DateTime<Utc>,
        mail: &Notification,
    ) -> Result<()> {
        let (digest, mail) = (code_sha256.to_vec(), mail.clone());
        self.write(move |tx| {
            exec(
                tx,
                "INSERT INTO password_reset (account_id, code_sha256, expires_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (account_id) DO UPDATE SET code_sha256 = excluded.code_sha256, expires_at = excluded.expires_at",
                params![id, digest, until],
            )?;
            crate::outbox::enqueue_email_only(tx, &mail)
        })
        .await
    }

    pub(crate) async fn redeem_email_reset_q(
        &self,
        id: AccountId,
        code_sha256: &[u8; 32],
        now: DateTime<Utc>,
        password_hash: &str,
    ) -> Result<bool> {
        let (digest, hash) = (code_sha256.to_vec(), password_hash.to_owned());
        self.write(move |tx| {
            let n = tx
                .execute(
                    "UPDATE account SET password_hash = ?1 WHERE id = ?2 AND EXISTS (SELECT 1 FROM password_reset
                       WHERE account_id = ?2 AND code_sha256 = ?3 AND expires_at > ?4)",
                    params![hash, id, digest, now],
                )
                .map_err(map_err)?;
            if n == 1 {
                exec(tx, "DELETE FROM password_reset WHERE account_id = ?1", [id])?;
                exec(tx, "DELETE FROM account_claim WHERE account_id = ?1", [id])?;
                exec(tx, "DELETE FROM session WHERE account_id = ?1", [id])?;
            }
            Ok(n == 1)
        })
        .await
    }

    pub(crate) async fn set_disabled_q(&self, id: AccountId, disabled: bool) -> Result<bool> {
        self.write(move |tx| {
            let n = tx
                .execute("UPDATE account SET disabled = ?1 WHERE id = ?2 AND role <> 'citizen'", params![disabled, id])
                .map_err(map_err)?;
            if n == 1 && disabled {
                exec(tx, "DELETE FROM session WHERE account_id = ?1", [id])?;
            }
            Ok(n == 1)
        })
        .await
    }
}
