//! Issue 15: the open-data portal. CKAN's `package_search` over 100,000 datasets (words drawn
//! from a Vietnamese vocabulary, typed without diacritics, some with a publisher filter, with
//! facets), `datastore_search` with a filter over a 10,000,000-row table, and loading that
//! table from a CSV (rows/s) beside SQLite's own bulk insert into the same kind of table.
//! Each HTTP measure closed loop, then open loop at 50 % and 80 % of it, beside the same
//! run's point-read ceiling over HTTP.

use crate::http1::{self, Conn};
use crate::load::Draw;
use crate::scale::{anonymous, row, table_head, Curve};
use crate::{load, start, start_ceiling};
use anyhow::{anyhow, Result};
use chrono::Utc;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tinhso_opendata::{name, Dataset, Frequency, Resource};
use tinhso_store::Stores;

pub struct Args {
    pub tinhso: PathBuf,
    pub work: PathBuf,
    pub datasets: usize,
    pub rows: usize,
    pub connections: usize,
    pub seconds: u64,
}

/// Words titles and tags are made of (Vietnamese, with their marks).
const WORDS: &[&str] = &[
    "đất đai",
    "giá đất",
    "dân số",
    "trường học",
    "bệnh viện",
    "giao thông",
    "ngân sách",
    "doanh nghiệp",
    "nông nghiệp",
    "lâm nghiệp",
    "thủy sản",
    "du lịch",
    "khí hậu",
    "môi trường",
    "nước sạch",
    "điện",
    "chợ",
    "hộ nghèo",
    "lao động",
    "việc làm",
    "văn hóa",
    "thể thao",
    "y tế",
    "giáo dục",
    "xây dựng",
    "quy hoạch",
    "thuế",
    "hải quan",
    "đầu tư",
    "công nghiệp",
    "khoáng sản",
    "rừng",
    "đường bộ",
    "cầu",
    "thủy lợi",
    "thiên tai",
    "lũ lụt",
    "an ninh",
    "tư pháp",
    "hộ tịch",
    "đăng ký",
    "cư trú",
    "báo cáo",
    "thống kê",
    "chỉ số",
    "giá cả",
    "xuất khẩu",
    "nhập khẩu",
    "vận tải",
];

