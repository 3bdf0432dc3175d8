//! Issue 3's benchmark: with N dossiers stored, durable submissions/s (without and with a
//! 200 KB attachment), status lookups/s, the staff inbox p99 and RSS, each beside the
//! machine's ceiling measured in the same run with the same load generator.

use crate::load::{self, Outcome};
use crate::{cli, rss_kib, rss_parts, start, start_ceiling};
use anyhow::{anyhow, Result};
use chrono::{Days, Utc};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tinhso_domain::dossier::{ApplicantType, Channel, Event, EventKind};
use tinhso_domain::ids::{AgencyCode, ProcedureCode};
use tinhso_store::{NewDossier, Store};

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
    let store = tinhso_store_sqlite::SqliteStore::open(db).await?;
    let accounts = store.accounts().await?;
    let citizen = accounts.iter().find(|a| a.login == CITIZEN).ok_or_else(|| anyhow!("no demo citizen"))?.id;
    let agencies = store.agencies().await?;
    let centre =
        agencies.iter().find(|a| a.name.starts_with("Trung tâm")).ok_or_else(|| anyhow!("no centre"))?.code.clone();
    let justice = agencies.iter().find(|a| a.name == "Sở Tư pháp").ok_or_else(|| anyhow!("no justice"))?.code.clone();
    let communes: Vec<AgencyCode> = agencies.iter().filter(|a| a.unit_code.is_some()).map(|a| a.code.clone()).collect();
    let provincial = ProcedureCode::parse("c", "2.000635").map_err(|e| anyhow!("{e}"))?;
    let commune_level = ProcedureCode::parse("c", "1.001193").map_err(|e| anyhow!("{e}"))?;
    let start = Utc::now().checked_sub_days(Days::new(365)).ok_or_else(|| anyhow!("date"))?;
    let started = Instant::now();
    let batch = 10_000;
    let mut done = 0;
    while done < n {
        let items: Vec<(NewDossier, Vec<Event>)> = (done..(done + batch).min(n))
            .map(|i| {
                // Spread over the year and across desks so no desk takes 9,999 in a day.
                let at = start + chrono::Duration::seconds((i as i64 * 31_536_000) / n as i64);
                let commune = &communes[i % communes.len()];
                let (procedure, receiving, competent) = if i % 2 == 0 {
                    (provincial.clone(), centre.clone(), justice.clone())
                } else {
                    (commune_level.clone(), commune.clone(), commune.clone())
                };
                let submitted = Event {
                    kind: EventKind::Submitted {
                        procedure,
                        applicant: citizen,
                        applicant_type: ApplicantType::Citizen,
                        channel: Channel::Online,
                        receiving_agency: receiving,
                        competent_agency: competent,
                        processing_days: 3,
                        fee_vnd: Some(0),
                        files: Vec::new(),
                        paper_components: Vec::new(),
                        steps: tinhso_domain::workflow::default_steps(Some(
                            tinhso_domain::catalogue::ProcessingTime::WorkingDays(3),
                        )),
                    },
                    at,
                    actor: citizen,
                };
                let received = Event {
                    kind: EventKind::Received { due_on: (at + chrono::Duration::days(5)).date_naive() },
                    at: at + chrono::Duration::hours(1),
                    actor: citizen,
                };
                let events = if i % 10 < 7 { vec![received] } else { Vec::new() };
                let new = NewDossier {
                    submitted,
                    form: form(2269),
                    applicant_phone: Some(CITIZEN.into()),
                    files: Vec::new(),
                    notify: Vec::new(),
                };
                (new, events)
            })
            .collect();
        done += store.import_dossiers(&items).await?;
        if done % 100_000 == 0 || done == n {
            eprintln!("  stored {done} dossiers ({:.0} s)", started.elapsed().as_secs_f64());
        }
    }
    let codes = store
        .dossiers(&tinhso_store::DossierQuery { applicant: Some(citizen), limit: 2000, ..Default::default() })
        .await?
        .into_iter()
        .map(|d| d.code)
        .collect();
    Ok((started.elapsed().as_secs(), codes))
}

/// Logged-in clients, each with its CSRF token.
async fn sessions(base: &str, login: &str, n: usize) -> Result<Vec<(reqwest::Client, String)>> {
    let mut out = Vec::new();
    for _ in 0..n {
        let c = load::client();
        let v: Value = c
            .post(format!("{base}/api/v1/session"))
            .json(&json!({ "login": login, "password": PASSWORD }))
            .send()
            .await?
            .json()
            .await?;
        let csrf = v["csrf_token"].as_str().ok_or_else(|| anyhow!("login failed: {v}"))?.to_owned();
        out.push((c, csrf));
    }
    Ok(out)
}

