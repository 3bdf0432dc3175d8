//! Issue 3's benchmark: with N dossiers stored, durable submissions/s (without and with a
//! 200 KB attachment), status lookups/s, the staff inbox p99 and RSS, each beside the
//! machine's ceiling measured in the same run with the same load generator.

use crate::http1::{self, Conn};
use crate::load::{self, Outcome};
use crate::{cli, rss_kib, rss_parts, start, start_ceiling};
use anyhow::{anyhow, Result};
use chrono::{Days, Utc};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CITIZEN: &str = "0912345678";
const DESK: &str = "tiepnhan@tinhso.local";
const PASSWORD: &str = "TuyenQuang-demo-2025";

fn form(commune: u32) -> Value {
    json!({
        "ho_ten": "Nguyễn Văn An", "so_dinh_danh": "008090001234", "so_dien_thoai": "0912345678",
        "dia_chi": { "detail": "Thôn Nà Lừa", "commune": commune }, "noi_dung": "Xin đăng ký lại khai sinh",
    })
}

/// Đăng ký lại khai sinh: decided and received by the applicant's commune, partly online. Load
/// spreads over the province's commune desks as real load does: a desk's codes allow 9,999 a day.
const COMMUNE_PROCEDURE: &str = "1.004884";

/// Stores `n` dossiers through the real store (codes, chained events), spread over a year.
async fn bulk_load(db: &Path, n: usize) -> Result<(u64, Vec<String>)> {
    let store = tinhso::db::sqlite(db).await?;
    let accounts = store.identity.accounts().await?;
    let citizen = accounts.iter().find(|a| a.login == CITIZEN).ok_or_else(|| anyhow!("no demo citizen"))?.id;
    let desks = crate::synthetic::Desks::of(&store).await?;
    let start = Utc::now().checked_sub_days(Days::new(365)).ok_or_else(|| anyhow!("date"))?;
    let started = Instant::now();
    crate::synthetic::store_all(&store, n, 10_000, 100_000, |i| {
        desks.dossier(i, n, start, citizen, CITIZEN, form(2269))
    })
    .await?;
    let codes = store
        .dossiers
        .dossiers(&tinhso_store::DossierQuery { applicant: Some(citizen), limit: 2000, ..Default::default() })
        .await?
        .into_iter()
        .map(|d| d.code.to_string())
        .collect();
    Ok((started.elapsed().as_secs(), codes))
}

async fn submissions(
    addr: SocketAddr,
    communes: Arc<Vec<u32>>,
    connections: usize,
    measure: Duration,
    attachment: bool,
) -> Result<Outcome> {
    load::run(addr, connections, measure, login(CITIZEN), move |mut c, conn, i| {
        let communes = communes.clone();
        async move {
            let commune = communes[usize::try_from((conn as u64 * 7 + i) % communes.len() as u64).unwrap_or(0)];
            let mut body = json!({ "procedure": COMMUNE_PROCEDURE, "commune": commune, "form": form(commune) });
            if attachment {
                // 200 KB of distinct content each time, so every upload is really written.
                let mut pdf = format!("%PDF-1.4\n% {conn}-{i}\n").into_bytes();
                pdf.resize(200 * 1024 - 7, b'0' + (i % 10) as u8);
                pdf.extend(b"\n%%EOF\n");
                let mut req = c.build("POST", "/api/v1/files", Some("application/pdf"), &pdf);
                // The file's name travels in a header; insert it before the blank line.
                let at = req.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0) + 2;
                req.splice(at..at, b"X-File-Name: to-khai.pdf\r\n".iter().copied());
                let sha = match c.send(&req).await.and_then(|r| r.json()) {
                    Ok(v) => v["sha256"].as_str().map(str::to_owned),
                    Err(_) => None,
                };
                let Some(sha) = sha else { return (c, false) };
                body["files"] = json!([{ "component": 0, "sha256": sha }]);
            }
            let ok = match serde_json::to_vec(&body) {
                Ok(b) => matches!(c.post_json("/api/v1/dossiers", &b).await, Ok(r) if r.status == 201),
                Err(_) => false,
            };
            (c, ok)
        }
    })
    .await
}

