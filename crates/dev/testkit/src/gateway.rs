//! A payment gateway simulator speaking the VNPay 2.1.0 protocol the platform implements:
//! a payment page checking the signed redirect, the citizen paying or cancelling, a signed
//! notification (IPN) to the merchant's registered address and a signed browser return, and
//! the merchant API (`querydr`, `refund`) answering with signatures. Faults are switched on
//! per test: no notification, a duplicate, a forged one, a wrong amount, a late one, an API
//! that is down.

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use tinhso_payments::gateway::{api_hash, api_hash_ok, signed_query, verify};

pub const TMN: &str = "TINHSO01";
pub const SECRET: &str = "SIMULATOR-SECRET-0123456789";

/// What the simulator does wrong, on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ipn {
    #[default]
    Normal,
    /// Never notifies: only the browser comes back (and the platform must ask).
    None,
    /// Notifies twice.
    Duplicate,
    /// Notifies with a changed amount and the original signature.
    Forged,
    /// Notifies, signed, an amount other than the one asked.
    WrongAmount,
}

#[derive(Debug, Clone)]
pub struct Txn {
    pub amount_raw: String,
    pub return_url: String,
    /// "00" paid, "24" cancelled, "01" not finished.
    pub status: String,
    pub transaction_no: String,
    pub refunded: bool,
    pub order_info: String,
}

#[derive(Default)]
struct Inner {
    ipn_url: String,
    mode: Ipn,
    api_down: bool,
    txns: HashMap<String, Txn>,
    /// Every notification sent and the merchant's answer.
    sent: Vec<(BTreeMap<String, String>, serde_json::Value)>,
    next_no: u64,
}

#[derive(Clone)]
pub struct Gateway {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

fn lock(i: &Mutex<Inner>) -> std::sync::MutexGuard<'_, Inner> {
    match i.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

fn parse_query(q: &str) -> BTreeMap<String, String> {
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            let v = v.replace('+', " ");
            (k.to_owned(), percent_encoding::percent_decode_str(&v).decode_utf8_lossy().into_owned())
        })
        .collect()
}

impl Gateway {
    pub async fn start() -> anyhow::Result<Gateway> {
        let inner = Arc::new(Mutex::new(Inner { next_no: 14_000_000, ..Inner::default() }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let app = Router::new()
            .route("/paymentv2/vpcpay.html", get(pay_page))
            .route("/sim/pay", get(pay))
            .route("/merchant_webapi/api/transaction", post(api))
            .with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Gateway { url, inner })
    }

    pub fn pay_url(&self) -> String {
        format!("{}/paymentv2/vpcpay.html", self.url)
    }

    /// The merchant's notification address, as registered with the gateway.
    pub fn set_ipn(&self, url: &str) {
        lock(&self.inner).ipn_url = url.to_owned();
    }

    pub fn set_mode(&self, mode: Ipn) {
        lock(&self.inner).mode = mode;
    }

    pub fn set_api_down(&self, down: bool) {
        lock(&self.inner).api_down = down;
    }

    pub fn txn(&self, txn_ref: &str) -> Option<Txn> {
        lock(&self.inner).txns.get(txn_ref).cloned()
    }

    /// Notifications sent so far with the merchant's answers.
    pub fn sent(&self) -> Vec<(BTreeMap<String, String>, serde_json::Value)> {
        lock(&self.inner).sent.clone()
    }

    /// The signed result parameters of a finished transaction (what IPN and return carry).
    pub fn result_params(&self, txn_ref: &str) -> Option<BTreeMap<String, String>> {
        let g = lock(&self.inner);
        g.txns.get(txn_ref).map(|t| result_params(txn_ref, t))
    }

    /// Sends the notification of `txn_ref` now (a late one), signed; the merchant's answer.
    pub async fn notify(&self, params: &BTreeMap<String, String>) -> serde_json::Value {
        let ipn = lock(&self.inner).ipn_url.clone();
        send(&self.inner, &ipn, params).await
    }

    /// A signed query string of `params` (to build a browser return by hand).
    pub fn sign(params: &BTreeMap<String, String>) -> String {
        signed_query(SECRET, params)
    }
}

fn result_params(txn_ref: &str, t: &Txn) -> BTreeMap<String, String> {
    let mut p = BTreeMap::new();
    let status = if t.status == "00" { "00" } else { "02" };
    for (k, v) in [
        ("vnp_Amount", t.amount_raw.as_str()),
        ("vnp_BankCode", "NCB"),
        ("vnp_CardType", "ATM"),
        ("vnp_OrderInfo", t.order_info.as_str()),
        ("vnp_PayDate", "20261203140000"),
        ("vnp_ResponseCode", t.status.as_str()),
        ("vnp_TmnCode", TMN),
        ("vnp_TransactionNo", t.transaction_no.as_str()),
        ("vnp_TransactionStatus", status),
        ("vnp_TxnRef", txn_ref),
    ] {
        p.insert(k.to_owned(), v.to_owned());
    }
    let signed = signed_query(SECRET, &p);
    parse_query(&signed)
}

async fn send(inner: &Arc<Mutex<Inner>>, ipn: &str, params: &BTreeMap<String, String>) -> serde_json::Value {
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)))
        .collect();
    let answer = match reqwest::get(format!("{ipn}?{}", query.join("&"))).await {
        Ok(r) => r.json::<serde_json::Value>().await.unwrap_or(serde_json::Value::Null),
        Err(e) => serde_json::json!({ "error": e.to_string() }),
    };
    lock(inner).sent.push((params.clone(), answer.clone()));
    answer
}

