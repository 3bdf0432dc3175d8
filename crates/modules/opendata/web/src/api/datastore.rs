//! CKAN's DataStore API: `datastore_search` (filters, q, fields, sort, limit, offset, total)
//! over a public resource's table, `datastore_search_sql` (one read-only SELECT over the
//! public tables, in the engine's sandbox, with a time and a row limit) and `datastore_info`.

use super::{Answer, Call, CkanError};
use crate::service;
use serde_json::{json, Map, Value};
use std::time::Duration;
use tinhso_opendata::datastore::{self, Cell, Field, Type};
use tinhso_opendata_port::{DatastoreTable, SqlLimits};

/// Rows `datastore_search_sql` returns at most (CKAN's `ckan.datastore.search.rows_max`).
pub const SQL_MAX_ROWS: usize = 32_000;
/// How long a statement may run.
pub const SQL_TIMEOUT: Duration = Duration::from_secs(5);

pub fn value(c: &Cell) -> Value {
    match c {
        Cell::Null => Value::Null,
        Cell::Int(i) => json!(i),
        Cell::Num(f) => json!(f),
        Cell::Text(s) => Value::String(s.clone()),
    }
}

/// The ready table of a resource the caller may see.
pub async fn table(c: &Call, resource: &str) -> Result<DatastoreTable, CkanError> {
    let ds = crate::opendata_port(&c.state)?
        .resource_dataset(resource)
        .await?
        .ok_or_else(|| CkanError::NotFound("Resource".into()))?;
    super::visible_dataset(c, &ds).await.map_err(|_| CkanError::NotFound("Resource".into()))?;
    match crate::datastore_port(&c.state)?.datastore_table(resource).await? {
        Some(t) if t.state == "ready" => Ok(t),
        Some(t) if t.state == "loading" => Err(CkanError::NotFound(format!(
            "Resource: đang nạp vào kho dữ liệu ({}/{} dòng)",
            t.rows_loaded, t.rows_total
        ))),
        _ => Err(CkanError::NotFound("Resource: chưa có trong kho dữ liệu".into())),
    }
}

fn field_dicts(t: &DatastoreTable, columns: &[String]) -> Vec<Value> {
    columns
        .iter()
        .map(|c| {
            let kind = if c == "_id" { Some(Type::Int) } else { t.fields.iter().find(|f| &f.id == c).map(|f| f.kind) };
            json!({ "id": c, "type": kind.map_or("text", Type::key) })
        })
        .collect()
}

pub async fn datastore_search(c: &Call) -> Answer {
    let rid = c
        .text("resource_id")
        .or_else(|| c.text("id"))
        .ok_or_else(|| super::invalid("resource_id", "Thiếu giá trị."))?;
    let t = table(c, &rid).await?;
    let s = datastore::search(&t.fields, &c.params).map_err(|errs| {
        let mut m = tinhso_opendata::input::Errors::new();
        for (k, v) in errs {
            m.entry(k).or_default().push(v);
        }
        CkanError::Validation(m)
    })?;
    let include_total = c.flag("include_total", true)?;
    let portal = service::portal(&c.state);
    // A word search reads the whole table: it waits its turn among the long scans.
    let _turn =
        if s.words.is_empty() { None } else { Some(portal.heavy.0.try_acquire().map_err(|_| CkanError::Busy)?) };
    let (total, rows) = crate::datastore_port(&c.state)?.datastore_search(&t, &s, include_total).await?;
    let mut columns = vec!["_id".to_owned()];
    columns.extend(if s.fields.is_empty() {
        t.fields.iter().map(|f| f.id.clone()).collect()
    } else {
        selected(&t.fields, &s.fields)
    });
    let records: Vec<Value> = rows
        .iter()
        .map(|r| Value::Object(columns.iter().cloned().zip(r.iter().map(value)).collect::<Map<_, _>>()))
        .collect();
    let link =
        |offset: usize| format!("/api/3/action/datastore_search?resource_id={rid}&limit={}&offset={offset}", s.limit);
    Ok(json!({
        "resource_id": rid,
        "fields": field_dicts(&t, &columns),
        "records": records,
        "total": total,
        "total_was_estimated": false,
        "include_total": include_total,
        "limit": s.limit,
        "offset": s.offset,
        "_links": { "start": link(0), "next": link(s.offset + s.limit) },
    }))
}

/// The fields a search returns, in the table's order (`_id` is always first on its own).
fn selected(fields: &[Field], wanted: &[String]) -> Vec<String> {
    fields.iter().filter(|f| wanted.contains(&f.id)).map(|f| f.id.clone()).collect()
}

pub async fn datastore_info(c: &Call) -> Answer {
    let rid = c.text("id").or_else(|| c.text("resource_id")).ok_or_else(|| super::invalid("id", "Thiếu giá trị."))?;
    let t = table(c, &rid).await?;
    Ok(json!({
        "meta": { "count": t.rows_loaded, "table_type": "BASE TABLE", "updated": t.updated },
        "fields": t.fields.iter().map(|f| json!({ "id": f.id, "type": f.kind.key() })).collect::<Vec<_>>(),
    }))
}

pub async fn datastore_search_sql(c: &Call) -> Answer {
    let sql = c.required("sql")?;
    let sql = datastore::check_sql(&sql).map_err(|m| super::invalid("sql", &m))?;
    // Read at the moment of the call: a dataset made private a second ago is out of reach now.
    let tables = crate::datastore_port(&c.state)?.datastore_public_tables().await?;
    let limits = SqlLimits { tables, max_rows: SQL_MAX_ROWS, timeout: SQL_TIMEOUT };
    let portal = service::portal(&c.state);
    let _turn = portal.heavy.0.try_acquire().map_err(|_| CkanError::Busy)?;
    let answer =
        crate::datastore_port(&c.state)?.datastore_sql(&sql, &limits).await?.map_err(|m| super::invalid("sql", &m))?;
    let fields: Vec<Value> = answer
        .columns
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let kind = answer.rows.iter().find_map(|r| match r.get(i) {
                Some(Cell::Int(_)) => Some("int"),
                Some(Cell::Num(_)) => Some("numeric"),
                Some(Cell::Text(_)) => Some("text"),
                _ => None,
            });
            json!({ "id": name, "type": kind.unwrap_or("text") })
        })
        .collect();
    let records: Vec<Value> = answer
        .rows
        .iter()
        .map(|r| Value::Object(answer.columns.iter().cloned().zip(r.iter().map(value)).collect::<Map<_, _>>()))
        .collect();
    Ok(json!({ "sql": sql, "fields": fields, "records": records, "records_truncated": answer.truncated }))
}
