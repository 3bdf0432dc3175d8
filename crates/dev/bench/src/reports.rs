//! Issue 14's benchmark: field reports. Loads `stored` reports (random categories, communes and
//! points over the province, received over the last 80 days) through the real store, then
//! measures the nearby-duplicate query in process (uniform random points), and over HTTP
//! intake with a 1 MB photo (each connection a different citizen, each photo distinct), the
//! public list of a random commune and Open311's `GET requests.json` of a random service,
//! closed loop and open loop at 50 % and 80 % of the maximum, beside the same run's ceilings.

use crate::http1::{self, Conn};
use crate::load::{self, Draw};
use crate::scale::{self, anonymous, as_applicant, Curve};
use crate::{start, start_ceiling};
use anyhow::{anyhow, Result};
use chrono::{Duration as Days, Utc};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tinhso_kernel::calendar::WorkingCalendar;
use tinhso_kernel::ids::AccountId;
use tinhso_reports::geo::{bounding_box, Point, DUPLICATE_RADIUS_M};
use tinhso_store::{ReportQuery, Stores};

pub struct Args {
    pub tinhso: PathBuf,
    pub work: PathBuf,
    pub stored: usize,
    pub connections: usize,
    pub seconds: u64,
}

/// The province's extent (Tuyên Quang after the 2025 merger, roughly).
const LAT: (f64, f64) = (21.5, 23.4);
const LON: (f64, f64) = (104.4, 105.9);

fn point(d: &mut Draw) -> Point {
    let f = |d: &mut Draw| d.below(1_000_000) as f64 / 1_000_000.0;
    Point { lat: LAT.0 + f(d) * (LAT.1 - LAT.0), lon: LON.0 + f(d) * (LON.1 - LON.0) }
}

/// Place categories reports are drawn from.
fn categories() -> Vec<String> {
    tinhso_reports::category::defaults().into_iter().filter(|c| !c.public_service).map(|c| c.code).collect()
}

async fn load_reports(store: &Stores, communes: &[u32], n: usize) -> Result<()> {
    let cats = categories();
    let agencies = store.province.agencies().await?;
    let cal = WorkingCalendar::new(store.catalogue.calendar_years().await?);
    let now = Utc::now();
    let started = Instant::now();
    let mut d = Draw::new(14);
    for chunk in (0..n).collect::<Vec<_>>().chunks(256) {
        let mut set = tokio::task::JoinSet::new();
        for &i in chunk {
            let commune = communes[d.below(communes.len())];
            let at = now - Days::seconds(i64::try_from(d.below(80 * 86_400)).unwrap_or(0));
            let new = tinhso_reports::NewReport {
                kind: tinhso_reports::ReportKind::Place,
                category: cats[d.below(cats.len())].clone(),
                description: format!("Phản ánh thử số {i}: ổ gà, rác thải, đèn hỏng trên đường thôn"),
                point: Some(point(&mut d)),
                commune: Some(commune),
                address: format!("Thôn {}", i % 97),
                dossier_code: None,
                reporter: None,
                reporter_name: String::new(),
                reporter_contact: String::new(),
                show_identity: false,
                photos: Vec::new(),
                client_token: None,
            };
            let agency = tinhso_reports::routing::route(&[], &agencies, &new.category, Some(commune), None)
                .ok_or_else(|| anyhow!("no agency"))?;
            let e = tinhso_reports::machine::submit(
                new,
                agency,
                &cal,
                tinhso_kernel::calendar::local_date(at),
                at,
                AccountId(0),
            )
            .map_err(|r| anyhow!("{}", r.en))?;
            let store = store.clone();
            set.spawn(async move { store.reports.create_report(&e).await });
        }
        while let Some(r) = set.join_next().await {
            r??;
        }
        if (chunk[0] + 256) % 100_000 < 256 {
            eprintln!("  stored {} reports ({:.0} s)", chunk[0] + chunk.len(), started.elapsed().as_secs_f64());
        }
    }
    Ok(())
}

