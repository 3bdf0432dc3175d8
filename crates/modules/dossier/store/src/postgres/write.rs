//! Dossier writes over one transaction: a plan computed once by `tinhso_store::plan`,
//! carried out here as SQL, projection rows batched per table in a global order (so that
//! concurrent writers lock rows in the same order). The chain and the outbox are the
//! platform's (its `ledger` and `outbox` write functions, in this same transaction).

use chrono::NaiveDate;
use deadpool_postgres::Transaction;
use futures_util::future::try_join_all;
use std::collections::BTreeMap;
use tinhso_dossier::code::dossier_code;
use tinhso_dossier::deadline::local_date;
use tinhso_dossier::{Dossier, Event, EventKind};
use tinhso_kernel::ids::{AgencyCode, DossierCode};
use tinhso_postgres::Cached;
use tinhso_postgres::{ledger, map_err, outbox};
use tinhso_store::codec::to_json;
use tinhso_store::plan::{
    self, ColumnType, CounterTable, DossierPlan, DossierProjection, RowOp, RowWrite, SetTable, Value,
};
use tinhso_store::{chain_link, dossier_lane, NewDossier, Result, StoreError};

/// Allocates the next dossier codes of the receiving desks' days for `submitted` (in order;
/// gap-free, national format), one statement for all: each desk's day moves on by as many
/// dossiers as it receives here, its rows locked in one order.
async fn allocate_codes(tx: &Transaction<'_>, submitted: &[&Event]) -> Result<Vec<DossierCode>> {
    let mut desks: Vec<(&AgencyCode, NaiveDate)> = Vec::with_capacity(submitted.len());
    for e in submitted {
        let EventKind::Submitted { receiving_agency, .. } = &e.kind else {
            return Err(StoreError::Corrupt("a dossier starts with a Submitted event".into()));
        };
        desks.push((receiving_agency, local_date(e.at)));
    }
    let mut counts: BTreeMap<(&str, NaiveDate), i32> = BTreeMap::new();
    for (agency, day) in &desks {
        *counts.entry((agency.as_str(), *day)).or_default() += 1;
    }
    let agencies: Vec<&str> = counts.keys().map(|(a, _)| *a).collect();
    let days: Vec<NaiveDate> = counts.keys().map(|(_, d)| *d).collect();
    let ns: Vec<i32> = counts.values().copied().collect();
    let rows = tx
        .query_cached(
            "INSERT INTO dossier_sequence (agency, day, last) SELECT * FROM unnest($1::text[], $2::date[], $3::int[])
             ON CONFLICT (agency, day) DO UPDATE SET last = dossier_sequence.last + excluded.last
             RETURNING agency, day, last",
            &[&agencies, &days, &ns],
        )
        .await
        .map_err(map_err)?;
    // The first number each desk's day gives out here.
    let mut next: BTreeMap<(String, NaiveDate), i32> = BTreeMap::new();
    for r in &rows {
        let key = (r.get::<_, String>(0), r.get::<_, NaiveDate>(1));
        let n = counts.get(&(key.0.as_str(), key.1)).copied().unwrap_or(0);
        next.insert(key, r.get::<_, i32>(2) - n + 1);
    }
    desks
        .into_iter()
        .map(|(agency, day)| {
            let seq = next
                .get_mut(&(agency.as_str().to_owned(), day))
                .ok_or_else(|| StoreError::Corrupt(format!("no code sequence for {agency} on {day}")))?;
            let code = u32::try_from(*seq).ok().and_then(|n| dossier_code(agency, day, n));
            *seq += 1;
            code.ok_or_else(|| StoreError::DailyCodesExhausted(format!("{agency} on {day}")))
        })
        .collect()
}

/// New dossiers in one transaction: their codes in one statement, then one plan each, carried
/// out together (`carry_out`). Many citizens submitting at once cost the database a few
/// statements, not a few per dossier.
pub async fn submit_many(
    tx: &Transaction<'_>,
    news: &[NewDossier],
    projections: &[Box<dyn DossierProjection>],
) -> Result<Vec<Dossier>> {
    let plans = write_new(tx, news.iter().map(|n| (n, &[][..])), projections).await?;
    Ok(plans.into_iter().map(|p| p.dossier).collect())
}

