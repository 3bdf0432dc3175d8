//! Row to record mapping.

use tinhso_kernel::province::{Agency, DivisionType, Province, Unit};
use tinhso_store::{codec, file_kind, Account, Document, Result, StoreError};
use tokio_postgres::Row;

pub const ACCOUNT_COLUMNS: &str =
    "id, login, full_name, password_hash, role, agency_code, personal_id, created_at, disabled, must_change_password";

/// Codes are INTEGER columns holding non-negative values.
pub fn u32_at(r: &Row, i: usize) -> u32 {
    u32::try_from(r.get::<_, i32>(i)).unwrap_or_default()
}

pub const PROVINCE_SELECT: &str = "SELECT code, name, division_type, agency_code_suffix FROM province";
pub const AGENCIES_SELECT: &str = "SELECT code, name, level, kind, parent, unit_code FROM agency ORDER BY code";

/// A row of `PROVINCE_SELECT`.
pub fn province(r: &Row) -> Province {
    Province { code: u32_at(r, 0), name: r.get(1), division_type: r.get(2), agency_code_suffix: r.get(3) }
}

pub fn unit(r: &Row) -> Result<Unit> {
    let kind: &str = r.get(2);
    Ok(Unit {
        code: u32_at(r, 0),
        name: r.get(1),
        division_type: DivisionType::parse(kind).ok_or_else(|| StoreError::Corrupt(format!("division type {kind}")))?,
        province_code: u32_at(r, 3),
        valid_from: r.get(4),
        valid_to: r.get(5),
    })
}

pub fn agency(r: &Row) -> Result<Agency> {
    Ok(Agency {
        code: codec::agency(Some(r.get(0)))?.ok_or_else(|| StoreError::Corrupt("agency code".into()))?,
        name: r.get(1),
        level: codec::from_key(r.get(2))?,
        kind: codec::from_key(r.get(3))?,
        parent: codec::agency(r.get(4))?,
        unit_code: r.get::<_, Option<i32>>(5).and_then(|c| u32::try_from(c).ok()),
    })
}

/// An account whose columns start at `o` (after a join).
pub fn account_at(r: &Row, o: usize) -> Result<Account> {
    Ok(Account {
        id: r.get(o),
        login: r.get(o + 1),
        full_name: r.get(o + 2),
        password_hash: r.get(o + 3),
        role: codec::role(r.get(o + 4))?,
        agency: codec::agency(r.get(o + 5))?,
        personal_id: codec::personal_id(r.get(o + 6))?,
        created_at: r.get(o + 7),
        disabled: r.get(o + 8),
        must_change_password: r.get(o + 9),
    })
}

/// A document row: sha256, name, size, mime, created_at.
pub fn document(r: &Row) -> Result<Document> {
    Ok(Document {
        sha256: tinhso_store::sha256(r.get(0))?,
        name: r.get(1),
        size: r.get::<_, i64>(2) as u64,
        kind: file_kind(r.get(3))?,
        created_at: r.get(4),
    })
}

/// A ledger entry: its link, stored hash and visibility.
pub fn link(r: &tokio_postgres::Row) -> (tinhso_ledger::chain::Link, Vec<u8>, bool) {
    (
        tinhso_ledger::chain::Link {
            id: r.get(0),
            lane: r.get("lane"),
            seq: r.get("seq"),
            dossier: r.get(1),
            at: r.get(2),
            actor: r.get(3),
            payload: r.get(4),
        },
        r.get(5),
        r.get(6),
    )
}
