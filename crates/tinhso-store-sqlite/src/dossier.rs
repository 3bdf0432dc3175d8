//! Dossier writes and reads over one connection or transaction.

use crate::{map_err, rows};
use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};
use tinhso_dossier::code::dossier_code;
use tinhso_dossier::deadline::local_date;
use tinhso_dossier::{Dossier, Event, EventKind};
use tinhso_kernel::ids::DossierCode;
use tinhso_ledger::chain::{self, Hash, Link, GENESIS};
use tinhso_store::codec::to_json;
use tinhso_store::plan::{self, ColumnType, DossierPlan, DossierProjection, RowOp, RowWrite, Value};
use tinhso_store::{chain_link, NewDossier, RawDossier, Result, StoreError, CHECKPOINT_EVERY};

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

/// Writes `event` as the link after `head`; returns the new head.
fn chain_write(tx: &Connection, (last, prev): (i64, Hash), code: &str, event: &Event) -> Result<(i64, Hash)> {
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
    Ok((id, hash))
}

/// Allocates the next dossier code of the receiving desk's day (gap-free, national format).
fn allocate_code(tx: &Connection, submitted: &Event) -> Result<DossierCode> {
    let EventKind::Submitted { receiving_agency, .. } = &submitted.kind else {
        return Err(StoreError::Corrupt("a dossier starts with a Submitted event".into()));
    };
    let day = local_date(submitted.at);
    let seq: u32 = tx
        .prepare_cached(
            "INSERT INTO dossier_sequence (agency, day, last) VALUES (?1, ?2, 1)
             ON CONFLICT (agency, day) DO UPDATE SET last = last + 1 RETURNING last",
        )
        .and_then(|mut st| st.query_row(params![receiving_agency.as_str(), day], |r| r.get(0)))
        .map_err(map_err)?;
    dossier_code(receiving_agency, day, seq)
        .ok_or_else(|| StoreError::DailyCodesExhausted(format!("{receiving_agency} on {day}")))
}

pub fn submit(tx: &Connection, new: &NewDossier, projections: &[Box<dyn DossierProjection>]) -> Result<Dossier> {
    let code = allocate_code(tx, &new.submitted)?;
    let p = plan::submit(new, &code, projections)?;
    execute(tx, &p)?;
    Ok(p.dossier)
}

/// A whole history: one plan, one row, every event chained.
pub fn import(
    tx: &Connection,
    new: &NewDossier,
    events: &[Event],
    projections: &[Box<dyn DossierProjection>],
) -> Result<()> {
    let code = allocate_code(tx, &new.submitted)?;
    execute(tx, &plan::history(new, events, &code, projections)?)
}

/// Carries out a write plan in the caller's transaction.
pub fn execute(tx: &Connection, p: &DossierPlan) -> Result<()> {
    let d = &p.dossier;
    let head = chain_head(tx)?;
    match &p.row {
        // The dossier row names its first event, which is therefore not indexed by dossier.
        RowWrite::Insert { form, applicant_phone } => {
            let submitted_at = p.events.first().map(|e| e.at).ok_or_else(|| StoreError::Corrupt("no event".into()))?;
            exec(
                tx,
                "INSERT INTO dossier (code, procedure_code, applicant_id, applicant_phone, receiving_agency, competent_agency,
                                      state, due_on, submitted_at, version, body, form, first_event)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    d.code.as_str(),
                    d.procedure.as_str(),
                    d.applicant,
                    applicant_phone.as_ref().map(|p| p.as_str()),
                    d.receiving_agency.as_str(),
                    d.competent_agency.as_str(),
                    d.state.key(),
                    d.due_on,
                    submitted_at,
                    d.version,
                    to_json(d)?,
                    to_json(form)?,
                    head.0 + 1
                ],
            )?;
        }
        RowWrite::Update { expected } => set_state(tx, d.code.as_str(), *expected, d)?,
    }
    for f in &p.files {
        exec(tx,
            "INSERT INTO dossier_file (dossier_code, sha256, name, purpose, component, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![d.code.as_str(), f.sha256.as_str(), f.name, f.purpose.key(), f.component, Utc::now()],
        )?;
    }
    let mut ids = Vec::with_capacity(p.events.len());
    let mut at = head;
    for e in &p.events {
        at = chain_write(tx, at, d.code.as_str(), e)?;
        ids.push(at.0);
    }
    for (i, n) in &p.notify {
        let event_id = ids.get(*i).copied().ok_or_else(|| StoreError::Corrupt("notification of no event".into()))?;
        exec(tx,
            "INSERT INTO outbox (account_id, dossier_code, event_id, subject, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![n.account_id, d.code.as_str(), event_id, n.subject, n.body, Utc::now()],
        )?;
    }
    for op in &p.rows {
        row_op(tx, op)?;
    }
    Ok(())
}