/// Whole histories (demo data, migrations from other one-stop systems), each one plan, one
/// row, every event chained, likewise together.
pub async fn import_many(
    tx: &Transaction<'_>,
    items: &[(NewDossier, Vec<Event>)],
    projections: &[Box<dyn DossierProjection>],
) -> Result<()> {
    write_new(tx, items.iter().map(|(n, events)| (n, events.as_slice())), projections).await?;
    Ok(())
}

/// New dossiers, each with the events after its submission: codes, plans, carried out.
async fn write_new<'a>(
    tx: &Transaction<'_>,
    items: impl Iterator<Item = (&'a NewDossier, &'a [Event])>,
    projections: &[Box<dyn DossierProjection>],
) -> Result<Vec<DossierPlan>> {
    let items: Vec<(&NewDossier, &[Event])> = items.collect();
    let submitted: Vec<&Event> = items.iter().map(|(n, _)| &n.submitted).collect();
    let ((), codes) = tokio::try_join!(generic_plans(tx), allocate_codes(tx, &submitted))?;
    let plans = items
        .iter()
        .zip(&codes)
        .map(|((new, events), code)| plan::history(new, events, code, projections))
        .collect::<Result<Vec<_>>>()?;
    carry_out(tx, &plans).await?;
    Ok(plans)
}

/// Statements of a write transaction keep the plan made once per connection. They are key
/// lookups and scans of array parameters whose best plan does not depend on the values, yet
/// PostgreSQL re-plans each execution whenever a custom plan looks cheaper, which with array
/// parameters it always does: planning was a sixth of the database's time under submissions.
async fn generic_plans(tx: &Transaction<'_>) -> Result<()> {
    tx.batch_execute("SET LOCAL plan_cache_mode = force_generic_plan").await.map_err(map_err)
}

/// Carries out write plans in the caller's transaction (`carry_out`), with generic plans.
pub async fn execute_many(tx: &Transaction<'_>, plans: &[DossierPlan]) -> Result<()> {
    // Sent first, so it applies to every statement after it.
    tokio::try_join!(generic_plans(tx), carry_out(tx, plans))?;
    Ok(())
}

/// Carries out write plans in the caller's transaction, in two pipelined rounds (statements
/// sent together, answered together; the second needs the entries' places from the first):
/// first the dossiers' rows, their files and their entries' places in their lanes; then the
/// entries, the projections' rows and the notifications. Each kind of row is one statement
/// over arrays, however many dossiers there are: fewer statements and round trips is what
/// lets one database serve more servers. The order statements are sent in is the order locks
/// are taken in, the same for every write (dossier rows, lane heads, projection rows in their
/// global order).
async fn carry_out(tx: &Transaction<'_>, plans: &[DossierPlan]) -> Result<()> {
    let mut links = Vec::new();
    let mut entries = Vec::new();
    for p in plans {
        let lane = dossier_lane(&p.dossier.receiving_agency);
        for e in &p.events {
            links.push(chain_link(&lane, p.dossier.code.as_str(), e)?);
            entries.push((e.kind.key(), e.kind.is_public()));
        }
    }
    // Statements are sent when first polled, unless they still have to be prepared: prepare
    // (once per connection) before sending, so the rows are written before the files naming them.
    tokio::try_join!(
        tx.prepare_cached(INSERT_DOSSIERS),
        tx.prepare_cached(UPDATE_DOSSIERS),
        tx.prepare_cached(INSERT_FILES)
    )
    .map_err(map_err)?;
    let ((), (), (), placed) = tokio::try_join!(
        insert_rows(tx, plans),
        update_rows(tx, plans),
        insert_files(tx, plans),
        ledger::claim_many(tx, links)
    )?;

    let entries: Vec<(&str, bool, &ledger::Placed)> =
        entries.iter().zip(&placed).map(|((kind, public), p)| (*kind, *public, p)).collect();
    // Each plan's first entry's index in `placed`, for its notifications' event ids.
    let mut notify = Vec::new();
    let mut first = 0;
    for p in plans {
        for (i, n) in &p.notify {
            let id = placed.get(first + i).map(|e| e.link.id);
            if id.is_none() {
                return Err(StoreError::Corrupt("notification of no event".into()));
            }
            notify.push((n, Some(p.dossier.code.as_str()), id));
        }
        first += p.events.len();
    }
    let rows: Vec<&RowOp> = plans.iter().flat_map(|p| &p.rows).collect();
    tokio::try_join!(
        ledger::write_dossier_entries(tx, &entries),
        row_ops(tx, &rows),
        outbox::enqueue_many(tx, &notify)
    )?;
    Ok(())
}

