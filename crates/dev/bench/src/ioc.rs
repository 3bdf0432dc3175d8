//! Issue 4's benchmark: with N dossiers stored (histories spread over a year, across the
//! Department of Justice and the communes), the province's Decision 766 index for the year
//! over the API, a dashboard page's p99 under load, and `tinhso ioc check`'s full
//! recomputation, beside the hello ceiling of the same generator.

use crate::http1::{self, Conn};
use crate::load;
use crate::{cli, start, start_ceiling};
use anyhow::{anyhow, Result};
use chrono::{Datelike, Days, Utc};
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};
use tinhso_dossier::deadline::Timeliness;
use tinhso_dossier::{ApplicantType, Channel, Event, EventKind, Rating, ReturnMethod};
use tinhso_store::NewDossier;

const LEADER: &str = "lanhdao@tinhso.local";
const PASSWORD: &str = "TuyenQuang-demo-2025";

/// Stores `n` dossiers with short real histories (submitted, received, approved with a
/// timeliness, returned, some rated) through the store, so aggregates are kept as in
/// production. Returns seconds taken.
async fn bulk_load(db: &Path, n: usize) -> Result<u64> {
    let store = tinhso::db::sqlite(db).await?;
    let accounts = store.identity.accounts().await?;
    let citizen = accounts.iter().find(|a| a.login == "0912345678").ok_or_else(|| anyhow!("no citizen"))?.id;
    let crate::synthetic::Desks { centre, justice, communes, provincial, commune_level } =
        crate::synthetic::Desks::of(&store).await?;
    let start = Utc::now().checked_sub_days(Days::new(365)).ok_or_else(|| anyhow!("date"))?;
    let started = Instant::now();
    let (batch, mut done) = (20_000, 0);
    while done < n {
        let items: Vec<(NewDossier, Vec<Event>)> = (done..(done + batch).min(n))
            .map(|i| {
                let at = start + chrono::Duration::seconds((i as i64 * 31_536_000) / n as i64);
                // A desk's national code space is 9,999 a day: provincial dossiers are received at
                // the centre or (Decree 118) at any commune desk, as at ten million a year they must be.
                let desk = &communes[(i / 2) % communes.len()];
                let (procedure, receiving, competent) = if i % 2 == 0 {
                    let receiving = if i % 4 == 0 { centre.clone() } else { desk.clone() };
                    (provincial.clone(), receiving, justice.clone())
                } else {
                    let c = &communes[i % communes.len()];
                    (commune_level.clone(), c.clone(), c.clone())
                };
                let ev = |kind, hours: i64| Event { kind, at: at + chrono::Duration::hours(hours), actor: citizen };
                let submitted = ev(
                    EventKind::Submitted {
                        procedure,
                        applicant: citizen,
                        applicant_type: ApplicantType::Citizen,
                        organization: None,
                        channel: if i % 10 < 7 { Channel::Online } else { Channel::InPerson },
                        receiving_agency: receiving,
                        competent_agency: competent,
                        processing_days: 3,
                        fee_vnd: Some(0),
                        files: Vec::new(),
                        paper_components: Vec::new(),
                        steps: Vec::new(),
                        form_sha256: None,
                        phone_sha256: None,
                    },
                    0,
                );
                let mut events =
                    vec![ev(EventKind::Received { due_on: (at + chrono::Duration::days(5)).date_naive() }, 1)];
                if i % 20 != 0 {
                    let late = i % 9 == 0;
                    events.push(ev(EventKind::ProcessingStarted, 2));
                    events.push(ev(
                        EventKind::Approved {
                            electronic_result: i % 4 != 0,
                            timeliness: if late { Timeliness::Late } else { Timeliness::OnTime },
                            result: None,
                            working_days: Some(if late { 5 } else { 3 }),
                        },
                        if late { 24 * 7 } else { 48 },
                    ));
                    events.push(ev(EventKind::Returned { method: ReturnMethod::Online }, 24 * 8));
                    if i % 3 == 0 {
                        let rating = if i % 30 == 0 { Rating::Dissatisfied } else { Rating::VerySatisfied };
                        events.push(ev(EventKind::Rated { rating, comment: String::new() }, 24 * 8 + 1));
                    }
                }
                let new = NewDossier {
                    submitted,
                    form: json!({}),
                    applicant_phone: None,
                    files: Vec::new(),
                    notify: Vec::new(),
                };
                (new, events)
            })
            .collect();
        done += store.dossiers.import_dossiers(&items).await?;
        if done % 500_000 == 0 || done == n {
            eprintln!("  stored {done} dossiers ({:.0} s)", started.elapsed().as_secs_f64());
        }
    }
    Ok(started.elapsed().as_secs())
}

pub struct Args<'a> {
    pub tinhso: &'a Path,
    pub work: &'a Path,
    pub stored: usize,
    pub connections: usize,
    pub seconds: u64,
    /// Reuse a data directory loaded by an earlier run (the load of 10 M takes long).
    pub reuse: bool,
}

