//! Loading a tabular resource (CSV or XLSX) into the shared data store: one pass over the
//! rows infers each column's type, a second converts and inserts them in batches, each batch
//! a transaction that also records the progress shown on the resource's page (and in the
//! CLI's progress bar). Files are read on a blocking thread; batches cross a bounded channel,
//! so memory holds a few batches whatever the file's size.

#![allow(clippy::disallowed_methods)] // the reading runs on spawn_blocking threads only

use std::io::Read;
use std::path::PathBuf;
use tinhso_opendata::datastore::{self, Cell, Field, Type};
use tinhso_opendata::{Dataset, State};
use tinhso_store::Stores;

/// Rows per insert transaction.
pub const BATCH: usize = 5_000;

/// Where the rows come from: the resource's stored file, or a local file (the CLI, for files
/// larger than an upload may be).
#[derive(Clone)]
pub enum Source {
    Bytes { bytes: std::sync::Arc<Vec<u8>>, xlsx: bool },
    Path { path: PathBuf, xlsx: bool },
}

/// Whether a format is one the data store loads.
pub fn tabular(format: &str) -> Option<bool> {
    match format {
        "CSV" | "TSV" => Some(false),
        "XLSX" | "XLS" | "ODS" => Some(true),
        _ => None,
    }
}

type Rows = Box<dyn Iterator<Item = Result<Vec<String>, String>> + Send>;

fn delimiter(head: &[u8]) -> u8 {
    let line = head.split(|b| *b == b'\n').next().unwrap_or(b"");
    let count = |d: u8| line.iter().filter(|b| **b == d).count();
    [b',', b';', b'\t'].into_iter().max_by_key(|d| count(*d)).unwrap_or(b',')
}

fn csv_rows<R: Read + Send + 'static>(reader: R, delim: u8) -> Result<(Vec<String>, Rows), String> {
    let mut rdr = csv::ReaderBuilder::new().delimiter(delim).flexible(true).from_reader(reader);
    let header: Vec<String> =
        rdr.headers().map_err(|e| format!("Không đọc được dòng tiêu đề: {e}"))?.iter().map(str::to_owned).collect();
    let width = header.len();
    let rows = rdr.into_records().enumerate().map(move |(i, r)| {
        r.map(|rec| {
            let mut v: Vec<String> = rec.iter().map(str::to_owned).collect();
            v.resize(width, String::new());
            v
        })
        .map_err(|e| format!("Dòng {}: {e}", i + 2))
    });
    Ok((header, Box::new(rows)))
}

fn xlsx_rows(bytes: Vec<u8>) -> Result<(Vec<String>, Rows), String> {
    use calamine::{open_workbook_auto_from_rs, Data, Reader};
    let mut book =
        open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).map_err(|e| format!("Không mở được bảng tính: {e}"))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or("Bảng tính không có trang nào.")?
        .map_err(|e| format!("Không đọc được trang đầu: {e}"))?;
    let text = |d: &Data| match d {
        Data::DateTime(_) | Data::DateTimeIso(_) => {
            calamine::DataType::as_date(d).map(|x| x.format("%Y-%m-%d").to_string()).unwrap_or_else(|| d.to_string())
        }
        // Whole numbers as spreadsheets show them ("12000", not "12000.0").
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{f:.0}"),
        other => other.to_string(),
    };
    let mut rows = range.rows().map(|r| r.iter().map(text).collect::<Vec<String>>()).collect::<Vec<_>>().into_iter();
    let header = rows.next().ok_or("Trang đầu của bảng tính trống.")?;
    let width = header.len();
    Ok((
        header,
        Box::new(rows.map(move |mut r| {
            r.resize(width, String::new());
            Ok(r)
        })),
    ))
}

/// The source's header and rows (blocking).
fn open(src: &Source) -> Result<(Vec<String>, Rows), String> {
    match src {
        Source::Bytes { bytes, xlsx: true } => xlsx_rows(bytes.as_ref().clone()),
        Source::Path { path, xlsx: true } => {
            xlsx_rows(std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?)
        }
        Source::Bytes { bytes, xlsx: false } => {
            let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            let skip = bytes.len() - b.len();
            let d = delimiter(b);
            let cursor = std::io::Cursor::new(ArcBytes(bytes.clone()));
            let mut r = cursor;
            r.set_position(skip as u64);
            csv_rows(r, d)
        }
        Source::Path { path, xlsx: false } => {
            let mut f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut head = vec![0u8; 64 * 1024];
            let n = f.read(&mut head).map_err(|e| e.to_string())?;
            head.truncate(n);
            let bom = head.starts_with(b"\xEF\xBB\xBF");
            let d = delimiter(if bom { &head[3..] } else { &head });
            let mut f =
                std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path).map_err(|e| e.to_string())?);
            if bom {
                let mut skip = [0u8; 3];
                f.read_exact(&mut skip).map_err(|e| e.to_string())?;
            }
            csv_rows(f, d)
        }
    }
}

/// Shared bytes readable as a cursor.
struct ArcBytes(std::sync::Arc<Vec<u8>>);

