//! Databases made before each module had its own migrations kept one sequence,
//! `schema_migration` 1 to 13. Such a database is brought to the sequence's end (its files
//! are frozen here, with the one Rust step they need) and then adopted once, in one
//! transaction: the end of that sequence is exactly the first migration of each module
//! below (a test in `tests/it/upgrade.rs` compares the two schemas), so those are recorded
//! as applied and the old bookkeeping table is dropped.

use crate::map_err;
use rusqlite::{params, Connection, Transaction, TransactionBehavior};
use tinhso_dossier::Dossier;
use tinhso_ioc::facts;
use tinhso_store::Result;

const SEQUENCE: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/legacy/0001_foundation.sql")),
    (2, include_str!("../../migrations/legacy/0002_dossiers.sql")),
    (3, include_str!("../../migrations/legacy/0003_files.sql")),
    (4, include_str!("../../migrations/legacy/0004_inbox.sql")),
    (5, include_str!("../../migrations/legacy/0005_email.sql")),
    (6, include_str!("../../migrations/legacy/0006_accounts.sql")),
    (7, include_str!("../../migrations/legacy/0007_ioc.sql")),
    (8, include_str!("../../migrations/legacy/0008_alerts.sql")),
    (9, include_str!("../../migrations/legacy/0009_lean_writes.sql")),
    (10, include_str!("../../migrations/legacy/0010_append_only_submissions.sql")),
    (11, include_str!("../../migrations/legacy/0011_inbox_tally.sql")),
    (12, include_str!("../../migrations/legacy/0012_ioc_members.sql")),
    (13, include_str!("../../migrations/legacy/0013_tally_by_counter.sql")),
];

/// The modules whose first migration (named as the module) the whole sequence amounts to.
pub const ADOPTED: [&str; 8] = ["province", "identity", "files", "notify", "ledger", "catalogue", "dossier", "ioc"];

/// Finishes and adopts a single-sequence database; does nothing to any other.
pub fn adopt(conn: &mut Connection) -> Result<()> {
    let legacy: bool = conn
        .query_row(
            "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migration')",
            [],
            |r| r.get(0),
        )
        .map_err(map_err)?;
    if !legacy {
        return Ok(());
    }
    finish(conn).map_err(map_err)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(map_err)?;
    let now = chrono::Utc::now().to_rfc3339();
    for module in ADOPTED {
        tx.execute(
            "INSERT OR IGNORE INTO module_migration (module, version, name, applied_at) VALUES (?1, 1, ?1, ?2)",
            params![module, now],
        )
        .map_err(map_err)?;
    }
    tx.execute_batch("DROP TABLE schema_migration").map_err(map_err)?;
    tx.commit().map_err(map_err)
}

/// The old runner, unchanged: the sequence's missing steps, one transaction each.
fn finish(conn: &mut Connection) -> rusqlite::Result<()> {
    for (version, sql) in SEQUENCE {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let done: bool =
            tx.query_row("SELECT EXISTS(SELECT 1 FROM schema_migration WHERE version = ?1)", [version], |r| r.get(0))?;
        if !done {
            tx.execute_batch(sql)?;
            if *version == 12 {
                members_of_stored_dossiers(&tx)?;
            }
            tx.execute(
                "INSERT INTO schema_migration (version, applied_at) VALUES (?1, ?2)",
                params![version, chrono::Utc::now().to_rfc3339()],
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}

/// Step 12: fills `ioc_member` from the folded dossiers, the keys of each one's facts.
fn members_of_stored_dossiers(tx: &Transaction) -> rusqlite::Result<()> {
    let mut read = tx.prepare("SELECT code, body FROM dossier")?;
    let mut insert = tx.prepare("INSERT INTO ioc_member (agency, measure, day, code) VALUES (?1, ?2, ?3, ?4)")?;
    let mut rows = read.query([])?;
    while let Some(row) = rows.next()? {
        let code: String = row.get(0)?;
        let body: String = row.get(1)?;
        let d: Dossier =
            serde_json::from_str(&body).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        for k in facts(&d).keys() {
            insert.execute(params![k.agency.as_str(), k.measure.key(), k.day, code])?;
        }
    }
    Ok(())
}
