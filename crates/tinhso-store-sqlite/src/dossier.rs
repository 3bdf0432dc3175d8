//! Dossier writes and reads over one connection or transaction.

use crate::{map_err, rows};
use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};
use tinhso_domain::dossier::chain::{self, Hash, Link, GENESIS};
use tinhso_domain::dossier::code::dossier_code;
use tinhso_domain::dossier::deadline::local_date;
use tinhso_domain::dossier::{apply, tally, Dossier, Event, EventKind};
use tinhso_domain::ioc;
use tinhso_store::codec::to_json;
use tinhso_store::{
    chain_link, Attachment, Grain, NewDossier, Notification, RawDossier, Result, StoreError, CHECKPOINT_EVERY,
};

/// Runs a statement through the connection's statement cache: the write path repeats a few
/// statements thousands of times a second, and parsing them each time showed in profiles.
fn exec(tx: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<usize> {
    tx.prepare_cached(sql).and_then(|mut st| st.execute(params)).map_err(map_err)
}

/// The chain's last event id and hash; the caller holds the write transaction (SQLite's
/// single writer serialises appends, so ids stay gap-free).
fn chain_head(tx: &Connection) -> Result<(i64, Hash)> {
    let head: Option<(i64, Vec<u8>)> = tx
        .prepare_cached("SELECT last_id, hash FROM chain_head WHERE one = 1")
        .and_then(|mut st| st.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .map_err(map_err)?;
    match head {
        Some((id, h)) => Ok((id, h.as_slice().try_into().map_err(|_| StoreError::Corrupt("chain head hash".into()))?)),
        None => Ok((0, GENESIS)),
    }
}

/// Appends one event to the chain.
fn chain_append(tx: &Connection, code: &str, event: &Event) -> Result<i64> {
    let head = chain_head(tx)?;
    chain_write(tx, head, code, event)
}

/// Writes `event` as the link after `head`; returns its id.
fn chain_write(tx: &Connection, (last, prev): (i64, Hash), code: &str, event: &Event) -> Result<i64> {
    let id = last + 1;
    let link = chain_link(id, code, event)?;
    let hash = chain::hash(&prev, &link);
    exec(tx,
        "INSERT INTO dossier_event (id, dossier_code, at, actor, kind, public, payload, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id, code, link.at, link.actor, event.kind.key(), event.kind.is_public(), link.payload, hash.to_vec()],
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
    Ok(id)
}

fn notify(tx: &Connection, code: &str, event_id: i64, notes: &[Notification]) -> Result<()> {
    for n in notes.iter().map(|n| n.for_code(code)) {
        exec(tx,
            "INSERT INTO outbox (account_id, dossier_code, event_id, subject, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![n.account_id, code, event_id, n.subject, n.body, Utc::now()],
        )?;
    }
    Ok(())
}

fn attach(tx: &Connection, code: &str, files: &[Attachment]) -> Result<()> {
    for f in files {
        exec(tx,
            "INSERT INTO dossier_file (dossier_code, sha256, name, purpose, component, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![code, f.sha256, f.name, f.purpose.key(), f.component, Utc::now()],
        )?;
    }
    Ok(())
}

pub fn submit(tx: &Connection, new: &NewDossier) -> Result<Dossier> {
    let EventKind::Submitted { receiving_agency, .. } = &new.submitted.kind else {
        return Err(StoreError::Corrupt("a dossier starts with a Submitted event".into()));
    };
    let day = local_date(new.submitted.at);
    let seq: u32 = tx
        .prepare_cached(
            "INSERT INTO dossier_sequence (agency, day, last) VALUES (?1, ?2, 1)
             ON CONFLICT (agency, day) DO UPDATE SET last = last + 1 RETURNING last",
        )
        .and_then(|mut st| st.query_row(params![receiving_agency.as_str(), day], |r| r.get(0)))
        .map_err(map_err)?;
    let code = dossier_code(receiving_agency, day, seq)
        .ok_or_else(|| StoreError::DailyCodesExhausted(format!("{receiving_agency} on {day}")))?;
    let dossier = apply(None, &code, &new.submitted).ok_or_else(|| StoreError::Corrupt("submitted event".into()))?;
    // The dossier row names its first event, which is therefore not indexed by dossier.
    let head = chain_head(tx)?;
    exec(
        tx,
        "INSERT INTO dossier (code, procedure_code, applicant_id, applicant_phone, receiving_agency, competent_agency,
                              state, due_on, submitted_at, version, body, form, first_event)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            code,
            dossier.procedure.as_str(),
            dossier.applicant,
            new.applicant_phone,
            dossier.receiving_agency.as_str(),
            dossier.competent_agency.as_str(),
            dossier.state.key(),
            dossier.due_on,
            new.submitted.at,
            dossier.version,
            to_json(&dossier)?,
            to_json(&new.form)?,
            head.0 + 1
        ],
    )?;
    attach(tx, &code, &new.files)?;
    let id = chain_write(tx, head, &code, &new.submitted)?;
    notify(tx, &code, id, &new.notify)?;
    apply_counts(tx, None, &dossier)?;
    Ok(dossier)
}

/// Everything counted about dossiers, moved from `before` to `after`: the operations centre's
/// aggregates and the staff inboxes' counters.
pub fn apply_counts(tx: &Connection, before: Option<&Dossier>, after: &Dossier) -> Result<()> {
    let (delta, membership) = ioc::change(before, after);
    apply_facts(tx, &delta)?;
    apply_members(tx, &after.code, &membership)?;
    apply_tally(tx, &tally::delta(before, after))
}

/// Moves the dossier between the counters it is behind (the drill-down's index).
fn apply_members(tx: &Connection, code: &str, m: &ioc::Membership) -> Result<()> {
    for k in &m.left {
        let sql = "DELETE FROM ioc_member WHERE agency = ?1 AND measure = ?2 AND day = ?3 AND code = ?4";
        exec(tx, sql, params![k.agency.as_str(), k.measure.key(), k.day, code])?;
    }
    for k in &m.joined {
        let sql = "INSERT INTO ioc_member (agency, measure, day, code) VALUES (?1, ?2, ?3, ?4)";
        exec(tx, sql, params![k.agency.as_str(), k.measure.key(), k.day, code])?;
    }
    Ok(())
}

/// Adds inbox counter deltas; a counter back at zero is removed.
fn apply_tally(tx: &Connection, t: &tally::Tally) -> Result<()> {
    for ((agency, key), v) in t {
        let n: i64 = tx
            .prepare_cached(
                "INSERT INTO inbox_tally (agency, key, n) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key, agency) DO UPDATE SET n = n + excluded.n RETURNING n",
            )
            .and_then(|mut st| st.query_row(params![agency.as_str(), key.key(), v], |r| r.get(0)))
            .map_err(map_err)?;
        if n == 0 {
            exec(tx, "DELETE FROM inbox_tally WHERE agency = ?1 AND key = ?2", params![agency.as_str(), key.key()])?;
        }
    }
    Ok(())
}

/// Adds counter deltas to the day and month buckets, in the caller's transaction.
pub fn apply_facts(tx: &Connection, facts: &ioc::Facts) -> Result<()> {
    if facts.is_empty() {
        return Ok(());
    }
    let mut st = tx
        .prepare_cached(
            "INSERT INTO ioc_aggregate (grain, bucket, agency, measure, value) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (grain, bucket, agency, measure) DO UPDATE SET value = value + excluded.value",
        )
        .map_err(map_err)?;
    for (k, v) in facts {
        for grain in [Grain::Day, Grain::Month] {
            st.execute(params![grain.key(), grain.bucket(k.day), k.agency.as_str(), k.measure.key(), v])
                .map_err(map_err)?;
        }
    }
    Ok(())
}

/// A whole history: submit, then each event folded and appended.
pub fn import(tx: &Connection, new: &NewDossier, events: &[Event]) -> Result<()> {
    let first = submit(tx, new)?;
    let mut d = first.clone();
    for e in events {
        d = apply(Some(d), &first.code, e).ok_or_else(|| StoreError::Corrupt("event did not apply".into()))?;
        chain_append(tx, &first.code, e)?;
    }
    if d.version == first.version {
        return Ok(());
    }
    // The folded dossier and the counters once for the whole history, not once per event.
    set_state(tx, &first.code, first.version, &d)?;
    apply_counts(tx, Some(&first), &d)
}

/// Stores the folded dossier if it is still at version `expected`.
fn set_state(tx: &Connection, code: &str, expected: u32, next: &Dossier) -> Result<()> {
    let changed = tx
        .execute(
            "UPDATE dossier SET state = ?1, due_on = ?2, version = ?3, body = ?4 WHERE code = ?5 AND version = ?6",
            params![next.state.key(), next.due_on, next.version, to_json(next)?, code, expected],
        )
        .map_err(map_err)?;
    if changed != 1 {
        return Err(StoreError::Conflict(format!("dossier {code} changed meanwhile")));
    }
    Ok(())
}

pub fn append(
    tx: &Connection,
    before: &Dossier,
    event: &Event,
    next: &Dossier,
    notes: &[Notification],
    files: &[Attachment],
) -> Result<()> {
    append_row(tx, &before.code, before.version, event, next, notes, files)?;
    apply_counts(tx, Some(before), next)
}

fn append_row(
    tx: &Connection,
    code: &str,
    expected: u32,
    event: &Event,
    next: &Dossier,
    notes: &[Notification],
    files: &[Attachment],
) -> Result<()> {
    set_state(tx, code, expected, next)?;
    attach(tx, code, files)?;
    let id = chain_append(tx, code, event)?;
    notify(tx, code, id, notes)
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
        "SELECT e.id, e.dossier_code, e.at, e.actor, e.payload
         FROM dossier d JOIN dossier_event e ON e.id = d.first_event
         WHERE d.rowid > ?1 AND d.rowid <= ?2
         UNION ALL
         SELECT e.id, e.dossier_code, e.at, e.actor, e.payload
         FROM dossier d JOIN dossier_event e INDEXED BY dossier_event_later
             ON e.dossier_code = d.code AND e.kind <> 'submitted'
         WHERE d.rowid > ?1 AND d.rowid <= ?2 ORDER BY 2, 1",
    )?;
    let rows = st.query_map([after, last], rows::link)?;
    rows.collect()
}

/// One dossier's events with their visibility, in chain order.
pub fn links(c: &Connection, code: &str) -> rusqlite::Result<Vec<(Link, bool)>> {
    let sql = "SELECT id, dossier_code, at, actor, payload, public FROM dossier_event";
    let mut st = c.prepare_cached(&format!(
        "{sql} WHERE id = (SELECT first_event FROM dossier WHERE code = ?1) \
         UNION ALL {sql} INDEXED BY dossier_event_later WHERE dossier_code = ?1 AND kind <> 'submitted' \
         ORDER BY id"
    ))?;
    let rows = st.query_map([code], |r| Ok((rows::link(r)?, r.get::<_, bool>(5)?)))?;
    rows.collect()
}