impl AsRef<[u8]> for ArcBytes {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// What the first pass learns: fields, the row count, the columns worth indexing.
pub struct Shape {
    pub fields: Vec<Field>,
    pub rows: i64,
    pub indexes: Vec<String>,
}

fn shape(src: &Source) -> Result<Shape, String> {
    let (header, rows) = open(src)?;
    if header.is_empty() || header.iter().all(|h| h.trim().is_empty()) {
        return Err("Tệp không có dòng tiêu đề (tên các cột).".into());
    }
    let ids = datastore::field_ids(&header);
    let mut kinds: Vec<Option<Type>> = vec![None; ids.len()];
    let mut lens = vec![0usize; ids.len()];
    let mut n: i64 = 0;
    for row in rows {
        let row = row?;
        for (i, v) in row.iter().enumerate().take(ids.len()) {
            kinds[i] = datastore::narrow(kinds[i], v);
            lens[i] += v.len();
        }
        n += 1;
    }
    let fields: Vec<Field> =
        ids.into_iter().zip(kinds).map(|(id, k)| Field { id, kind: k.unwrap_or(Type::Text) }).collect();
    let avg: Vec<f64> = lens.iter().map(|l| if n == 0 { 0.0 } else { *l as f64 / n as f64 }).collect();
    let indexes = datastore::indexed(&fields, &avg);
    Ok(Shape { fields, rows: n, indexes })
}

fn convert(fields: &[Field], row: &[String]) -> (Vec<Cell>, String) {
    let cells = fields.iter().zip(row).map(|(f, v)| datastore::cell(f.kind, v)).collect();
    let text = tinhso_kernel::text::fold(&row.join(" "));
    (cells, text)
}

/// Loads `src` into `resource`'s table; `progress(done, total)` after every batch. Returns the
/// rows loaded, or why loading stopped (recorded on the table too).
pub async fn load(
    stores: &Stores,
    resource: &str,
    src: Source,
    progress: &(dyn Fn(i64, i64) + Send + Sync),
) -> Result<i64, String> {
    let first = src.clone();
    let shape = tokio::task::spawn_blocking(move || shape(&first)).await.map_err(|e| e.to_string())??;
    let store = stores.port::<dyn tinhso_opendata_port::DatastoreStore>().map_err(|e| e.to_string())?;
    store.datastore_begin(resource, &shape.fields, shape.rows).await.map_err(|e| e.to_string())?;
    progress(0, shape.rows);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Vec<(Vec<Cell>, String)>, String>>(4);
    let fields = shape.fields.clone();
    let reader = tokio::task::spawn_blocking(move || {
        let rows = match open(&src) {
            Ok((_, rows)) => rows,
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        };
        let mut batch = Vec::with_capacity(BATCH);
        for row in rows {
            match row {
                Ok(r) => batch.push(convert(&fields, &r)),
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
            if batch.len() == BATCH
                && tx.blocking_send(Ok(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))).is_err()
            {
                return;
            }
        }
        if !batch.is_empty() {
            let _ = tx.blocking_send(Ok(batch));
        }
    });
    let mut done: i64 = 0;
    let mut failure: Option<String> = None;
    while let Some(batch) = rx.recv().await {
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        let n = i64::try_from(batch.len()).unwrap_or(i64::MAX);
        if let Err(e) = store.datastore_insert(resource, done + 1, batch, done + n).await {
            failure = Some(format!("Lỗi khi ghi vào cơ sở dữ liệu: {e}"));
            break;
        }
        done += n;
        progress(done, shape.rows);
    }
    drop(rx);
    let _ = reader.await;
    let outcome = store.datastore_finish(resource, &shape.indexes, failure.as_deref()).await;
    match (failure, outcome) {
        (Some(f), _) => Err(f),
        (None, Err(e)) => Err(e.to_string()),
        (None, Ok(())) => Ok(done),
    }
}

/// Marks `resource` of dataset `id` as loaded (or not) in the catalogue: a new version by the
/// system, retried if someone saved the dataset meanwhile.
pub async fn mark_active(stores: &Stores, id: &str, resource: &str, active: bool) -> Result<(), String> {
    let catalogue = stores.port::<dyn tinhso_opendata_port::OpenDataStore>().map_err(|e| e.to_string())?;
    for _ in 0..5 {
        let Some(mut d): Option<Dataset> = catalogue.dataset(id).await.map_err(|e| e.to_string())? else {
            return Err("Bộ dữ liệu không còn.".into());
        };
        if d.state == State::Deleted {
            return Ok(());
        }
        let Some(r) = d.resources.iter_mut().find(|r| r.id == resource) else { return Ok(()) };
        if r.datastore_active == active {
            return Ok(());
        }
        r.datastore_active = active;
        let expected = d.revision;
        d.revision += 1;
        d.modified = chrono::Utc::now().naive_utc();
        match catalogue.save_dataset(&d, Some(expected), 0, "dataset_updated").await {
            Ok(_) => return Ok(()),
            Err(tinhso_store::StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.to_string()),
        }
    }
    Err("Bộ dữ liệu đang được sửa liên tục; hãy nạp lại sau.".into())
}

/// Loads an uploaded tabular resource in the background (after it is stored and named in the
/// catalogue); the resource page shows how far it got.
pub fn spawn_load(state: &tinhso_http::state::AppState, dataset: &str, res: &tinhso_opendata::Resource) {
    let (Some(up), Some(xlsx)) = (res.upload.clone(), tabular(&res.format)) else { return };
    let (stores, files) = (state.store.clone(), state.files.clone());
    let (dataset, resource) = (dataset.to_owned(), res.id.clone());
    tokio::spawn(async move {
        let Ok(hash) = tinhso_kernel::ids::Sha256::parse("sha256", &up.sha256) else { return };
        let bytes = match files.read(&hash).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = ?e, resource, "data store load: file not readable");
                return;
            }
        };
        let src = Source::Bytes { bytes: std::sync::Arc::new(bytes), xlsx };
        match load(&stores, &resource, src, &|_, _| {}).await {
            Ok(rows) => {
                if let Err(e) = mark_active(&stores, &dataset, &resource, true).await {
                    tracing::warn!(error = %e, resource, "data store load: not marked active");
                }
                tracing::info!(rows, resource, "loaded into the data store");
            }
            Err(e) => tracing::info!(error = %e, resource, "data store load failed"),
        }
    });
}
