//! Downloads of a data-store table, whole or as filtered on the resource page (CKAN's
//! `/datastore/dump/{resource_id}`): CSV (UTF-8 with a byte-order mark, so spreadsheet
//! programs read the diacritics) and JSON streamed page by page, so any size goes out in
//! flat memory; XLSX built whole, up to a million rows.

use crate::api::datastore::value;
use crate::service;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use serde_json::{Map, Value};
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_opendata::datastore::{self, Cell, Search};
use tinhso_opendata_port::DatastoreTable;
use tinhso_store::Stores;

const PAGE: usize = 10_000;
const XLSX_MAX: usize = 1_000_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Json,
    Xlsx,
}

fn csv_line(cells: impl Iterator<Item = String>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(cells.collect::<Vec<_>>());
    w.into_inner().unwrap_or_default()
}

fn text(c: &Cell) -> String {
    match c {
        Cell::Null => String::new(),
        Cell::Int(i) => i.to_string(),
        Cell::Num(f) => f.to_string(),
        Cell::Text(s) => s.clone(),
    }
}

/// The next page of rows after `_id` `after`: in `_id` order the page continues from the
/// last row's number; in another order, from the offset.
async fn page(
    stores: &Stores,
    t: &DatastoreTable,
    base: &Search,
    after: i64,
    offset: usize,
) -> Result<Vec<Vec<Cell>>, String> {
    let keyset = base.sort.is_empty();
    let s = Search {
        limit: PAGE,
        offset: if keyset { 0 } else { offset },
        after_id: keyset.then_some(after),
        ..base.clone()
    };
    stores
        .port::<dyn tinhso_opendata_port::DatastoreStore>()
        .map_err(|e| e.to_string())?
        .datastore_search(t, &s, false)
        .await
        .map(|(_, rows)| rows)
        .map_err(|e| e.to_string())
}

