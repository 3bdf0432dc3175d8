//! Credentials (platform: identity): a forgotten password reset at the desk, which makes the
//! account claimable again with a code, or asked for by email, whose code is stored only as
//! its SHA-256 and whose email never shows in the inbox; staff accounts locked and unlocked.
//! Each admin's change is recorded on the ledger with it.

use crate::{ledger, map_err, PgStore};
use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use tinhso_kernel::ids::{AccountId, PersonalId};
use tinhso_policy::Role;
use tinhso_store::admin::{self, AdminAct, AdminChange, AdminEntry};
use tinhso_store::proof::{self, Proven, StagedRegistration, Step, Waiting};
use tinhso_store::staff_change::{self, StaffChange, StaffSet};
use tinhso_store::{LoginProofStore, NewAccount, Notification, Result};

/// Appends `change`'s entry to the administrators' lane, in the change's transaction.
async fn record(tx: &Transaction<'_>, change: &AdminChange, by: &AdminAct) -> Result<()> {
    ledger::append_admin(tx, change, by).await
}

impl PgStore {
    pub(crate) async fn reset_password_q(&self, id: AccountId, code: &str, by: &AdminAct) -> Result<Option<String>> {
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
        record(&tx, &AdminChange::CitizenPasswordReset { account: id.0 }, by).await?;
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
                "UPDATE account SET password_hash = $1, must_change_password = FALSE WHERE id = $2 AND EXISTS (SELECT 1 FROM password_reset
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

    pub(crate) async fn create_staff_q(&self, a: &NewAccount, by: &AdminAct) -> Result<AccountId> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let id = crate::write::insert_account(&tx, a).await?;
        tx.execute("UPDATE account SET must_change_password = TRUE WHERE id = $1", &[&id.0]).await.map_err(map_err)?;
        if let Some(change) = admin::staff_created(id, a) {
            record(&tx, &change, by).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }

    /// Executes `change` (decided in `tinhso_store::staff_change`): one conditional UPDATE of a
    /// staff account, then its session purge and entry when a row changed.
    pub(crate) async fn change_staff_q(&self, change: &StaffChange, by: &AdminAct) -> Result<bool> {
        let id = change.account().0;
        let (held_role, held_agency) = match change.holding() {
            Some(p) => (Some(p.role.key()), staff_change::agency_column(p)),
            None => (None, None),
        };
        let held = "id = $2 AND role <> 'citizen'
                    AND ($3::text IS NULL OR (role = $3 AND agency_code IS NOT DISTINCT FROM $4::text))";
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let n = match change.set() {
            StaffSet::Disabled(locked) => {
                let sql = format!("UPDATE account SET disabled = $1 WHERE {held}");
                tx.execute(&sql, &[locked, &id, &held_role, &held_agency]).await
            }
            StaffSet::Password(hash) => {
                let sql = format!("UPDATE account SET password_hash = $1, must_change_password = TRUE WHERE {held}");
                tx.execute(&sql, &[hash, &id, &held_role, &held_agency]).await
            }
            StaffSet::Post(to) => {
                let sql = format!("UPDATE account SET role = $1, agency_code = $5 WHERE {held}");
                let agency = staff_change::agency_column(to);
                tx.execute(&sql, &[&to.role.key(), &id, &held_role, &held_agency, &agency]).await
            }
        }
        .map_err(map_err)?;
        if n != 1 {
            return Ok(false);
        }
        if change.ends_sessions() {
            tx.execute("DELETE FROM session WHERE account_id = $1", &[&id]).await.map_err(map_err)?;
        }
        record(&tx, change.entry(), by).await?;
        for note in change.notices() {
            crate::outbox::enqueue(&tx, note, None, None).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    pub(crate) async fn admin_log_q(
        &self,
        before: Option<i64>,
        limit: usize,
        filter: &admin::LogFilter,
    ) -> Result<Vec<AdminEntry>> {
        let (before, limit) = (before.unwrap_or(i64::MAX), i64::try_from(limit).unwrap_or(i64::MAX));
        let (after, until) = filter.at_bounds();
        // Times compare as text in byte order, whatever the database's collation.
        let rows = self
            .client()
            .await?
            .query(
                "SELECT id, subject, at, actor, payload, hash, public, lane, seq FROM ledger_entry
                 WHERE subject >= $1 AND subject < $2 AND id < $3 AND ($5 = '' OR kind = $5)
                   AND at COLLATE \"C\" >= $6 AND at COLLATE \"C\" < $7 AND ($8::bigint < 0 OR actor = $8)
                 ORDER BY id DESC LIMIT $4",
                &[
                    &admin::SUBJECT_PREFIX,
                    &"admin0",
                    &before,
                    &limit,
                    &filter.kind_param(),
                    &after,
                    &until,
                    &filter.actor_param(),
                ],
            )
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| admin::entry(&crate::rows::link(r).0)).collect()
    }
}

/// Registrations waiting for their login's proof (`tinhso_store::proof`).
#[async_trait::async_trait]
impl LoginProofStore for PgStore {
    async fn sweep_registrations(&self, now: DateTime<Utc>) -> Result<u64> {
        let client = self.client().await?;
        client.execute("DELETE FROM login_proof WHERE expires_at <= $1", &[&now]).await.map_err(map_err)
    }

    async fn stage_registration(&self, r: &StagedRegistration) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO login_proof (login, full_name, personal_id, password_hash, code_sha256, expires_at, tries)
             VALUES ($1, $2, $3, $4, $5, $6, 0)
             ON CONFLICT (login) DO UPDATE SET full_name = excluded.full_name, personal_id = excluded.personal_id,
               password_hash = excluded.password_hash, code_sha256 = excluded.code_sha256,
               expires_at = excluded.expires_at, tries = 0",
                &[
                    &r.login,
                    &r.full_name,
                    &r.personal_id.as_str(),
                    &r.password_hash,
                    &r.code_sha256.as_slice(),
                    &r.until,
                ],
            )
            .await
            .map(|_| ())
            .map_err(map_err)
    }

