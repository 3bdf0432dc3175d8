//! Credentials (platform: identity): a forgotten password reset at the desk, which makes the
//! account claimable again with a code, or asked for by email, whose code is stored only as
//! its SHA-256 and whose email never shows in the inbox; staff accounts locked and unlocked.

use crate::{map_err, PgStore};
use chrono::{DateTime, Utc};
use tinhso_kernel::ids::AccountId;
use tinhso_store::{Notification, Result};

impl PgStore {
    pub(crate) async fn reset_password_q(&self, id: AccountId, code: &str) -> Result<Option<String>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let n = tx
            .execute(
                "UPDATE account SET password_hash = '' WHERE id = $1 AND role = 'citizen' AND personal_id IS NOT NULL",
                &[&id.0],
            )
            .await
            .map_err(map_err)?;
        if n != 1 {
            return Ok(None);
        }
        tx.execute("DELETE FROM session WHERE account_id = $1", &[&id.0]).await.map_err(map_err)?;
        tx.execute("DELETE FROM password_reset WHERE account_id = $1", &[&id.0]).await.map_err(map_err)?;
        tx.execute(
            "INSERT INTO account_claim (account_id, code) VALUES ($1, $2)
             ON CONFLICT (account_id) DO UPDATE SET code = excluded.code",
            &[&id.0, &code],
        )
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(Some(code.to_owned()))
    }

    pub(crate) async fn issue_email_reset_q(
        &self,
        id: AccountId,
        code_sha256: &[u8; 32],
        until: DateTime<Utc>,
        mail: &Notification,
    ) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        tx.execute(
            "INSERT INTO password_reset (account_id, code_sha256, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (account_id) DO UPDATE SET code_sha256 = excluded.code_sha256, expires_at = excluded.expires_at",
            &[&id.0, &code_sha256.as_slice(), &until],
        )
        .await
        .map_err(map_err)?;
        crate::outbox::enqueue_email_only(&tx, mail).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(())
    }

    pub(crate) async fn redeem_email_reset_q(
        &self,
        id: AccountId,
        code_sha256: &[u8; 32],
        now: DateTime<Utc>,
        password_hash: &str,
    ) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let n = tx
            .execute(
                "UPDATE account SET password_hash = $1 WHERE id = $2 AND EXISTS (SELECT 1 FROM password_reset
                   WHERE account_id = $2 AND code_sha256 = $3 AND expires_at > $4)",
                &[&password_hash, &id.0, &code_sha256.as_slice(), &now],
            )
            .await
            .map_err(map_err)?;
        if n == 1 {
            for sql in [
                "DELETE FROM password_reset WHERE account_id = $1",
                "DELETE FROM account_claim WHERE account_id = $1",
                "DELETE FROM session WHERE account_id = $1",
            ] {
                tx.execute(sql, &[&id.0]).await.map_err(map_err)?;
            }
        }
        tx.commit().await.map_err(map_err)?;
        Ok(n == 1)
    }

    pub(crate) async fn set_disabled_q(&self, id: AccountId, disabled: bool) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let n = tx
            .execute("UPDATE account SET disabled = $1 WHERE id = $2 AND role <> 'citizen'", &[&disabled, &id.0])
            .await
            .map_err(map_err)?;
        if n == 1 && disabled {
            tx.execute("DELETE FROM session WHERE account_id = $1", &[&id.0]).await.map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(n == 1)
    }
}