/// Logs each connection in as `login` before the load starts.
fn login(login: &'static str) -> impl Fn(Conn, usize) -> BoxFuture + Send + Clone + 'static {
    move |mut c, _| {
        Box::pin(async move {
            c.login(login, PASSWORD).await?;
            Ok(c)
        })
    }
}

type BoxFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Conn>>>>;

/// The province's commune codes, which submissions spread over.
async fn communes(base: &str) -> Result<Arc<Vec<u32>>> {
    let units: Value = reqwest::get(format!("{base}/api/v1/units")).await?.json().await?;
    Ok(Arc::new(
        units["items"]
            .as_array()
            .map(|a| a.iter().filter_map(|u| u["code"].as_u64().and_then(|c| u32::try_from(c).ok())).collect())
            .unwrap_or_default(),
    ))
}

/// One scenario against a running server, for profiling it (`tinhso-bench drive`).
/// How `drive` loads a server: connections, seconds measured, and an open-loop rate if any.
pub struct Load {
    pub connections: usize,
    pub seconds: u64,
    pub rate: Option<f64>,
}

pub async fn drive(base: &str, scenario: &str, load: Load, keys_db: Option<&Path>) -> Result<()> {
    let Load { connections, seconds, rate } = load;
    if rate.is_some() && !matches!(scenario, "applicants" | "public") {
        return Err(anyhow!("--rate (open loop) is for the applicants and public scenarios"));
    }
    let measure = Duration::from_secs(seconds);
    if scenario == "pg-insert" {
        // PostgreSQL's own durable 1-row insert ceiling (`--url postgres://...` of a superuser,
        // as `scale --postgres`), to interleave with "submit" against servers on that cluster.
        let rate = crate::scale::pg_insert_ceiling(base, connections, measure).await?;
        println!("{scenario}: {rate:.0}/s");
        return Ok(());
    }
    let addr = http1::addr_of(base)?;
    let out = match scenario {
        "submit" => submissions(addr, communes(base).await?, connections, measure, false).await?,
        "attach" => submissions(addr, communes(base).await?, connections, measure, true).await?,
        // Submissions as `scale` makes them: each connection a different applicant of the
        // scale data (`tinhso-bench scale` creates them), not one citizen for all.
        "applicants" => {
            let communes = communes(base).await?;
            let op = move |c, conn, i| crate::scale::submit(c, conn, i, communes.clone());
            match rate {
                Some(r) => {
                    load::run_rate(vec![addr], connections, r, measure, crate::scale::as_applicant(), op).await?
                }
                None => load::run(addr, connections, measure, crate::scale::as_applicant(), op).await?,
            }
        }
        "lookup" => {
            let mut c = Conn::connect(addr).await?;
            c.login(CITIZEN, PASSWORD).await?;
            let v = c.get("/api/v1/dossiers?limit=200").await?.json()?;
            let paths = v["items"]
                .as_array()
                .map(|a| a.iter().filter_map(|d| d["code"].as_str().map(|c| format!("/api/v1/dossiers/{c}"))).collect())
                .unwrap_or_default();
            load::authed_gets(addr, CITIZEN, PASSWORD, paths, connections, measure).await?
        }
        "public" => {
            // The public lookup (code and phone posted), keys drawn uniformly over every dossier
            // of the server's database (`--keys-db`: its SQLite file, or a postgres:// URL).
            // Also drives the harness's bare lookup (`ceiling-server --dossiers`), which answers
            // nothing else.
            let db =
                keys_db.ok_or_else(|| anyhow!("the public scenario needs --keys-db <tinhso.db or postgres://…>"))?;
            let engine = match db.to_str() {
                Some(url) if url.starts_with("postgres://") => {
                    crate::scale::Engine::Postgres { url: url.to_owned(), admin: url.to_owned() }
                }
                _ => crate::scale::Engine::Sqlite { db: db.to_path_buf() },
            };
            let keys = crate::scale::keys(&engine).await?;
            let op = move |c, conn, i| crate::scale::look_up(c, conn, i, keys.clone());
            match rate {
                Some(r) => load::run_rate(vec![addr], connections, r, measure, crate::scale::anonymous(), op).await?,
                None => load::run(addr, connections, measure, crate::scale::anonymous(), op).await?,
            }
        }
        // The harness's group-commit insert ceiling (`ceiling-server`), to interleave with "submit".
        "insert" => crate::ceiling::insert_load(addr, connections, measure).await?,
        "inbox" => {
            let paths = vec!["/api/v1/dossiers?limit=50".to_owned()];
            load::authed_gets(addr, DESK, PASSWORD, paths, connections, measure).await?
        }
        other => {
            return Err(anyhow!(
                "unknown scenario {other}: submit, applicants, attach, lookup, public, insert, pg-insert, inbox"
            ))
        }
    };
    println!(
        "{scenario}: {:.0}/s, p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, {} errors",
        out.rate(),
        out.p(50.0),
        out.p(99.0),
        out.p(99.9),
        out.errors
    );
    Ok(())
}

pub struct Args<'a> {
    pub tinhso: &'a Path,
    pub work: &'a Path,
    pub stored: usize,
    pub connections: usize,
    pub seconds: u64,
    /// Measure on the data an earlier run loaded instead of loading again.
    pub reuse: bool,
}