async fn pay_page(State(inner): State<Arc<Mutex<Inner>>>, Query(p): Query<BTreeMap<String, String>>) -> Response {
    if !verify(SECRET, &p) || p.get("vnp_TmnCode").map(String::as_str) != Some(TMN) {
        return (axum::http::StatusCode::BAD_REQUEST, Html("<h1>Sai chữ ký</h1>")).into_response();
    }
    let (Some(r), Some(amount), Some(ret)) = (p.get("vnp_TxnRef"), p.get("vnp_Amount"), p.get("vnp_ReturnUrl")) else {
        return (axum::http::StatusCode::BAD_REQUEST, Html("<h1>Thiếu tham số</h1>")).into_response();
    };
    lock(&inner).txns.insert(
        r.clone(),
        Txn {
            amount_raw: amount.clone(),
            return_url: ret.clone(),
            status: "01".into(),
            transaction_no: String::new(),
            refunded: false,
            order_info: p.get("vnp_OrderInfo").cloned().unwrap_or_default(),
        },
    );
    Html(format!(
        "<!doctype html><html lang=\"vi\"><head><title>Cổng thanh toán (giả lập)</title></head><body><main><h1>Cổng thanh toán (giả lập)</h1>\
         <p>Số tiền: {} đồng</p><p><a href=\"/sim/pay?ref={r}&amp;outcome=ok\">Xác nhận thanh toán</a></p>\
         <p><a href=\"/sim/pay?ref={r}&amp;outcome=cancel\">Hủy giao dịch</a></p></main></body></html>",
        amount.parse::<u64>().unwrap_or(0) / 100
    ))
    .into_response()
}

async fn pay(State(inner): State<Arc<Mutex<Inner>>>, Query(q): Query<BTreeMap<String, String>>) -> Response {
    let r = q.get("ref").cloned().unwrap_or_default();
    let ok = q.get("outcome").map(String::as_str) == Some("ok");
    let (params, ret, mode, ipn) = {
        let mut g = lock(&inner);
        g.next_no += 1;
        let no = g.next_no.to_string();
        let Some(t) = g.txns.get_mut(&r) else { return axum::http::StatusCode::NOT_FOUND.into_response() };
        t.status = if ok { "00".into() } else { "24".into() };
        t.transaction_no = if ok { no } else { "0".into() };
        let t = t.clone();
        (result_params(&r, &t), t.return_url, g.mode, g.ipn_url.clone())
    };
    match mode {
        Ipn::Normal => {
            send(&inner, &ipn, &params).await;
        }
        Ipn::None => {}
        Ipn::Duplicate => {
            send(&inner, &ipn, &params).await;
            send(&inner, &ipn, &params).await;
        }
        Ipn::Forged => {
            let mut f = params.clone();
            f.insert("vnp_Amount".into(), "100".into());
            send(&inner, &ipn, &f).await;
        }
        Ipn::WrongAmount => {
            // The citizen paid another amount (a tampered page): the gateway says so everywhere.
            let t = {
                let mut g = lock(&inner);
                let Some(t) = g.txns.get_mut(&r) else { return axum::http::StatusCode::NOT_FOUND.into_response() };
                let raw: u64 = t.amount_raw.parse().unwrap_or(0);
                t.amount_raw = (raw / 2).to_string();
                t.clone()
            };
            let signed = result_params(&r, &t);
            send(&inner, &ipn, &signed).await;
        }
    }
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)))
        .collect();
    Redirect::to(&format!("{ret}?{}", query.join("&"))).into_response()
}

