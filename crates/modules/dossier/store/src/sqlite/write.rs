//! Dossier writes over one transaction: a plan computed once by `tinhso_store::plan`,
//! carried out here as SQL. The chain and the outbox are the platform's (its `ledger` and
//! `outbox` write functions, in this same transaction).

use chrono::Utc;
use rusqlite::{params, Connection};
use tinhso_dossier::code::dossier_code;
use tinhso_dossier::deadline::local_date;
use tinhso_dossier::{Dossier, Event, EventKind};
use tinhso_kernel::ids::DossierCode;
use tinhso_sqlite::{exec, ledger, map_err, outbox};
use tinhso_store::codec::to_json;
use tinhso_store::plan::{self, ColumnType, DossierPlan, DossierProjection, RowOp, RowWrite, Value};
use tinhso_store::{chain_link, dossier_lane, NewDossier, Result, StoreError};

/// Allocates the next dossier code of the receiving desk's day (gap-free, national format).
/// Two plain statements rather than an upsert with RETURNING, which SQLite answers through a
/// temporary table built and dropped on every call (a tenth of a submission's writer time).
fn allocate_code(tx: &Connection, submitted: &Event) -> Result<DossierCode> {
    let EventKind::Submitted { receiving_agency, .. } = &submitted.kind else {
        return Err(StoreError::Corrupt("a dossier starts with a Submitted event".into()));
    };
    let day = local_date(submitted.at);
    let day_text = day.format("%F").to_string();
    let key = params![receiving_agency.as_str(), day_text];
    let counted = exec(tx, "UPDATE dossier_sequence SET last = last + 1 WHERE agency = ?1 AND day = ?2", key)?;
    let seq: u32 = if counted == 0 {
        exec(tx, "INSERT INTO dossier_sequence (agency, day, last) VALUES (?1, ?2, 1)", key)?;
        1
    } else {
        tx.prepare_cached("SELECT last FROM dossier_sequence WHERE agency = ?1 AND day = ?2")
            .and_then(|mut st| st.query_row(key, |r| r.get(0)))
            .map_err(map_err)?
    };
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
    let lane = dossier_lane(&d.receiving_agency);
    match &p.row {
        // The dossier row names its first event, which is therefore not indexed by dossier.
        RowWrite::Insert { form, applicant_phone } => {
            let submitted_at = p.events.first().map(|e| e.at).ok_or_else(|| StoreError::Corrupt("no event".into()))?;
            exec(
                tx,
                "INSERT INTO dossier (code, procedure_code, applicant_id, applicant_phone, receiving_agency, competent_agency,
                                      state, due_on, apology_due_on, submitted_at, version, body, form, first_event,
                                      tax_code, assignee)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                params![
                    d.code.as_str(),
                    d.procedure.as_str(),
                    d.applicant,
                    applicant_phone.as_ref().map(|p| p.as_str()),
                    d.receiving_agency.as_str(),
                    d.competent_agency.as_str(),
                    d.state.key(),
                    d.due_on,
                    d.apology_due_on,
                    submitted_at,
                    d.version,
                    to_json(d)?,
                    to_json(form)?,
                    ledger::next_id(tx)?,
                    d.organization.as_ref().map(|o| o.tax_code.as_str()),
                    d.assignee.map(|a| a.0)
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
    for e in &p.events {
        let link = chain_link(&lane, d.code.as_str(), e)?;
        ids.push(ledger::append(tx, e.kind.key(), e.kind.is_public(), &link)?);
    }
    for (i, n) in &p.notify {
        let event_id = ids.get(*i).copied().ok_or_else(|| StoreError::Corrupt("notification of no event".into()))?;
        outbox::enqueue(tx, n, Some(d.code.as_str()), Some(event_id))?;
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
    /// An add that returns the new count, to remove the row when it is back at zero.
    AddReturning,
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
            // RETURNING only where a counter may come back to zero and be removed: SQLite
            // collects RETURNING rows in a temporary table, which cost a sixth of a submission's
            // writer time when every aggregate bucket used it (measured).
            let may_reach_zero = table.may_reach_zero(*n);
            let kind = if may_reach_zero { Statement::AddReturning } else { Statement::Add };
            let sql = statement(table.name, kind, || {
                let cols = names(table.key);
                let returning = if may_reach_zero { format!(" RETURNING {}", table.count) } else { String::new() };
                format!(
                    "INSERT INTO {t} ({cols}, {c}) VALUES ({p}) ON CONFLICT ({cols}) DO UPDATE SET {c} = {c} + excluded.{c}{returning}",
                    t = table.name,
                    c = table.count,
                    p = placeholders(table.key.len() + 1)
                )
            });
            let delta = Value::Int(*n);
            let binds = key.iter().chain(std::iter::once(&delta)).map(Bind);
            if !may_reach_zero {
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
        "UPDATE dossier SET state = ?1, due_on = ?2, apology_due_on = ?3, version = ?4, body = ?5, assignee = ?8
         WHERE code = ?6 AND version = ?7",
        params![
            next.state.key(),
            next.due_on,
            next.apology_due_on,
            next.version,
            body,
            code,
            expected,
            next.assignee.map(|a| a.0)
        ],
    )?;
    if changed != 1 {
        return Err(StoreError::Conflict(format!("dossier {code} changed meanwhile")));
    }
    Ok(())
}