// An imported history may already hold an apology, so new rows carry apology_due_on too.
const INSERT_DOSSIERS: &str =
    "INSERT INTO dossier (code, procedure_code, applicant_id, applicant_phone, receiving_agency, competent_agency,
                      state, due_on, apology_due_on, submitted_at, version, body, form, tax_code, assignee)
 SELECT code, procedure_code, applicant_id, applicant_phone, receiving_agency, competent_agency,
        state, due_on, apology, submitted_at, version, body::jsonb, form::jsonb, tax_code, assignee
 FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::date[],
             $9::date[], $10::timestamptz[], $11::int[], $12::text[], $13::text[], $14::text[], $15::bigint[])
   AS u(code, procedure_code, applicant_id, applicant_phone, receiving_agency, competent_agency,
        state, due_on, apology, submitted_at, version, body, form, tax_code, assignee)";
const UPDATE_DOSSIERS: &str = "UPDATE dossier d SET state = u.state, due_on = u.due_on, apology_due_on = u.apology,
                     version = u.version, body = u.body::jsonb, assignee = u.assignee
 FROM unnest($1::text[], $2::text[], $3::date[], $4::date[], $5::int[], $6::text[], $7::int[], $8::bigint[])
   AS u(code, state, due_on, apology, version, body, expected, assignee)
 WHERE d.code = u.code AND d.version = u.expected";
const INSERT_FILES: &str = "INSERT INTO dossier_file (dossier_code, sha256, name, purpose, component, created_at)
 SELECT c, s, n, p, k, now() FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[]) AS u(c, s, n, p, k)";

fn version(v: u32) -> Result<i32> {
    i32::try_from(v).map_err(|_| StoreError::Corrupt("version".into()))
}

/// Inserts the rows of the plans' new dossiers.
async fn insert_rows(tx: &Transaction<'_>, plans: &[DossierPlan]) -> Result<()> {
    let (mut code, mut procedure, mut applicant, mut phone, mut receiving, mut competent) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut state, mut due, mut apology, mut at, mut versions, mut body, mut form) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut tax_code, mut assignee) = (Vec::new(), Vec::new());
    for p in plans {
        let RowWrite::Insert { form: f, applicant_phone } = &p.row else { continue };
        let d = &p.dossier;
        code.push(d.code.as_str());
        procedure.push(d.procedure.as_str());
        applicant.push(d.applicant.0);
        phone.push(applicant_phone.as_ref().map(|p| p.as_str()));
        receiving.push(d.receiving_agency.as_str());
        competent.push(d.competent_agency.as_str());
        state.push(d.state.key());
        due.push(d.due_on);
        apology.push(d.apology_due_on);
        at.push(p.events.first().map(|e| e.at).ok_or_else(|| StoreError::Corrupt("no event".into()))?);
        versions.push(version(d.version)?);
        body.push(to_json(d)?);
        form.push(to_json(f)?);
        tax_code.push(d.organization.as_ref().map(|o| o.tax_code.as_str()));
        assignee.push(d.assignee.map(|a| a.0));
    }
    if code.is_empty() {
        return Ok(());
    }
    tx.execute_cached(
        INSERT_DOSSIERS,
        &[
            &code, &procedure, &applicant, &phone, &receiving, &competent, &state, &due, &apology, &at, &versions,
            &body, &form, &tax_code, &assignee,
        ],
    )
    .await
    .map_err(map_err)?;
    Ok(())
}