async fn api(State(inner): State<Arc<Mutex<Inner>>>, Json(v): Json<serde_json::Value>) -> Response {
    if lock(&inner).api_down {
        return (axum::http::StatusCode::SERVICE_UNAVAILABLE, "down").into_response();
    }
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default().to_owned();
    let command = s("vnp_Command");
    let reject = |code: &str| {
        let fields = ["R1".to_owned(), command.clone(), code.to_owned(), TMN.to_owned(), s("vnp_TxnRef")];
        let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
        Json(serde_json::json!({ "vnp_ResponseId": "R1", "vnp_Command": command, "vnp_ResponseCode": code,
            "vnp_TmnCode": TMN, "vnp_TxnRef": s("vnp_TxnRef"), "vnp_SecureHash": api_hash(SECRET, &refs) }))
        .into_response()
    };
    match command.as_str() {
        "querydr" => {
            let fields = [
                s("vnp_RequestId"),
                s("vnp_Version"),
                s("vnp_Command"),
                s("vnp_TmnCode"),
                s("vnp_TxnRef"),
                s("vnp_TransactionDate"),
                s("vnp_CreateDate"),
                s("vnp_IpAddr"),
                s("vnp_OrderInfo"),
            ];
            let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
            if !api_hash_ok(SECRET, &refs, &s("vnp_SecureHash")) {
                return reject("97");
            }
            let t = lock(&inner).txns.get(&s("vnp_TxnRef")).cloned();
            let Some(t) = t else {
                // No such transaction: the merchant may give the payment up.
                let answer = [
                    "R1",
                    "querydr",
                    "91",
                    "Không tìm thấy giao dịch",
                    TMN,
                    &s("vnp_TxnRef"),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ];
                return Json(
                    serde_json::json!({ "vnp_ResponseId": "R1", "vnp_Command": "querydr", "vnp_ResponseCode": "91",
                    "vnp_Message": "Không tìm thấy giao dịch", "vnp_TmnCode": TMN, "vnp_TxnRef": s("vnp_TxnRef"),
                    "vnp_SecureHash": api_hash(SECRET, &answer) }),
                )
                .into_response();
            };
            let status = match (t.refunded, t.status.as_str()) {
                (true, _) => "06",
                (false, "00") => "00",
                (false, "24") => "02",
                _ => "01",
            };
            let answer = [
                "R1",
                "querydr",
                "00",
                "OK",
                TMN,
                &s("vnp_TxnRef"),
                &t.amount_raw,
                "NCB",
                "20261203140000",
                &t.transaction_no,
                "01",
                status,
                &t.order_info,
                "",
                "",
            ];
            Json(serde_json::json!({ "vnp_ResponseId": "R1", "vnp_Command": "querydr", "vnp_ResponseCode": "00",
                "vnp_Message": "OK", "vnp_TmnCode": TMN, "vnp_TxnRef": s("vnp_TxnRef"), "vnp_Amount": t.amount_raw,
                "vnp_BankCode": "NCB", "vnp_PayDate": "20261203140000", "vnp_TransactionNo": t.transaction_no,
                "vnp_TransactionType": "01", "vnp_TransactionStatus": status, "vnp_OrderInfo": t.order_info,
                "vnp_PromotionCode": "", "vnp_PromotionAmount": "", "vnp_SecureHash": api_hash(SECRET, &answer) }))
            .into_response()
        }
        "refund" => {
            let fields = [
                s("vnp_RequestId"),
                s("vnp_Version"),
                s("vnp_Command"),
                s("vnp_TmnCode"),
                s("vnp_TransactionType"),
                s("vnp_TxnRef"),
                s("vnp_Amount"),
                s("vnp_TransactionNo"),
                s("vnp_TransactionDate"),
                s("vnp_CreateBy"),
                s("vnp_CreateDate"),
                s("vnp_IpAddr"),
                s("vnp_OrderInfo"),
            ];
            let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
            if !api_hash_ok(SECRET, &refs, &s("vnp_SecureHash")) {
                return reject("97");
            }
            let mut g = lock(&inner);
            let Some(t) = g.txns.get_mut(&s("vnp_TxnRef")) else { return reject("91") };
            if t.status != "00" || t.amount_raw != s("vnp_Amount") {
                return reject("02");
            }
            let code = if t.refunded { "94" } else { "00" };
            t.refunded = true;
            drop(g);
            reject(code)
        }
        _ => reject("99"),
    }
}