pub async fn run(a: Args<'_>) -> Result<()> {
    let data = a.work.join("data-ioc");
    let data_s = data.display().to_string();
    let measure = Duration::from_secs(a.seconds);
    let ceiling = start_ceiling(a.work, 50_000).await?;
    let hello = load::gets(http1::addr_of(&ceiling.url)?, vec!["/hello".into()], a.connections, measure).await?;
    drop(ceiling);

    let load_secs = if a.reuse && data.join("tinhso.db").exists() {
        None
    } else {
        let _ = std::fs::remove_dir_all(&data);
        drop(start(a.tinhso, &data, &["--demo-dossiers", "0"]).await?);
        tokio::time::sleep(Duration::from_millis(500)).await;
        Some(bulk_load(&data.join("tinhso.db"), a.stored).await?)
    };
    let db_bytes = std::fs::metadata(data.join("tinhso.db")).map(|m| m.len()).unwrap_or(0);
    let server = start(a.tinhso, &data, &[]).await?;
    let base = server.url.clone();
    let year = Utc::now().year();
    let (from, to) = (format!("{}-{:02}-{:02}", year - 1, Utc::now().month(), 1), Utc::now().date_naive().to_string());

    // One request at a time: the province's index for the last year over the API.
    let addr = http1::addr_of(&base)?;
    let path = format!("/api/v1/ioc/index?unit=province&from={from}&to={to}");
    let mut conn = Conn::connect(addr).await?;
    let v = conn.get(&path).await?.json()?;
    let submitted = v["groups"][2]["indicators"][2]["inputs"][1]["value"].as_f64().unwrap_or(0.0);
    let mut times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let r = conn.get(&path).await?;
        if r.status != 200 {
            return Err(anyhow!("index: HTTP {}", r.status));
        }
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let (p50, p99) = (times[times.len() / 2], times[times.len() * 99 / 100]);

    // Drill-down: the dossiers behind the province's year of submissions (all of them), the
    // first page and then page after page, one request at a time, as a leader.
    let mut leader = Conn::connect(addr).await?;
    leader.login(LEADER, PASSWORD).await?;
    let drill = format!("/api/v1/ioc/dossiers?unit=province&measure=submitted&from={from}&to={to}&limit=100");
    let (mut first, mut next_pages, mut after, mut drill_total) = (Vec::new(), Vec::new(), String::new(), 0.0);
    for i in 0..150 {
        let path = if i < 100 { drill.clone() } else { format!("{drill}&after={after}") };
        let t = Instant::now();
        let r = leader.get(&path).await?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if r.status != 200 {
            return Err(anyhow!("drill-down: HTTP {}", r.status));
        }
        let v = r.json()?;
        drill_total = v["total"].as_f64().unwrap_or(0.0);
        if i < 100 {
            first.push(ms);
        } else {
            next_pages.push(ms);
        }
        if i >= 99 {
            after = v["next"].as_str().unwrap_or_default().to_owned();
        }
    }
    first.sort_by(f64::total_cmp);
    next_pages.sort_by(f64::total_cmp);

    // The leaders' dashboard (index of the province, every agency, 12-month trend) under load.
    let page = vec![format!("/dieu-hanh?tu={from}&den={to}")];
    let dashboard = load::authed_gets(addr, LEADER, PASSWORD, page, a.connections, measure).await?;
    drop(server);

    // The table first: the full recomputation below reads the whole chain and can take long.
    println!("### Operations centre, {} dossiers stored ({})\n", a.stored, Utc::now().format("%Y-%m-%d %H:%M UTC"));
    println!("Machine: {}. Database {:.1} GB.\n", crate::machine(), db_bytes as f64 / 1e9);
    println!("| measure | result | target | ceiling (same run) |");
    println!("|---|---|---|---|");
    println!(
        "| province index for a year, `GET /api/v1/ioc/index` one at a time | p50 {p50:.1} ms, p99 {p99:.1} ms ({submitted:.0} dossiers in the period) | < 50 ms | |"
    );
    println!(
        "| dashboard page `/dieu-hanh` ({} connections) | {:.0}/s, p50 {:.1} ms, p99 {:.1} ms, {} errors | | hello {:.0}/s, p99 {:.2} ms |",
        a.connections,
        dashboard.rate(),
        dashboard.p(50.0),
        dashboard.p(99.0),
        dashboard.errors,
        hello.rate(),
        hello.p(99.0)
    );
    println!(
        "| dossiers behind the year's submissions, `GET /api/v1/ioc/dossiers` (100 a page, {drill_total:.0} in all) | first page p50 {:.1} ms, p99 {:.1} ms; 50 following pages p50 {:.1} ms, max {:.1} ms | | |",
        first[first.len() / 2],
        first[first.len() * 99 / 100],
        next_pages[next_pages.len() / 2],
        next_pages[next_pages.len() - 1]
    );
    if let Some(s) = load_secs {
        println!("| bulk load through the store (aggregates kept) | {s} s | | |");
    }
    let t = Instant::now();
    cli(a.tinhso, &["ioc", "check", "--data", &data_s]).await?;
    println!("| `tinhso ioc check`: full recomputation from the events | {:.1} s | | |", t.elapsed().as_secs_f64());
    let t = Instant::now();
    cli(a.tinhso, &["audit", "verify", "--data", &data_s]).await?;
    println!("| `tinhso audit verify` over the whole chain | {:.1} s | | |", t.elapsed().as_secs_f64());
    Ok(())
}
