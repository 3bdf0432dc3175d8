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

/// A dossier entry with its place in its lane and its hash, ready to be written.
#[derive(Debug, Clone)]
pub struct Placed {
    pub link: Link,
    pub hash: Hash,
}

/// Moves each lane's head on by `n` and takes its `n` ids once its row is locked (RETURNING is
/// evaluated per row after its lock), so ids increase along each lane as with `claim`.
const CLAIM_MANY: &str = "UPDATE chain_lane c SET last_seq = c.last_seq + u.n
     FROM unnest($1::text[], $2::bigint[]) AS u(lane, n) WHERE c.lane = u.lane
     RETURNING c.lane, c.last_seq, c.hash, ARRAY(SELECT nextval('ledger_entry_id') FROM generate_series(1, u.n))";
const NEW_LANES: &str = "INSERT INTO chain_lane (lane, last_seq, last_id, hash)
     SELECT l, 0, 0, $2 FROM unnest($1::text[]) AS l ON CONFLICT (lane) DO NOTHING";

/// Places `links` (in order; several may share a lane) at the ends of their lanes, in one
/// statement when every lane exists. Each link's hash chains on the one before it in its lane.
pub async fn claim_many(tx: &Transaction<'_>, links: Vec<Link>) -> Result<Vec<Placed>> {
    if links.is_empty() {
        return Ok(Vec::new());
    }
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for l in &links {
        *counts.entry(l.lane.as_str()).or_default() += 1;
    }
    let lanes: Vec<&str> = counts.keys().copied().collect();
    let ns: Vec<i64> = counts.values().copied().collect();
    let mut heads = tx.query_cached(CLAIM_MANY, &[&lanes, &ns]).await.map_err(map_err)?;
    if heads.len() < lanes.len() {
        // A lane's first entry: create the missing heads and claim them.
        let have: Vec<String> = heads.iter().map(|r| r.get(0)).collect();
        let (lanes, ns): (Vec<&str>, Vec<i64>) =
            counts.iter().filter(|(l, _)| !have.iter().any(|h| h == *l)).map(|(l, n)| (*l, *n)).unzip();
        tx.execute_cached(NEW_LANES, &[&lanes, &GENESIS.to_vec()]).await.map_err(map_err)?;
        heads.extend(tx.query_cached(CLAIM_MANY, &[&lanes, &ns]).await.map_err(map_err)?);
    }
    // Each lane's next seq, the hash its next entry chains on, and its ids still to give.
    let mut next: BTreeMap<String, (i64, Hash, std::vec::IntoIter<i64>)> = BTreeMap::new();
    for r in &heads {
        let lane: String = r.get(0);
        let ids: Vec<i64> = r.get(3);
        let n = i64::try_from(ids.len()).unwrap_or(i64::MAX);
        let first = r.get::<_, i64>(1) - n + 1;
        next.insert(lane, (first, hash_of(&r.get::<_, Vec<u8>>(2), "lane head")?, ids.into_iter()));
    }
    links
        .into_iter()
        .map(|link| {
            let missing = || StoreError::Corrupt(format!("lane {} was not claimed for every entry", link.lane));
            let (seq, prev, ids) = next.get_mut(&link.lane).ok_or_else(missing)?;
            let id = ids.next().ok_or_else(missing)?;
            let link = Link { id, seq: *seq, ..link };
            let hash = chain::hash(prev, &link);
            *seq += 1;
            *prev = hash;
            Ok(Placed { link, hash })
        })
        .collect()
}

const WRITE_DOSSIER_ENTRIES: &str = "WITH entry AS (
     INSERT INTO dossier_event (id, lane, seq, dossier_code, at, actor, kind, public, payload, hash)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[],
                          $7::text[], $8::bool[], $9::text[], $10::bytea[]))
 UPDATE chain_lane c SET hash = u.hash, last_id = u.id
 FROM unnest($11::text[], $12::bytea[], $13::bigint[]) AS u(lane, hash, id) WHERE c.lane = u.lane";

