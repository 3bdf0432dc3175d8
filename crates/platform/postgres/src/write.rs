//! Writes, as functions over one open transaction, so that set-up can compose them.

use crate::map_err;
use crate::Cached;
use deadpool_postgres::Transaction;
use tinhso_kernel::ids::AccountId;
use tinhso_store::admin::{self, AdminAct};
use tinhso_store::codec::key;
use tinhso_store::{NewAccount, ProvinceSetup, Result, StoreError};

pub async fn setup(tx: &Transaction<'_>, setup: &ProvinceSetup) -> Result<()> {
    // Serialise concurrent set-ups; the loser sees the winner's province.
    tx.execute_cached("LOCK TABLE province IN EXCLUSIVE MODE", &[]).await.map_err(map_err)?;
    if tx.query_opt_cached("SELECT 1 FROM province", &[]).await.map_err(map_err)?.is_some() {
        return Err(StoreError::Conflict("a province is already set up".into()));
    }
    let p = &setup.province;
    tx.execute_cached(
        "INSERT INTO province (code, name, division_type, agency_code_suffix) VALUES ($1, $2, $3, $4)",
        &[&(p.code as i32), &p.name, &p.division_type, &p.agency_code_suffix],
    )
    .await
    .map_err(map_err)?;
    let unit = tx
        .prepare(
            "INSERT INTO unit (code, valid_from, valid_to, name, division_type, province_code)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .await
        .map_err(map_err)?;
    for u in &setup.units {
        tx.execute(
            &unit,
            &[&(u.code as i32), &u.valid_from, &u.valid_to, &u.name, &u.division_type.key(), &(u.province_code as i32)],
        )
        .await
        .map_err(map_err)?;
    }
    let mut agencies = setup.agencies.clone();
    agencies.sort_by_key(|a| a.parent.is_some());
    let agency = tx
        .prepare("INSERT INTO agency (code, name, level, kind, parent, unit_code) VALUES ($1, $2, $3, $4, $5, $6)")
        .await
        .map_err(map_err)?;
    for a in &agencies {
        tx.execute(
            &agency,
            &[
                &a.code.as_str(),
                &a.name,
                &key(&a.level)?,
                &key(&a.kind)?,
                &a.parent.as_ref().map(|p| p.as_str()),
                &a.unit_code.map(|c| c as i32),
            ],
        )
        .await
        .map_err(map_err)?;
    }
    // The set-up's staff accounts are recorded as the platform's own creations, so that the
    // audit holds their roles and agencies to the log from the first day.
    let by = AdminAct { actor: admin::CONSOLE, at: chrono::Utc::now() };
    let mut created = Vec::with_capacity(setup.accounts.len());
    for a in &setup.accounts {
        created.push((insert_account(tx, a).await?, a));
    }
    crate::ledger::append_admin(tx, &admin::AdminChange::province_set_up(&setup.province, &setup.agencies)?, &by)
        .await?;
    if let Some(change) = admin::staff_set_up(&created) {
        crate::ledger::append_admin(tx, &change, &by).await?;
    }
    Ok(())
}

/// A province set up before its set-up was logged is recorded in the log as it stands, once, so
/// that the audit holds its agencies to the log from then on. A province set up since has its
/// entry from its set-up's own transaction: nothing to do.
pub async fn adopt_province(tx: &Transaction<'_>, by: &AdminAct) -> Result<bool> {
    // Two servers starting at once: the second waits, then finds the entry.
    tx.execute_cached("LOCK TABLE province IN EXCLUSIVE MODE", &[]).await.map_err(map_err)?;
    let logged = tx
        .query_opt_cached("SELECT 1 FROM ledger_entry WHERE subject = $1", &[&admin::province_subject()])
        .await
        .map_err(map_err)?
        .is_some();
    let row = tx.query_opt_cached(crate::rows::PROVINCE_SELECT, &[]).await.map_err(map_err)?;
    let Some(province) = row.filter(|_| !logged).as_ref().map(crate::rows::province) else { return Ok(false) };
    let agencies = tx
        .query_cached(crate::rows::AGENCIES_SELECT, &[])
        .await
        .map_err(map_err)?
        .iter()
        .map(crate::rows::agency)
        .collect::<Result<Vec<_>>>()?;
    crate::ledger::append_admin(tx, &admin::AdminChange::province_set_up(&province, &agencies)?, by).await?;
    Ok(true)
}

pub async fn insert_account(tx: &Transaction<'_>, a: &NewAccount) -> Result<AccountId> {
    let row = tx
        .query_one_cached(
            "INSERT INTO account (login, full_name, password_hash, role, agency_code, personal_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, now()) RETURNING id",
            &[
                &a.login,
                &a.full_name,
                &a.password_hash,
                &a.role.key(),
                &a.agency.as_ref().map(|c| c.as_str()),
                &a.personal_id.as_ref().map(|p| p.as_str()),
            ],
        )
        .await
        .map_err(map_err)?;
    Ok(row.get(0))
}
