//! Dossier writes over one transaction: a plan computed once by `tinhso_store::plan`,
//! carried out here as SQL, projection rows batched per table in a global order (so that
//! concurrent writers lock rows in the same order). The chain and the outbox are the
//! platform's (its `ledger` and `outbox` write functions, in this same transaction).

use deadpool_postgres::Transaction;
use futures_util::future::try_join_all;
use std::collections::BTreeMap;
use tinhso_dossier::code::dossier_code;
use tinhso_dossier::deadline::local_date;
use tinhso_dossier::{Dossier, Event, EventKind};
use tinhso_kernel::ids::DossierCode;
use tinhso_postgres::Cached;
use tinhso_postgres::{ledger, map_err, outbox};
use tinhso_store::codec::to_json;
use tinhso_store::plan::{
    self, ColumnType, CounterTable, DossierPlan, DossierProjection, RowOp, RowWrite, SetTable, Value,
};
use tinhso_store::{chain_link, dossier_lane, NewDossier, Result, StoreError};

/// Allocates the next dossier code of the receiving desk's day (gap-free, national format).
async fn allocate_code(tx: &Transaction<'_>, submitted: &Event) -> Result<DossierCode> {
    let EventKind::Submitted { receiving_agency, .. } = &submitted.kind else {
        return Err(StoreError::Corrupt("a dossier starts with a Submitted event".into()));
    };
    let day = local_date(submitted.at);
    let row = tx
        .query_one_cached(
            "INSERT INTO dossier_sequence (agency, day, last) VALUES ($1, $2, 1)
             ON CONFLICT (agency, day) DO UPDATE SET last = dossier_sequence.last + 1 RETURNING last",
            &[&receiving_agency.as_str(), &day],
        )
        .await
        .map_err(map_err)?;
    let seq = u32::try_from(row.get::<_, i32>(0)).unwrap_or(0);
    dossier_code(receiving_agency, day, seq)
        .ok_or_else(|| StoreError::DailyCodesExhausted(format!("{receiving_agency} on {day}")))
}

pub async fn submit(
    tx: &Transaction<'_>,
    new: &NewDossier,
    projections: &[Box<dyn DossierProjection>],
) -> Result<Dossier> {
    let code = allocate_code(tx, &new.submitted).await?;
    let p = plan::submit(new, &code, projections)?;
    execute(tx, &p).await?;
    Ok(p.dossier)
}

/// A whole history: one plan, one row, every event chained.
pub async fn import(
    tx: &Transaction<'_>,
    new: &NewDossier,
    events: &[Event],
    projections: &[Box<dyn DossierProjection>],
) -> Result<()> {
    let code = allocate_code(tx, &new.submitted).await?;
    execute(tx, &plan::history(new, events, &code, projections)?).await
}

