//! The ledger's write side, in the caller's transaction: a module that keeps an auditable
//! history appends its entries here and never writes the chain's tables itself. SQLite's single
//! writer serialises appends, so ids stay gap-free here too; lanes matter for PostgreSQL, and
//! both engines keep the same chain so that a database moves between them and audits alike.

use crate::{exec, map_err};
use rusqlite::{params, Connection, OptionalExtension};
use tinhso_ledger::chain::{self, Checkpoint, Hash, LaneHead, Link, Mark, GENESIS};
use tinhso_store::{Result, StoreError};

/// The statement writing an entry into `$table`, whose subject column is `$subject`.
macro_rules! insert_entry {
    ($table:literal, $subject:literal) => {
        concat!(
            "INSERT INTO ",
            $table,
            " (id, lane, seq, ",
            $subject,
            ", at, actor, kind, public, payload, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        )
    };
}

/// The id the next appended entry will get.
pub fn next_id(tx: &Connection) -> Result<i64> {
    tx.prepare_cached(
        "SELECT max(coalesce((SELECT max(id) FROM dossier_event), 0), coalesce((SELECT max(id) FROM ledger_entry), 0)) + 1",
    )
        .and_then(|mut st| st.query_row([], |r| r.get(0)))
        .map_err(map_err)
}

/// `lane`'s last sequence number and hash.
fn lane_head(tx: &Connection, lane: &str) -> Result<(i64, Hash)> {
    let head: Option<(i64, Vec<u8>)> = tx
        .prepare_cached("SELECT last_seq, hash FROM chain_lane WHERE lane = ?1")
        .and_then(|mut st| st.query_row([lane], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .map_err(map_err)?;
    match head {
        Some((seq, h)) => Ok((seq, h.as_slice().try_into().map_err(|_| StoreError::Corrupt("lane head hash".into()))?)),
        None => Ok((0, GENESIS)),
    }
}

/// Writes a dossier's `link` (its content; the place is given here) at the end of its lane with
/// its kind and visibility; returns its id.
pub fn append(tx: &Connection, kind: &str, public: bool, link: &Link) -> Result<i64> {
    append_to(tx, insert_entry!("dossier_event", "dossier_code"), kind, public, link)
}

/// The same for any other history (`link.dossier` names its subject, e.g. `PA-12`).
pub fn append_entry(tx: &Connection, kind: &str, public: bool, link: &Link) -> Result<i64> {
    append_to(tx, insert_entry!("ledger_entry", "subject"), kind, public, link)
}

/// Appends an administrative change's entry (lane `admin`) in the change's transaction.
pub fn append_admin(
    tx: &Connection,
    change: &tinhso_store::admin::AdminChange,
    by: &tinhso_store::admin::AdminAct,
) -> Result<()> {
    append_entry(tx, change.kind(), false, &tinhso_store::admin::link(change, by)?)?;
    Ok(())
}

/// A subject's entries from the general table, in chain order: (link, kind, public).
pub fn entries(c: &Connection, subject: &str) -> rusqlite::Result<Vec<(Link, String, bool)>> {
    let mut st = c.prepare_cached(
        "SELECT id, subject, at, actor, payload, kind, public, lane, seq FROM ledger_entry
         WHERE subject = ?1 ORDER BY id",
    )?;
    let rows = st.query_map([subject], |r| Ok((crate::rows::link(r)?, r.get(5)?, r.get(6)?)))?;
    rows.collect()
}

fn append_to(tx: &Connection, insert: &str, kind: &str, public: bool, link: &Link) -> Result<i64> {
    let (seq, prev) = lane_head(tx, &link.lane)?;
    let placed = Link { id: next_id(tx)?, seq: seq + 1, ..link.clone() };
    let hash = chain::hash(&prev, &placed);
    exec(
        tx,
        insert,
        params![
            placed.id,
            placed.lane,
            placed.seq,
            placed.dossier,
            placed.at,
            placed.actor,
            kind,
            public,
            placed.payload,
            hash.to_vec()
        ],
    )?;
    exec(
        tx,
        "INSERT INTO chain_lane (lane, last_seq, last_id, hash) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (lane) DO UPDATE SET last_seq = excluded.last_seq, last_id = excluded.last_id, hash = excluded.hash",
        params![placed.lane, placed.seq, placed.id, hash.to_vec()],
    )?;
    Ok(placed.id)
}

/// Every lane's head.
pub fn heads(c: &Connection) -> rusqlite::Result<Vec<LaneHead>> {
    let mut st = c.prepare_cached("SELECT lane, last_seq, last_id, hash FROM chain_lane ORDER BY lane")?;
    let rows =
        st.query_map([], |r| Ok(LaneHead { lane: r.get(0)?, seq: r.get(1)?, id: r.get(2)?, hash: r.get(3)? }))?;
    rows.collect()
}

/// Every mark, with the checkpoint that recorded it (`None` for those kept before lanes).
pub fn marks(c: &Connection) -> rusqlite::Result<Vec<(Option<i64>, Mark)>> {
    let mut st = c.prepare_cached("SELECT checkpoint, lane, seq, hash FROM chain_mark ORDER BY checkpoint, lane")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, Mark { lane: r.get(1)?, seq: r.get(2)?, hash: r.get(3)? })))?;
    rows.collect()
}

/// Every checkpoint (without marks).
pub fn checkpoints(c: &Connection) -> rusqlite::Result<Vec<Checkpoint>> {
    let mut st = c.prepare_cached("SELECT n, at, hash FROM chain_checkpoint ORDER BY n")?;
    let rows =
        st.query_map([], |r| Ok(Checkpoint { n: r.get(0)?, at: r.get(1)?, hash: r.get(2)?, marks: Vec::new() }))?;
    rows.collect()
}

/// Records the next provincial checkpoint if any lane moved since the last; returns its number.
pub fn checkpoint(tx: &Connection, at: &str) -> Result<Option<i64>> {
    let last: Option<(i64, Vec<u8>)> = tx
        .query_row("SELECT n, hash FROM chain_checkpoint ORDER BY n DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(map_err)?;
    let last = match last {
        Some((n, h)) => Some((n, h.as_slice().try_into().map_err(|_| StoreError::Corrupt("checkpoint hash".into()))?)),
        None => None,
    };
    // Each lane's head row also keeps the last sequence number a checkpoint recorded, so one
    // read of the heads says which lanes moved.
    let mut recorded = std::collections::BTreeMap::new();
    let heads = tx
        .prepare_cached("SELECT lane, last_seq, last_id, hash, marked_seq FROM chain_lane ORDER BY lane")
        .and_then(|mut st| {
            st.query_map([], |r| {
                recorded.insert(r.get::<_, String>(0)?, r.get::<_, i64>(4)?);
                Ok(LaneHead { lane: r.get(0)?, seq: r.get(1)?, id: r.get(2)?, hash: r.get(3)? })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(map_err)?;
    let Some(cp) = chain::next_checkpoint(last, &recorded, &heads, at) else {
        return Ok(None);
    };
    exec(tx, "INSERT INTO chain_checkpoint (n, at, hash) VALUES (?1, ?2, ?3)", params![cp.n, cp.at, cp.hash])?;
    for m in &cp.marks {
        exec(
            tx,
            "INSERT INTO chain_mark (checkpoint, lane, seq, hash) VALUES (?1, ?2, ?3, ?4)",
            params![cp.n, m.lane, m.seq, m.hash],
        )?;
        exec(tx, "UPDATE chain_lane SET marked_seq = ?1 WHERE lane = ?2", params![m.seq, m.lane])?;
    }
    Ok(Some(cp.n))
}