/// Updates the rows of the plans' existing dossiers, each only if it is still at the version
/// its plan read (optimistic concurrency).
async fn update_rows(tx: &Transaction<'_>, plans: &[DossierPlan]) -> Result<()> {
    let (mut code, mut state, mut due, mut apology, mut versions, mut body, mut expected) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut assignee = Vec::new();
    for p in plans {
        let RowWrite::Update { expected: e } = &p.row else { continue };
        let d = &p.dossier;
        code.push(d.code.as_str());
        state.push(d.state.key());
        due.push(d.due_on);
        apology.push(d.apology_due_on);
        versions.push(version(d.version)?);
        body.push(to_json(d)?);
        expected.push(version(*e)?);
        assignee.push(d.assignee.map(|a| a.0));
    }
    if code.is_empty() {
        return Ok(());
    }
    let changed = tx
        .execute_cached(UPDATE_DOSSIERS, &[&code, &state, &due, &apology, &versions, &body, &expected, &assignee])
        .await
        .map_err(map_err)?;
    if changed != code.len() as u64 {
        return Err(StoreError::Conflict(format!("dossier {} changed meanwhile", code.join(", "))));
    }
    Ok(())
}

/// Records the plans' attached files.
async fn insert_files(tx: &Transaction<'_>, plans: &[DossierPlan]) -> Result<()> {
    let files: Vec<(&str, &tinhso_store::Attachment)> =
        plans.iter().flat_map(|p| p.files.iter().map(|f| (p.dossier.code.as_str(), f))).collect();
    if files.is_empty() {
        return Ok(());
    }
    let codes: Vec<&str> = files.iter().map(|(c, _)| *c).collect();
    let shas: Vec<&str> = files.iter().map(|(_, f)| f.sha256.as_str()).collect();
    let names: Vec<&str> = files.iter().map(|(_, f)| f.name.as_str()).collect();
    let purposes: Vec<&str> = files.iter().map(|(_, f)| f.purpose.key()).collect();
    let components: Vec<Option<i32>> = files.iter().map(|(_, f)| f.component.map(i32::from)).collect();
    tx.execute_cached(INSERT_FILES, &[&codes, &shas, &names, &purposes, &components]).await.map_err(map_err)?;
    Ok(())
}

/// A column of values bound as one array parameter.
enum Column {
    Text(Vec<String>),
    Int(Vec<i64>),
    Date(Vec<chrono::NaiveDate>),
}

impl Column {
    fn new(t: ColumnType) -> Self {
        match t {
            ColumnType::Text => Self::Text(Vec::new()),
            ColumnType::Int => Self::Int(Vec::new()),
            ColumnType::Date => Self::Date(Vec::new()),
        }
    }

    fn push(&mut self, v: &Value) -> Result<()> {
        match (self, v) {
            (Self::Text(c), Value::Text(s)) => c.push(s.clone()),
            (Self::Text(c), Value::Static(s)) => c.push((*s).to_owned()),
            (Self::Int(c), Value::Int(i)) => c.push(*i),
            (Self::Date(c), Value::Date(d)) => c.push(*d),
            _ => return Err(StoreError::Corrupt("a projection row does not match its table".into())),
        }
        Ok(())
    }

    fn param(&self) -> &(dyn tokio_postgres::types::ToSql + Sync) {
        match self {
            Self::Text(c) => c,
            Self::Int(c) => c,
            Self::Date(c) => c,
        }
    }

    fn cast(t: ColumnType) -> &'static str {
        match t {
            ColumnType::Text => "text[]",
            ColumnType::Int => "bigint[]",
            ColumnType::Date => "date[]",
        }
    }
}

fn columns<'a>(types: &[(&str, ColumnType)], rows: impl Iterator<Item = &'a [Value]>) -> Result<Vec<Column>> {
    let mut cols: Vec<Column> = types.iter().map(|(_, t)| Column::new(*t)).collect();
    for row in rows {
        for (c, v) in cols.iter_mut().zip(row) {
            c.push(v)?;
        }
    }
    Ok(cols)
}

fn unnest(types: &[(&str, ColumnType)], first: usize) -> String {
    let args: Vec<String> =
        types.iter().enumerate().map(|(i, (_, t))| format!("${}::{}", first + i, Column::cast(*t))).collect();
    let names: Vec<&str> = types.iter().map(|(c, _)| *c).collect();
    format!("unnest({}) AS u({})", args.join(", "), names.join(", "))
}

fn matches(types: &[(&str, ColumnType)]) -> String {
    types.iter().map(|(c, _)| format!("t.{c} = u.{c}")).collect::<Vec<_>>().join(" AND ")
}

