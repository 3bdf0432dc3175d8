//! Issue 16's benchmark: signed documents and payments. In process: results rendered and
//! signed per second (one page and ten), on one and two threads, beside the machine's own
//! ECDSA P-256 signatures per second on the same threads. Over HTTP against the real server:
//! the public verifier by code (codes drawn uniformly over every issued document) and the
//! gateway's signed notifications, each for a distinct payment of a dossier really waiting for
//! its fee (each confirmation moves the dossier and signs a receipt), closed loop and open loop
//! at 50 % and 80 % of the maximum, beside the same run's HTTP point-read ceiling.

use crate::http1::{self, Conn};
use crate::load::{self, Draw};
use crate::scale::{anonymous, row, table_head, Curve};
use crate::{start, start_ceiling};
use anyhow::{anyhow, Result};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tinhso_results::document::{Block, OfficialDocument, SignatureBlock};
use tinhso_results::keys::LocalKey;

pub struct Args {
    pub tinhso: PathBuf,
    pub work: PathBuf,
    pub documents: usize,
    pub payments: usize,
    pub connections: usize,
    pub seconds: u64,
}

const SECRET: &str = "BENCH-GATEWAY-SECRET";
const TMN: &str = "BENCH001";
const JUSTICE: &str = "000.00.03.H08";

fn document(paragraphs: usize) -> OfficialDocument {
    OfficialDocument {
        superior: "UBND TỈNH TUYÊN QUANG".into(),
        issuer: "SỞ TƯ PHÁP".into(),
        number: "Số: 000.00.03.H08-261203-0001/KQ".into(),
        place_date: "Tuyên Quang, ngày 3 tháng 12 năm 2026".into(),
        title: "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH".into(),
        subtitle: Some("Cấp Phiếu lý lịch tư pháp".into()),
        body: (0..paragraphs)
            .map(|i| {
                Block::Para(format!(
                    "Điều {}. Hộ kinh doanh được phép hoạt động theo đúng ngành, nghề đã đăng ký; chấp hành nghiêm chỉnh các quy định của pháp luật về thuế, lao động, vệ sinh an toàn thực phẩm và phòng cháy, chữa cháy.",
                    i + 1
                ))
            })
            .collect(),
        qr: Some(("https://dichvucong.example/xac-thuc?ma=KQ-AAAA-BBBB-CCCC".into(), "Xác thực".into())),
        signature: Some(SignatureBlock {
            capacity: "TM. SỞ TƯ PHÁP".into(),
            signer: "Sở Tư pháp".into(),
            agency: "Sở Tư pháp".into(),
            at: "03/12/2026 09:45".into(),
        }),
        subject: "Kết quả".into(),
        created: chrono::Utc::now(),
    }
}

fn demo_key() -> Result<Arc<LocalKey>> {
    use tinhso_results_web::signer::demo;
    let (ca_key, ca) = demo::ca().map_err(|e| anyhow!("{e}"))?;
    let p12 = demo::agency(JUSTICE, &ca_key, &ca, "bench").map_err(|e| anyhow!("{e}"))?;
    Ok(Arc::new(LocalKey::from_pkcs12(&p12, "bench").map_err(|e| anyhow!("{e}"))?))
}

/// Documents of `paragraphs` rendered and signed per second on `threads` threads.
fn sign_rate(key: &Arc<LocalKey>, paragraphs: usize, threads: usize, secs: u64) -> Result<(f64, usize, usize)> {
    let doc = document(paragraphs);
    let pages = tinhso_results::render::render(&doc).map_err(|e| anyhow!("{e}"))?.pages;
    let done = Arc::new(AtomicUsize::new(0));
    let end = Instant::now() + Duration::from_secs(secs);
    let mut size = 0;
    std::thread::scope(|s| -> Result<()> {
        let mut handles = Vec::new();
        for _ in 0..threads {
            let (key, doc, done) = (key.clone(), doc.clone(), done.clone());
            handles.push(s.spawn(move || -> Result<usize> {
                let mut last = 0;
                while Instant::now() < end {
                    let r = tinhso_results::render::render(&doc).map_err(|e| anyhow!("{e}"))?;
                    let info = tinhso_results::pades::SignatureInfo {
                        name: "Sở Tư pháp".into(),
                        reason: "Ký kết quả".into(),
                        location: "Tuyên Quang".into(),
                        at: chrono::Utc::now(),
                    };
                    let ts = tinhso_results::sign::begin(&r, &key.chain, &info, false).map_err(|e| anyhow!("{e}"))?;
                    let sig = key.sign(&ts.attributes).map_err(|e| anyhow!("{e}"))?;
                    let pdf = tinhso_results::sign::finish(ts, &key.chain, key.kind(), &sig, None)
                        .map_err(|e| anyhow!("{e}"))?;
                    last = pdf.len();
                    done.fetch_add(1, Ordering::Relaxed);
                }
                Ok(last)
            }));
        }
        for h in handles {
            size = h.join().map_err(|_| anyhow!("a signing thread panicked"))??;
        }
        Ok(())
    })?;
    Ok((done.load(Ordering::Relaxed) as f64 / secs as f64, pages, size))
}