    async fn restage_code(&self, login: &str, code: &[u8; 32], until: DateTime<Utc>) -> Result<bool> {
        let client = self.client().await?;
        let n = client
            .execute(
                "UPDATE login_proof SET code_sha256 = $2, expires_at = $3, tries = 0 WHERE login = $1 AND expires_at > $4",
                &[&login, &code.as_slice(), &until, &Utc::now()],
            )
            .await
            .map_err(map_err)?;
        Ok(n == 1)
    }

    async fn prove_registration(&self, login: &str, code: &[u8; 32], now: DateTime<Utc>) -> Result<Proven> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        // FOR UPDATE: two codes sent at once are decided one after the other.
        let row = tx
            .query_opt(
                "SELECT full_name, personal_id, password_hash, code_sha256, expires_at, tries
                 FROM login_proof WHERE login = $1 FOR UPDATE",
                &[&login],
            )
            .await
            .map_err(map_err)?;
        let row = row.map(|r| {
            let tries: i32 = r.get(5);
            (
                r.get::<_, String>(0),
                r.get::<_, String>(1),
                r.get::<_, String>(2),
                r.get::<_, Vec<u8>>(3),
                r.get::<_, DateTime<Utc>>(4),
                u32::try_from(tries).unwrap_or(proof::MAX_TRIES),
            )
        });
        let waiting = row.as_ref().map(|(_, _, _, digest, until, tries)| Waiting {
            code_sha256: digest,
            until: *until,
            tries: *tries,
        });
        let proven = match (proof::step(waiting, code, now), row) {
            (Step::Make, Some((full_name, personal_id, password_hash, ..))) => {
                tx.execute("DELETE FROM login_proof WHERE login = $1", &[&login]).await.map_err(map_err)?;
                let taken =
                    tx.query_opt("SELECT 1 FROM account WHERE login = $1", &[&login]).await.map_err(map_err)?.is_some();
                if taken {
                    Proven::Taken
                } else {
                    let account = NewAccount {
                        login: login.to_owned(),
                        full_name,
                        password_hash,
                        role: Role::Citizen,
                        agency: None,
                        personal_id: PersonalId::parse("personal_id", &personal_id).ok(),
                    };
                    Proven::Made(crate::write::insert_account(&tx, &account).await?)
                }
            }
            (Step::Wrong { tries, left }, _) => {
                let tries = i32::try_from(tries).unwrap_or(i32::MAX);
                tx.execute("UPDATE login_proof SET tries = $2 WHERE login = $1", &[&login, &tries])
                    .await
                    .map_err(map_err)?;
                Proven::Wrong { left }
            }
            _ => Proven::Gone,
        };
        tx.commit().await.map_err(map_err)?;
        Ok(proven)
    }
}
