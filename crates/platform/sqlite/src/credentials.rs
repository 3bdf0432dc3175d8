//! Credentials (platform: identity): a forgotten password reset at the desk, which makes the
//! account claimable again with a code, or asked for by email, whose code is stored only as
//! its SHA-256 and whose email never shows in the inbox; staff accounts locked and unlocked.
//! Each admin's change is recorded on the ledger with it.

use crate::{exec, ledger, map_err, SqliteStore};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use tinhso_kernel::ids::{AccountId, PersonalId};
use tinhso_policy::Role;
use tinhso_store::admin::{self, AdminAct, AdminChange, AdminEntry};
use tinhso_store::proof::{self, Proven, StagedRegistration, Step, Waiting};
use tinhso_store::staff_change::{self, StaffChange, StaffSet};
use tinhso_store::{LoginProofStore, NewAccount, Notification, Result};

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

    /// Executes `change` (decided in `tinhso_store::staff_change`): one conditional UPDATE of a
    /// staff account, then its session purge and entry when a row changed.
    pub(crate) async fn change_staff_q(&self, change: &StaffChange, by: &AdminAct) -> Result<bool> {
        let (change, by) = (change.clone(), *by);
        self.write(move |tx| {
            let id = change.account();
            // `IS` compares a missing agency as equal to a missing agency.
            let (held_role, held_agency) = match change.holding() {
                Some(p) => (Some(p.role.key()), staff_change::agency_column(p)),
                None => (None, None),
            };
            let held = "id = ?2 AND role <> 'citizen' AND (?3 IS NULL OR (role = ?3 AND agency_code IS ?4))";
            let n = match change.set() {
                StaffSet::Disabled(locked) => tx.execute(
                    &format!("UPDATE account SET disabled = ?1 WHERE {held}"),
                    params![locked, id, held_role, held_agency],
                ),
                StaffSet::Password(hash) => tx.execute(
                    &format!("UPDATE account SET password_hash = ?1, must_change_password = TRUE WHERE {held}"),
                    params![hash, id, held_role, held_agency],
                ),
                StaffSet::Post(to) => tx.execute(
                    &format!("UPDATE account SET role = ?1, agency_code = ?5 WHERE {held}"),
                    params![to.role.key(), id, held_role, held_agency, staff_change::agency_column(to)],
                ),
            }
            .map_err(map_err)?;
            if n != 1 {
                return Ok(false);
            }
            if change.ends_sessions() {
                exec(tx, "DELETE FROM session WHERE account_id = ?1", [id])?;
            }
            record(tx, change.entry(), &by)?;
            for note in change.notices() {
                crate::outbox::enqueue(tx, note, None, None)?;
            }
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

/// Registrations waiting for their login's proof (`tinhso_store::proof`).
#[async_trait::async_trait]
impl LoginProofStore for SqliteStore {
    async fn sweep_registrations(&self, now: DateTime<Utc>) -> Result<u64> {
        self.write(move |tx| exec(tx, "DELETE FROM login_proof WHERE expires_at <= ?1", params![now]))
            .await
            .map(|n| n as u64)
    }

    async fn stage_registration(&self, r: &StagedRegistration) -> Result<()> {
        let r = r.clone();
        self.write(move |tx| {
            exec(
                tx,
                "INSERT INTO login_proof (login, full_name, personal_id, password_hash, code_sha256, expires_at, tries)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)
                 ON CONFLICT (login) DO UPDATE SET full_name = excluded.full_name, personal_id = excluded.personal_id,
                   password_hash = excluded.password_hash, code_sha256 = excluded.code_sha256,
                   expires_at = excluded.expires_at, tries = 0",
                params![
                    r.login,
                    r.full_name,
                    r.personal_id.as_str(),
                    r.password_hash,
                    r.code_sha256.as_slice(),
                    r.until
                ],
            )
            .map(|_| ())
        })
        .await
    }

    async fn restage_code(&self, login: &str, code: &[u8; 32], until: DateTime<Utc>) -> Result<bool> {
        let (login, code) = (login.to_owned(), code.to_vec());
        self.write(move |tx| {
            let n = tx
                .execute(
                    "UPDATE login_proof SET code_sha256 = ?2, expires_at = ?3, tries = 0
                     WHERE login = ?1 AND expires_at > ?4",
                    params![login, code, until, Utc::now()],
                )
                .map_err(map_err)?;
            Ok(n == 1)
        })
        .await
    }

    async fn prove_registration(&self, login: &str, code: &[u8; 32], now: DateTime<Utc>) -> Result<Proven> {
        let (login, code) = (login.to_owned(), *code);
        self.write(move |tx| {
            let row = tx
                .query_row(
                    "SELECT full_name, personal_id, password_hash, code_sha256, expires_at, tries
                     FROM login_proof WHERE login = ?1",
                    [&login],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, Vec<u8>>(3)?,
                            r.get::<_, DateTime<Utc>>(4)?,
                            r.get::<_, u32>(5)?,
                        ))
                    },
                )
                .optional()
                .map_err(map_err)?;
            let waiting = row.as_ref().map(|(_, _, _, digest, until, tries)| Waiting {
                code_sha256: digest,
                until: *until,
                tries: *tries,
            });
            match (proof::step(waiting, &code, now), row) {
                (Step::Make, Some((full_name, personal_id, password_hash, ..))) => {
                    exec(tx, "DELETE FROM login_proof WHERE login = ?1", [&login])?;
                    let taken: bool = tx
                        .query_row("SELECT EXISTS (SELECT 1 FROM account WHERE login = ?1)", [&login], |r| r.get(0))
                        .map_err(map_err)?;
                    if taken {
                        return Ok(Proven::Taken);
                    }
                    let account = NewAccount {
                        login: login.clone(),
                        full_name,
                        password_hash,
                        role: Role::Citizen,
                        agency: None,
                        personal_id: PersonalId::parse("personal_id", &personal_id).ok(),
                    };
                    Ok(Proven::Made(crate::write::insert_account(tx, &account)?))
                }
                (Step::Wrong { tries, left }, _) => {
                    exec(tx, "UPDATE login_proof SET tries = ?2 WHERE login = ?1", params![login, tries])?;
                    Ok(Proven::Wrong { left })
                }
                _ => Ok(Proven::Gone),
            }
        })
        .await
    }
}
