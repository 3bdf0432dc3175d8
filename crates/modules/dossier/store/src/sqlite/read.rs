//! Dossier reads over one connection: the folded row, its ledger entries.

use rusqlite::{params, Connection, OptionalExtension, Row};
use std::sync::LazyLock;
use tinhso_kernel::guard::Tally;
use tinhso_ledger::chain::Link;
use tinhso_sqlite::guard::{tallies_at, TALLY_COLUMNS, TALLY_FROM};
use tinhso_store::{GuardKey, RawDossier, RawStanding, StoredDossier};

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

/// The stored rows of `codes`, each by its key (`audit verify`, a page at a time).
pub fn stored(c: &Connection, codes: &[String]) -> rusqlite::Result<Vec<StoredDossier>> {
    let mut st = c.prepare_cached(
        "SELECT code, procedure_code, applicant_id, receiving_agency, competent_agency, state, due_on,
                apology_due_on, version, body, form, applicant_phone, tax_code, assignee FROM dossier WHERE code = ?1",
    )?;
    let mut out = Vec::with_capacity(codes.len());
    for code in codes {
        let row = st
            .query_row([code], |r| {
                Ok(StoredDossier {
                    code: r.get(0)?,
                    procedure_code: r.get(1)?,
                    applicant_id: r.get(2)?,
                    receiving_agency: r.get(3)?,
                    competent_agency: r.get(4)?,
                    state: r.get(5)?,
                    due_on: r.get(6)?,
                    apology_due_on: r.get(7)?,
                    version: r.get(8)?,
                    body: r.get(9)?,
                    form: r.get(10)?,
                    applicant_phone: r.get(11)?,
                    tax_code: r.get(12)?,
                    assignee: r.get(13)?,
                })
            })
            .optional()?;
        out.extend(row);
    }
    Ok(out)
}

/// The public lookup's statement: the abuse tallies and where the dossier stands, one snapshot,
/// the dossier's part from its covering index alone.
static STANDING: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {TALLY_COLUMNS}, d.state, d.receiving_agency, d.due_on, d.apology_due_on, d.applicant_phone \
         FROM {TALLY_FROM} LEFT JOIN dossier d INDEXED BY dossier_standing ON d.code = ?3"
    )
});

/// A public lookup's one read, in one statement: the tallies under `guards` and where the
/// dossier `code` stands (its state, dates, desk and phone; not its form, which a lookup never
/// shows).
pub fn standing(
    c: &Connection,
    guards: &[GuardKey; 2],
    code: &str,
) -> rusqlite::Result<([Option<Tally>; 2], Option<RawStanding>)> {
    c.prepare_cached(&STANDING)?.query_row(params![&guards[0][..], &guards[1][..], code], |r| {
        let standing = match r.get::<_, Option<String>>(6)? {
            Some(state) => Some(RawStanding {
                state,
                receiving_agency: r.get(7)?,
                due_on: r.get(8)?,
                apology_due_on: r.get(9)?,
                applicant_phone: r.get(10)?,
            }),
            None => None,
        };
        Ok((tallies_at(r)?, standing))
    })
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
