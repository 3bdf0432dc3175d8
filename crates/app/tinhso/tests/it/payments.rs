//! Fees paid online on SQLite and PostgreSQL, against the gateway simulator: the citizen pays
//! from the fee page, the gateway's signed notification confirms it, the dossier moves on and
//! a signed receipt numbered without gaps reaches the citizen; duplicate, replayed, forged and
//! wrong-amount notifications change nothing; a browser return alone confirms nothing; a
//! cancel leaves the fee due; a late notification still counts; a stopped dossier's fee is
//! refunded; a bank statement is reconciled once, however often it is loaded.

use crate::bin;
use crate::dossier::{generic_form, Caller, PASSWORD, PROVINCIAL};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;
use tinhso_testkit::gateway::{Gateway, Ipn, SECRET, TMN};
use tinhso_testkit::server::{fresh_data_dir, fresh_pg_database, run_cli};
use tinhso_testkit::{Backend, TestServer};

pub async fn server(backend: Backend, gw: &Gateway) -> TestServer {
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(fresh_pg_database().await.unwrap()),
    };
    let pay = gw.pay_url();
    let s = TestServer::start_with_env(
        backend,
        bin(),
        fresh_data_dir().unwrap(),
        database,
        "127.0.0.1:0",
        &["--gateway-url", &pay, "--gateway-tmn", TMN, "--payment-sweep-secs", "1"],
        &[("TINHSO_GATEWAY_SECRET", SECRET)],
    )
    .await
    .unwrap();
    gw.set_ipn(&format!("{}/api/v1/payments/ipn", s.url));
    s
}

/// A citizen's dossier of the Department of Justice, received and in processing; its code and
/// the specialist who holds it.
pub async fn in_processing(s: &TestServer, citizen: &Caller) -> (String, Caller) {
    let desk = Caller::login(s, "tiepnhan@tinhso.local", PASSWORD).await;
    let specialist = Caller::login(s, "chuyenvien@tinhso.local", PASSWORD).await;
    let (st, d) =
        citizen.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(2269) })).await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    let code = d["code"].as_str().unwrap().to_owned();
    assert_eq!(desk.act(&code, json!({ "action": "receive" })).await.0, StatusCode::OK);
    assert_eq!(specialist.act(&code, json!({ "action": "start_processing" })).await.0, StatusCode::OK);
    (code, specialist)
}

/// A dossier waiting for an 8,000 đồng fee; its code.
pub async fn awaiting_fee(s: &TestServer, citizen: &Caller) -> String {
    let (code, specialist) = in_processing(s, citizen).await;
    let (st, d) = specialist.act(&code, json!({ "action": "request_payment", "amount_vnd": 8000 })).await;
    assert_eq!((st, d["state"].as_str()), (StatusCode::OK, Some("payment_requested")), "{d}");
    code
}