/// Writes dossier entries placed by `claim_many` (each with its kind and visibility) and moves
/// their lanes' heads to the last of them, in one statement.
pub async fn write_dossier_entries(tx: &Transaction<'_>, entries: &[(&str, bool, &Placed)]) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let col = |f: fn(&Placed) -> i64| entries.iter().map(|(_, _, p)| f(p)).collect::<Vec<i64>>();
    let text = |f: fn(&Placed) -> &str| entries.iter().map(|(_, _, p)| f(p)).collect::<Vec<&str>>();
    let (ids, seqs, actors) = (col(|p| p.link.id), col(|p| p.link.seq), col(|p| p.link.actor));
    let (lanes, subjects, ats, payloads) =
        (text(|p| &p.link.lane), text(|p| &p.link.dossier), text(|p| &p.link.at), text(|p| &p.link.payload));
    let kinds: Vec<&str> = entries.iter().map(|(k, _, _)| *k).collect();
    let public: Vec<bool> = entries.iter().map(|(_, p, _)| *p).collect();
    let hashes: Vec<Vec<u8>> = entries.iter().map(|(_, _, p)| p.hash.to_vec()).collect();
    // Each lane's new head: its last entry here (a lane's entries come in the order of their seqs).
    let mut heads: BTreeMap<&str, &Placed> = BTreeMap::new();
    for (_, _, p) in entries {
        heads.insert(&p.link.lane, p);
    }
    let head_lanes: Vec<&str> = heads.keys().copied().collect();
    let head_hashes: Vec<Vec<u8>> = heads.values().map(|p| p.hash.to_vec()).collect();
    let head_ids: Vec<i64> = heads.values().map(|p| p.link.id).collect();
    tx.execute_cached(
        WRITE_DOSSIER_ENTRIES,
        &[
            &ids,
            &lanes,
            &seqs,
            &subjects,
            &ats,
            &actors,
            &kinds,
            &public,
            &payloads,
            &hashes,
            &head_lanes,
            &head_hashes,
            &head_ids,
        ],
    )
    .await
    .map_err(map_err)?;
    Ok(())
}

/// Appends an entry of any other history (`link.dossier` names its subject, e.g. `PA-12`) at
/// the end of its lane, moving the lane's head on in the same statement; returns its id.
/// Appends an administrative change's entry (lane `admin`) in the change's transaction.
pub async fn append_admin(
    tx: &Transaction<'_>,
    change: &tinhso_store::admin::AdminChange,
    by: &tinhso_store::admin::AdminAct,
) -> Result<()> {
    append_entry(tx, change.kind(), false, &tinhso_store::admin::link(change, by)?).await?;
    Ok(())
}

pub async fn append_entry(tx: &Transaction<'_>, kind: &str, public: bool, link: &Link) -> Result<i64> {
    let Placed { link: placed, hash } = claim_many(tx, vec![link.clone()])
        .await?
        .pop()
        .ok_or_else(|| StoreError::Corrupt(format!("lane {} was not claimed", link.lane)))?;
    tx.execute_cached(
        "WITH entry AS (INSERT INTO ledger_entry (id, lane, seq, subject, at, actor, kind, public, payload, hash)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10))
         UPDATE chain_lane SET hash = $10, last_id = $1 WHERE lane = $2",
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
            &hash.to_vec(),
        ],
    )
    .await
    .map_err(map_err)?;
    Ok(placed.id)
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

/// The entries of many subjects in one query, for audits that page through rows: each
/// subject's (lane, payload) in chain order, in the order `subjects` were given.
pub async fn lanes_and_payloads(c: &impl GenericClient, subjects: &[String]) -> Result<Vec<Vec<(String, String)>>> {
    let rows = c
        .query(
            "SELECT subject, lane, payload FROM ledger_entry WHERE subject = ANY($1) ORDER BY subject, id",
            &[&subjects],
        )
        .await
        .map_err(map_err)?;
    let mut by_subject: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for r in &rows {
        by_subject.entry(r.get(0)).or_default().push((r.get(1), r.get(2)));
    }
    Ok(subjects.iter().map(|s| by_subject.remove(s).unwrap_or_default()).collect())
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