pub async fn dump(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(rid): Path<String>,
    RawQuery(query): RawQuery,
) -> PageResult {
    let err = page_err(&viewer);
    let params: Map<String, Value> = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    let format = match params.get("format").and_then(Value::as_str).unwrap_or("csv") {
        "csv" => Format::Csv,
        "json" => Format::Json,
        "xlsx" => Format::Xlsx,
        _ => {
            return Err(err(AppError::bad_request(
                "invalid_format",
                "Định dạng tải về là csv, json hoặc xlsx.",
                "The download format is csv, json or xlsx.",
            )))
        }
    };
    // The same visibility as the resource's page.
    let ds = crate::opendata_port(&state)
        .map_err(|e| err(e.into()))?
        .resource_dataset(&rid)
        .await
        .map_err(|e| err(e.into()))?
        .ok_or_else(|| err(AppError::NotFound))?;
    let d = crate::opendata_port(&state)
        .map_err(|e| err(e.into()))?
        .dataset(&ds)
        .await
        .map_err(|e| err(e.into()))?
        .ok_or_else(|| err(AppError::NotFound))?;
    {
        let portal = service::portal(&state);
        let cat = portal.read(&state).await.map_err(|e| err(e.into()))?;
        if d.state == tinhso_opendata::State::Deleted || !service::visible(viewer.actor().as_ref(), &cat, &d) {
            return Err(err(AppError::NotFound));
        }
    }
    let t = match crate::datastore_port(&state)
        .map_err(|e| err(e.into()))?
        .datastore_table(&rid)
        .await
        .map_err(|e| err(e.into()))?
    {
        Some(t) if t.state == "ready" => t,
        _ => return Err(err(AppError::NotFound)),
    };
    let mut search = datastore::search(&t.fields, &params).map_err(|e| {
        let m = e.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("; ");
        err(AppError::bad_request("invalid_filter", m.clone(), m))
    })?;
    search.limit = PAGE;
    let mut columns = vec!["_id".to_owned()];
    columns.extend(
        t.fields.iter().filter(|f| search.fields.is_empty() || search.fields.contains(&f.id)).map(|f| f.id.clone()),
    );
    let name = d.resource(&rid).map_or_else(|| rid.clone(), |r| r.name.clone());
    let stores = state.store.clone();
    let body = match format {
        Format::Xlsx => {
            let mut rows = Vec::new();
            let (mut after, mut offset) = (0i64, 0usize);
            loop {
                let got = page(&stores, &t, &search, after, offset).await.map_err(|e| err(AppError::Internal(e)))?;
                let n = got.len();
                if let Some(Cell::Int(last)) = got.last().and_then(|r| r.first()) {
                    after = *last;
                }
                offset += n;
                rows.extend(got);
                if rows.len() > XLSX_MAX {
                    return Err(err(AppError::bad_request(
                        "too_many_rows",
                        "Tệp XLSX chứa tối đa 1.000.000 dòng; hãy lọc bớt hoặc tải CSV.",
                        "XLSX holds at most 1,000,000 rows; filter more or download CSV.",
                    )));
                }
                if n < PAGE {
                    break;
                }
            }
            Body::from(xlsx(&columns, &rows).map_err(&err)?)
        }
        Format::Csv | Format::Json => {
            let header = if format == Format::Csv {
                let mut h = b"\xEF\xBB\xBF".to_vec();
                h.extend(csv_line(columns.iter().cloned()));
                h
            } else {
                b"[".to_vec()
            };
            let cols = columns.clone();
            let stream = futures_util::stream::unfold(
                (Some(header), 0i64, 0usize, false, true),
                move |(pending, after, offset, done, first)| {
                    let (stores, t, search, cols) = (stores.clone(), t.clone(), search.clone(), cols.clone());
                    async move {
                        if let Some(h) = pending {
                            return Some((Ok::<Vec<u8>, std::io::Error>(h), (None, after, offset, done, first)));
                        }
                        if done {
                            return None;
                        }
                        let rows = match page(&stores, &t, &search, after, offset).await {
                            Ok(r) => r,
                            Err(e) => return Some((Err(std::io::Error::other(e)), (None, after, offset, true, first))),
                        };
                        let last = matches!(rows.len(), n if n < PAGE);
                        let next_after = match rows.last().and_then(|r| r.first()) {
                            Some(Cell::Int(i)) => *i,
                            _ => after,
                        };
                        let mut out = Vec::new();
                        let mut first = first;
                        for r in &rows {
                            if format == Format::Csv {
                                out.extend(csv_line(r.iter().map(text)));
                            } else {
                                if !first {
                                    out.push(b',');
                                }
                                first = false;
                                let obj: Map<String, Value> = cols.iter().cloned().zip(r.iter().map(value)).collect();
                                out.extend(serde_json::to_vec(&obj).unwrap_or_default());
                            }
                        }
                        if last && format == Format::Json {
                            out.push(b']');
                        }
                        Some((Ok(out), (None, next_after, offset + rows.len(), last, first)))
                    }
                },
            );
            Body::from_stream(stream)
        }
    };
    let (ctype, ext) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Json => ("application/json", "json"),
        Format::Xlsx => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    };
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    let file: String = tinhso_opendata::name::slug(&name);
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}.{ext}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    let cache = if d.is_public() { "public, max-age=60" } else { "private, no-store" };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(resp)
}

fn xlsx(columns: &[String], rows: &[Vec<Cell>]) -> Result<Vec<u8>, AppError> {
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (j, c) in columns.iter().enumerate() {
        let col = u16::try_from(j).map_err(|_| AppError::Internal("too many columns".into()))?;
        sheet.write_string(0, col, c).map_err(fail)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(|_| AppError::Internal("too many rows".into()))?;
        for (j, c) in r.iter().enumerate() {
            let col = u16::try_from(j).map_err(|_| AppError::Internal("too many columns".into()))?;
            match c {
                Cell::Null => {}
                Cell::Int(v) => {
                    sheet.write_number(row, col, *v as f64).map_err(fail)?;
                }
                Cell::Num(v) => {
                    sheet.write_number(row, col, *v).map_err(fail)?;
                }
                Cell::Text(s) => {
                    sheet.write_string(row, col, s).map_err(fail)?;
                }
            }
        }
    }
    book.save_to_buffer().map_err(fail)
}
