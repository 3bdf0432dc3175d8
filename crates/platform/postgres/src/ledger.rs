//! The ledger's write side, in the caller's transaction: a module that keeps an auditable
//! history appends its entries here and never writes the chain's tables itself. Only the
//! entry's lane head row is locked until commit, so servers appending to different lanes (the
//! dossiers of different agencies) never wait for each other; within a lane, sequence numbers
//! stay gap-free and ids (taken after the lock) increase.

use crate::map_err;
use crate::Cached;
use deadpool_postgres::{GenericClient, Transaction};
use std::collections::BTreeMap;
use tinhso_ledger::chain::{self, Checkpoint, Hash, LaneHead, Link, Mark, GENESIS};
use tinhso_store::{Result, StoreError};

/// The session-level lock under which one server at a time records a checkpoint.
const CHECKPOINT_LOCK: i64 = 0x7469_6e68_736f_0003;

fn hash_of(bytes: &[u8], what: &str) -> Result<Hash> {
    bytes.try_into().map_err(|_| StoreError::Corrupt(format!("{what} hash")))
}

/// The statement writing an entry into `$table` (subject column `$subject`) and moving its
/// lane's head hash on, in one round trip.
macro_rules! insert_entry {
    ($table:literal, $subject:literal) => {
        concat!(
            "WITH entry AS (INSERT INTO ",
            $table,
            " (id, lane, seq, ",
            $subject,
            ", at, actor, kind, public, payload, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10))
             UPDATE chain_lane SET hash = $10 WHERE lane = $2"
        )
    };
}

/// An entry's place in its lane, claimed (and the lane's head locked) until commit.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    pub seq: i64,
    pub id: i64,
    pub prev: Hash,
}

/// Claims the next place in `lane`: locks its head row (creating it on the lane's first entry),
/// moves it one on and takes the next id, in one statement. The SET expressions are evaluated
/// on the row version this transaction locked (PostgreSQL re-evaluates them after waiting for a
/// concurrent writer), so ids increase along each lane.
pub async fn claim(tx: &Transaction<'_>, lane: &str) -> Result<Place> {
    let claim = "UPDATE chain_lane SET last_seq = last_seq + 1, last_id = nextval('ledger_entry_id')
                 WHERE lane = $1 RETURNING last_seq, last_id, hash";
    let row = match tx.query_opt_cached(claim, &[&lane]).await.map_err(map_err)? {
        Some(row) => row,
        None => {
            tx.execute_cached(
                "INSERT INTO chain_lane (lane, last_seq, last_id, hash) VALUES ($1, 0, 0, $2) ON CONFLICT (lane) DO NOTHING",
                &[&lane, &GENESIS.to_vec()],
            )
            .await
            .map_err(map_err)?;
            tx.query_one_cached(claim, &[&lane]).await.map_err(map_err)?
        }
    };
    Ok(Place { seq: row.get(0), id: row.get(1), prev: hash_of(&row.get::<_, Vec<u8>>(2), "lane head")? })
}

/// Writes a dossier's `link` (its content) at `place` with its kind and visibility, and moves
/// its lane's head hash on, in one statement; returns its id.
pub async fn write_entry(tx: &Transaction<'_>, kind: &str, public: bool, link: &Link, place: Place) -> Result<i64> {
    write_to(tx, insert_entry!("dossier_event", "dossier_code"), kind, public, link, place).await
}

/// Appends an entry of any other history (`link.dossier` names its subject, e.g. `PA-12`).
pub async fn append_entry(tx: &Transaction<'_>, kind: &str, public: bool, link: &Link) -> Result<i64> {
    let place = claim(tx, &link.lane).await?;
    write_to(tx, insert_entry!("ledger_entry", "subject"), kind, public, link, place).await
}

/// A subject's entries from the general table, in chain order: (link, kind, public).
pub async fn entries(c: &impl GenericClient, subject: &str) -> Result<Vec<(Link, String, bool)>> {
    let rows = c
        .query(
            "SELECT id, subject, at, actor, payload, hash, public, kind, lane, seq FROM ledger_entry
             WHERE subject = $1 ORDER BY id",
            &[&subject],
        )
        .await
        .map_err(map_err)?;
    Ok(rows
        .iter()
        .map(|r| {
            let (link, _, public) = crate::rows::link(r);
            (link, r.get(7), public)
        })
        .collect())
}

