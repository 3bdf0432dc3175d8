//! Forward-only migrations embedded in the binary, applied in one transaction each (SQL, then
//! any Rust step the version needs).

use rusqlite::{params, Connection, Transaction};
use tinhso_dossier::Dossier;
use tinhso_ioc::facts;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_foundation.sql")),
    (2, include_str!("../migrations/0002_dossiers.sql")),
    (3, include_str!("../migrations/0003_files.sql")),
    (4, include_str!("../migrations/0004_inbox.sql")),
    (5, include_str!("../migrations/0005_email.sql")),
    (6, include_str!("../migrations/0006_accounts.sql")),
    (7, include_str!("../migrations/0007_ioc.sql")),
    (8, include_str!("../migrations/0008_alerts.sql")),
    (9, include_str!("../migrations/0009_lean_writes.sql")),
    (10, include_str!("../migrations/0010_append_only_submissions.sql")),
    (11, include_str!("../migrations/0011_inbox_tally.sql")),
    (12, include_str!("../migrations/0012_ioc_members.sql")),
    (13, include_str!("../migrations/0013_tally_by_counter.sql")),
];

/// What a migration needs beyond SQL: rules of the domain applied to rows already stored, in
/// the migration's own transaction.
fn rust_step(version: i64, tx: &Transaction) -> rusqlite::Result<()> {
    match version {
        12 => members_of_stored_dossiers(tx),
        _ => Ok(()),
    }
}

/// Fills `ioc_member` from the folded dossiers: the keys of each one's facts.
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

pub fn run(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migration (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
    )?;
    for (version, sql) in MIGRATIONS {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let done: bool =
            tx.query_row("SELECT EXISTS(SELECT 1 FROM schema_migration WHERE version = ?1)", [version], |r| r.get(0))?;
        if !done {
            tx.execute_batch(sql)?;
            rust_step(*version, &tx)?;
            tx.execute(
                "INSERT INTO schema_migration (version, applied_at) VALUES (?1, ?2)",
                params![version, chrono::Utc::now().to_rfc3339()],
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// Every file in migrations/ is registered, in order.
    #[test]
    fn all_migration_files_are_registered() {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"));
        assert_eq!(tinhso_store::check_migration_files(dir, super::MIGRATIONS.len()), Ok(()));
    }
}
