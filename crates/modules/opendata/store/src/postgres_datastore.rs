//! `DatastoreStore` on the scale-out engine. Tables live in the schema `datastore`; a load
//! inserts a batch as one statement over column arrays (`unnest`). `datastore_search_sql`
//! runs in a read-only transaction as the role `tinhso_datastore_reader` (it may read the
//! data store's schema and nothing else), with a statement timeout; before it runs, its plan
//! (EXPLAIN, which executes nothing) must name only the allowed tables, so a private
//! dataset's table is refused as firmly as the platform's own.

use crate::datastore::{self as plan, quote};
use async_trait::async_trait;
use std::sync::Arc;
use tinhso_opendata::datastore::{Cell, Field, Search, Type};
use tinhso_opendata_port::{DatastoreStore, DatastoreTable, SqlAnswer, SqlLimits};
use tinhso_postgres::{map_err, PgStore};
use tinhso_store::codec::{from_json, to_json};
use tinhso_store::Result;
use tokio_postgres::types::ToSql;

pub struct DatastorePg {
    db: Arc<PgStore>,
}

impl DatastorePg {
    pub fn new(db: Arc<PgStore>) -> Self {
        Self { db }
    }
}

fn table(resource: &str) -> String {
    format!("datastore.{}", quote(resource))
}

fn ph(n: usize, kind: Option<Type>) -> String {
    match kind {
        // Dates travel as ISO text and are cast by the server.
        Some(Type::Date) => format!("${n}::text::date"),
        _ => format!("${n}"),
    }
}

