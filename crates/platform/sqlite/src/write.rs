//! Writes, as functions over one open transaction, so that set-up can compose them.

use crate::map_err;
use chrono::Utc;
use rusqlite::{params, Connection};
use tinhso_kernel::ids::AccountId;
use tinhso_store::admin::{self, AdminAct};
use tinhso_store::codec::key;
use tinhso_store::{NewAccount, ProvinceSetup, Result, StoreError};

pub fn setup(tx: &Connection, setup: &ProvinceSetup) -> Result<()> {
    let exists: bool = tx.query_row("SELECT EXISTS(SELECT 1 FROM province)", [], |r| r.get(0)).map_err(map_err)?;
    if exists {
        return Err(StoreError::Conflict("a province is already set up".into()));
    }
    let p = &setup.province;
    tx.execute(
        "INSERT INTO province (code, name, division_type, agency_code_suffix) VALUES (?1, ?2, ?3, ?4)",
        params![p.code, p.name, p.division_type, p.agency_code_suffix],
    )
    .map_err(map_err)?;
    let mut unit = tx
        .prepare(
            "INSERT INTO unit (code, valid_from, valid_to, name, division_type, province_code)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(map_err)?;
    for u in &setup.units {
        unit.execute(params![u.code, u.valid_from, u.valid_to, u.name, u.division_type.key(), u.province_code])
            .map_err(map_err)?;
    }
    // Parents first, so the foreign key holds whatever order the caller used.
    let mut agencies = setup.agencies.clone();
    agencies.sort_by_key(|a| a.parent.is_some());
    let mut agency = tx
        .prepare("INSERT INTO agency (code, name, level, kind, parent, unit_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .map_err(map_err)?;
    for a in &agencies {
        agency
            .execute(params![
                a.code.as_str(),
                a.name,
                key(&a.level)?,
                key(&a.kind)?,
                a.parent.as_ref().map(|p| p.as_str().to_owned()),
                a.unit_code
            ])
            .map_err(map_err)?;
    }
    // The set-up's staff accounts are recorded as the platform's own creations, so that the
    // audit holds their roles and agencies to the log from the first day.
    let by = AdminAct { actor: admin::CONSOLE, at: Utc::now() };
    let mut created = Vec::with_capacity(setup.accounts.len());
    for a in &setup.accounts {
        created.push((insert_account(tx, a)?, a));
    }
    crate::ledger::append_admin(tx, &admin::AdminChange::province_set_up(&setup.province, &setup.agencies)?, &by)?;
    if let Some(change) = admin::staff_set_up(&created) {
        crate::ledger::append_admin(tx, &change, &by)?;
    }
    Ok(())
}

/// A province set up before its set-up was logged is recorded in the log as it stands, once, so
/// that the audit holds its agencies to the log from then on. A province set up since has its
/// entry from its set-up's own transaction: nothing to do.
pub fn adopt_province(tx: &Connection, by: &AdminAct) -> Result<bool> {
    let logged: bool = tx
        .query_row("SELECT EXISTS (SELECT 1 FROM ledger_entry WHERE subject = ?1)", [admin::province_subject()], |r| {
            r.get(0)
        })
        .map_err(map_err)?;
    let Some(province) = crate::rows::province(tx).map_err(map_err)?.filter(|_| !logged) else {
        return Ok(false);
    };
    let agencies = crate::rows::agencies(tx).map_err(map_err)?;
    crate::ledger::append_admin(tx, &admin::AdminChange::province_set_up(&province, &agencies)?, by)?;
    Ok(true)
}

pub fn insert_account(tx: &Connection, a: &NewAccount) -> Result<AccountId> {
    tx.execute(
        "INSERT INTO account (login, full_name, password_hash, role, agency_code, personal_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            a.login,
            a.full_name,
            a.password_hash,
            a.role.key(),
            a.agency.as_ref().map(|c| c.as_str().to_owned()),
            a.personal_id.as_ref().map(|p| p.as_str()),
            Utc::now()
        ],
    )
    .map_err(map_err)?;
    Ok(AccountId(tx.last_insert_rowid()))
}