async fn submissions(
    base: &str,
    communes: Arc<Vec<u32>>,
    connections: usize,
    measure: Duration,
    attachment: bool,
) -> Result<Outcome> {
    let sessions = Arc::new(sessions(base, CITIZEN, connections).await?);
    let clients = sessions.iter().map(|(c, _)| c.clone()).collect();
    let base = base.to_owned();
    load::run_with(clients, measure, move |c, conn, i| {
        let (base, sessions, communes) = (base.clone(), sessions.clone(), communes.clone());
        async move {
            let csrf = &sessions[conn].1;
            let commune = communes[(conn * 7 + i as usize) % communes.len()];
            let mut body = json!({ "procedure": COMMUNE_PROCEDURE, "commune": commune, "form": form(commune) });
            if attachment {
                // 200 KB of distinct content each time, so every upload is really written.
                let mut pdf = format!("%PDF-1.4\n% {conn}-{i}\n").into_bytes();
                pdf.resize(200 * 1024, b'0' + (i % 10) as u8);
                let up = c
                    .post(format!("{base}/api/v1/files"))
                    .header("x-csrf-token", csrf)
                    .header("x-file-name", "to-khai.pdf")
                    .body(pdf)
                    .send()
                    .await;
                let Ok(up) = up else { return false };
                let Ok(v) = up.json::<Value>().await else { return false };
                let Some(sha) = v["sha256"].as_str() else { return false };
                body["files"] = json!([{ "component": 0, "sha256": sha }]);
            }
            let r = c.post(format!("{base}/api/v1/dossiers")).header("x-csrf-token", csrf).json(&body).send().await;
            matches!(r, Ok(r) if r.status().as_u16() == 201)
        }
    })
    .await
}

async fn authed_gets(
    base: &str,
    login: &str,
    urls: Vec<String>,
    connections: usize,
    measure: Duration,
) -> Result<Outcome> {
    let clients = sessions(base, login, connections).await?.into_iter().map(|(c, _)| c).collect();
    let urls = Arc::new(urls);
    load::run_with(clients, measure, move |c, conn, i| {
        let urls = urls.clone();
        async move {
            let url = &urls[(conn * 131 + i as usize) % urls.len()];
            match c.get(url).send().await {
                Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                _ => false,
            }
        }
    })
    .await
}

pub struct Args<'a> {
    pub tinhso: &'a Path,
    pub work: &'a Path,
    pub stored: usize,
    pub connections: usize,
    pub seconds: u64,
}

pub async fn run(a: Args<'_>) -> Result<()> {
    let data = a.work.join("data-dossiers");
    let data_s = data.display().to_string();
    let measure = Duration::from_secs(a.seconds);
    // The machine first, with nothing else running.
    let fsync = crate::ceiling::fsync_per_second(a.work, 5)?;
    let file_writes = crate::ceiling::file_writes_per_second(a.work, 200 * 1024, a.connections.min(16), 5)?;
    let ceiling = start_ceiling(a.work).await?;
    let c_url = ceiling.url.clone();
    let insert_ceiling =
        load::run_with((0..a.connections).map(|_| load::client()).collect(), measure, move |c, conn, i| {
            let url = format!("{c_url}/insert");
            async move {
                let r = c
                    .post(url)
                    .body(format!("{{\"n\":{conn},\"i\":{i},\"pad\":\"{}\"}}", "x".repeat(400)))
                    .send()
                    .await;
                matches!(r, Ok(r) if r.status().as_u16() == 201)
            }
        })
        .await?;
    let reads: Vec<String> = (1..=50_000).step_by(7).map(|i| format!("{}/read/{i}", ceiling.url)).collect();
    let read_ceiling = load::run(&reads, a.connections, measure).await?;
    let hello_ceiling = load::run(&[format!("{}/hello", ceiling.url)], a.connections, measure).await?;
    drop(ceiling);

    // The platform with `stored` dossiers.
    let first = start(a.tinhso, &data, &["--demo-dossiers", "0"]).await?;
    drop(first);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (load_secs, codes) = bulk_load(&data.join("tinhso.db"), a.stored).await?;
    let server = start(a.tinhso, &data, &[]).await?;
    let base = server.url.clone();
    let units: Value = reqwest::get(format!("{base}/api/v1/units")).await?.json().await?;
    let communes: Arc<Vec<u32>> = Arc::new(
        units["items"]
            .as_array()
            .map(|a| a.iter().filter_map(|u| u["code"].as_u64().map(|c| c as u32)).collect())
            .unwrap_or_default(),
    );
    let pid = server.child.id();
    eprintln!("  rss at start: {}", rss_parts(pid));
    let plain = submissions(&base, communes.clone(), a.connections, measure, false).await?;
    eprintln!("  rss after submissions: {}", rss_parts(pid));
    let attached = submissions(&base, communes, a.connections, measure, true).await?;
    eprintln!("  rss after attachments: {}", rss_parts(pid));
    let lookups: Vec<String> = codes.iter().map(|c| format!("{base}/api/v1/dossiers/{c}")).collect();
    let lookup = authed_gets(&base, CITIZEN, lookups, a.connections, measure).await?;
    eprintln!("  rss after lookups: {}", rss_parts(pid));
    let inbox =
        authed_gets(&base, DESK, vec![format!("{base}/api/v1/dossiers?limit=50")], a.connections, measure).await?;
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
    println!("| bulk load of {} dossiers through the store | {load_secs} s | | | |", a.stored);
    println!("| `tinhso audit verify` over the whole chain | {verify_secs:.1} s | | | |");
    Ok(())
}