fn column_type(k: Type) -> &'static str {
    match k {
        Type::Int => "bigint",
        Type::Numeric => "double precision",
        Type::Date => "date",
        Type::Text => "text",
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn param(c: &Cell) -> Box<dyn ToSql + Sync + Send> {
    match c {
        Cell::Null => Box::new(None::<String>),
        Cell::Int(i) => Box::new(*i),
        Cell::Num(f) => Box::new(*f),
        Cell::Text(s) => Box::new(s.clone()),
    }
}

fn cell_at(r: &tokio_postgres::Row, i: usize, kind: Option<Type>) -> Cell {
    let got = match kind {
        Some(Type::Int) => r.try_get::<_, Option<i64>>(i).map(|v| v.map(Cell::Int)),
        Some(Type::Numeric) => r.try_get::<_, Option<f64>>(i).map(|v| v.map(Cell::Num)),
        Some(Type::Date) => r
            .try_get::<_, Option<chrono::NaiveDate>>(i)
            .map(|v| v.map(|d| Cell::Text(d.format("%Y-%m-%d").to_string()))),
        _ => r.try_get::<_, Option<String>>(i).map(|v| v.map(Cell::Text)),
    };
    got.ok().flatten().unwrap_or(Cell::Null)
}

fn json_cell(v: &serde_json::Value) -> Cell {
    match v {
        serde_json::Value::Null => Cell::Null,
        serde_json::Value::Number(n) => n.as_i64().map_or_else(|| Cell::Num(n.as_f64().unwrap_or(f64::NAN)), Cell::Int),
        serde_json::Value::String(s) => Cell::Text(s.clone()),
        other => Cell::Text(other.to_string()),
    }
}

/// Every relation a plan (EXPLAIN's JSON) reads.
fn relations(plan: &serde_json::Value, out: &mut Vec<String>) {
    match plan {
        serde_json::Value::Object(m) => {
            if let Some(serde_json::Value::String(r)) = m.get("Relation Name") {
                let schema = m.get("Schema").and_then(|s| s.as_str()).unwrap_or("datastore");
                out.push(format!("{schema}.{r}"));
            }
            for v in m.values() {
                relations(v, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| relations(v, out)),
        _ => {}
    }
}

fn db_message(e: &tokio_postgres::Error) -> String {
    e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_owned())
}

#[async_trait]
impl DatastoreStore for DatastorePg {
    async fn datastore_begin(&self, resource: &str, fields: &[Field], total: i64) -> Result<()> {
        let json = to_json(&fields.to_vec())?;
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let t = table(resource);
        let cols: Vec<String> = fields.iter().map(|f| format!("{} {}", quote(&f.id), column_type(f.kind))).collect();
        tx.batch_execute(&format!(
            "DROP TABLE IF EXISTS {t}; CREATE TABLE {t} (\"_id\" bigint PRIMARY KEY, {}, \"_text\" text NOT NULL);",
            cols.join(", ")
        ))
        .await
        .map_err(map_err)?;
        let now = now();
        tx.execute(
            "INSERT INTO datastore_table (resource, fields, state, rows_loaded, rows_total, error, updated)
             VALUES ($1, $2, 'loading', 0, $3, NULL, $4)
             ON CONFLICT (resource) DO UPDATE SET fields = excluded.fields, state = 'loading', rows_loaded = 0,
                 rows_total = excluded.rows_total, error = NULL, updated = excluded.updated",
            &[&resource, &json, &total, &now],
        )
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn datastore_insert(
        &self,
        resource: &str,
        first_id: i64,
        rows: Vec<(Vec<Cell>, String)>,
        loaded: i64,
    ) -> Result<()> {
        let Some(width) = rows.first().map(|r| r.0.len()) else { return Ok(()) };
        let fields: Vec<Field> = match self.datastore_table(resource).await? {
            Some(t) => t.fields,
            None => return Err(tinhso_store::StoreError::Conflict(format!("no data store table for {resource}"))),
        };
        let n = rows.len();
        let ids: Vec<i64> = (0..n).map(|i| first_id + i64::try_from(i).unwrap_or(i64::MAX)).collect();
        let mut columns: Vec<Box<dyn ToSql + Sync + Send>> = vec![Box::new(ids)];
        let mut casts = vec!["$1::bigint[]".to_owned()];
        for (j, f) in fields.iter().enumerate().take(width) {
            let at = |r: &(Vec<Cell>, String)| r.0.get(j).cloned().unwrap_or(Cell::Null);
            let (col, cast): (Box<dyn ToSql + Sync + Send>, &str) = match f.kind {
                Type::Int => (
                    Box::new(
                        rows.iter()
                            .map(|r| match at(r) {
                                Cell::Int(i) => Some(i),
                                _ => None,
                            })
                            .collect::<Vec<_>>(),
                    ),
                    "bigint[]",
                ),
                Type::Numeric => (
                    Box::new(
                        rows.iter()
                            .map(|r| match at(r) {
                                Cell::Num(x) => Some(x),
                                Cell::Int(i) => Some(i as f64),
                                _ => None,
                            })
                            .collect::<Vec<_>>(),
                    ),
                    "float8[]",
                ),
                Type::Date => (
                    Box::new(
                        rows.iter()
                            .map(|r| match at(r) {
                                Cell::Text(s) => chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok(),
                                _ => None,
                            })
                            .collect::<Vec<_>>(),
                    ),
                    "date[]",
                ),
                Type::Text => (
                    Box::new(
                        rows.iter()
                            .map(|r| match at(r) {
                                Cell::Text(s) => Some(s),
                                Cell::Int(i) => Some(i.to_string()),
                                Cell::Num(x) => Some(x.to_string()),
                                Cell::Null => None,
                            })
                            .collect::<Vec<_>>(),
                    ),
                    "text[]",
                ),
            };
            columns.push(col);
            casts.push(format!("${}::{cast}", j + 2));
        }
        columns.push(Box::new(rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>()));
        casts.push(format!("${}::text[]", width + 2));
        let sql = format!("INSERT INTO {} SELECT * FROM unnest({})", table(resource), casts.join(", "));
        let refs: Vec<&(dyn ToSql + Sync)> = columns.iter().map(|b| b.as_ref() as &(dyn ToSql + Sync)).collect();
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        tx.execute(&sql, &refs).await.map_err(map_err)?;
        let now = now();
        tx.execute(
            "UPDATE datastore_table SET rows_loaded = $2, updated = $3 WHERE resource = $1",
            &[&resource, &loaded, &now],
        )
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn datastore_finish(&self, resource: &str, indexes: &[String], error: Option<&str>) -> Result<()> {
        let client = self.db.client().await?;
        if error.is_none() {
            for (i, col) in indexes.iter().enumerate() {
                client
                    .batch_execute(&format!(
                        "CREATE INDEX IF NOT EXISTS {} ON {} ({}); ",
                        quote(&format!("{}:{i}", &resource[..resource.len().min(50)])),
                        table(resource),
                        quote(col)
                    ))
                    .await
                    .map_err(map_err)?;
            }
            client.batch_execute(&format!("ANALYZE {}", table(resource))).await.map_err(map_err)?;
        }
        let state = if error.is_some() { "failed" } else { "ready" };
        let now = now();
        client
            .execute(
                "UPDATE datastore_table SET state = $2, error = $3, updated = $4 WHERE resource = $1",
                &[&resource, &state, &error, &now],
            )
            .await
            .map_err(map_err)
            .map(drop)
    }

    async fn datastore_table(&self, resource: &str) -> Result<Option<DatastoreTable>> {
        let client = self.db.client().await?;
        let row = client
            .query_opt(
                "SELECT resource, fields, state, rows_loaded, rows_total, error, updated FROM datastore_table WHERE resource = $1",
                &[&resource],
            )
            .await
            .map_err(map_err)?;
        row.map(|r| {
            Ok(DatastoreTable {
                resource: r.get(0),
                fields: from_json(r.get(1))?,
                state: r.get(2),
                rows_loaded: r.get(3),
                rows_total: r.get(4),
                error: r.get(5),
                updated: r.get(6),
            })
        })
        .transpose()
    }

    async fn datastore_public_tables(&self) -> Result<Vec<String>> {
        let client = self.db.client().await?;
        let rows = client.query(plan::PUBLIC_TABLES, &[]).await.map_err(map_err)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn datastore_search(
        &self,
        t: &DatastoreTable,
        s: &Search,
        count: bool,
    ) -> Result<(Option<i64>, Vec<Vec<Cell>>)> {
        let st = plan::search(&table(&t.resource), &t.fields, s, ph);
        let params: Vec<Box<dyn ToSql + Sync + Send>> = st.params.iter().map(param).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|b| b.as_ref() as &(dyn ToSql + Sync)).collect();
        let client = self.db.client().await?;
        let total = match (count, plan::unfiltered(s)) {
            (false, _) => None,
            (true, true) => Some(t.rows_loaded),
            (true, false) => Some(client.query_one(&st.count, &refs).await.map_err(map_err)?.get(0)),
        };
        let rows = client.query(&st.select, &refs).await.map_err(map_err)?;
        let kinds: Vec<Option<Type>> = st.columns.iter().map(|(_, k)| *k).collect();
        Ok((total, rows.iter().map(|r| kinds.iter().enumerate().map(|(i, k)| cell_at(r, i, *k)).collect()).collect()))
    }

    async fn datastore_sql(&self, sql: &str, limits: &SqlLimits) -> Result<std::result::Result<SqlAnswer, String>> {
        let mut client = self.db.client().await?;
        let tx = client.build_transaction().read_only(true).start().await.map_err(map_err)?;
        let ms = limits.timeout.as_millis();
        if let Err(e) = tx
            .batch_execute(&format!(
                "SET LOCAL statement_timeout = {ms}; SET LOCAL search_path = datastore; SET LOCAL ROLE tinhso_datastore_reader"
            ))
            .await
        {
            tracing::warn!(error = %e, "datastore_search_sql is off: the role tinhso_datastore_reader is missing");
            return Ok(Err("Máy chủ chưa bật datastore_search_sql (thiếu vai trò tinhso_datastore_reader; xem README).".into()));
        }
        let explained = match tx.query_one(&format!("EXPLAIN (FORMAT JSON) {sql}"), &[]).await {
            Ok(r) => r.try_get::<_, serde_json::Value>(0).unwrap_or_default(),
            Err(e) => return Ok(Err(format!("Câu lệnh không hợp lệ: {}", db_message(&e)))),
        };
        let mut read = Vec::new();
        relations(&explained, &mut read);
        if let Some(other) = read.iter().find(|r| !limits.tables.iter().any(|t| **r == format!("datastore.{t}"))) {
            return Ok(Err(format!("Không được đọc bảng “{other}” (chỉ các bảng của kho dữ liệu công khai).")));
        }
        let stmt = match tx.prepare(sql).await {
            Ok(s) => s,
            Err(e) => return Ok(Err(format!("Câu lệnh không hợp lệ: {}", db_message(&e)))),
        };
        let columns: Vec<String> = stmt.columns().iter().map(|c| c.name().to_owned()).collect();
        let wrapped = format!("SELECT row_to_json(t)::text FROM ({sql}) t LIMIT {}", limits.max_rows + 1);
        let rows = match tx.query(&wrapped, &[]).await {
            Ok(r) => r,
            Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::QUERY_CANCELED) => {
                return Ok(Err(format!("Câu lệnh chạy quá {} giây và đã bị dừng.", limits.timeout.as_secs())))
            }
            Err(e) => return Ok(Err(format!("Câu lệnh không hợp lệ: {}", db_message(&e)))),
        };
        let truncated = rows.len() > limits.max_rows;
        let out = rows
            .iter()
            .take(limits.max_rows)
            .map(|r| {
                let obj: serde_json::Value = serde_json::from_str(r.get::<_, &str>(0)).unwrap_or_default();
                columns.iter().map(|c| obj.get(c).map_or(Cell::Null, json_cell)).collect()
            })
            .collect();
        tx.rollback().await.map_err(map_err)?;
        Ok(Ok(SqlAnswer { columns, rows: out, truncated }))
    }

    async fn datastore_delete(&self, resource: &str) -> Result<()> {
        let client = self.db.client().await?;
        client.batch_execute(&format!("DROP TABLE IF EXISTS {}", table(resource))).await.map_err(map_err)?;
        client.execute("DELETE FROM datastore_table WHERE resource = $1", &[&resource]).await.map_err(map_err).map(drop)
    }
}