/// The demo citizen's dossier codes in an earlier run's data directory, if `reuse` and it has one.
async fn reuse_codes(data: &Path, reuse: bool) -> Result<Option<Vec<String>>> {
    let db = data.join("tinhso.db");
    if !reuse || !db.exists() {
        return Ok(None);
    }
    let store = tinhso::db::sqlite(&db).await?;
    let accounts = store.identity.accounts().await?;
    let citizen = accounts.iter().find(|a| a.login == CITIZEN).ok_or_else(|| anyhow!("no demo citizen"))?.id;
    let q = tinhso_store::DossierQuery { applicant: Some(citizen), limit: 2000, ..Default::default() };
    Ok(Some(store.dossiers.dossiers(&q).await?.into_iter().map(|d| d.code.to_string()).collect()))
}

pub async fn run(a: Args<'_>) -> Result<()> {
    let data = a.work.join("data-dossiers");
    let data_s = data.display().to_string();
    let measure = Duration::from_secs(a.seconds);
    // The machine first, with nothing else running.
    let fsync = crate::ceiling::fsync_per_second(a.work, 5)?;
    let file_writes = crate::ceiling::file_writes_per_second(a.work, 200 * 1024, a.connections.min(16), 5)?;
    let ceiling = start_ceiling(a.work, 50_000).await?;
    let c_addr = http1::addr_of(&ceiling.url)?;
    let insert_ceiling = crate::ceiling::insert_load(c_addr, a.connections, measure).await?;
    let reads: Vec<String> = (1..=50_000).step_by(7).map(|i| format!("/read/{i}")).collect();
    let read_ceiling = load::gets(c_addr, reads, a.connections, measure).await?;
    let hello_ceiling = load::gets(c_addr, vec!["/hello".into()], a.connections, measure).await?;
    drop(ceiling);

    // The platform with `stored` dossiers (or an earlier run's, kept with --reuse).
    let codes = match reuse_codes(&data, a.reuse).await? {
        Some(codes) => {
            eprintln!("  reusing {} with {} of the citizen's dossiers", data.display(), codes.len());
            (None, codes)
        }
        None => {
            let _ = std::fs::remove_dir_all(&data);
            drop(start(a.tinhso, &data, &["--demo-dossiers", "0"]).await?);
            tokio::time::sleep(Duration::from_millis(500)).await;
            let (secs, codes) = bulk_load(&data.join("tinhso.db"), a.stored).await?;
            (Some(secs), codes)
        }
    };
    let (load_secs, codes) = codes;
    let server = start(a.tinhso, &data, &[]).await?;
    let base = server.url.clone();
    let addr = http1::addr_of(&base)?;
    let communes = communes(&base).await?;
    let pid = server.child.id();
    eprintln!("  rss at start: {}", rss_parts(pid));
    let plain = submissions(addr, communes.clone(), a.connections, measure, false).await?;
    eprintln!("  rss after submissions: {}", rss_parts(pid));
    let attached = submissions(addr, communes, a.connections, measure, true).await?;
    eprintln!("  rss after attachments: {}", rss_parts(pid));
    let lookups: Vec<String> = codes.iter().map(|c| format!("/api/v1/dossiers/{c}")).collect();
    let lookup = load::authed_gets(addr, CITIZEN, PASSWORD, lookups, a.connections, measure).await?;
    eprintln!("  rss after lookups: {}", rss_parts(pid));
    let inbox_path = vec!["/api/v1/dossiers?limit=50".to_owned()];
    let inbox = load::authed_gets(addr, DESK, PASSWORD, inbox_path, a.connections, measure).await?;
    let rss = rss_kib(server.child.id())? as f64 / 1024.0;
    drop(server);
    let verify = Instant::now();
    cli(a.tinhso, &["audit", "verify", "--data", &data_s]).await?;
    let verify_secs = verify.elapsed().as_secs_f64();

    println!("### Dossiers, {} stored ({})\n", a.stored, chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"));
    println!(
        "Machine: {}. {} connections, {} s per scenario; the load generator shares the machine.\n",
        crate::machine(),
        a.connections,
        a.seconds
    );
    println!("| measure | result | target | ceiling (same run, same generator) | ratio |");
    println!("|---|---|---|---|---|");
    println!("| raw fsync/s (one thread) | | | {fsync:.0} | |");
    println!(
        "| durable submissions/s | {:.0} (p50 {:.1} ms, p99 {:.1} ms) | >= 5,000 | durable 1-row insert with group commit {:.0}/s | {:.2} |",
        plain.rate(), plain.p(50.0), plain.p(99.0), insert_ceiling.rate(), plain.rate() / insert_ceiling.rate()
    );
    println!(
        "| durable submissions/s with a 200 KB attachment | {:.0} (p99 {:.1} ms) | | durable 200 KB file writes {:.0}/s | {:.2} |",
        attached.rate(),
        attached.p(99.0),
        file_writes,
        attached.rate() / file_writes
    );
    println!(
        "| status lookups/s | {:.0} (p99 {:.1} ms) | >= 30,000 | point read {:.0}/s | {:.2} |",
        lookup.rate(),
        lookup.p(99.0),
        read_ceiling.rate(),
        lookup.rate() / read_ceiling.rate()
    );
    println!(
        "| staff inbox (50 newest of ~{} at the centre) | {:.0}/s, p99 {:.1} ms | p99 < 20 ms | hello {:.0}/s, p99 {:.2} ms | p99 ×{:.1} |",
        a.stored / 2, inbox.rate(), inbox.p(99.0), hello_ceiling.rate(), hello_ceiling.p(99.0), inbox.p(99.0) / hello_ceiling.p(99.0)
    );
    println!(
        "| errors | {} / {} / {} / {} | 0 | {} / {} / {} | |",
        plain.errors,
        attached.errors,
        lookup.errors,
        inbox.errors,
        insert_ceiling.errors,
        read_ceiling.errors,
        hello_ceiling.errors
    );
    println!("| RSS after the load | {rss:.0} MB | < 300 MB | | |");
    if let Some(secs) = load_secs {
        println!("| bulk load of {} dossiers through the store | {secs} s | | | |", a.stored);
    }
    println!("| `tinhso audit verify` over the whole chain | {verify_secs:.1} s | | | |");
    Ok(())
}
