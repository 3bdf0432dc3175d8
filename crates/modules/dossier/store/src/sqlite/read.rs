//! Dossier reads over one connection: the folded row, its ledger entries.

use rusqlite::{Connection, OptionalExtension, Row};
use tinhso_ledger::chain::Link;
use tinhso_store::RawDossier;

/// A chain link from the first five columns (id, dossier_code, at, actor, payload) and those
/// named lane and seq.
pub fn link(r: &Row<'_>) -> rusqlite::Result<Link> {
    Ok(Link {
        id: r.get(0)?,
        lane: r.get("lane")?,
        seq: r.get("seq")?,
        dossier: r.get(1)?,
        at: r.get(2)?,
        actor: r.get(3)?,
        payload: r.get(4)?,
    })
}

pub fn record(c: &Connection, code: &str) -> rusqlite::Result<Option<RawDossier>> {
    c.prepare_cached("SELECT body, form, applicant_phone FROM dossier WHERE code = ?1")?
        .query_row([code], |r| Ok(RawDossier { body: r.get(0)?, form: r.get(1)?, applicant_phone: r.get(2)? }))
        .optional()
}

/// Links of the dossiers with rowids in `(after, last]`, by dossier then chain order: each
/// dossier's first event through the dossier row, the others through their index.
pub fn links_of_rowids(c: &Connection, after: i64, last: i64) -> rusqlite::Result<Vec<Link>> {
    let mut st = c.prepare_cached(
        "SELECT e.id, e.dossier_code, e.at, e.actor, e.payload, e.lane, e.seq
         FROM dossier d JOIN dossier_event e ON e.id = d.first_event
         WHERE d.rowid > ?1 AND d.rowid <= ?2
         UNION ALL
         SELECT e.id, e.dossier_code, e.at, e.actor, e.payload, e.lane, e.seq
         FROM dossier d JOIN dossier_event e INDEXED BY dossier_event_later
             ON e.dossier_code = d.code AND e.kind <> 'submitted'
         WHERE d.rowid > ?1 AND d.rowid <= ?2 ORDER BY 2, 1",
    )?;
    let rows = st.query_map([after, last], link)?;
    rows.collect()
}

/// One dossier's events with their visibility, in chain order.
pub fn links(c: &Connection, code: &str) -> rusqlite::Result<Vec<(Link, bool)>> {
    let sql = "SELECT id, dossier_code, at, actor, payload, public, lane, seq FROM dossier_event";
    let mut st = c.prepare_cached(&format!(
        "{sql} WHERE id = (SELECT first_event FROM dossier WHERE code = ?1) \
         UNION ALL {sql} INDEXED BY dossier_event_later WHERE dossier_code = ?1 AND kind <> 'submitted' \
         ORDER BY id"
    ))?;
    let rows = st.query_map([code], |r| Ok((link(r)?, r.get::<_, bool>(5)?)))?;
    rows.collect()
}
