//! Issue 13's benchmark, built not to flatter: 100,000 distinct applicants own the stored
//! dossiers; submissions come from as many distinct logged-in applicants as there are
//! connections; status lookups draw their (code, phone) uniformly over every stored dossier;
//! each is measured at its maximum (closed loop), then at fixed arrival rates of 50 % and 80 % of
//! that maximum (open loop, latency counted from when each request was due, over the same
//! connections: four times as many made 80 % of a maximum reached over these overload the
//! server in two runs of three, BENCHMARKS.md). Beside each figure stands the same run's
//! ceiling of the engine underneath: on SQLite the harness's group-commit insert and
//! point-read server over a table as large as the product's; on PostgreSQL the
//! database's own single-row durable inserts and primary-key reads from as many clients; each
//! ceiling measured before and again after the product, its ratio taken to their mean; then,
//! with one server, the product's maxima and the ceilings' alternated back to back three times,
//! each round's ratio of two measures seconds apart (the machine drifts within minutes). On
//! PostgreSQL the run is repeated with two servers on the one database, sampling how many
//! backends wait on a lock.

use crate::http1::{self, Conn};
use crate::load::{self, Draw, Outcome};
use crate::{start, start_ceiling, Server};
use anyhow::{anyhow, Context, Result};
use chrono::{Days, Utc};
use serde_json::json;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tinhso_kernel::ids::AccountId;
use tinhso_store::{NewAccount, Stores};

const DEMO_CITIZEN: &str = "0912345678";
pub(crate) const PASSWORD: &str = "TuyenQuang-demo-2025";
/// Đăng ký lại khai sinh: decided and received by the applicant's commune.
const COMMUNE_PROCEDURE: &str = "1.004884";

pub struct Args {
    pub tinhso: PathBuf,
    pub work: PathBuf,
    /// `None` for SQLite; a PostgreSQL server's maintenance URL (…/postgres) otherwise.
    pub postgres: Option<String>,
    pub stored: usize,
    pub applicants: usize,
    pub connections: usize,
    pub seconds: u64,
}

/// The phone (and login) of applicant `i`.
pub(crate) fn phone(i: usize) -> String {
    format!("098{:07}", i % 10_000_000)
}

fn form(commune: u32, phone: &str) -> serde_json::Value {
    json!({
        "ho_ten": "Nguyễn Văn An", "so_dinh_danh": "008090001234", "so_dien_thoai": phone,
        "dia_chi": { "detail": "Thôn Nà Lừa", "commune": commune }, "noi_dung": "Xin đăng ký lại khai sinh",
    })
}

/// Creates the applicants (the demo citizen's password hash, so the load can log in as any of
/// them); returns their ids in order.
pub(crate) async fn applicants(store: &Stores, n: usize) -> Result<Vec<AccountId>> {
    let hash =
        store.identity.account_by_login(DEMO_CITIZEN).await?.ok_or_else(|| anyhow!("no demo citizen"))?.password_hash;
    let mut ids = vec![AccountId(0); n];
    let started = Instant::now();
    // 64 at a time, so the writers batch them as they batch real registrations.
    for chunk in (0..n).collect::<Vec<_>>().chunks(64) {
        let mut set = tokio::task::JoinSet::new();
        for &i in chunk {
            let (store, hash) = (store.clone(), hash.clone());
            set.spawn(async move {
                let account = NewAccount {
                    login: phone(i),
                    full_name: format!("Người nộp {i}"),
                    password_hash: hash,
                    role: tinhso_policy::Role::Citizen,
                    agency: None,
                    personal_id: None,
                };
                store.identity.create_account(&account).await.map(|id| (i, id))
            });
        }
        while let Some(r) = set.join_next().await {
            let (i, id) = r??;
            ids[i] = id;
        }
    }
    eprintln!("  {n} applicants in {:.0} s", started.elapsed().as_secs_f64());
    Ok(ids)
}

/// Stores `n` dossiers spread over the applicants, a year and the province's desks.
async fn dossiers(store: &Stores, owners: &[AccountId], n: usize) -> Result<()> {
    let desks = crate::synthetic::Desks::of(store).await?;
    let start = Utc::now().checked_sub_days(Days::new(365)).ok_or_else(|| anyhow!("date"))?;
    crate::synthetic::store_all(store, n, 5_000, 100_000, |i| {
        let owner = i % owners.len();
        desks.dossier(i, n, start, owners[owner], &phone(owner), form(2269, &phone(owner)))
    })
    .await
}

