//! Row to record mapping.

use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row};
use tinhso_kernel::province::{Agency, DivisionType, Province, Unit};
use tinhso_store::codec;
use tinhso_store::Account;

pub const ACCOUNT_COLUMNS: &str =
    "id, login, full_name, password_hash, role, agency_code, personal_id, created_at, disabled, must_change_password";

fn corrupt(col: usize, e: tinhso_store::StoreError) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(col, Type::Text, Box::new(e))
}

/// The province, if one is set up.
pub fn province(c: &Connection) -> rusqlite::Result<Option<Province>> {
    c.query_row("SELECT code, name, division_type, agency_code_suffix FROM province", [], |r| {
        Ok(Province { code: r.get(0)?, name: r.get(1)?, division_type: r.get(2)?, agency_code_suffix: r.get(3)? })
    })
    .optional()
}

/// Every agency, by code.
pub fn agencies(c: &Connection) -> rusqlite::Result<Vec<Agency>> {
    let mut st = c.prepare_cached("SELECT code, name, level, kind, parent, unit_code FROM agency ORDER BY code")?;
    let rows = st.query_map([], agency)?;
    rows.collect()
}

pub fn unit(r: &Row<'_>) -> rusqlite::Result<Unit> {
    let kind: String = r.get(2)?;
    Ok(Unit {
        code: r.get(0)?,
        name: r.get(1)?,
        division_type: DivisionType::parse(&kind)
            .ok_or_else(|| corrupt(2, tinhso_store::StoreError::Corrupt(format!("division type {kind}"))))?,
        province_code: r.get(3)?,
        valid_from: r.get(4)?,
        valid_to: r.get(5)?,
    })
}

pub fn agency(r: &Row<'_>) -> rusqlite::Result<Agency> {
    let code: String = r.get(0)?;
    let parent: Option<String> = r.get(4)?;
    let level: String = r.get(2)?;
    let kind: String = r.get(3)?;
    Ok(Agency {
        code: codec::agency(Some(code)).map_err(|e| corrupt(0, e))?.ok_or_else(|| rusqlite::Error::InvalidQuery)?,
        name: r.get(1)?,
        level: codec::from_key(&level).map_err(|e| corrupt(2, e))?,
        kind: codec::from_key(&kind).map_err(|e| corrupt(3, e))?,
        parent: codec::agency(parent).map_err(|e| corrupt(4, e))?,
        unit_code: r.get(5)?,
    })
}

pub fn account(r: &Row<'_>) -> rusqlite::Result<Account> {
    account_at(r, 0)
}

/// An account whose columns start at `o` (after a join).
pub fn account_at(r: &Row<'_>, o: usize) -> rusqlite::Result<Account> {
    let role: String = r.get(o + 4)?;
    Ok(Account {
        id: r.get(o)?,
        login: r.get(o + 1)?,
        full_name: r.get(o + 2)?,
        password_hash: r.get(o + 3)?,
        role: codec::role(&role).map_err(|e| corrupt(o + 4, e))?,
        agency: codec::agency(r.get(o + 5)?).map_err(|e| corrupt(o + 5, e))?,
        personal_id: codec::personal_id(r.get(o + 6)?).map_err(|e| corrupt(o + 6, e))?,
        created_at: r.get(o + 7)?,
        disabled: r.get(o + 8)?,
        must_change_password: r.get(o + 9)?,
    })
}

/// A chain link from the first five columns: id, dossier_code, at, actor, payload.
pub fn link(r: &Row<'_>) -> rusqlite::Result<tinhso_ledger::chain::Link> {
    Ok(tinhso_ledger::chain::Link {
        id: r.get(0)?,
        lane: r.get("lane")?,
        seq: r.get("seq")?,
        dossier: r.get(1)?,
        at: r.get(2)?,
        actor: r.get(3)?,
        payload: r.get(4)?,
    })
}
