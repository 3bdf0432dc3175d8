//! Databases made before each module had its own migrations kept one sequence,
//! `schema_migration` 1 to 11. Such a database is brought to the sequence's end (its files
//! are frozen here, with the one Rust step they need) and then adopted once, in one
//! transaction: the end of that sequence is exactly the first migration of each module
//! below (a test in `tests/it/upgrade.rs` compares the two schemas), so those are recorded
//! as applied and the old bookkeeping table is dropped.

use crate::map_err;
use deadpool_postgres::{Object, Transaction};
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
    (10, include_str!("../../migrations/legacy/0010_inbox_tally.sql")),
    (11, include_str!("../../migrations/legacy/0011_ioc_members.sql")),
];

/// The modules whose first migration (named as the module) the whole sequence amounts to.
pub const ADOPTED: [&str; 8] = ["province", "identity", "files", "notify", "ledger", "catalogue", "dossier", "ioc"];

/// Finishes and adopts a single-sequence database; does nothing to any other. The caller
/// holds the migration lock.
pub async fn adopt(client: &mut Object) -> Result<()> {
    let legacy = client
        .query_one("SELECT to_regclass('schema_migration') IS NOT NULL", &[])
        .await
        .map_err(map_err)?
        .get::<_, bool>(0);
    if !legacy {
        return Ok(());
    }
    for (version, sql) in SEQUENCE {
        let tx = client.transaction().await.map_err(map_err)?;
        let done =
            tx.query_opt("SELECT 1 FROM schema_migration WHERE version = $1", &[version]).await.map_err(map_err)?;
        if done.is_none() {
            tx.batch_execute(sql).await.map_err(map_err)?;
            if *version == 11 {
                members_of_stored_dossiers(&tx).await?;
            }
            tx.execute("INSERT INTO schema_migration VALUES ($1, now())", &[version]).await.map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
    }
    let tx = client.transaction().await.map_err(map_err)?;
    for module in ADOPTED {
        tx.execute(
            "INSERT INTO module_migration (module, version, name, applied_at) VALUES ($1, 1, $1, now())
             ON CONFLICT DO NOTHING",
            &[&module],
        )
        .await
        .map_err(map_err)?;
    }
    tx.batch_execute("DROP TABLE schema_migration").await.map_err(map_err)?;
    tx.commit().await.map_err(map_err)
}

/// Step 11: `ioc_member` filled from the dossiers already stored, the keys of each one's
/// facts, a page at a time so that memory stays flat.
async fn members_of_stored_dossiers(tx: &Transaction<'_>) -> Result<()> {
    let mut after = String::new();
    loop {
        let rows = tx
            .query("SELECT code, body::text FROM dossier WHERE code > $1 ORDER BY code LIMIT 5000", &[&after])
            .await
            .map_err(map_err)?;
        let Some(last) = rows.last() else { return Ok(()) };
        after = last.get(0);
        let (mut agency, mut measure, mut day, mut code) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for r in &rows {
            let d: Dossier = tinhso_store::codec::from_json(r.get::<_, &str>(1))?;
            for k in facts(&d).keys() {
                agency.push(k.agency.as_str().to_owned());
                measure.push(k.measure.key().to_owned());
                day.push(k.day);
                code.push(r.get::<_, String>(0));
            }
        }
        tx.execute(
            "INSERT INTO ioc_member (agency, measure, day, code)
             SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::text[])",
            &[&agency, &measure, &day, &code],
        )
        .await
        .map_err(map_err)?;
    }
}