/// Every stored dossier's (code, applicant phone), read straight from the database: the keys
/// lookups draw from.
pub(crate) async fn keys(engine: &Engine) -> Result<Arc<Vec<(String, String)>>> {
    let sql = "SELECT code, applicant_phone FROM dossier WHERE applicant_phone IS NOT NULL";
    let keys: Vec<(String, String)> = match engine {
        Engine::Sqlite { db } => {
            let c = rusqlite::Connection::open(db)?;
            let mut st = c.prepare(sql)?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        }
        Engine::Postgres { url, .. } => {
            let c = pg(url).await?;
            c.query(sql, &[]).await?.iter().map(|r| (r.get(0), r.get(1))).collect()
        }
    };
    Ok(Arc::new(keys))
}

pub(crate) enum Engine {
    Sqlite { db: PathBuf },
    Postgres { url: String, admin: String },
}

/// A plain client (the harness's own; the product connects through its pool).
async fn pg(url: &str) -> Result<tokio_postgres::Client> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.context("connect to PostgreSQL")?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

/// The URL of database `name` on the server of maintenance URL `admin` (…/postgres).
fn database_url(admin: &str, name: &str) -> Result<String> {
    let (base, _) = admin.rsplit_once('/').ok_or_else(|| anyhow!("{admin}: no database in the URL"))?;
    Ok(format!("{base}/{name}"))
}

async fn recreate(admin: &str, name: &str) -> Result<String> {
    let c = pg(admin).await?;
    // One statement each: several in one string run as one transaction, which these refuse.
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
    c.batch_execute(&format!("CREATE DATABASE {name}")).await?;
    database_url(admin, name)
}

/// What the engine itself sustains from `connections` clients: durable single-row inserts
/// (each its own transaction, synchronous_commit on) and primary-key reads drawn uniformly over
/// `rows` rows, each for `measure` after 2 s of warm-up.
async fn pg_ceilings(admin: &str, rows: usize, connections: usize, measure: Duration) -> Result<(f64, f64)> {
    let url = recreate(admin, "tinhso_ceiling").await?;
    let c = pg(&url).await?;
    c.batch_execute(&format!(
        "CREATE TABLE item (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL);
         INSERT INTO item (payload) SELECT repeat('x', 400) FROM generate_series(1, {rows});"
    ))
    .await?;
    // As after the product's bulk load (and as `pgbench -i` does): VACUUM runs alone.
    c.batch_execute("VACUUM (ANALYZE) item").await?;
    let sync: String = c.query_one("SHOW synchronous_commit", &[]).await?.get(0);
    eprintln!("  ceiling database ready (synchronous_commit = {sync})");
    let insert = pg_loop(&url, connections, measure, PgOp::Insert).await?;
    let read = pg_loop(&url, connections, measure, PgOp::Read { rows }).await?;
    Ok((insert, read))
}

/// The durable 1-row insert ceiling alone, on a fresh ceiling database of the cluster `admin`.
pub(crate) async fn pg_insert_ceiling(admin: &str, connections: usize, measure: Duration) -> Result<f64> {
    let url = recreate(admin, "tinhso_ceiling").await?;
    pg(&url).await?.batch_execute("CREATE TABLE item (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)").await?;
    pg_loop(&url, connections, measure, PgOp::Insert).await
}

#[derive(Clone, Copy)]
enum PgOp {
    Insert,
    Read { rows: usize },
}