/// The machine's ECDSA P-256 signatures per second on `threads` threads (ring).
fn ecdsa_rate(key: &Arc<LocalKey>, threads: usize, secs: u64) -> f64 {
    let done = Arc::new(AtomicUsize::new(0));
    let end = Instant::now() + Duration::from_secs(secs);
    std::thread::scope(|s| {
        for _ in 0..threads {
            let (key, done) = (key.clone(), done.clone());
            s.spawn(move || {
                while Instant::now() < end {
                    if key.sign(b"bench").is_ok() {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    done.load(Ordering::Relaxed) as f64 / secs as f64
}

/// The signed notification of payment `i`: what the gateway sends when it was paid.
fn notification(i: usize) -> String {
    let mut p = BTreeMap::new();
    for (k, v) in [
        ("vnp_Amount", "800000".to_owned()),
        ("vnp_BankCode", "NCB".to_owned()),
        ("vnp_OrderInfo", "Nop phi".to_owned()),
        ("vnp_PayDate", "20261203140000".to_owned()),
        ("vnp_ResponseCode", "00".to_owned()),
        ("vnp_TmnCode", TMN.to_owned()),
        ("vnp_TransactionNo", format!("{}", 20_000_000 + i)),
        ("vnp_TransactionStatus", "00".to_owned()),
        ("vnp_TxnRef", format!("BENCH{i:08}")),
    ] {
        p.insert(k.to_owned(), v);
    }
    format!("/api/v1/payments/ipn?{}", tinhso_payments::gateway::signed_query(SECRET, &p))
}

pub async fn run(a: Args) -> Result<()> {
    std::fs::create_dir_all(&a.work)?;
    let measure = Duration::from_secs(a.seconds);
    let key = demo_key()?;

    // In process: render + sign, and the machine's signature ceiling.
    let mut signing = Vec::new();
    for (paragraphs, label) in [(3, "1 page"), (140, "10 pages")] {
        for threads in [1, 2] {
            let (k, s) = (key.clone(), a.seconds);
            let (rate, pages, size) =
                tokio::task::spawn_blocking(move || sign_rate(&k, paragraphs, threads, s)).await??;
            let k = key.clone();
            let ceiling = tokio::task::spawn_blocking(move || ecdsa_rate(&k, threads, 3)).await?;
            signing.push((label, pages, size, threads, rate, ceiling));
        }
    }

    // The HTTP ceiling: point reads from the same generator.
    let ceiling = start_ceiling(&a.work, 1_000_000).await?;
    let caddr = http1::addr_of(&ceiling.url)?;
    let mut draw = Draw::new(16);
    let reads: Vec<String> = (0..200_000).map(|_| format!("/read/{}", draw.below(1_000_000) + 1)).collect();
    let read = load::gets(caddr, reads, a.connections, measure).await?.rate();
    drop(ceiling);

    // The server, the demo province, dossiers waiting for a fee made through the API.
    let data = a.work.join("data-results");
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data)?;
    let gateway = ["--gateway-url", "http://127.0.0.1:9/paymentv2/vpcpay.html", "--gateway-tmn", TMN];
    let extra: Vec<&str> = ["--demo-dossiers", "0", "--open-data-hours", "0", "--payment-sweep-secs", "3600"]
        .into_iter()
        .chain(gateway)
        .collect();
    std::env::set_var("TINHSO_GATEWAY_SECRET", SECRET);
    let server = start(&a.tinhso, &data, &extra).await?;
    let base = server.url.clone();
    let client = reqwest::Client::builder().cookie_store(true).build()?;
    let login = |who: &'static str| {
        let base = base.clone();
        async move {
            let c = reqwest::Client::builder().cookie_store(true).build()?;
            let r: serde_json::Value = c
                .post(format!("{base}/api/v1/session"))
                .json(&serde_json::json!({ "login": who, "password": "TuyenQuang-demo-2025" }))
                .send()
                .await?
                .json()
                .await?;
            let csrf = r["csrf_token"].as_str().unwrap_or_default().to_owned();
            anyhow::Ok((c, csrf))
        }
    };
    drop(client);
    let (citizen, c_csrf) = login("0912345678").await?;
    let (desk, d_csrf) = login("tiepnhan@tinhso.local").await?;
    let (specialist, s_csrf) = login("chuyenvien@tinhso.local").await?;
    let t = Instant::now();
    let mut codes = Vec::with_capacity(a.payments);
    for _ in 0..a.payments {
        let body = serde_json::json!({ "procedure": "2.000635", "form": {
            "ho_ten": "Nguyễn Văn An", "so_dinh_danh": "008090001234", "so_dien_thoai": "0912345678",
            "dia_chi": { "detail": "Thôn Nà Lừa", "commune": 2269 }, "noi_dung": "Xin cấp phiếu" } });
        let d: serde_json::Value = citizen
            .post(format!("{base}/api/v1/dossiers"))
            .header("x-csrf-token", &c_csrf)
            .json(&body)
            .send()
            .await?
            .json()
            .await?;
        let code = d["code"].as_str().ok_or_else(|| anyhow!("no dossier: {d}"))?.to_owned();
        for (c, csrf, action) in [
            (&desk, &d_csrf, serde_json::json!({ "action": "receive" })),
            (&specialist, &s_csrf, serde_json::json!({ "action": "start_processing" })),
            (&specialist, &s_csrf, serde_json::json!({ "action": "request_payment", "amount_vnd": 8000 })),
        ] {
            let r = c
                .post(format!("{base}/api/v1/dossiers/{code}/actions"))
                .header("x-csrf-token", csrf)
                .json(&action)
                .send()
                .await?;
            if !r.status().is_success() {
                return Err(anyhow!("{action}: {}", r.text().await?));
            }
        }
        codes.push(code);
    }
    eprintln!("  {} dossiers waiting for a fee in {:.0} s", codes.len(), t.elapsed().as_secs_f64());
    drop(server);

    // Issued documents and pending payments straight into the store.
    let store = tinhso::db::sqlite(&data.join("tinhso.db")).await?;
    let citizen_id = store.identity.account_by_login("0912345678").await?.ok_or_else(|| anyhow!("no citizen"))?.id.0;
    let t = Instant::now();
    for chunk in (0..a.documents).collect::<Vec<_>>().chunks(64) {
        let mut set = tokio::task::JoinSet::new();
        for &i in chunk {
            let store = store.clone();
            set.spawn(async move {
                let code = format!("KQ-B{:03}-{:04}-{:04}", i / 100_000_000 % 1000, i / 10_000 % 10_000, i % 10_000);
                let doc = tinhso_kernel::document::IssuedDocument {
                    code: code.clone(),
                    kind: "result".into(),
                    dossier: format!("000.00.03.H08-261203-{:04}", i % 10_000),
                    agency: JUSTICE.into(),
                    year: 2026,
                    seq: 0,
                    sha256: format!("{:064x}", i + 1),
                    signer: "Sở Tư pháp".into(),
                    certificate_sha256: "c".repeat(64),
                    signed_at: "2026-12-03T08:00:00Z".into(),
                    timestamped: false,
                    status: "issued".into(),
                    replaced_by: None,
                    status_note: None,
                    name: format!("{code}.pdf"),
                };
                let entry = tinhso_ledger::chain::Link {
                    id: 0,
                    lane: format!("kq/{JUSTICE}"),
                    seq: 0,
                    dossier: format!("document/{code}"),
                    at: "2026-12-03T08:00:00.000000Z".into(),
                    actor: 0,
                    payload: "{\"kind\":\"result_issued\"}".into(),
                };
                store.port::<dyn tinhso_results_port::ResultsStore>()?.issue(&doc, &entry).await.map(|_| code)
            });
        }
        while let Some(r) = set.join_next().await {
            r??;
        }
    }
    eprintln!("  {} issued documents in {:.0} s", a.documents, t.elapsed().as_secs_f64());
    for (i, code) in codes.iter().enumerate() {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let p = tinhso_payments_port::Payment {
            txn_ref: format!("BENCH{i:08}"),
            dossier: code.clone(),
            agency: JUSTICE.into(),
            applicant: citizen_id,
            amount_vnd: 8000,
            method: "gateway".into(),
            state: "pending".into(),
            external_ref: None,
            created_at: now.clone(),
            updated_at: now.clone(),
            receipt: None,
        };
        let entry = tinhso_ledger::chain::Link {
            id: 0,
            lane: format!("tt/{JUSTICE}"),
            seq: 0,
            dossier: format!("payment/{}", p.txn_ref),
            at: now,
            actor: citizen_id,
            payload: "{\"kind\":\"payment_created\"}".into(),
        };
        store.port::<dyn tinhso_payments_port::PaymentStore>()?.create_payment(&p, &entry).await?;
    }
    drop(store);

    let server = start(&a.tinhso, &data, &extra).await?;
    let addr = http1::addr_of(&server.url)?;
    // The verifier by code, uniformly over every issued document.
    let n = a.documents;
    let verify = move |mut c: Conn, conn: usize, i: u64| async move {
        let k = Draw::new(((conn as u64) << 40) ^ i).below(n);
        let code = format!("KQ-B{:03}-{:04}-{:04}", k / 100_000_000 % 1000, k / 10_000 % 10_000, k % 10_000);
        let ok = matches!(c.get(&format!("/xac-thuc?ma={code}")).await, Ok(r) if r.status == 200);
        (c, ok)
    };
    let max = load::run(addr, a.connections, measure, anonymous(), verify).await?;
    let half = load::run_rate(vec![addr], a.connections, max.rate() * 0.5, measure, anonymous(), verify).await?;
    let eighty = load::run_rate(vec![addr], a.connections, max.rate() * 0.8, measure, anonymous(), verify).await?;
    let verifier = Curve { max, half, eighty };

    // Notifications, each for the next payment not yet notified.
    let next = Arc::new(AtomicUsize::new(0));
    let total = codes.len();
    let ipn = move |next: Arc<AtomicUsize>| {
        move |mut c: Conn, _conn: usize, _i: u64| {
            let next = next.clone();
            async move {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return (c, false);
                }
                let ok = match c.get(&notification(i)).await {
                    Ok(r) if r.status == 200 => r.json().is_ok_and(|v| v["RspCode"] == "00"),
                    _ => false,
                };
                (c, ok)
            }
        }
    };
    let ipn_conns = a.connections.min(8);
    let max = load::run(addr, ipn_conns, measure, anonymous(), ipn(next.clone())).await?;
    let half = load::run_rate(vec![addr], ipn_conns, max.rate() * 0.5, measure, anonymous(), ipn(next.clone())).await?;
    let eighty =
        load::run_rate(vec![addr], ipn_conns, max.rate() * 0.8, measure, anonymous(), ipn(next.clone())).await?;
    let notifications = Curve { max, half, eighty };
    let used = next.load(Ordering::Relaxed);
    drop(server);

    let date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
    println!("### Run of {date}\n");
    println!(
        "Machine: {}. Load generator on the same machine, {} connections ({} for notifications), {} s per scenario; {} issued documents, {} dossiers waiting for a fee ({} notified).\n",
        crate::machine(),
        a.connections,
        ipn_conns,
        a.seconds,
        a.documents,
        total,
        used.min(total)
    );
    println!("| document | pages | size | threads | rendered and signed | ceiling: ECDSA P-256 signatures (same threads) | ratio |");
    println!("|---|---|---|---|---|---|---|");
    for (label, pages, size, threads, rate, ceiling) in &signing {
        println!(
            "| result, {label} | {pages} | {} KB | {threads} | {rate:.0}/s | {ceiling:.0}/s | {:.3} |",
            size / 1024,
            rate / ceiling
        );
    }
    println!();
    table_head();
    row("verifier page by code (uniform over all issued)", &verifier, read, "HTTP point read");
    row(
        "gateway notification (each confirms a distinct payment: dossier moved, receipt signed)",
        &notifications,
        read,
        "HTTP point read",
    );
    Ok(())
}