fn title(d: &mut Draw, i: usize) -> (String, Vec<String>) {
    let a = WORDS[d.below(WORDS.len())];
    let b = WORDS[d.below(WORDS.len())];
    let year = 2015 + d.below(11);
    let tags = vec![a.to_owned(), b.to_owned()];
    (format!("{} và {} năm {year} (bộ {i})", capital(a), b), tags)
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

async fn load_datasets(store: &Stores, orgs: &[String], groups: &[String], n: usize) -> Result<()> {
    let now = Utc::now().naive_utc();
    let mut d = Draw::new(15);
    for i in 0..n {
        let (t, tags) = title(&mut d, i);
        let org = orgs[d.below(orgs.len())].clone();
        let id = name::random_id((i as u128 ^ 0x5eed).to_le_bytes());
        let ds = Dataset {
            notes: format!("Số liệu {} do cơ quan công bố, cập nhật định kỳ.", tags.join(", ")),
            tags,
            groups: vec![groups[d.below(groups.len())].clone()],
            frequency: Some(Frequency::Annual),
            resources: vec![Resource {
                id: name::random_id((i as u128 ^ 0xf11e).to_le_bytes()),
                name: format!("Bảng {t}"),
                description: String::new(),
                format: ["CSV", "XLSX", "JSON", "PDF"][d.below(4)].into(),
                url: format!("https://du-lieu.example.vn/{i}.csv"),
                upload: None,
                created: now,
                last_modified: None,
                datastore_active: false,
            }],
            modified: now - chrono::Duration::seconds(d.below(10_000_000) as i64),
            ..Dataset::new(id, format!("bo-du-lieu-{i}"), t.clone(), org, now)
        };
        store.port::<dyn tinhso_opendata_port::OpenDataStore>()?.save_dataset(&ds, None, 0, "dataset_created").await?;
    }
    Ok(())
}

/// Writes the big CSV: commune code, date, kind, value, note.
fn write_csv(path: &std::path::Path, rows: usize) -> Result<()> {
    let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(f, "Mã xã;Ngày;Loại;Giá trị;Ghi chú")?;
    let kinds = ["Sinh", "Tử", "Kết hôn", "Chuyển đến", "Chuyển đi", "Cấp phép", "Thu thuế", "Kiểm tra"];
    let mut d = Draw::new(99);
    for i in 0..rows {
        let day = 1 + d.below(28);
        let month = 1 + d.below(12);
        writeln!(
            f,
            "{};{day:02}/{month:02}/2025;{};{};ghi chú {}",
            1000 + d.below(2000),
            kinds[d.below(kinds.len())],
            d.below(1_000_000),
            i % 97
        )?;
    }
    f.flush()?;
    Ok(())
}

/// SQLite's own bulk insert of the same rows into the same kind of table: one prepared
/// statement, 5,000 rows a transaction, synchronous=FULL, as the loader's batches are.
fn insert_ceiling(dir: &std::path::Path, rows: usize) -> Result<f64> {
    let path = dir.join("bulk-ceiling.db");
    let _ = std::fs::remove_file(&path);
    let mut c = rusqlite::Connection::open(&path)?;
    c.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (_id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c TEXT, d INTEGER, e TEXT, _text TEXT)")?;
    let mut d = Draw::new(99);
    let t = Instant::now();
    let mut i = 0usize;
    while i < rows {
        let tx = c.transaction()?;
        {
            let mut st = tx.prepare_cached("INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
            for _ in 0..5_000.min(rows - i) {
                i += 1;
                st.execute(rusqlite::params![
                    i as i64,
                    (1000 + d.below(2000)) as i64,
                    "2025-01-01",
                    "Sinh",
                    d.below(1_000_000) as i64,
                    "ghi chú",
                    "ghi chu sinh"
                ])?;
            }
        }
        tx.commit()?;
    }
    let rate = rows as f64 / t.elapsed().as_secs_f64();
    drop(c);
    let _ = std::fs::remove_file(&path);
    Ok(rate)
}

async fn curve(addr: std::net::SocketAddr, connections: usize, m: Duration, paths: Arc<Vec<String>>) -> Result<Curve> {
    let op = move |mut c: Conn, conn: usize, i: u64| {
        let p = paths[Draw::new(((conn as u64) << 40) ^ i).below(paths.len())].clone();
        async move {
            let ok = matches!(c.get(&p).await, Ok(r) if r.status == 200);
            (c, ok)
        }
    };
    let max = load::run_on(vec![addr], connections, m, anonymous(), op.clone()).await?;
    let half = load::run_rate(vec![addr], connections, max.rate() * 0.5, m, anonymous(), op.clone()).await?;
    let eighty = load::run_rate(vec![addr], connections, max.rate() * 0.8, m, anonymous(), op).await?;
    Ok(Curve { max, half, eighty })
}

fn fold_url(s: &str) -> String {
    form_urlencoded::byte_serialize(tinhso_kernel::text::fold(s).as_bytes()).collect()
}

pub async fn run(a: Args) -> Result<()> {
    let measure = Duration::from_secs(a.seconds);
    let data = a.work.join("data-opendata");
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data)?;
    let ceiling = start_ceiling(&a.work, 1_000_000).await?;
    let caddr = http1::addr_of(&ceiling.url)?;
    let mut draw = Draw::new(7);
    let reads: Vec<String> = (0..500_000).map(|_| format!("/read/{}", draw.below(1_000_000) + 1)).collect();
    let read = load::gets(caddr, reads, a.connections, measure).await?.rate();
    drop(ceiling);
    let (work, rows) = (a.work.clone(), a.rows);
    let bulk = tokio::task::spawn_blocking(move || insert_ceiling(&work, rows)).await??;
    eprintln!("  ceilings: point read over HTTP {read:.0}/s, SQLite bulk insert {bulk:.0} rows/s");

    // The catalogue: the province's publishers, then the datasets straight into the store.
    let server = start(&a.tinhso, &data, &["--demo-dossiers", "0", "--open-data-hours", "0"]).await?;
    let addr = http1::addr_of(&server.url)?;
    let mut c = Conn::connect(addr).await?;
    let orgs_answer = c.get("/api/3/action/organization_list?all_fields=true").await?.json()?;
    let orgs: Vec<String> = orgs_answer["result"]
        .as_array()
        .ok_or_else(|| anyhow!("no organizations"))?
        .iter()
        .filter_map(|o| o["id"].as_str().map(str::to_owned))
        .collect();
    let org_names: Vec<String> = orgs_answer["result"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .filter_map(|o| o["name"].as_str().map(str::to_owned))
        .collect();
    let groups: Vec<String> = tinhso_opendata::model::default_groups().into_iter().map(|g| g.id).collect();
    drop(server);
    let store = tinhso::db::sqlite(&data.join("tinhso.db")).await?;
    let t = Instant::now();
    load_datasets(&store, &orgs, &groups, a.datasets).await?;
    let load_secs = t.elapsed().as_secs_f64();
    drop(store);

    // Loading 10 M rows through the CLI, as an operator does.
    let csv = a.work.join("datastore.csv");
    let rows = a.rows;
    let csv2 = csv.clone();
    tokio::task::spawn_blocking(move || write_csv(&csv2, rows)).await??;
    let rid = name::random_id(0xf11e_u128.to_le_bytes());
    let t = Instant::now();
    let out = tokio::process::Command::new(&a.tinhso)
        .args(["opendata", "load", &rid, "--file"])
        .arg(&csv)
        .arg("--data")
        .arg(&data)
        .output()
        .await?;
    if !out.status.success() {
        return Err(anyhow!("load failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let load_rows_secs = t.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&csv);

    let server = start(&a.tinhso, &data, &["--open-data-hours", "0"]).await?;
    let started = server.ready_after;
    let addr = http1::addr_of(&server.url)?;
    // Searches as people type them: one or two words without marks, a publisher filter on a
    // third of them, with the facets a portal page shows.
    let mut d = Draw::new(42);
    let searches: Vec<String> = (0..50_000)
        .map(|_| {
            let w = fold_url(WORDS[d.below(WORDS.len())]);
            let fq = if d.below(3) == 0 { format!("&fq=organization:{}", org_names[d.below(org_names.len())]) } else { String::new() };
            format!("/api/3/action/package_search?q={w}{fq}&rows=10&facet.field=%5B%22organization%22,%22tags%22,%22res_format%22%5D")
        })
        .collect();
    let search = curve(addr, a.connections, measure, Arc::new(searches)).await?;
    let filtered: Vec<String> = (0..50_000)
        .map(|_| {
            let filters = form_urlencoded::byte_serialize(format!("{{\"Mã xã\":{}}}", 1000 + d.below(2000)).as_bytes())
                .collect::<String>();
            format!("/api/3/action/datastore_search?resource_id={rid}&filters={filters}&limit=10")
        })
        .collect();
    let datastore = curve(addr, a.connections, measure, Arc::new(filtered)).await?;
    drop(server);

    println!(
        "### {} datasets, a {}-row table, SQLite ({})\n",
        a.datasets,
        a.rows,
        Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    println!(
        "Machine: {}. {} connections, {} s per measure after 2 s of warm-up; the load generator shares the machine. \
         {} datasets stored in {load_secs:.0} s; the server was then ready in {} ms (it reads the catalogue into its \
         search index in the background).\n",
        crate::machine(),
        a.connections,
        a.seconds,
        a.datasets,
        started.as_millis()
    );
    table_head();
    row("`package_search`: 1 word, ⅓ with a publisher `fq`, 3 facets, 10 rows", &search, read, "point read over HTTP");
    row("`datastore_search`: filter on an indexed column, 10 rows, total", &datastore, read, "point read over HTTP");
    println!(
        "\nLoading the {}-row CSV with `tinhso opendata load` (types inferred in a first pass, then 5,000-row transactions, \
         then an index per column): {load_rows_secs:.0} s, {:.0} rows/s; SQLite's own bulk insert of the same rows into the \
         same kind of table, same batches, no index: {bulk:.0} rows/s (ratio **{:.2}**).\n",
        a.rows,
        a.rows as f64 / load_rows_secs,
        a.rows as f64 / load_rows_secs / bulk
    );
    Ok(())
}
