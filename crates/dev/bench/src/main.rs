//! `tinhso-bench`: measures the real `tinhso` binary (release build) and, in the same run,
//! the machine's ceiling with the same load generator against a minimal program kept here.
//! Prints a Markdown report for BENCHMARKS.md.
//!
//! May depend on: anything in the workspace (it drives the composition root's binary and
//! seeds data with the modules' own types); nothing depends on it.
// A harness: its file IO measures the machine (fsync, durable writes) or prepares data before a
// load runs, on threads of its own; blocking IO is the point here.
#![allow(clippy::disallowed_methods)]

mod ceiling;
mod dossiers;
mod http1;
mod ioc;
mod load;
mod opendata;
mod reports;
mod results;
mod scale;
mod synthetic;

use anyhow::{anyhow, bail, Context, Result};
use clap::Parser;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tinhso_catalogue::procedure::Procedure;
use tinhso_catalogue::search::{Filters, SearchIndex};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Bench,
}

#[derive(clap::Subcommand)]
enum Bench {
    /// Issue 2: catalogue search, start-up, idle RSS.
    Search(Args),
    /// Issue 3: the dossier lifecycle with many dossiers stored.
    Dossiers {
        #[arg(long, default_value = "target/release/tinhso")]
        tinhso: PathBuf,
        #[arg(long, default_value = "bench-out")]
        work: PathBuf,
        /// Dossiers stored before measuring.
        #[arg(long, default_value_t = 1_000_000)]
        stored: usize,
        #[arg(long, default_value_t = 32)]
        connections: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Keep the data directory of an earlier run instead of loading again.
        #[arg(long)]
        reuse: bool,
    },
    /// Issue 4: the operations centre with many dossiers stored.
    Ioc {
        #[arg(long, default_value = "target/release/tinhso")]
        tinhso: PathBuf,
        #[arg(long, default_value = "bench-out")]
        work: PathBuf,
        /// Dossiers stored before measuring.
        #[arg(long, default_value_t = 10_000_000)]
        stored: usize,
        #[arg(long, default_value_t = 8)]
        connections: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Keep the data directory of an earlier run instead of loading again.
        #[arg(long)]
        reuse: bool,
    },
    /// Issue 13: distinct applicants, uniform lookups over every stored dossier, open-loop
    /// latency at 50 % and 80 % of the maximum; SQLite, or PostgreSQL with one and two servers.
    Scale {
        #[arg(long, default_value = "target/release/tinhso")]
        tinhso: PathBuf,
        #[arg(long, default_value = "bench-out")]
        work: PathBuf,
        /// A PostgreSQL server's maintenance URL (postgres://user@host:port/postgres); SQLite without.
        #[arg(long)]
        postgres: Option<String>,
        #[arg(long, default_value_t = 1_000_000)]
        stored: usize,
        #[arg(long, default_value_t = 100_000)]
        applicants: usize,
        #[arg(long, default_value_t = 32)]
        connections: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Issue 14: field reports (intake with a photo, public list, Open311, nearby duplicates).
    Reports {
        #[arg(long, default_value = "target/release/tinhso")]
        tinhso: PathBuf,
        #[arg(long, default_value = "bench-out")]
        work: PathBuf,
        #[arg(long, default_value_t = 1_000_000)]
        stored: usize,
        #[arg(long, default_value_t = 32)]
        connections: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Issue 15: open data (package_search over 100,000 datasets, datastore_search over a
    /// 10,000,000-row table, loading that table).
    Opendata {
        #[arg(long, default_value = "target/release/tinhso")]
        tinhso: PathBuf,
        #[arg(long, default_value = "bench-out")]
        work: PathBuf,
        #[arg(long, default_value_t = 100_000)]
        datasets: usize,
        #[arg(long, default_value_t = 10_000_000)]
        rows: usize,
        #[arg(long, default_value_t = 32)]
        connections: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Issue 16: PDFs rendered and signed, the verifier, gateway notifications.
    Results {
        #[arg(long, default_value = "target/release/tinhso")]
        tinhso: PathBuf,
        #[arg(long, default_value = "bench-out")]
        work: PathBuf,
        #[arg(long, default_value_t = 100_000)]
        documents: usize,
        #[arg(long, default_value_t = 3_000)]
        payments: usize,
        #[arg(long, default_value_t = 32)]
        connections: usize,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// One scenario against a running server, to profile it or to interleave it with its
    /// ceiling: submit, attach, lookup, public, inbox; the harness's ceilings: insert (against
    /// `ceiling-server`), pg-insert (PostgreSQL's own, `--url` a superuser's postgres:// URL).
    Drive {
        #[arg(long)]
        url: String,
        #[arg(long)]
        scenario: String,
        #[arg(long, default_value_t = 32)]
        connections: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// The server's database, for scenarios that draw keys from it (public): its SQLite
        /// file, or a postgres:// URL.
        #[arg(long)]
        keys_db: Option<PathBuf>,
        /// Requests per second, open loop (applicants, public); without it, closed loop.
        #[arg(long)]
        rate: Option<f64>,
    },
    /// Internal: the ceiling programs' server (the harness starts itself this way).
    #[command(hide = true)]
    CeilingServer {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value_t = 50_000)]
        rows: i64,
        /// The product's SQLite database, for the lookup ceiling on the same data.
        #[arg(long)]
        dossiers: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct Args {
    /// The release `tinhso` binary.
    #[arg(long, default_value = "target/release/tinhso")]
    tinhso: PathBuf,
    /// Working directory for data (wiped).
    #[arg(long, default_value = "bench-out")]
    work: PathBuf,
    /// Procedures in the benchmark catalogue.
    #[arg(long, default_value_t = 5000)]
    procedures: usize,
    /// Concurrent connections of the load generator.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Measured seconds per scenario (after 2 s of warm-up).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
}

/// Queries people type, with and without marks, codes and filters.
const QUERIES: &[&str] = &[
    "q=dang+ky+khai+sinh",
    "q=khai+sinh",
    "q=gi%E1%BA%A5y+ph%C3%A9p+x%C3%A2y+d%E1%BB%B1ng",
    "q=GIAY+PHEP+XAY+DUNG",
    "q=1.001193",
    "q=chung+thuc",
    "q=dat+dai&level=province",
    "q=thuong+tru",
    "q=can+cuoc",
    "q=ho+kinh+doanh",
    "q=bao+hiem+y+te",
    "q=giay+phep+lai+xe",
    "field=H%E1%BB%99+t%E1%BB%8Bch",
    "q=cap+ban+sao",
    "q=ket+hon",
    "q=xac+nhan&online=fully_online",
];

pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) url: String,
    ready_after: Duration,
}

pub(crate) async fn start(bin: &Path, data: &Path, extra: &[&str]) -> Result<Server> {
    let t = Instant::now();
    let mut child = Command::new(bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        // One benchmark citizen uploads thousands of scans: no per-citizen quota here.
        .args(["--upload-quota-day-mb", "0", "--upload-quota-total-mb", "0"])
        .args(extra)
        // The daily integrity check would run at start, over millions of events, in the middle
        // of a measure: the benchmarks measure requests, and `tinhso audit verify` on its own.
        .env("TINHSO_AUDIT_HOURS", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("start {} (build it with cargo build --release)", bin.display()))?;
    let mut lines = BufReader::new(child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?).lines();
    while let Some(line) = lines.next_line().await? {
        if let Some(i) = line.find("http://") {
            let url = line[i..].split_whitespace().next().unwrap_or_default().to_owned();
            let ready_after = t.elapsed();
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return Ok(Server { child, url, ready_after });
        }
    }
    bail!("server exited before it was ready")
}

/// Starts the ceiling programs' server as a child process, as the product runs.
pub(crate) async fn start_ceiling(dir: &Path, rows: i64) -> Result<Server> {
    start_ceiling_on(dir, rows, None).await
}

/// The ceiling programs' server, also answering lookups from the product's database `dossiers`.
pub(crate) async fn start_ceiling_on(dir: &Path, rows: i64, dossiers: Option<&Path>) -> Result<Server> {
    let t = Instant::now();
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg("ceiling-server").arg("--dir").arg(dir).arg("--rows").arg(rows.to_string());
    if let Some(db) = dossiers {
        cmd.arg("--dossiers").arg(db);
    }
    let mut child = cmd.stdout(Stdio::piped()).kill_on_drop(true).spawn()?;
    let mut lines = BufReader::new(child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?).lines();
    let url = lines.next_line().await?.ok_or_else(|| anyhow!("ceiling server said nothing"))?;
    Ok(Server { child, url, ready_after: t.elapsed() })
}

pub(crate) fn rss_kib(pid: Option<u32>) -> Result<u64> {
    let pid = pid.ok_or_else(|| anyhow!("no pid"))?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow!("no VmRSS"))
}

/// Anonymous and file-backed resident memory, for telling heap from mapped files.
pub(crate) fn rss_parts(pid: Option<u32>) -> String {
    let Some(pid) = pid else { return String::new() };
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .filter(|l| l.starts_with("RssAnon:") || l.starts_with("RssFile:") || l.starts_with("RssShmem:"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) async fn cli(bin: &Path, args: &[&str]) -> Result<()> {
    let out = Command::new(bin).args(args).env("RUST_LOG", "warn").output().await?;
    if !out.status.success() {
        bail!("{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

/// The demo catalogue multiplied into `n` distinct procedures (new codes, varied names).
fn synthetic(base: &[Procedure], n: usize) -> Result<Vec<Procedure>> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut p = base.get(i % base.len()).ok_or_else(|| anyhow!("empty catalogue"))?.clone();
        let round = i / base.len();
        if round > 0 {
            p.code = serde_json::from_value(serde_json::json!(format!("9.{i:06}")))?;
            p.name = format!("{} (trường hợp {round})", p.name);
        }
        out.push(p);
    }
    Ok(out)
}

pub(crate) fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name").map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned()))
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_owned()))
        .and_then(|k| k.parse::<u64>().ok())
        .map(|k| format!("{:.1} GiB", k as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    format!("{cores} cores ({cpu}), {mem} RAM")
}

fn main() -> Result<()> {
    // The product's allocators, so that the ceiling programs run on the product's stack.
    tinhso_alloc::tune_malloc();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run())
}

async fn run() -> Result<()> {
    match Cli::parse().command {
        Bench::Search(args) => search(args).await,
        Bench::Dossiers { tinhso, work, stored, connections, seconds, reuse } => {
            std::fs::create_dir_all(&work)?;
            dossiers::run(dossiers::Args { tinhso: &tinhso, work: &work, stored, connections, seconds, reuse }).await
        }
        Bench::Ioc { tinhso, work, stored, connections, seconds, reuse } => {
            std::fs::create_dir_all(&work)?;
            ioc::run(ioc::Args { tinhso: &tinhso, work: &work, stored, connections, seconds, reuse }).await
        }
        Bench::Drive { url, scenario, connections, seconds, keys_db, rate } => {
            dossiers::drive(&url, &scenario, dossiers::Load { connections, seconds, rate }, keys_db.as_deref()).await
        }
        Bench::CeilingServer { dir, rows, dossiers } => ceiling::serve(dir, rows, dossiers).await,
        Bench::Scale { tinhso, work, postgres, stored, applicants, connections, seconds } => {
            scale::run(scale::Args { tinhso, work, postgres, stored, applicants, connections, seconds }).await
        }
        Bench::Reports { tinhso, work, stored, connections, seconds } => {
            reports::run(reports::Args { tinhso, work, stored, connections, seconds }).await
        }
        Bench::Opendata { tinhso, work, datasets, rows, connections, seconds } => {
            opendata::run(opendata::Args { tinhso, work, datasets, rows, connections, seconds }).await
        }
        Bench::Results { tinhso, work, documents, payments, connections, seconds } => {
            results::run(results::Args { tinhso, work, documents, payments, connections, seconds }).await
        }
    }
}

async fn search(args: Args) -> Result<()> {
    let _ = std::fs::remove_dir_all(&args.work);
    std::fs::create_dir_all(&args.work)?;
    let data = args.work.join("data");
    let data_s = data.display().to_string();

    // A data directory with the demo province, then the catalogue grown to N procedures.
    let first = start(&args.tinhso, &data, &["--demo-dossiers", "0"]).await?;
    drop(first);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let export = args.work.join("demo.json");
    cli(&args.tinhso, &["catalogue", "export", &export.display().to_string(), "--data", &data_s]).await?;
    let base: Vec<Procedure> = serde_json::from_slice(&std::fs::read(&export)?)?;
    let catalogue = synthetic(&base, args.procedures)?;
    let big = args.work.join("catalogue.json");
    std::fs::write(&big, serde_json::to_vec(&catalogue)?)?;
    cli(&args.tinhso, &["catalogue", "import", &big.display().to_string(), "--data", &data_s]).await?;

    // In-process search cost, without HTTP.
    let index = SearchIndex::new(catalogue.iter().cloned().map(Arc::new).collect());
    let texts: Vec<String> =
        ["dang ky khai sinh", "khai sinh", "giấy phép xây dựng", "GIAY PHEP XAY DUNG", "chung thuc", "can cuoc"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
    let rounds = 2000;
    let t = Instant::now();
    let mut found = 0;
    for i in 0..rounds {
        let q = &texts[i % texts.len()];
        found += index.search(q, &Filters::default(), 0, 20).total;
    }
    let per_search_us = t.elapsed().as_secs_f64() * 1e6 / rounds as f64;

    // Start-up on an existing data directory, and idle memory.
    let mut startups = Vec::new();
    let mut idle_rss = 0;
    for _ in 0..5 {
        let s = start(&args.tinhso, &data, &[]).await?;
        startups.push(s.ready_after);
        tokio::time::sleep(Duration::from_millis(500)).await;
        idle_rss = rss_kib(s.child.id())?;
        drop(s);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    startups.sort();

    // HTTP search under load, then the ceiling with the same generator.
    let server = start(&args.tinhso, &data, &[]).await?;
    let paths: Vec<String> = QUERIES.iter().map(|q| format!("/api/v1/procedures?{q}")).collect();
    let search =
        load::gets(http1::addr_of(&server.url)?, paths, args.connections, Duration::from_secs(args.seconds)).await?;
    let loaded_rss = rss_kib(server.child.id())?;
    drop(server);
    // The ceiling runs as its own process, as the product does.
    let hello = start_ceiling(&args.work, 50_000).await?;
    let measure = Duration::from_secs(args.seconds);
    let ceiling = load::gets(http1::addr_of(&hello.url)?, vec!["/hello".into()], args.connections, measure).await?;
    drop(hello);

    let date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
    println!("### Run of {date}\n");
    println!(
        "Machine: {}. Load generator on the same machine, {} connections, {} s per scenario.\n",
        machine(),
        args.connections,
        args.seconds
    );
    println!("| measure | result | target | ceiling (same generator) | ratio |");
    println!("|---|---|---|---|---|");
    println!(
        "| catalogue search over HTTP, {} procedures | {:.0} req/s | >= 5,000 req/s | hello endpoint {:.0} req/s | {:.2} |",
        args.procedures,
        search.rate(),
        ceiling.rate(),
        search.rate() / ceiling.rate()
    );
    println!(
        "| search latency p50 / p99 | {:.2} ms / {:.2} ms | p99 < 5 ms | hello p50 {:.2} ms / p99 {:.2} ms | p99 {:.2} |",
        search.p(50.0),
        search.p(99.0),
        ceiling.p(50.0),
        ceiling.p(99.0),
        search.p(99.0) / ceiling.p(99.0)
    );
    println!("| search in process (no HTTP), per query | {per_search_us:.1} µs | | | |");
    println!("| errors during load | {} | 0 | {} | |", search.errors, ceiling.errors);
    println!(
        "| start-up to ready, existing data dir (median of 5; min, max) | {} ms ({} – {} ms) | < 1,000 ms | | |",
        startups[2].as_millis(),
        startups[0].as_millis(),
        startups[4].as_millis()
    );
    println!("| RSS idle after start-up | {:.1} MB | < 100 MB | | |", idle_rss as f64 / 1024.0);
    println!("| RSS after the search load | {:.1} MB | | | |", loaded_rss as f64 / 1024.0);
    eprintln!("({found} hits in the in-process loop)");
    Ok(())
}
