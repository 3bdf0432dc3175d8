//! The ledger's write side, in the caller's transaction: a module that keeps an auditable
//! history appends its entries here and never writes the chain's tables itself. SQLite's
//! single writer serialises appends, so ids stay gap-free.

use crate::{exec, map_err};
use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};
use tinhso_ledger::chain::{self, Hash, Link, GENESIS};
use tinhso_store::{Result, StoreError, CHECKPOINT_EVERY};

/// The chain's last entry id and hash.
pub fn head(tx: &Connection) -> Result<(i64, Hash)> {
    let head: Option<(i64, Vec<u8>)> = tx
        .prepare_cached("SELECT last_id, hash FROM chain_head WHERE one = 1")
        .and_then(|mut st| st.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .map_err(map_err)?;
    match head {
        Some((id, h)) => Ok((id, h.as_slice().try_into().map_err(|_| StoreError::Corrupt("chain head hash".into()))?)),
        None => Ok((0, GENESIS)),
    }
}

/// Writes `link` (whose id must follow `head`) with its kind and visibility; returns the new head.
pub fn append(
    tx: &Connection,
    (last, prev): (i64, Hash),
    kind: &str,
    public: bool,
    link: &Link,
) -> Result<(i64, Hash)> {
    let id = last + 1;
    if link.id != id {
        return Err(StoreError::Corrupt(format!("ledger entry {} appended after {last}", link.id)));
    }
    let hash = chain::hash(&prev, link);
    exec(tx,
        "INSERT INTO dossier_event (id, dossier_code, at, actor, kind, public, payload, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id, link.dossier, link.at, link.actor, kind, public, link.payload, hash.to_vec()],
    )?;
    exec(
        tx,
        "INSERT INTO chain_head (one, last_id, hash) VALUES (1, ?1, ?2)
         ON CONFLICT (one) DO UPDATE SET last_id = excluded.last_id, hash = excluded.hash",
        params![id, hash.to_vec()],
    )?;
    if id % CHECKPOINT_EVERY == 0 {
        exec(
            tx,
            "INSERT INTO chain_checkpoint (event_id, hash, created_at) VALUES (?1, ?2, ?3)",
            params![id, hash.to_vec(), Utc::now()],
        )?;
    }
    Ok((id, hash))
}
