//! Writes, as functions over one open transaction, so that set-up can compose them.

use crate::map_err;
use deadpool_postgres::Transaction;
use tinhso_catalogue::procedure::Procedure;
use tinhso_kernel::calendar::YearCalendar;
use tinhso_kernel::ids::AccountId;
use tinhso_store::codec::{key, to_json};
use tinhso_store::{NewAccount, ProvinceSetup, Result, StoreError};
use tokio_postgres::types::Json;

pub async fn setup(tx: &Transaction<'_>, setup: &ProvinceSetup) -> Result<()> {
    // Serialise concurrent set-ups; the loser sees the winner's province.
    tx.execute("LOCK TABLE province IN EXCLUSIVE MODE", &[]).await.map_err(map_err)?;
    if tx.query_opt("SELECT 1 FROM province", &[]).await.map_err(map_err)?.is_some() {
        return Err(StoreError::Conflict("a province is already set up".into()));
    }
    let p = &setup.province;
    tx.execute(
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
    for a in &setup.accounts {
        insert_account(tx, a).await?;
    }
    upsert_procedures(tx, &setup.procedures).await?;
    for y in &setup.calendar_years {
        put_calendar_year(tx, y).await?;
    }
    Ok(())
}

pub async fn insert_account(tx: &Transaction<'_>, a: &NewAccount) -> Result<AccountId> {
    let row = tx
        .query_one(
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

pub async fn upsert_procedures(tx: &Transaction<'_>, procedures: &[Procedure]) -> Result<usize> {
    let st = tx
        .prepare(
            "INSERT INTO procedure (code, name, field, online_level, body, updated_at)
             VALUES ($1, $2, $3, $4, $5::text::jsonb, clock_timestamp())
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, field = excluded.field,
             online_level = excluded.online_level, body = excluded.body, updated_at = excluded.updated_at",
        )
        .await
        .map_err(map_err)?;
    for p in procedures {
        let body = to_json(p)?;
        tx.execute(&st, &[&p.code.as_str(), &p.name, &p.field, &p.online_level.key(), &body]).await.map_err(map_err)?;
    }
    Ok(procedures.len())
}

pub async fn put_calendar_year(tx: &Transaction<'_>, year: &YearCalendar) -> Result<()> {
    tx.execute(
        "INSERT INTO calendar_year (year, body, updated_at) VALUES ($1, $2, clock_timestamp())
         ON CONFLICT (year) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        &[&year.year, &Json(year)],
    )
    .await
    .map_err(map_err)?;
    Ok(())
}