/// Latencies (ms) of the duplicate query at `n` uniform random points, one at a time.
async fn duplicates(store: &Stores, n: usize) -> Result<(f64, f64, f64, usize)> {
    let cats = categories();
    let mut d = Draw::new(99);
    let mut lat = Vec::with_capacity(n);
    let mut found = 0;
    let started = Instant::now();
    for _ in 0..n {
        let p = point(&mut d);
        let q = ReportQuery {
            category: Some(cats[d.below(cats.len())].clone()),
            bbox: Some(bounding_box(p, DUPLICATE_RADIUS_M)),
            open_only: true,
            limit: 50,
            ..Default::default()
        };
        let t = Instant::now();
        found += store.reports.reports(&q).await?.len();
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    // Per mille ranks: p50 is 500, p99 990.
    let p = |per_mille: usize| lat[(lat.len() - 1) * per_mille / 1000];
    Ok((rate, p(500), p(990), found))
}

/// A JPEG of about 1 MB whose scan data starts with `n` (every photo distinct), with EXIF GPS.
fn photo(n: u64) -> Vec<u8> {
    let mut b = vec![0xff, 0xd8, 0xff, 0xe0, 0, 16];
    b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    // A frame header (1 x 1, one component), as the platform refuses a scan without one.
    b.extend_from_slice(&[0xff, 0xc0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
    b.extend_from_slice(&[0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0]);
    b.extend_from_slice(&n.to_be_bytes().map(|x| x & 0x7f));
    let mut d = Draw::new(n);
    b.extend((0..1_000_000).map(|_| u8::try_from(d.below(255)).unwrap_or(0)));
    b.extend_from_slice(&[0xff, 0xd9]);
    b
}

fn multipart(fields: &[(&str, String)], file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----tinhso-bench-7d3f";
    let mut body = Vec::with_capacity(file.len() + 1024);
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"anh.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
        )
        .bytes(),
    );
    body.extend_from_slice(file);
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn intake(mut c: Conn, conn: usize, i: u64, communes: Arc<Vec<u32>>) -> (Conn, bool) {
    let mut d = Draw::new(((conn as u64) << 40) ^ i);
    let commune = communes[d.below(communes.len())];
    let p = point(&mut d);
    let csrf = c.csrf.clone().unwrap_or_default();
    let (ctype, body) = multipart(
        &[
            ("csrf", csrf.clone()),
            ("category", "duong-sa".into()),
            ("description", format!("Ổ gà trên đường liên xã, lần {i}")),
            ("commune", commune.to_string()),
            ("lat", format!("{:.6}", p.lat)),
            ("lon", format!("{:.6}", p.lon)),
            ("send_anyway", "1".into()),
        ],
        &photo(((conn as u64) << 32) | i),
    );
    let req = c.build("POST", &format!("/phan-anh/gui?csrf={csrf}"), Some(&ctype), &body);
    let ok = matches!(c.send(&req).await, Ok(r) if r.status == 303);
    (c, ok)
}

async fn curve<F, Fut>(
    addr: std::net::SocketAddr,
    connections: usize,
    m: Duration,
    citizens: bool,
    op: F,
) -> Result<Curve>
where
    F: Fn(Conn, usize, u64) -> Fut + Send + Clone + 'static,
    Fut: std::future::Future<Output = (Conn, bool)> + 'static,
{
    let max = if citizens {
        load::run_on(vec![addr], connections, m, as_applicant(), op.clone()).await?
    } else {
        load::run_on(vec![addr], connections, m, anonymous(), op.clone()).await?
    };
    let mut at = Vec::new();
    for share in [0.5, 0.8] {
        at.push(if citizens {
            load::run_rate(vec![addr], connections, max.rate() * share, m, as_applicant(), op.clone()).await?
        } else {
            load::run_rate(vec![addr], connections, max.rate() * share, m, anonymous(), op.clone()).await?
        });
    }
    let eighty = at.pop().ok_or_else(|| anyhow!("no run"))?;
    let half = at.pop().ok_or_else(|| anyhow!("no run"))?;
    Ok(Curve { max, half, eighty })
}

pub async fn run(a: Args) -> Result<()> {
    let measure = Duration::from_secs(a.seconds);
    let data = a.work.join("data-reports");
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data)?;
    // The machine's ceilings first, with nothing else running.
    let ceiling = start_ceiling(&a.work, a.stored as i64).await?;
    let caddr = http1::addr_of(&ceiling.url)?;
    let insert = crate::ceiling::insert_load(caddr, a.connections, measure).await?.rate();
    let mut draw = Draw::new(7);
    let reads: Vec<String> = (0..500_000).map(|_| format!("/read/{}", draw.below(a.stored) + 1)).collect();
    let read = load::gets(caddr, reads, a.connections, measure).await?.rate();
    drop(ceiling);
    // What storing a 1 MB photo durably costs the machine alone: write, fsync, rename, fsync the
    // directory, 32 at once (the intake's ceiling; its own insert is small beside it).
    let work = a.work.clone();
    let threads = a.connections;
    let seconds = a.seconds;
    let photo_writes =
        tokio::task::spawn_blocking(move || crate::ceiling::file_writes_per_second(&work, 1_000_000, threads, seconds))
            .await??;
    eprintln!("  ceilings: insert {insert:.0}/s, read {read:.0}/s, 1 MB durable file writes {photo_writes:.0}/s");

    drop(start(&a.tinhso, &data, &["--demo-dossiers", "0"]).await?);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let store = tinhso::db::sqlite(&data.join("tinhso.db")).await?;
    scale::applicants(&store, a.connections).await?;
    let communes: Vec<u32> = store.province.units(Utc::now().date_naive()).await?.iter().map(|u| u.code).collect();
    let loaded = Instant::now();
    load_reports(&store, &communes, a.stored).await?;
    let load_secs = loaded.elapsed().as_secs();
    let dup = duplicates(&store, 20_000).await?;
    drop(store);

    let server = start(&a.tinhso, &data, &[]).await?;
    let addr = http1::addr_of(&server.url)?;
    let communes = Arc::new(communes);
    let c1 = communes.clone();
    let intake_curve =
        curve(addr, a.connections, measure, true, move |c, conn, i| intake(c, conn, i, c1.clone())).await?;
    let c2 = communes.clone();
    let list = curve(addr, a.connections, measure, false, move |mut c: Conn, conn, i| {
        let commune = c2[Draw::new(((conn as u64) << 40) ^ i).below(c2.len())];
        async move {
            let ok = matches!(c.get(&format!("/phan-anh?xa={commune}")).await, Ok(r) if r.status == 200);
            (c, ok)
        }
    })
    .await?;
    let cats = Arc::new(categories());
    let open311 = curve(addr, a.connections, measure, false, move |mut c: Conn, conn, i| {
        let code = cats[Draw::new(((conn as u64) << 40) ^ i).below(cats.len())].clone();
        async move {
            let ok = matches!(c.get(&format!("/open311/v2/requests.json?service_code={code}&status=open")).await, Ok(r) if r.status == 200);
            (c, ok)
        }
    })
    .await?;
    drop(server);

    println!("### {} stored reports on SQLite ({})\n", a.stored, Utc::now().format("%Y-%m-%d %H:%M UTC"));
    println!(
        "Machine: {}. {} connections, {} s per measure after 2 s of warm-up; the load generator shares the machine. \
         Loaded in {load_secs} s.\n",
        crate::machine(),
        a.connections,
        a.seconds
    );
    scale::table_head();
    scale::row(
        "report intake with a 1 MB photo (each a different citizen)",
        &intake_curve,
        photo_writes,
        "durable 1 MB file writes",
    );
    println!(
        "| (the same intake against the insert ceiling) | | group-commit insert over HTTP {insert:.0}/s | {:.3} | | | |",
        intake_curve.max.rate() / insert
    );
    scale::row("public list of a random commune (`/phan-anh?xa=`)", &list, read, "point read over HTTP");
    scale::row("Open311 `GET requests.json?service_code=&status=open`", &open311, read, "point read over HTTP");
    println!(
        "\nNearby-duplicate query (open reports of a category within 50 m), in process, 20,000 uniform random points \
         one after another: {:.0}/s, p50 {:.2} ms, p99 {:.2} ms ({} found).\n",
        dup.0, dup.1, dup.2, dup.3
    );
    Ok(())
}