/// The citizen presses "pay" on the fee page and ends on the gateway's page; the payment's ref.
async fn go_to_gateway(s: &TestServer, citizen: &Caller, code: &str) -> String {
    let page = citizen.c.get(format!("{}/ho-so/{code}/nop-phi", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("8.000 đồng") && page.contains("Mã VietQR") && page.contains("<svg"), "{page}");
    // The same page in English, for a session that chose it.
    let english = Caller::login(s, "0912345678", PASSWORD).await;
    english.c.get(format!("{}/ngon-ngu/en", s.url)).send().await.unwrap();
    let en = english.c.get(format!("{}/ho-so/{code}/nop-phi", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(
        en.contains("8,000 VND") && en.contains("Transfer with the VietQR code") && en.contains("<h1>Pay fees</h1>")
    );
    let r = citizen
        .c
        .post(format!("{}/ho-so/{code}/nop-phi", s.url))
        .form(&[("csrf", citizen.csrf())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.url().path().ends_with("/paymentv2/vpcpay.html"), "sent to the gateway: {}", r.url());
    let txn = r.url().query_pairs().find(|(k, _)| k == "vnp_TxnRef").map(|(_, v)| v.into_owned()).unwrap();
    assert!(r.text().await.unwrap().contains("8000 đồng"), "the amount the gateway was told");
    txn
}

/// The citizen pays (or cancels) on the gateway and is sent back; the return page's text.
async fn pay(gw: &Gateway, citizen: &Caller, txn: &str, ok: bool) -> String {
    let outcome = if ok { "ok" } else { "cancel" };
    let r = citizen.c.get(format!("{}/sim/pay?ref={txn}&outcome={outcome}", gw.url)).send().await.unwrap();
    assert!(r.url().path().ends_with("/thanh-toan/ket-qua"), "back on the platform: {}", r.url());
    r.text().await.unwrap()
}

async fn dossier(c: &Caller, code: &str) -> Value {
    c.get(&format!("/api/v1/dossiers/{code}")).await.1
}

on_both_backends_with_gateway!(paid_online_on_sqlite, paid_online_on_postgres, paid_online_story);

async fn paid_online_story(s: TestServer, gw: Gateway) {
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let code = awaiting_fee(&s, &citizen).await;

    // The receipt slip (Mẫu 01) carries a VietQR code for the procedure's fee while unpaid.
    let slip =
        citizen.c.get(format!("{}/ho-so/{code}/phieu/tiep-nhan", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(slip.contains("Mã VietQR nộp 8.000 đồng") && slip.contains("<svg"), "{slip}");

    // Paid: the signed notification confirms it before the browser is back.
    let txn = go_to_gateway(&s, &citizen, &code).await;
    let page = pay(&gw, &citizen, &txn, true).await;
    assert!(page.contains("Đã nộp phí, lệ phí"), "{page}");
    assert_eq!(gw.sent().last().unwrap().1["RspCode"], "00");
    let d = dossier(&citizen, &code).await;
    assert_eq!((d["state"].as_str(), d["paid_online"].as_bool()), (Some("processing"), Some(true)), "{d}");

    let slip =
        citizen.c.get(format!("{}/ho-so/{code}/phieu/tiep-nhan", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(!slip.contains("Mã VietQR"), "no code for a fee paid");
    // The payment is in the citizen's copy of their personal data.
    let mine: Value = citizen.c.get(format!("{}/tai-khoan/du-lieu", s.url)).send().await.unwrap().json().await.unwrap();
    let paid: Vec<&Value> =
        mine["payments"].as_array().unwrap().iter().filter(|p| p["dossier"] == code.as_str()).collect();
    assert!(
        paid.iter().any(|p| p["reference"] == txn.as_str() && p["amount_vnd"] == 8000 && p["state"] == "paid"),
        "{mine}"
    );

    // A receipt, numbered 1 for the agency this year, signed, in the citizen's store.
    let fee = citizen.c.get(format!("{}/ho-so/{code}/nop-phi", s.url)).send().await.unwrap().text().await.unwrap();
    let receipt = fee.split("/xac-thuc?ma=").nth(1).and_then(|t| t.split('"').next()).expect("a receipt").to_owned();
    let r: Value =
        s.client().get(format!("{}/api/v1/results/{receipt}", s.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["kind"], "receipt", "{r}");
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(r["number"], format!("BL-{year}-000001/000.00.03.H08"), "{r}");
    let (_, docs) = citizen.get("/api/v1/documents").await;
    let items = docs["items"].as_array().unwrap_or_else(|| docs.as_array().unwrap());
    let doc = items.iter().find(|d| d["name"] == format!("Biên lai {code}.pdf")).unwrap_or_else(|| panic!("{docs}"));
    let r =
        citizen.c.get(format!("{}/api/v1/documents/{}", s.url, doc["sha256"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let pdf = r.bytes().await.unwrap().to_vec();
    let dir = fresh_data_dir().unwrap();
    let file = dir.join("bien-lai.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let text = crate::results::run("pdftotext", &[file.to_str().unwrap(), "-"]);
    assert!(
        text.contains("BIÊN LAI THU PHÍ, LỆ PHÍ ĐIỆN TỬ") && text.contains("8.000 đồng") && text.contains(&code),
        "{text}"
    );
    let v = crate::results::pyhanko(&s.data.join("signing-demo/ca.pem"), None, &[&file]);
    assert_eq!((v[0]["intact"].as_bool(), v[0]["trusted"].as_bool()), (Some(true), Some(true)), "{v:?}");
    let sig = crate::results::run("pdfsig", &[file.to_str().unwrap()]);
    assert!(sig.contains("Signature is Valid."), "{sig}");
    // Another citizen cannot download it.
    let other = Caller::login(&s, "0913000001", PASSWORD).await;
    let r =
        other.c.get(format!("{}/api/v1/documents/{}", s.url, doc["sha256"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The same notification again (a duplicate, or a replay): acknowledged, nothing changes.
    let params = gw.result_params(&txn).unwrap();
    assert_eq!(gw.notify(&params).await["RspCode"], "02");
    let again = dossier(&citizen, &code).await;
    assert_eq!(again["version"], d["version"], "no second payment on the dossier");
    let r: Value =
        s.client().get(format!("{}/api/v1/results/{receipt}", s.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["status"], "issued");

    // Forged (amount changed, old signature) and unknown references.
    let mut forged = params.clone();
    forged.insert("vnp_Amount".into(), "100".into());
    assert_eq!(gw.notify(&forged).await["RspCode"], "97");
    let mut unknown: BTreeMap<String, String> =
        params.iter().filter(|(k, _)| !k.starts_with("vnp_SecureHash")).map(|(k, v)| (k.clone(), v.clone())).collect();
    unknown.insert("vnp_TxnRef".into(), "TT-NOPE".into());
    let signed: BTreeMap<String, String> = Gateway::sign(&unknown)
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            (k.to_owned(), percent_encoding::percent_decode_str(&v.replace('+', " ")).decode_utf8_lossy().into_owned())
        })
        .collect();
    assert_eq!(gw.notify(&signed).await["RspCode"], "01");

    // Decision 766 from these facts: 3.5 (fee-bearing procedures payable online: the demo has a
    // VietQR account and this server a gateway) and 3.6 (dossiers paid online).
    let v: Value = s
        .client()
        .get(format!("{}/api/v1/ioc/index?unit=000.00.03.H08", s.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ind = |key: &str| crate::ioc::indicator(&v, key).clone();
    let payable = ind("3.5");
    assert_eq!((payable["source"].as_str(), payable["rate"].as_f64()), (Some("computed"), Some(1.0)), "{payable}");
    let paid = ind("3.6");
    assert_eq!(paid["rate"].as_f64(), Some(1.0), "{paid}");
    // The leader's drill-down of 3.5 lists the fee-bearing procedures behind the figure.
    let leader = Caller::login(&s, "lanhdao@tinhso.local", PASSWORD).await;
    let page = leader.c.get(format!("{}/dieu-hanh/chi-so/3.5?don-vi=000.00.03.H08", s.url)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    let listed = page.matches("thanh toán trực tuyến được</li>").count();
    assert_eq!(listed as f64, payable["inputs"][1]["value"].as_f64().unwrap(), "{page}");

    // The ledger holds the payment's story and the audit passes.
    let (c, out, err) = run_cli(bin(), &[vec!["audit".into(), "verify".into()], s.data_args()].concat()).await.unwrap();
    assert_eq!(c, 0, "{out}{err}");
    let (c, out, err) = run_cli(bin(), &[vec!["ioc".into(), "check".into()], s.data_args()].concat()).await.unwrap();
    assert_eq!(c, 0, "{out}{err}");
    // A fee lowered, or a payment marked paid, in the database: the audit names it.
    let verify = || async {
        let (c, out, err) =
            run_cli(bin(), &[vec!["audit".into(), "verify".into()], s.data_args()].concat()).await.unwrap();
        (c, format!("{out}{err}"))
    };
    for (edit, undo, column) in [
        ("amount_vnd = amount_vnd - 1", "amount_vnd = amount_vnd + 1", "amount_vnd"),
        ("state = 'refunded'", "state = 'paid'", "state"),
    ] {
        s.exec_sql(&format!("UPDATE payment SET {edit} WHERE state = 'paid'")).await.unwrap();
        let (c, out) = verify().await;
        assert_eq!(c, 1, "{out}");
        assert!(out.contains("khoản thanh toán") && out.contains(&format!("ở cột {column}")), "{out}");
        let back = if column == "state" { "state = 'refunded'" } else { "state = 'paid'" };
        s.exec_sql(&format!("UPDATE payment SET {undo} WHERE {back}")).await.unwrap();
        assert_eq!(verify().await.0, 0, "restored after {column}");
    }
}

on_both_backends_with_gateway!(faults_on_sqlite, faults_on_postgres, faults_change_nothing_they_should_not);

async fn faults_change_nothing_they_should_not(s: TestServer, gw: Gateway) {
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;

    // Cancelled on the gateway: the fee is still due, and a second attempt can pay it.
    let code = awaiting_fee(&s, &citizen).await;
    let txn = go_to_gateway(&s, &citizen, &code).await;
    let page = pay(&gw, &citizen, &txn, false).await;
    assert!(page.contains("Đã hủy thanh toán"), "{page}");
    assert_eq!(dossier(&citizen, &code).await["state"], "payment_requested");

    // A signed notification of another amount: refused (04), the fee still due.
    gw.set_mode(Ipn::WrongAmount);
    let txn = go_to_gateway(&s, &citizen, &code).await;
    pay(&gw, &citizen, &txn, true).await;
    assert_eq!(gw.sent().last().unwrap().1["RspCode"], "04");
    // A forged notification (amount changed after signing): refused (97).
    gw.set_mode(Ipn::Forged);
    let code2 = awaiting_fee(&s, &citizen).await;
    let txn2 = go_to_gateway(&s, &citizen, &code2).await;
    gw.set_api_down(true);
    let page = pay(&gw, &citizen, &txn2, true).await;
    assert_eq!(gw.sent().last().unwrap().1["RspCode"], "97");
    // The browser is back with a genuine return, but the gateway cannot be asked: nothing is
    // confirmed on the browser's word.
    assert!(page.contains("Đang chờ cổng thanh toán xác nhận"), "{page}");
    assert_eq!(dossier(&citizen, &code2).await["state"], "payment_requested");
    // A return whose signature is wrong: refused.
    let r = citizen.c.get(format!(
        "{}/thanh-toan/ket-qua?vnp_TxnRef={txn2}&vnp_Amount=800000&vnp_ResponseCode=00&vnp_SecureHash=00",
        s.url
    ));
    assert_eq!(r.send().await.unwrap().status(), StatusCode::BAD_REQUEST);

    // The gateway comes back: the next sweep asks it and confirms the payment (the late word).
    gw.set_api_down(false);
    s.exec_sql(&format!("UPDATE payment SET updated_at = '2000-01-01T00:00:00Z' WHERE txn_ref = '{txn2}'"))
        .await
        .unwrap();
    let mut state = Value::Null;
    for _ in 0..50 {
        state = dossier(&citizen, &code2).await["state"].clone();
        if state == "processing" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(state, "processing", "confirmed by the gateway's answer to a query");

    // No notification and the gateway never heard of it: expired by the sweep; then a late
    // notification of money taken still confirms it.
    gw.set_mode(Ipn::None);
    let txn3 = go_to_gateway(&s, &citizen, &code).await;
    pay(&gw, &citizen, &txn3, true).await;
    assert_eq!(dossier(&citizen, &code).await["state"], "processing", "the return page asked the gateway");
    let txn_gone = {
        let code3 = awaiting_fee(&s, &citizen).await;
        let t = go_to_gateway(&s, &citizen, &code3).await;
        // The citizen closes the tab: no payment at the gateway, no return.
        s.exec_sql(&format!("UPDATE payment SET updated_at = '2000-01-01T00:00:00Z' WHERE txn_ref = '{t}'"))
            .await
            .unwrap();
        (t, code3)
    };
    let fee = |code: String| {
        let c = citizen.c.clone();
        let url = format!("{}/ho-so/{code}/nop-phi", s.url);
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let mut page = String::new();
    for _ in 0..50 {
        page = fee(txn_gone.1.clone()).await;
        if page.contains("Hết thời hạn thanh toán") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(page.contains("Hết thời hạn thanh toán"), "{page}");
    // The citizen had in fact paid, and the gateway's notification arrives late: the money is
    // the citizen's payment, confirmed, never lost.
    gw.set_mode(Ipn::Normal);
    pay(&gw, &citizen, &txn_gone.0, true).await;
    assert_eq!(gw.sent().last().unwrap().1["RspCode"], "00");
    assert_eq!(dossier(&citizen, &txn_gone.1).await["state"], "processing");
}

on_both_backends_with_gateway!(refund_on_sqlite, refund_on_postgres, a_stopped_dossier_is_refunded);

async fn a_stopped_dossier_is_refunded(s: TestServer, gw: Gateway) {
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let code = awaiting_fee(&s, &citizen).await;
    let txn = go_to_gateway(&s, &citizen, &code).await;
    pay(&gw, &citizen, &txn, true).await;
    let approver = Caller::login(&s, "pheduyet@tinhso.local", PASSWORD).await;
    let (st, _) = approver.act(&code, json!({ "action": "stop", "reason": "Không đủ điều kiện giải quyết" })).await;
    assert_eq!(st, StatusCode::OK);
    let mut refunded = false;
    for _ in 0..50 {
        if gw.txn(&txn).is_some_and(|t| t.refunded) {
            refunded = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(refunded, "the gateway refunded the fee");
    let mut page = String::new();
    for _ in 0..25 {
        page = citizen.c.get(format!("{}/ho-so/{code}/nop-phi", s.url)).send().await.unwrap().text().await.unwrap();
        if page.contains("Đã hoàn tiền") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(page.contains("Đã hoàn tiền"), "{page}");
}

on_both_backends_with_gateway!(reconcile_on_sqlite, reconcile_on_postgres, a_bank_statement_is_reconciled_once);

async fn a_bank_statement_is_reconciled_once(s: TestServer, _gw: Gateway) {
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let code = awaiting_fee(&s, &citizen).await;
    let other = awaiting_fee(&s, &citizen).await;
    let bare: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
    let statement = format!(
        "Số tham chiếu;Ngày giao dịch;Số tiền ghi có;Nội dung\n\
         FT26337001;03/12/2026;8.000;MBVCB.99.{bare}.NGUYEN VAN A chuyen tien\n\
         FT26337002;03/12/2026;5.000;{other}\n\
         FT26337003;03/12/2026;200.000;tien an trua\n"
    );
    let dir = fresh_data_dir().unwrap();
    let file = dir.join("saoke.csv");
    std::fs::write(&file, statement).unwrap();
    let args = [vec!["payments".into(), "reconcile".into()], s.data_args(), vec![file.display().to_string()]].concat();
    let (c, out, err) = run_cli(bin(), &args).await.unwrap();
    assert_eq!(c, 0, "{out}{err}");
    assert!(out.contains("Xác nhận 1 khoản · 2 khoản cần xem xét"), "{out}");
    assert!(out.contains("số tiền không khớp") && out.contains("Không tìm thấy mã hồ sơ"), "{out}");
    let d = dossier(&citizen, &code).await;
    assert_eq!((d["state"].as_str(), d["paid_online"].as_bool()), (Some("processing"), Some(true)), "{d}");
    assert_eq!(dossier(&citizen, &other).await["state"], "payment_requested");
    // The same file again: nothing confirmed twice.
    let (c, out, err) = run_cli(bin(), &args).await.unwrap();
    assert_eq!(c, 0, "{out}{err}");
    assert!(out.contains("Xác nhận 0 khoản") && out.contains("đã đối soát trước đó"), "{out}");
    assert_eq!(dossier(&citizen, &code).await["version"], d["version"]);
    // A statement without the columns named: a clear error.
    let args = [
        vec!["payments".into(), "reconcile".into()],
        s.data_args(),
        vec![file.display().to_string(), "--columns".into(), "amount=Credit".into()],
    ]
    .concat();
    let (c, _, err) = run_cli(bin(), &args).await.unwrap();
    assert_ne!(c, 0);
    assert!(err.contains("sao kê không có cột \"Credit\""), "{err}");
}

on_both_backends_with_gateway!(paid_twice_on_sqlite, paid_twice_on_postgres, a_fee_paid_twice_is_refunded_once);

async fn a_fee_paid_twice_is_refunded_once(s: TestServer, gw: Gateway) {
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let code = awaiting_fee(&s, &citizen).await;
    // Two tabs: two payments started, both completed at the gateway.
    let first = go_to_gateway(&s, &citizen, &code).await;
    let second = go_to_gateway(&s, &citizen, &code).await;
    pay(&gw, &citizen, &first, true).await;
    pay(&gw, &citizen, &second, true).await;
    assert_eq!(gw.sent().last().unwrap().1["RspCode"], "02");
    assert!(gw.txn(&second).is_some_and(|t| t.refunded), "the second payment went back");
    assert!(gw.txn(&first).is_some_and(|t| !t.refunded));
    let d = dossier(&citizen, &code).await;
    assert_eq!((d["state"].as_str(), d["paid_online"].as_bool()), (Some("processing"), Some(true)));
    let page = citizen.c.get(format!("{}/ho-so/{code}/nop-phi", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Đã thanh toán") && page.contains("Đã hoàn tiền"), "{page}");
}