fn placeholders(n: usize) -> String {
    (1..=n).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
}

fn names(cols: &[(&str, ColumnType)]) -> String {
    cols.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
}

fn condition(cols: &[(&str, ColumnType)]) -> String {
    cols.iter().enumerate().map(|(i, (c, _))| format!("{c} = ?{}", i + 1)).collect::<Vec<_>>().join(" AND ")
}

/// A projection value bound without copying its text.
struct Bind<'a>(&'a Value);

impl rusqlite::ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self.0 {
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Static(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Int(i) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(*i)),
            // As rusqlite's chrono support writes a date.
            Value::Date(d) => ToSqlOutput::Owned(rusqlite::types::Value::Text(d.format("%F").to_string())),
        })
    }
}

/// The statements of one projection table, written once per table and kind: the writer
/// repeats them thousands of times a second.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Statement {
    Add,
    DropZero,
    Insert,
    Delete,
}

thread_local! {
    static STATEMENTS: std::cell::RefCell<std::collections::HashMap<(&'static str, Statement), std::rc::Rc<str>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

fn statement(table: &'static str, kind: Statement, build: impl FnOnce() -> String) -> std::rc::Rc<str> {
    STATEMENTS.with(|m| m.borrow_mut().entry((table, kind)).or_insert_with(|| build().into()).clone())
}

/// One projection row change, through the statement cache.
fn row_op(tx: &Connection, op: &RowOp) -> Result<()> {
    match op {
        RowOp::Add { table, key, n } => {
            // RETURNING only where a counter back at zero is removed: SQLite collects RETURNING
            // rows in a temporary table, which cost a sixth of a submission's writer time when
            // every aggregate bucket used it (measured).
            let sql = statement(table.name, Statement::Add, || {
                let cols = names(table.key);
                let returning = if table.drop_zero { format!(" RETURNING {}", table.count) } else { String::new() };
                format!(
                    "INSERT INTO {t} ({cols}, {c}) VALUES ({p}) ON CONFLICT ({cols}) DO UPDATE SET {c} = {c} + excluded.{c}{returning}",
                    t = table.name,
                    c = table.count,
                    p = placeholders(table.key.len() + 1)
                )
            });
            let delta = Value::Int(*n);
            let binds = key.iter().chain(std::iter::once(&delta)).map(Bind);
            if !table.drop_zero {
                exec(tx, &sql, rusqlite::params_from_iter(binds))?;
                return Ok(());
            }
            let now: i64 = tx
                .prepare_cached(&sql)
                .and_then(|mut st| st.query_row(rusqlite::params_from_iter(binds), |r| r.get(0)))
                .map_err(map_err)?;
            if now == 0 {
                let sql = statement(table.name, Statement::DropZero, || {
                    format!("DELETE FROM {} WHERE {}", table.name, condition(table.key))
                });
                exec(tx, &sql, rusqlite::params_from_iter(key.iter().map(Bind)))?;
            }
        }
        RowOp::Insert { table, row } => {
            let sql = statement(table.name, Statement::Insert, || {
                format!(
                    "INSERT INTO {} ({}) VALUES ({})",
                    table.name,
                    names(table.columns),
                    placeholders(table.columns.len())
                )
            });
            exec(tx, &sql, rusqlite::params_from_iter(row.iter().map(Bind)))?;
        }
        RowOp::Delete { table, row } => {
            let sql = statement(table.name, Statement::Delete, || {
                format!("DELETE FROM {} WHERE {}", table.name, condition(table.columns))
            });
            exec(tx, &sql, rusqlite::params_from_iter(row.iter().map(Bind)))?;
        }
    }
    Ok(())
}

/// Stores the folded dossier if it is still at version `expected`.
fn set_state(tx: &Connection, code: &str, expected: u32, next: &Dossier) -> Result<()> {
    let body = to_json(next)?;
    let changed = exec(
        tx,
        "UPDATE dossier SET state = ?1, due_on = ?2, version = ?3, body = ?4 WHERE code = ?5 AND version = ?6",
        params![next.state.key(), next.due_on, next.version, body, code, expected],
    )?;
    if changed != 1 {
        return Err(StoreError::Conflict(format!("dossier {code} changed meanwhile")));
    }
    Ok(())
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