/// Carries out a write plan in the caller's transaction, in two pipelined rounds (statements
/// sent together, answered together; each round waits only for what it needs from the one
/// before): first the dossier row, its files and the first entry's place in its lane; then the
/// entries, the projections' rows and the first entry's notifications. Fewer round trips is
/// what lets one database serve more servers: its backends stop waking once per statement.
/// The order statements are sent in is the order locks are taken in, the same for every write
/// (dossier row, lane head, projection rows in their global order).
pub async fn execute(tx: &Transaction<'_>, p: &DossierPlan) -> Result<()> {
    let d = &p.dossier;
    let code = d.code.as_str();
    let lane = dossier_lane(&d.receiving_agency);
    let links = p.events.iter().map(|e| chain_link(&lane, code, e)).collect::<Result<Vec<_>>>()?;
    // Statements are sent when first polled, unless they still have to be prepared: prepare
    // (once per connection) before sending, so the row is written before the files naming it.
    let row_sql = match p.row {
        RowWrite::Insert { .. } => INSERT_DOSSIER,
        RowWrite::Update { .. } => UPDATE_DOSSIER,
    };
    tokio::try_join!(tx.prepare_cached(row_sql), tx.prepare_cached(INSERT_FILE)).map_err(map_err)?;
    let files = try_join_all(p.files.iter().map(|f| async move {
        tx.execute_cached(
            INSERT_FILE,
            &[&code, &f.sha256.as_str(), &f.name, &f.purpose.key(), &f.component.map(i32::from)],
        )
        .await
        .map_err(map_err)
    }));
    let first = async {
        match links.first() {
            Some(l) => ledger::claim(tx, &l.lane).await.map(Some),
            None => Ok(None),
        }
    };
    let ((), _, first) = tokio::try_join!(write_row(tx, p), files, first)?;

    let entries = async {
        let mut ids = Vec::with_capacity(links.len());
        for (i, (e, link)) in p.events.iter().zip(&links).enumerate() {
            let place = match (i, first) {
                (0, Some(place)) => place,
                _ => ledger::claim(tx, &link.lane).await?,
            };
            ids.push(ledger::write_entry(tx, e.kind.key(), e.kind.is_public(), link, place).await?);
        }
        Ok::<_, StoreError>(ids)
    };
    // Notifications of the first entry go in this round (its id is known); others after.
    let first_id = first.map(|place| place.id);
    let early = try_join_all(
        p.notify.iter().filter(|(i, _)| *i == 0).map(|(_, n)| outbox::enqueue(tx, n, Some(code), first_id)),
    );
    let (ids, (), _) = tokio::try_join!(entries, row_ops(tx, &p.rows), early)?;
    for (i, n) in p.notify.iter().filter(|(i, _)| *i != 0) {
        let event_id = ids.get(*i).copied().ok_or_else(|| StoreError::Corrupt("notification of no event".into()))?;
        outbox::enqueue(tx, n, Some(code), Some(event_id)).await?;
    }
    Ok(())
}

const INSERT_DOSSIER: &str =
    "INSERT INTO dossier (code, procedure_code, applicant_id, applicant_phone, receiving_agency, competent_agency,
                      state, due_on, submitted_at, version, body, form)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text::jsonb, $12::text::jsonb)";
const UPDATE_DOSSIER: &str =
    "UPDATE dossier SET state = $1, due_on = $2, version = $3, body = $4::text::jsonb WHERE code = $5 AND version = $6";
const INSERT_FILE: &str = "INSERT INTO dossier_file (dossier_code, sha256, name, purpose, component, created_at) VALUES ($1, $2, $3, $4, $5, now())";

/// Inserts the dossier's row, or updates it if it is still at the version the plan read.
async fn write_row(tx: &Transaction<'_>, p: &DossierPlan) -> Result<()> {
    let d = &p.dossier;
    let body = to_json(d)?;
    match &p.row {
        RowWrite::Insert { form, applicant_phone } => {
            let submitted_at = p.events.first().map(|e| e.at).ok_or_else(|| StoreError::Corrupt("no event".into()))?;
            tx.execute_cached(
                INSERT_DOSSIER,
                &[
                    &d.code.as_str(),
                    &d.procedure.as_str(),
                    &d.applicant,
                    &applicant_phone.as_ref().map(|p| p.as_str()),
                    &d.receiving_agency.as_str(),
                    &d.competent_agency.as_str(),
                    &d.state.key(),
                    &d.due_on,
                    &submitted_at,
                    &i32::try_from(d.version).map_err(|_| StoreError::Corrupt("version".into()))?,
                    &body,
                    &to_json(form)?,
                ],
            )
            .await
            .map_err(map_err)?;
        }
        RowWrite::Update { expected } => {
            let version = |v: u32| i32::try_from(v).map_err(|_| StoreError::Corrupt("version".into()));
            let changed = tx
                .execute_cached(
                    UPDATE_DOSSIER,
                    &[&d.state.key(), &d.due_on, &version(d.version)?, &body, &d.code.as_str(), &version(*expected)?],
                )
                .await
                .map_err(map_err)?;
            if changed != 1 {
                return Err(StoreError::Conflict(format!("dossier {} changed meanwhile", d.code)));
            }
        }
    }
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
async fn row_ops(tx: &Transaction<'_>, ops: &[RowOp]) -> Result<()> {
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
        if table.drop_zero {
            let sql =
                format!("DELETE FROM {t} t USING {} WHERE {} AND t.{c} = 0", unnest(table.key, 1), matches(table.key));
            let cols = columns(table.key, values.iter().map(|v| &v[..table.key.len()]))?;
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