async fn write_to(
    tx: &Transaction<'_>,
    statement: &str,
    kind: &str,
    public: bool,
    link: &Link,
    place: Place,
) -> Result<i64> {
    let placed = Link { id: place.id, seq: place.seq, ..link.clone() };
    let hash = chain::hash(&place.prev, &placed).to_vec();
    tx.execute_cached(
        statement,
        &[
            &placed.id,
            &placed.lane,
            &placed.seq,
            &placed.dossier,
            &placed.at,
            &placed.actor,
            &kind,
            &public,
            &placed.payload,
            &hash,
        ],
    )
    .await
    .map_err(map_err)?;
    Ok(placed.id)
}

/// Appends `link` (its content; the place is given here) at the end of its lane; returns its id.
pub async fn append(tx: &Transaction<'_>, kind: &str, public: bool, link: &Link) -> Result<i64> {
    let place = claim(tx, &link.lane).await?;
    write_entry(tx, kind, public, link, place).await
}

/// Every lane's head.
pub async fn heads(c: &impl GenericClient) -> Result<Vec<LaneHead>> {
    let rows =
        c.query("SELECT lane, last_seq, last_id, hash FROM chain_lane ORDER BY lane", &[]).await.map_err(map_err)?;
    Ok(rows.iter().map(|r| LaneHead { lane: r.get(0), seq: r.get(1), id: r.get(2), hash: r.get(3) }).collect())
}

/// Every mark, with the checkpoint that recorded it (`None` for those kept before lanes).
pub async fn marks(c: &impl GenericClient) -> Result<Vec<(Option<i64>, Mark)>> {
    let rows = c
        .query("SELECT checkpoint, lane, seq, hash FROM chain_mark ORDER BY checkpoint, lane", &[])
        .await
        .map_err(map_err)?;
    Ok(rows.iter().map(|r| (r.get(0), Mark { lane: r.get(1), seq: r.get(2), hash: r.get(3) })).collect())
}

/// Every checkpoint (without marks).
pub async fn checkpoints(c: &impl GenericClient) -> Result<Vec<Checkpoint>> {
    let rows = c.query("SELECT n, at, hash FROM chain_checkpoint ORDER BY n", &[]).await.map_err(map_err)?;
    Ok(rows.iter().map(|r| Checkpoint { n: r.get(0), at: r.get(1), hash: r.get(2), marks: Vec::new() }).collect())
}

/// Records the next provincial checkpoint if any lane moved since the last; returns its number.
/// One server at a time (a transaction-level advisory lock), so numbers stay gap-free.
pub async fn checkpoint(tx: &Transaction<'_>, at: &str) -> Result<Option<i64>> {
    tx.execute_cached("SELECT pg_advisory_xact_lock($1)", &[&CHECKPOINT_LOCK]).await.map_err(map_err)?;
    let last = match tx
        .query_opt_cached("SELECT n, hash FROM chain_checkpoint ORDER BY n DESC LIMIT 1", &[])
        .await
        .map_err(map_err)?
    {
        Some(r) => Some((r.get::<_, i64>(0), hash_of(&r.get::<_, Vec<u8>>(1), "checkpoint")?)),
        None => None,
    };
    // Each lane's head row also keeps the last sequence number a checkpoint recorded, so one
    // read of the heads says which lanes moved.
    let rows = tx
        .query("SELECT lane, last_seq, last_id, hash, marked_seq FROM chain_lane ORDER BY lane", &[])
        .await
        .map_err(map_err)?;
    let recorded: BTreeMap<String, i64> = rows.iter().map(|r| (r.get(0), r.get(4))).collect();
    let heads: Vec<LaneHead> =
        rows.iter().map(|r| LaneHead { lane: r.get(0), seq: r.get(1), id: r.get(2), hash: r.get(3) }).collect();
    let Some(cp) = chain::next_checkpoint(last, &recorded, &heads, at) else {
        return Ok(None);
    };
    tx.execute_cached("INSERT INTO chain_checkpoint (n, at, hash) VALUES ($1, $2, $3)", &[&cp.n, &cp.at, &cp.hash])
        .await
        .map_err(map_err)?;
    for m in &cp.marks {
        tx.execute_cached(
            "INSERT INTO chain_mark (checkpoint, lane, seq, hash) VALUES ($1, $2, $3, $4)",
            &[&cp.n, &m.lane, &m.seq, &m.hash],
        )
        .await
        .map_err(map_err)?;
        tx.execute_cached("UPDATE chain_lane SET marked_seq = $1 WHERE lane = $2", &[&m.seq, &m.lane])
            .await
            .map_err(map_err)?;
    }
    Ok(Some(cp.n))
}
