//! `DatastoreStore` on the embedded engine. Loading goes through the single writer in
//! batches; searches and `datastore_search_sql` run on the pooled read-only connections. The
//! SQL sandbox is SQLite's own authorizer (consulted as the statement is compiled: it may
//! read only the allowed tables, call only plain functions, and do nothing else) and a
//! progress handler that stops the statement at its deadline.

use crate::datastore::{self as plan, quote};
use async_trait::async_trait;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use std::sync::Arc;
use std::time::Instant;
use tinhso_opendata::datastore::{Cell, Field, Search, Type};
use tinhso_opendata_port::{DatastoreStore, DatastoreTable, SqlAnswer, SqlLimits};
use tinhso_sqlite::{exec, map_err, SqliteStore};
use tinhso_store::codec::{from_json, to_json};
use tinhso_store::Result;

pub struct DatastoreSqlite {
    db: Arc<SqliteStore>,
}

impl DatastoreSqlite {
    pub fn new(db: Arc<SqliteStore>) -> Self {
        Self { db }
    }
}

struct Param<'a>(&'a Cell);

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Cell::Null => ToSqlOutput::from(rusqlite::types::Null),
            Cell::Int(i) => ToSqlOutput::from(*i),
            Cell::Num(f) => ToSqlOutput::from(*f),
            Cell::Text(s) => ToSqlOutput::from(s.as_str()),
        })
    }
}

fn ph(n: usize, _: Option<Type>) -> String {
    format!("?{n}")
}

fn column_type(k: Type) -> &'static str {
    match k {
        Type::Int => "INTEGER",
        Type::Numeric => "REAL",
        Type::Date | Type::Text => "TEXT",
    }
}

