//! Credentials (platform: identity): a forgotten password reset at the desk, which makes the
//! account claimable again with a code, or asked for by email, whose code is stored only as
//! its SHA-256 and whose email never shows in the inbox; staff accounts locked and unlocked.
//! Each admin's change is recorded on the ledger with it.

use crate::{exec, ledger, map_err, SqliteStore};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use tinhso_kernel::ids::AccountId;
use tinhso_store::admin::{self, AdminAct, AdminChange, AdminEntry};
use tinhso_store::{NewAccount, Notification, Result};

/// Appends `change`'s entry to the administrators' lane, in the change's transaction.
fn record(tx: &Connection, change: &AdminChange, by: &AdminAct) -> Result<()> {
    ledger::append_admin(tx, change, by)
}

impl SqliteStore {
    pub(crate) async fn reset_password_q(&self, id: AccountId, code: &str, by: &AdminAct) -> Result<Option<String>> {
        let (code, by) = (code.to_owned(), *by);
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
            record(tx, &AdminChange::CitizenPasswordReset { account: id.0 }, &by)?;
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
                    "UPDATE account SET password_hash = ?1, must_change_password = FALSE WHERE id = ?2 AND EXISTS (SELECT 1 FROM password_reset
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

    pub(crate) async fn create_staff_q(&self, a: &NewAccount, by: &AdminAct) -> Result<AccountId> {
        let (a, by) = (a.clone(), *by);
        self.write(move |tx| {
            let id = crate::write::insert_account(tx, &a)?;
            exec(tx, "UPDATE account SET must_change_password = TRUE WHERE id = ?1", [id])?;
            if let Some(change) = admin::staff_created(id, &a) {
                record(tx, &change, &by)?;
            }
            Ok(id)
        })
        .await
    }

    pub(crate) async fn set_disabled_q(&self, id: AccountId, disabled: bool, by: &AdminAct) -> Result<bool> {
        let by = *by;
        self.write(move |tx| {
            let n = tx
                .execute("UPDATE account SET disabled = ?1 WHERE id = ?2 AND role <> 'citizen'", params![disabled, id])
                .map_err(map_err)?;
            if n != 1 {
                return Ok(false);
            }
            if disabled {
                exec(tx, "DELETE FROM session WHERE account_id = ?1", [id])?;
                record(tx, &AdminChange::StaffLocked { account: id.0 }, &by)?;
            } else {
                record(tx, &AdminChange::StaffUnlocked { account: id.0 }, &by)?;
            }
            Ok(true)
        })
        .await
    }

    pub(crate) async fn reissue_password_q(&self, id: AccountId, hash: &str, by: &AdminAct) -> Result<bool> {
        let (hash, by) = (hash.to_owned(), *by);
        self.write(move |tx| {
            let n = tx
                .execute("UPDATE account SET password_hash = ?1, must_change_password = TRUE WHERE id = ?2 AND role <> 'citizen'", params![hash, id])
                .map_err(map_err)?;
            if n != 1 {
                return Ok(false);
            }
            exec(tx, "DELETE FROM session WHERE account_id = ?1", [id])?;
            record(tx, &AdminChange::StaffPasswordReissued { account: id.0 }, &by)?;
            Ok(true)
        })
        .await
    }

    pub(crate) async fn admin_log_q(
        &self,
        before: Option<i64>,
        limit: usize,
        filter: admin::LogFilter,
    ) -> Result<Vec<AdminEntry>> {
        let links = self
            .read(move |c| {
                let mut st = c.prepare_cached(
                    "SELECT id, subject, at, actor, payload, kind, public, lane, seq FROM ledger_entry
                     WHERE subject >= ?1 AND subject < ?2 AND id < ?3 AND (?5 = '' OR kind = ?5)
                       AND at >= ?6 AND at < ?7 AND (?8 < 0 OR actor = ?8)
                     ORDER BY id DESC LIMIT ?4",
                )?;
                let (from, to) = (admin::SUBJECT_PREFIX, "admin0");
                let (before, limit) = (before.unwrap_or(i64::MAX), i64::try_from(limit).unwrap_or(i64::MAX));
                let (after, until) = filter.at_bounds();
                let rows = st.query_map(
                    params![from, to, before, limit, filter.kind_param(), after, until, filter.actor_param()],
                    crate::rows::link,
                )?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        links.iter().map(admin::entry).collect()
    }
}