/// Runs `op` in a loop on `connections` clients; returns operations per second.
async fn pg_loop(url: &str, connections: usize, measure: Duration, op: PgOp) -> Result<f64> {
    let done = Arc::new(AtomicU64::new(0));
    let counting = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut set = tokio::task::JoinSet::new();
    for n in 0..connections {
        let c = pg(url).await?;
        let (done, counting, stop) = (done.clone(), counting.clone(), stop.clone());
        set.spawn(async move {
            let mut i = (n as u64) << 40;
            while !stop.load(Ordering::Relaxed) {
                let ok = match op {
                    PgOp::Insert => {
                        c.execute("INSERT INTO item (payload) VALUES (repeat('y', 400))", &[]).await.is_ok()
                    }
                    PgOp::Read { rows } => {
                        let id = i64::try_from(Draw::new(i).below(rows) + 1).unwrap_or(1);
                        c.query_opt("SELECT payload FROM item WHERE id = $1", &[&id]).await.is_ok()
                    }
                };
                if ok && counting.load(Ordering::Relaxed) {
                    done.fetch_add(1, Ordering::Relaxed);
                }
                i += 1;
            }
        });
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    counting.store(true, Ordering::Relaxed);
    let t = Instant::now();
    tokio::time::sleep(measure).await;
    counting.store(false, Ordering::Relaxed);
    let rate = done.load(Ordering::Relaxed) as f64 / t.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    while set.join_next().await.is_some() {}
    Ok(rate)
}

/// Samples, every 50 ms while it runs, how many of the database's backends wait on a lock and
/// how many are active; `stop` ends it and yields (mean waiting, mean active, samples).
fn lock_sampler(url: String, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<Result<(f64, f64, u64)>> {
    tokio::spawn(async move {
        let c = pg(&url).await?;
        let (mut waiting, mut active, mut samples) = (0i64, 0i64, 0u64);
        while !stop.load(Ordering::Relaxed) {
            let r = c
                .query_one(
                    "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), count(*) FILTER (WHERE state = 'active')
                     FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
                    &[],
                )
                .await?;
            waiting += r.get::<_, i64>(0);
            active += r.get::<_, i64>(1);
            samples += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let n = samples.max(1) as f64;
        Ok((waiting as f64 / n, active as f64 / n, samples))
    })
}

pub(crate) type BoxFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Conn>>>>;

/// Connection `i` logs in as applicant `i`: every connection is a different person.
pub(crate) fn as_applicant() -> impl Fn(Conn, usize) -> BoxFuture + Send + Clone + 'static {
    |mut c, i| {
        Box::pin(async move {
            c.login(&phone(i), PASSWORD).await?;
            Ok(c)
        })
    }
}

pub(crate) fn anonymous() -> impl Fn(Conn, usize) -> BoxFuture + Send + Clone + 'static {
    |c, _| Box::pin(async move { Ok(c) })
}

pub(crate) async fn submit(mut c: Conn, conn: usize, i: u64, communes: Arc<Vec<u32>>) -> (Conn, bool) {
    let commune = communes[usize::try_from((conn as u64 * 7 + i) % communes.len().max(1) as u64).unwrap_or(0)];
    let body = json!({ "procedure": COMMUNE_PROCEDURE, "commune": commune, "form": form(commune, &phone(conn)) });
    let ok = match serde_json::to_vec(&body) {
        Ok(b) => matches!(c.post_json("/api/v1/dossiers", &b).await, Ok(r) if r.status == 201),
        Err(_) => false,
    };
    (c, ok)
}

pub(crate) async fn look_up(mut c: Conn, conn: usize, i: u64, keys: Arc<Vec<(String, String)>>) -> (Conn, bool) {
    let (code, phone) = &keys[Draw::new(((conn as u64) << 40) ^ i).below(keys.len())];
    let body = json!({ "code": code, "phone": phone });
    let ok = match serde_json::to_vec(&body) {
        Ok(b) => matches!(c.post_json("/api/v1/lookup", &b).await, Ok(r) if r.status == 200),
        Err(_) => false,
    };
    (c, ok)
}

/// Closed-loop maximum, then open loop at 50 % and 80 % of it.
pub(crate) struct Curve {
    pub(crate) max: Outcome,
    pub(crate) half: Outcome,
    pub(crate) eighty: Outcome,
}

/// `op` at its maximum over `connections` set up by `setup` (closed loop), then at 50 % and
/// 80 % of that rate (open loop).
async fn curve<S, SF, F, Fut>(addrs: &[SocketAddr], connections: usize, m: Duration, setup: S, op: F) -> Result<Curve>
where
    S: Fn(Conn, usize) -> SF + Send + Clone + 'static,
    SF: std::future::Future<Output = Result<Conn>>,
    F: Fn(Conn, usize, u64) -> Fut + Send + Clone + 'static,
    Fut: std::future::Future<Output = (Conn, bool)>,
{
    let max = load::run_on(addrs.to_vec(), connections, m, setup.clone(), op.clone()).await?;
    let half = load::run_rate(addrs.to_vec(), connections, max.rate() * 0.5, m, setup.clone(), op.clone()).await?;
    let eighty = load::run_rate(addrs.to_vec(), connections, max.rate() * 0.8, m, setup, op).await?;
    Ok(Curve { max, half, eighty })
}

async fn submissions(addrs: &[SocketAddr], communes: Arc<Vec<u32>>, connections: usize, m: Duration) -> Result<Curve> {
    curve(addrs, connections, m, as_applicant(), move |c, conn, i| submit(c, conn, i, communes.clone())).await
}

async fn lookups(
    addrs: &[SocketAddr],
    keys: Arc<Vec<(String, String)>>,
    connections: usize,
    m: Duration,
) -> Result<Curve> {
    curve(addrs, connections, m, anonymous(), move |c, conn, i| look_up(c, conn, i, keys.clone())).await
}

/// The lookup ceiling on the same data: the harness's bare lookup over the product's database
/// `db` (the product stopped), with the keys the product's lookups drew from: closed loop, then
/// open loop at 80 % of its own maximum (what this machine and load generator give any server's
/// tail at the load the product's "80 %" column puts on it).
async fn bare_lookups(
    work: &Path,
    db: &Path,
    keys: Arc<Vec<(String, String)>>,
    connections: usize,
    m: Duration,
) -> Result<(Outcome, Outcome)> {
    let ceiling = crate::start_ceiling_on(work, 1, Some(db)).await?;
    let addr = http1::addr_of(&ceiling.url)?;
    let op = move |c, conn, i| look_up(c, conn, i, keys.clone());
    let max = load::run_on(vec![addr], connections, m, anonymous(), op.clone()).await?;
    let at_80 = load::run_rate(vec![addr], connections, max.rate() * 0.8, m, anonymous(), op).await?;
    Ok((max, at_80))
}

/// Closed-loop maxima of the product (one server) and of the engine's own ceilings, back to
/// back, `ALTERNATE` times: this machine's speed drifts by a fifth within minutes, more than the
/// ceilings measured before and after the product can bracket, so each round's ratio is of two
/// measures taken seconds apart. Each pair is (product, ceiling) per second.
struct Alternated {
    submissions: Vec<(f64, f64)>,
    lookups: Vec<(f64, f64)>,
}

const ALTERNATE: usize = 3;

/// Where the engine's own ceiling is measured during the alternated rounds.
enum Own {
    /// The harness's server over its own table (kept running for every round).
    Sqlite { _server: Box<Server>, addr: SocketAddr, reads: Vec<String> },
    /// The ceiling database `ceilings` left on the cluster.
    Postgres { url: String },
}

async fn alternated(
    a: &Args,
    engine: &Engine,
    addrs: &[SocketAddr],
    communes: Arc<Vec<u32>>,
    keys: Arc<Vec<(String, String)>>,
    m: Duration,
) -> Result<Alternated> {
    let own = match engine {
        Engine::Sqlite { .. } => {
            let server = start_ceiling(&a.work, a.stored as i64).await?;
            let addr = http1::addr_of(&server.url)?;
            Own::Sqlite { _server: Box::new(server), addr, reads: point_reads(11, a.stored) }
        }
        Engine::Postgres { admin, .. } => Own::Postgres { url: database_url(admin, "tinhso_ceiling")? },
    };
    let mut out = Alternated { submissions: Vec::new(), lookups: Vec::new() };
    for _ in 0..ALTERNATE {
        let op = {
            let communes = communes.clone();
            move |c, conn, i| submit(c, conn, i, communes.clone())
        };
        let product = load::run_on(addrs.to_vec(), a.connections, m, as_applicant(), op).await?.rate();
        let ceiling = match &own {
            Own::Sqlite { addr, .. } => crate::ceiling::insert_load(*addr, a.connections, m).await?.rate(),
            Own::Postgres { url } => pg_loop(url, a.connections, m, PgOp::Insert).await?,
        };
        out.submissions.push((product, ceiling));
        let keys = keys.clone();
        let op = move |c, conn, i| look_up(c, conn, i, keys.clone());
        let product = load::run_on(addrs.to_vec(), a.connections, m, anonymous(), op).await?.rate();
        let ceiling = match &own {
            Own::Sqlite { addr, reads, .. } => load::gets(*addr, reads.clone(), a.connections, m).await?.rate(),
            Own::Postgres { url } => pg_loop(url, a.connections, m, PgOp::Read { rows: a.stored }).await?,
        };
        out.lookups.push((product, ceiling));
    }
    Ok(out)
}

/// Half a million point-read paths drawn uniformly over the ceiling table's `rows` ids.
fn point_reads(seed: u64, rows: usize) -> Vec<String> {
    let mut draw = Draw::new(seed);
    (0..500_000).map(|_| format!("/read/{}", draw.below(rows) + 1)).collect()
}

/// Each round as "9256 / 28997 = 0.32", then the median round's ratio.
fn rounds(pairs: &[(f64, f64)]) -> String {
    let mut ratios: Vec<f64> = pairs.iter().map(|(p, c)| p / c).collect();
    let each: Vec<String> = pairs.iter().map(|(p, c)| format!("{p:.0} / {c:.0} = {:.2}", p / c)).collect();
    ratios.sort_by(f64::total_cmp);
    format!("{}; median **{:.2}**", each.join("; "), ratios.get(ratios.len() / 2).copied().unwrap_or(f64::NAN))
}

/// The province's commune codes, which submissions spread over.
async fn communes(base: &str) -> Result<Arc<Vec<u32>>> {
    let units: serde_json::Value = reqwest::get(format!("{base}/api/v1/units")).await?.json().await?;
    Ok(Arc::new(
        units["items"]
            .as_array()
            .map(|a| a.iter().filter_map(|u| u["code"].as_u64().and_then(|c| u32::try_from(c).ok())).collect())
            .unwrap_or_default(),
    ))
}

pub(crate) fn row(name: &str, c: &Curve, ceiling: f64, ceiling_name: &str) {
    println!(
        "| {name} | {:.0} (p99 {:.1} ms) | {ceiling_name} {ceiling:.0}/s | **{:.2}** | {:.0}/s: p50 {:.1}, p99 {:.1}, p99.9 {:.1} ms | {:.0}/s: p50 {:.1}, p99 {:.1}, p99.9 {:.1} ms | {} / {} / {} |",
        c.max.rate(),
        c.max.p(99.0),
        c.max.rate() / ceiling,
        c.half.rate(),
        c.half.p(50.0),
        c.half.p(99.0),
        c.half.p(99.9),
        c.eighty.rate(),
        c.eighty.p(50.0),
        c.eighty.p(99.0),
        c.eighty.p(99.9),
        c.max.errors,
        c.half.errors,
        c.eighty.errors,
    );
}

pub(crate) fn table_head() {
    println!("| measure | maximum, closed loop | ceiling (same run) | ratio | open loop at 50 % | open loop at 80 % | errors (max / 50 % / 80 %) |");
    println!("|---|---|---|---|---|---|---|");
}

async fn servers(a: &Args, data: &Path, extra: &[&str], n: usize) -> Result<Vec<Server>> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(start(&a.tinhso, data, extra).await?);
    }
    Ok(out)
}