/// Rows to insert into (or delete from) one set table.
type SetRows<'a> = (&'a SetTable, Vec<&'a [Value]>);

/// One projection statement: its text (fixed per table and kind, so prepared once per
/// connection), its columns of values, and how many of them it binds.
struct Statement {
    sql: String,
    cols: Vec<Column>,
    binds: usize,
}

/// The projections' row changes, one statement per table and kind, rows in one global order
/// (so concurrent transactions cannot deadlock on them) and counters of one key summed first;
/// the statements are sent together, in that order.
async fn row_ops(tx: &Transaction<'_>, ops: &[&RowOp]) -> Result<()> {
    let mut adds: BTreeMap<&str, (&CounterTable, BTreeMap<&[Value], i64>)> = BTreeMap::new();
    let mut sets: BTreeMap<(&str, bool), SetRows> = BTreeMap::new();
    for op in ops {
        match op {
            RowOp::Add { table, key, n } => {
                *adds.entry(table.name).or_insert((table, BTreeMap::new())).1.entry(key).or_default() += n
            }
            RowOp::Insert { table, row } => sets.entry((table.name, true)).or_insert((table, Vec::new())).1.push(row),
            RowOp::Delete { table, row } => sets.entry((table.name, false)).or_insert((table, Vec::new())).1.push(row),
        }
    }
    let mut statements = Vec::new();
    for (table, rows) in adds.into_values() {
        let mut types = table.key.to_vec();
        types.push((table.count, ColumnType::Int));
        let values: Vec<Vec<Value>> =
            rows.iter().map(|(k, n)| k.iter().cloned().chain([Value::Int(*n)]).collect()).collect();
        let key: Vec<&str> = table.key.iter().map(|(c, _)| *c).collect();
        let (t, c) = (table.name, table.count);
        let names: Vec<&str> = types.iter().map(|(c, _)| *c).collect();
        let sql = format!(
            "INSERT INTO {t} ({}) SELECT * FROM {} ON CONFLICT ({}) DO UPDATE SET {c} = {t}.{c} + excluded.{c}",
            names.join(", "),
            unnest(&types, 1),
            key.join(", ")
        );
        statements.push(Statement {
            sql,
            cols: columns(&types, values.iter().map(Vec::as_slice))?,
            binds: types.len(),
        });
        // Only keys whose count may be back at zero are looked at (none, for a batch of new
        // dossiers: one statement fewer).
        let shrunk: Vec<&[Value]> = rows
            .values()
            .zip(&values)
            .filter(|(n, _)| table.may_reach_zero(**n))
            .map(|(_, v)| &v[..table.key.len()])
            .collect();
        if !shrunk.is_empty() {
            let sql =
                format!("DELETE FROM {t} t USING {} WHERE {} AND t.{c} = 0", unnest(table.key, 1), matches(table.key));
            let cols = columns(table.key, shrunk.into_iter())?;
            statements.push(Statement { sql, cols, binds: table.key.len() });
        }
    }
    // Deletes before inserts: a row never leaves and joins in one change, but keep it so.
    let mut sets: Vec<_> = sets.into_iter().collect();
    sets.sort_by_key(|((name, insert), _)| (*insert, *name));
    for ((_, insert), (table, mut rows)) in sets {
        rows.sort();
        let sql = if insert {
            let names: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
            format!("INSERT INTO {} ({}) SELECT * FROM {}", table.name, names.join(", "), unnest(table.columns, 1))
        } else {
            format!("DELETE FROM {} t USING {} WHERE {}", table.name, unnest(table.columns, 1), matches(table.columns))
        };
        statements.push(Statement { sql, cols: columns(table.columns, rows.into_iter())?, binds: table.columns.len() });
    }
    let params: Vec<Vec<&(dyn tokio_postgres::types::ToSql + Sync)>> =
        statements.iter().map(|s| s.cols.iter().take(s.binds).map(Column::param).collect()).collect();
    try_join_all(
        statements
            .iter()
            .zip(&params)
            .map(|(s, p)| async move { tx.execute_cached(s.sql.as_str(), p).await.map_err(map_err) }),
    )
    .await?;
    Ok(())
}