fn read_cell(v: ValueRef<'_>) -> Cell {
    match v {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(i) => Cell::Int(i),
        ValueRef::Real(f) => Cell::Num(f),
        ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Cell::Text(format!("<{} byte>", b.len())),
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Functions a data-store query may call: aggregates, text, numbers and dates. Nothing that
/// reads files, loads code, or makes large values on demand.
const FUNCTIONS: &[&str] = &[
    "count",
    "sum",
    "total",
    "avg",
    "min",
    "max",
    "group_concat",
    "string_agg",
    "lower",
    "upper",
    "length",
    "substr",
    "substring",
    "trim",
    "ltrim",
    "rtrim",
    "replace",
    "instr",
    "round",
    "abs",
    "coalesce",
    "ifnull",
    "nullif",
    "iif",
    "date",
    "time",
    "datetime",
    "strftime",
    "julianday",
    "unixepoch",
    "like",
    "glob",
    "printf",
    "format",
    "cast",
    "floor",
    "ceil",
    "ceiling",
    "typeof",
];

/// Resets the connection's hooks however the sandboxed statement ends.
struct Sandbox<'c>(&'c Connection);

impl Drop for Sandbox<'_> {
    fn drop(&mut self) {
        self.0.authorizer(None::<fn(AuthContext<'_>) -> Authorization>);
        self.0.progress_handler(0, None::<fn() -> bool>);
    }
}

fn sandboxed(
    c: &Connection,
    sql: &str,
    limits: &SqlLimits,
) -> rusqlite::Result<std::result::Result<SqlAnswer, String>> {
    let tables = limits.tables.clone();
    let refused = Arc::new(std::sync::Mutex::new(None::<String>));
    let why = refused.clone();
    c.authorizer(Some(move |ctx: AuthContext<'_>| {
        let verdict = match ctx.action {
            AuthAction::Select | AuthAction::Recursive => Ok(()),
            AuthAction::Read { table_name, .. } if tables.iter().any(|t| t == table_name) => Ok(()),
            // A common table expression of the statement itself (no database holds it).
            AuthAction::Read { .. } if ctx.database_name.is_none() => Ok(()),
            AuthAction::Read { table_name, .. } => {
                Err(format!("Không được đọc bảng “{table_name}” (chỉ các bảng của kho dữ liệu công khai)."))
            }
            AuthAction::Function { function_name }
                if FUNCTIONS.contains(&function_name.to_ascii_lowercase().as_str()) =>
            {
                Ok(())
            }
            AuthAction::Function { function_name } => Err(format!("Không được gọi hàm “{function_name}”.")),
            other => Err(format!("Chỉ được đọc dữ liệu (câu lệnh bị từ chối: {other:?}).")),
        };
        match verdict {
            Ok(()) => Authorization::Allow,
            Err(m) => {
                if let Ok(mut g) = why.lock() {
                    g.get_or_insert(m);
                }
                Authorization::Deny
            }
        }
    }));
    let deadline = Instant::now() + limits.timeout;
    c.progress_handler(10_000, Some(move || Instant::now() > deadline));
    let _reset = Sandbox(c);
    let refusal = |e: rusqlite::Error| -> String {
        let own = refused.lock().ok().and_then(|g| g.clone());
        match own {
            Some(m) => m,
            None if Instant::now() > deadline => {
                format!("Câu lệnh chạy quá {} giây và đã bị dừng.", limits.timeout.as_secs())
            }
            None => format!("Câu lệnh không hợp lệ: {e}"),
        }
    };
    let mut st = match c.prepare(sql) {
        Ok(st) => st,
        Err(e) => return Ok(Err(refusal(e))),
    };
    let columns: Vec<String> = st.column_names().iter().map(|s| (*s).to_owned()).collect();
    let n = columns.len();
    let mut rows = Vec::new();
    let mut truncated = false;
    let mut it = match st.query([]) {
        Ok(it) => it,
        Err(e) => return Ok(Err(refusal(e))),
    };
    loop {
        match it.next() {
            Ok(Some(r)) => {
                if rows.len() == limits.max_rows {
                    truncated = true;
                    break;
                }
                let mut row = Vec::with_capacity(n);
                for i in 0..n {
                    row.push(read_cell(r.get_ref(i)?));
                }
                rows.push(row);
            }
            Ok(None) => break,
            Err(e) => return Ok(Err(refusal(e))),
        }
    }
    Ok(Ok(SqlAnswer { columns, rows, truncated }))
}

#[async_trait]
impl DatastoreStore for DatastoreSqlite {
    async fn datastore_begin(&self, resource: &str, fields: &[Field], total: i64) -> Result<()> {
        let (resource, fields) = (resource.to_owned(), fields.to_vec());
        let json = to_json(&fields)?;
        self.db
            .write(move |tx| {
                let t = quote(&resource);
                let cols: Vec<String> = fields.iter().map(|f| format!("{} {}", quote(&f.id), column_type(f.kind))).collect();
                tx.execute_batch(&format!(
                    "DROP TABLE IF EXISTS {t}; CREATE TABLE {t} (\"_id\" INTEGER PRIMARY KEY, {}, \"_text\" TEXT NOT NULL);",
                    cols.join(", ")
                ))
                .map_err(map_err)?;
                exec(
                    tx,
                    "INSERT INTO datastore_table (resource, fields, state, rows_loaded, rows_total, error, updated)
                     VALUES (?1, ?2, 'loading', 0, ?3, NULL, ?4)
                     ON CONFLICT (resource) DO UPDATE SET fields = excluded.fields, state = 'loading', rows_loaded = 0,
                         rows_total = excluded.rows_total, error = NULL, updated = excluded.updated",
                    params![resource, json, total, now()],
                )
                .map(drop)
            })
            .await
    }

    async fn datastore_insert(
        &self,
        resource: &str,
        first_id: i64,
        rows: Vec<(Vec<Cell>, String)>,
        loaded: i64,
    ) -> Result<()> {
        let resource = resource.to_owned();
        let rows = Arc::new(rows);
        self.db
            .write(move |tx| {
                let Some(width) = rows.first().map(|r| r.0.len()) else { return Ok(()) };
                let marks: Vec<String> = (1..=width + 2).map(|n| ph(n, None)).collect();
                let sql = format!("INSERT INTO {} VALUES ({})", quote(&resource), marks.join(", "));
                let mut st = tx.prepare(&sql).map_err(map_err)?;
                for (i, (cells, text)) in rows.iter().enumerate() {
                    let id = first_id + i64::try_from(i).unwrap_or(i64::MAX);
                    let id = Cell::Int(id);
                    let text = Cell::Text(text.clone());
                    let values = std::iter::once(&id).chain(cells.iter()).chain(std::iter::once(&text)).map(Param);
                    st.execute(params_from_iter(values)).map_err(map_err)?;
                }
                exec(
                    tx,
                    "UPDATE datastore_table SET rows_loaded = ?2, updated = ?3 WHERE resource = ?1",
                    params![resource, loaded, now()],
                )
                .map(drop)
            })
            .await
    }

    async fn datastore_finish(&self, resource: &str, indexes: &[String], error: Option<&str>) -> Result<()> {
        let (resource, indexes, error) = (resource.to_owned(), indexes.to_vec(), error.map(str::to_owned));
        self.db
            .write(move |tx| {
                if error.is_none() {
                    for (i, col) in indexes.iter().enumerate() {
                        tx.execute_batch(&format!(
                            "CREATE INDEX IF NOT EXISTS {} ON {} ({})",
                            quote(&format!("{resource}:{i}")),
                            quote(&resource),
                            quote(col)
                        ))
                        .map_err(map_err)?;
                    }
                }
                let state = if error.is_some() { "failed" } else { "ready" };
                exec(
                    tx,
                    "UPDATE datastore_table SET state = ?2, error = ?3, updated = ?4 WHERE resource = ?1",
                    params![resource, state, error, now()],
                )
                .map(drop)
            })
            .await
    }

    async fn datastore_table(&self, resource: &str) -> Result<Option<DatastoreTable>> {
        let resource = resource.to_owned();
        let row: Option<(String, String, String, i64, i64, Option<String>, String)> = self
            .db
            .read(move |c| {
                c.prepare_cached(
                    "SELECT resource, fields, state, rows_loaded, rows_total, error, updated FROM datastore_table WHERE resource = ?1",
                )?
                .query_row([resource], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
                .optional()
            })
            .await?;
        row.map(|(resource, fields, state, rows_loaded, rows_total, error, updated)| {
            Ok(DatastoreTable { resource, fields: from_json(&fields)?, state, rows_loaded, rows_total, error, updated })
        })
        .transpose()
    }

    async fn datastore_public_tables(&self) -> Result<Vec<String>> {
        self.db
            .read(|c| {
                let mut st = c.prepare_cached(plan::PUBLIC_TABLES)?;
                let rows = st.query_map([], |r| r.get(0))?;
                rows.collect()
            })
            .await
    }

    async fn datastore_search(
        &self,
        table: &DatastoreTable,
        s: &Search,
        count: bool,
    ) -> Result<(Option<i64>, Vec<Vec<Cell>>)> {
        let st = plan::search(&quote(&table.resource), &table.fields, s, ph);
        let known_total = (count && plan::unfiltered(s)).then_some(table.rows_loaded);
        let need_count = count && known_total.is_none();
        self.db
            .read(move |c| {
                let params: Vec<Param<'_>> = st.params.iter().map(Param).collect();
                let total = if need_count {
                    Some(c.prepare(&st.count)?.query_row(params_from_iter(params.iter()), |r| r.get(0))?)
                } else {
                    known_total
                };
                let mut q = c.prepare(&st.select)?;
                let n = st.columns.len();
                let rows = q.query_map(params_from_iter(params.iter()), |r| {
                    (0..n).map(|i| r.get_ref(i).map(read_cell)).collect()
                })?;
                Ok((total, rows.collect::<rusqlite::Result<Vec<Vec<Cell>>>>()?))
            })
            .await
    }

    async fn datastore_sql(&self, sql: &str, limits: &SqlLimits) -> Result<std::result::Result<SqlAnswer, String>> {
        let (sql, limits) = (sql.to_owned(), limits.clone());
        self.db.read(move |c| sandboxed(c, &sql, &limits)).await
    }

    async fn datastore_delete(&self, resource: &str) -> Result<()> {
        let resource = resource.to_owned();
        self.db
            .write(move |tx| {
                tx.execute_batch(&format!("DROP TABLE IF EXISTS {}", quote(&resource))).map_err(map_err)?;
                exec(tx, "DELETE FROM datastore_table WHERE resource = ?1", [&resource]).map(drop)
            })
            .await
    }
}