/// One server count's figures, printed once the ceilings have been measured again.
struct Measured {
    n: usize,
    sub: Curve,
    look: Curve,
    /// The bare lookup's maximum and its open loop at 80 % of it (SQLite).
    bare: Option<(load::Outcome, load::Outcome)>,
    /// Backends waiting on a lock and active, on average, and the samples taken (PostgreSQL).
    locks: Option<(f64, f64, u64)>,
    /// The product and the ceilings alternated (one server only).
    alt: Option<Alternated>,
}

/// The engine's own ceilings, measured with nothing else running: on SQLite the harness's
/// server over a table of `a.stored` rows, on PostgreSQL the database.
struct Ceilings {
    insert: f64,
    read: f64,
    /// On SQLite, the group-commit inserts again, open loop at 80 % of their own maximum: the
    /// machine's own latency at the load the product's "80 %" column puts on it.
    insert_at_80: Option<load::Outcome>,
}

async fn ceilings(a: &Args, engine: &Engine, measure: Duration) -> Result<Ceilings> {
    match engine {
        Engine::Sqlite { .. } => {
            let ceiling = start_ceiling(&a.work, a.stored as i64).await?;
            let addr = http1::addr_of(&ceiling.url)?;
            let insert = crate::ceiling::insert_load(addr, a.connections, measure).await?;
            let at_80 = crate::ceiling::insert_at_rate(addr, a.connections, insert.rate() * 0.8, measure).await?;
            let read = load::gets(addr, point_reads(7, a.stored), a.connections, measure).await?;
            Ok(Ceilings { insert: insert.rate(), read: read.rate(), insert_at_80: Some(at_80) })
        }
        Engine::Postgres { admin, .. } => {
            let (insert, read) = pg_ceilings(admin, a.stored, a.connections, measure).await?;
            Ok(Ceilings { insert, read, insert_at_80: None })
        }
    }
}

