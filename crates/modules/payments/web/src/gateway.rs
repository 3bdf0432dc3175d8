//! The gateway port: what the platform asks of any payment gateway (send the citizen to pay,
//! read a report it signed, ask it about a payment, refund one, answer its notification), and
//! the first adapter, VNPay's protocol (2.1.0), which other Vietnamese gateways follow closely.

use crate::service::{gateway_time, new_ref};
use async_trait::async_trait;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use std::collections::BTreeMap;
use tinhso_http::error::AppError;
use tinhso_payments::gateway::{self, Merchant, PayRequest, Report};
use tinhso_payments_port::Payment;

#[async_trait]
pub trait Gateway: Send + Sync + 'static {
    /// The address that takes the citizen to the gateway's payment page.
    fn pay_url(&self, r: &PayRequest<'_>) -> String;
    /// The report in a notification or a browser return, if the gateway signed it.
    fn report(&self, params: &BTreeMap<String, String>) -> Option<Report>;
    /// What the gateway says of `p` now (`None`: it never heard of it).
    async fn query(&self, p: &Payment) -> Result<Option<Report>, AppError>;
    /// Refunds `p` in full.
    async fn refund(&self, p: &Payment) -> Result<(), AppError>;
    /// The answer to a notification, in the gateway's own form ("00" taken, "01" unknown, "02"
    /// already confirmed, "04" wrong amount, "97" bad signature, "99" other).
    fn answer(&self, code: &'static str) -> Response;
    /// The gateway's origin, which the fee page's form must be allowed to reach.
    fn origin(&self) -> String;
}

/// VNPay's protocol with the province's merchant account.
pub struct Vnpay(pub Merchant);

fn unavailable(e: String) -> AppError {
    AppError::Unavailable {
        code: "gateway_unavailable",
        vi: format!("Cổng thanh toán chưa trả lời ({e}); hệ thống sẽ hỏi lại sau"),
        en: format!("The payment gateway did not answer ({e}); it will be asked again"),
    }
}

/// yyyyMMddHHmmss of the payment's creation, as the gateway knows the transaction's date.
fn transaction_date(p: &Payment) -> String {
    chrono::DateTime::parse_from_rfc3339(&p.created_at).map(|t| gateway_time(t.with_timezone(&Utc))).unwrap_or_default()
}

impl Vnpay {
    /// Posts a merchant-API call; the answer's string fields, once its signature over
    /// `signed` (in that order, joined by `|`) is checked.
    async fn call(&self, body: &serde_json::Value, signed: &[&str]) -> Result<BTreeMap<String, String>, AppError> {
        let resp = reqwest::Client::new()
            .post(&self.0.api_url)
            .timeout(std::time::Duration::from_secs(10))
            .json(body)
            .send()
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        let v: serde_json::Value = resp.json().await.map_err(|e| unavailable(e.to_string()))?;
        let fields: BTreeMap<String, String> = v
            .as_object()
            .map(|o| o.iter().filter_map(|(k, x)| x.as_str().map(|s| (k.clone(), s.to_owned()))).collect())
            .unwrap_or_default();
        let values: Vec<&str> = signed.iter().map(|k| fields.get(*k).map(String::as_str).unwrap_or("")).collect();
        let given = fields.get("vnp_SecureHash").map(String::as_str).unwrap_or("");
        if !gateway::api_hash_ok(&self.0.secret, &values, given) {
            return Err(unavailable("the answer's signature is wrong".into()));
        }
        Ok(fields)
    }
}

#[async_trait]
impl Gateway for Vnpay {
    fn pay_url(&self, r: &PayRequest<'_>) -> String {
        gateway::pay_url(&self.0, r)
    }

    fn report(&self, params: &BTreeMap<String, String>) -> Option<Report> {
        let ours = params.get("vnp_TmnCode") == Some(&self.0.tmn_code);
        if !ours || !gateway::verify(&self.0.secret, params) {
            return None;
        }
        Report::from_params(params)
    }

    async fn query(&self, p: &Payment) -> Result<Option<Report>, AppError> {
        let m = &self.0;
        let now = gateway_time(Utc::now());
        let request_id = new_ref()?;
        let created = transaction_date(p);
        let fields =
            [request_id.as_str(), "2.1.0", "querydr", &m.tmn_code, &p.txn_ref, &created, &now, "127.0.0.1", "query"];
        let body = serde_json::json!({
            "vnp_RequestId": request_id, "vnp_Version": "2.1.0", "vnp_Command": "querydr", "vnp_TmnCode": m.tmn_code,
            "vnp_TxnRef": p.txn_ref, "vnp_OrderInfo": "query", "vnp_TransactionDate": created, "vnp_CreateDate": now,
            "vnp_IpAddr": "127.0.0.1", "vnp_SecureHash": gateway::api_hash(&m.secret, &fields),
        });
        let s = self
            .call(
                &body,
                &[
                    "vnp_ResponseId",
                    "vnp_Command",
                    "vnp_ResponseCode",
                    "vnp_Message",
                    "vnp_TmnCode",
                    "vnp_TxnRef",
                    "vnp_Amount",
                    "vnp_BankCode",
                    "vnp_PayDate",
                    "vnp_TransactionNo",
                    "vnp_TransactionType",
                    "vnp_TransactionStatus",
                    "vnp_OrderInfo",
                    "vnp_PromotionCode",
                    "vnp_PromotionAmount",
                ],
            )
            .await?;
        let get = |k: &str| s.get(k).cloned().unwrap_or_default();
        match get("vnp_ResponseCode").as_str() {
            "91" => return Ok(None), // the gateway knows no such transaction
            "00" => {}
            other => return Err(unavailable(format!("response {other}"))),
        }
        let mut params = BTreeMap::new();
        for k in
            ["vnp_TxnRef", "vnp_Amount", "vnp_TransactionNo", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionStatus"]
        {
            params.insert(k.to_owned(), get(k));
        }
        // The transaction's own status stands for the response code of a notification.
        params.insert("vnp_ResponseCode".into(), get("vnp_TransactionStatus"));
        Ok(Report::from_params(&params))
    }

    async fn refund(&self, p: &Payment) -> Result<(), AppError> {
        let m = &self.0;
        let now = gateway_time(Utc::now());
        let request_id = new_ref()?;
        let amount = (p.amount_vnd * 100).to_string();
        let txn_no = p.external_ref.clone().unwrap_or_default();
        let created = transaction_date(p);
        let fields = [
            request_id.as_str(),
            "2.1.0",
            "refund",
            &m.tmn_code,
            "02",
            &p.txn_ref,
            &amount,
            &txn_no,
            &created,
            "tinhso",
            &now,
            "127.0.0.1",
            "refund",
        ];
        let body = serde_json::json!({
            "vnp_RequestId": request_id, "vnp_Version": "2.1.0", "vnp_Command": "refund", "vnp_TmnCode": m.tmn_code,
            "vnp_TransactionType": "02", "vnp_TxnRef": p.txn_ref, "vnp_Amount": amount, "vnp_TransactionNo": txn_no,
            "vnp_TransactionDate": created, "vnp_CreateBy": "tinhso", "vnp_CreateDate": now, "vnp_IpAddr": "127.0.0.1",
            "vnp_OrderInfo": "refund", "vnp_SecureHash": gateway::api_hash(&m.secret, &fields),
        });
        let s = self
            .call(&body, &["vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_TmnCode", "vnp_TxnRef"])
            .await?;
        // "94": a refund of this transaction is already under way or done: as good as done.
        match s.get("vnp_ResponseCode").map(String::as_str) {
            Some("00" | "94") => Ok(()),
            other => Err(unavailable(format!("response {other:?}"))),
        }
    }

    fn answer(&self, code: &'static str) -> Response {
        Json(gateway::ipn_answer(code)).into_response()
    }

    fn origin(&self) -> String {
        self.0.pay_url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/")
    }
}
