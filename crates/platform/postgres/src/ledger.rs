//! The ledger's write side, in the caller's transaction: a module that keeps an auditable
//! history appends its entries here and never writes the chain's tables itself. The head row
//! is locked until commit, so concurrent servers append one at a time and ids stay gap-free.

use crate::map_err;
use deadpool_postgres::Transaction;
use tinhso_ledger::chain::{self, Hash, Link};
use tinhso_store::{Result, StoreError, CHECKPOINT_EVERY};

/// Appends the link `make(id)` builds for the next id, with its kind and visibility; returns the id.
pub async fn append(
    tx: &Transaction<'_>,
    kind: &str,
    public: bool,
    make: impl FnOnce(i64) -> Result<Link>,
) -> Result<i64> {
    let head =
        tx.query_one("SELECT last_id, hash FROM chain_head WHERE one = 1 FOR UPDATE", &[]).await.map_err(map_err)?;
    let last: i64 = head.get(0);
    let prev: Hash =
        head.get::<_, Vec<u8>>(1).as_slice().try_into().map_err(|_| StoreError::Corrupt("chain head hash".into()))?;
    let id = last + 1;
    let link = make(id)?;
    let hash = chain::hash(&prev, &link).to_vec();
    tx.execute(
        "INSERT INTO dossier_event (id, dossier_code, at, actor, kind, public, payload, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[&id, &link.dossier, &link.at, &link.actor, &kind, &public, &link.payload, &hash],
    )
    .await
    .map_err(map_err)?;
    tx.execute("UPDATE chain_head SET last_id = $1, hash = $2 WHERE one = 1", &[&id, &hash]).await.map_err(map_err)?;
    if id % CHECKPOINT_EVERY == 0 {
        tx.execute("INSERT INTO chain_checkpoint (event_id, hash, created_at) VALUES ($1, $2, now())", &[&id, &hash])
            .await
            .map_err(map_err)?;
    }
    Ok(id)
}