pub async fn run(a: Args) -> Result<()> {
    let measure = Duration::from_secs(a.seconds);
    let data = a.work.join("data-scale");
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data)?;
    let (engine, extra): (Engine, Vec<String>) = match &a.postgres {
        None => (Engine::Sqlite { db: data.join("tinhso.db") }, Vec::new()),
        Some(admin) => {
            let url = recreate(admin, "tinhso_scale").await?;
            (Engine::Postgres { url: url.clone(), admin: admin.clone() }, vec!["--database".into(), url])
        }
    };
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();

    // The engine's ceilings first, with nothing else running (and again at the end).
    let before = ceilings(&a, &engine, measure).await?;
    eprintln!("  ceilings: insert {:.0}/s, read {:.0}/s", before.insert, before.read);

    // The province, its applicants and dossiers, through the real store.
    drop(start(&a.tinhso, &data, &[&extra[..], &["--demo-dossiers", "0"]].concat()).await?);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let store = match &engine {
        Engine::Sqlite { db } => tinhso::db::sqlite(db).await?,
        Engine::Postgres { url, .. } => tinhso::db::postgres(url, 16).await?,
    };
    let load_started = Instant::now();
    let owners = applicants(&store, a.applicants).await?;
    dossiers(&store, &owners, a.stored).await?;
    let load_secs = load_started.elapsed().as_secs();
    drop(store);
    let vacuumed = match &engine {
        // What an operator does after a bulk load, and what `pgbench -i` does before it
        // measures: otherwise the autovacuum the load calls for (every page of 100,000 fresh
        // dossiers and their events) falls inside the measures, a cost of the load rather than
        // of the writes measured. Their own writes still call for autovacuum, which stays on.
        // Then a checkpoint, so that the pages the load and the vacuum dirtied are on disk
        // rather than flushed by the kernel in the middle of the first measure.
        Engine::Postgres { url, .. } => {
            let started = Instant::now();
            let c = pg(url).await?;
            c.batch_execute("VACUUM (ANALYZE)").await?;
            c.batch_execute("CHECKPOINT").await?;
            let done = format!(", then `VACUUM (ANALYZE)` and `CHECKPOINT` in {} s", started.elapsed().as_secs());
            eprintln!("  vacuumed after the load{done}");
            done
        }
        Engine::Sqlite { .. } => String::new(),
    };
    let keys = keys(&engine).await?;
    eprintln!("  {} lookup keys", keys.len());

    println!(
        "### {} stored dossiers of {} applicants on {} ({})\n",
        a.stored,
        a.applicants,
        match engine {
            Engine::Sqlite { .. } => "SQLite",
            Engine::Postgres { .. } => "PostgreSQL",
        },
        Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    println!(
        "Machine: {}. {} connections (each submitting connection logged in as a different applicant), {} s per \
         measure after 2 s of warm-up; the load generator and the database share the machine. Loaded in {load_secs} s{vacuumed}.\n",
        crate::machine(),
        a.connections,
        a.seconds
    );
    let counts: &[usize] = match engine {
        Engine::Sqlite { .. } => &[1],
        Engine::Postgres { .. } => &[1, 2],
    };
    let mut measured = Vec::new();
    for &n in counts {
        let running = servers(&a, &data, &extra, n).await?;
        let addrs: Vec<SocketAddr> = running.iter().map(|s| http1::addr_of(&s.url)).collect::<Result<_>>()?;
        let communes = communes(&running[0].url).await?;
        let sampler = match &engine {
            Engine::Postgres { url, .. } => {
                let stop = Arc::new(AtomicBool::new(false));
                Some((stop.clone(), lock_sampler(url.clone(), stop)))
            }
            Engine::Sqlite { .. } => None,
        };
        let sub = submissions(&addrs, communes.clone(), a.connections, measure).await?;
        let locks = match sampler {
            Some((stop, task)) => {
                stop.store(true, Ordering::Relaxed);
                Some(task.await??)
            }
            None => None,
        };
        let look = lookups(&addrs, keys.clone(), a.connections, measure).await?;
        let alt = match n {
            1 => Some(alternated(&a, &engine, &addrs, communes.clone(), keys.clone(), measure).await?),
            _ => None,
        };
        drop(running);
        let bare = match &engine {
            Engine::Sqlite { db } => Some(bare_lookups(&a.work, db, keys.clone(), a.connections, measure).await?),
            Engine::Postgres { .. } => None,
        };
        measured.push(Measured { n, sub, look, bare, locks, alt });
    }
    // The ceilings again, now that the product has run: this machine's speed drifts within
    // minutes (BENCHMARKS.md), so each ratio is to the mean of the two, and both are shown.
    let after = ceilings(&a, &engine, measure).await?;
    eprintln!("  ceilings after: insert {:.0}/s, read {:.0}/s", after.insert, after.read);
    let names = match engine {
        Engine::Sqlite { .. } => ("group-commit insert over HTTP", "point read over HTTP"),
        Engine::Postgres { .. } => ("PostgreSQL durable 1-row insert", "PostgreSQL primary-key read"),
    };
    let around = |name: &str, b: f64, a: f64| format!("{name}: {b:.0}/s before the product, {a:.0}/s after, mean");
    let (insert_name, read_name) =
        (around(names.0, before.insert, after.insert), around(names.1, before.read, after.read));
    let (insert_ceiling, read_ceiling) = ((before.insert + after.insert) / 2.0, (before.read + after.read) / 2.0);
    for Measured { n, sub, look, bare, locks, alt } in measured {
        println!("**{n} server{}**\n", if n == 1 { "" } else { "s" });
        table_head();
        row("durable submissions/s", &sub, insert_ceiling, &insert_name);
        row("status lookups/s (uniform over every stored dossier)", &look, read_ceiling, &read_name);
        if let Some((bare, at_80)) = bare {
            println!(
                "\nThe same lookups (same keys, same connections) against the harness's bare lookup on the product's \
                 own database file (the same request, the same row by the same code through the same index, a fixed \
                 answer; no abuse tally, no parse, no middleware): {:.0}/s (p99 {:.1} ms), {} errors. The product \
                 reaches **{:.2}** of it. The bare lookup itself, open loop at 80 % of its own maximum: {:.0}/s: p50 \
                 {:.1}, p99 {:.1}, p99.9 {:.1} ms, {} errors.",
                bare.rate(),
                bare.p(99.0),
                bare.errors,
                look.max.rate() / bare.rate(),
                at_80.rate(),
                at_80.p(50.0),
                at_80.p(99.0),
                at_80.p(99.9),
                at_80.errors
            );
        }
        if let Some(alt) = alt {
            println!(
                "\nAlternated, closed loop, back to back ({ALTERNATE} rounds of product then ceiling, {} s each): \
                 submissions against the insert ceiling {}; lookups against the read ceiling {}.",
                measure.as_secs(),
                rounds(&alt.submissions),
                rounds(&alt.lookups)
            );
        }
        if let Some((waiting, active, samples)) = locks {
            println!(
                "\nDuring the closed-loop submissions, of the product's PostgreSQL backends {active:.1} were active and \
                 {waiting:.2} waited on a lock, on average over {samples} samples (every 50 ms).\n"
            );
        } else {
            println!();
        }
    }
    if let (Some(b), Some(a)) = (&before.insert_at_80, &after.insert_at_80) {
        let at = |o: &load::Outcome| {
            format!("{:.0}/s: p50 {:.1}, p99 {:.1}, p99.9 {:.1} ms", o.rate(), o.p(50.0), o.p(99.0), o.p(99.9))
        };
        println!(
            "The group-commit insert ceiling itself, open loop at 80 % of its own maximum (what this machine gives \
             a durable write at that load): before the product {}; after {}; {} / {} errors.\n",
            at(b),
            at(a),
            b.errors,
            a.errors
        );
    }
    if let Engine::Postgres { admin, .. } = &engine {
        let c = pg(admin).await?;
        c.batch_execute("DROP DATABASE IF EXISTS tinhso_ceiling WITH (FORCE)").await?;
    }
    Ok(())
}
