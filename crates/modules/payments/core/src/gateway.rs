//! The gateway protocol in the shape Vietnamese gateways use (VNPay's 2.1.0, which others
//! follow closely): the citizen is redirected with parameters signed by HMAC-SHA512 over the
//! sorted, URL-encoded query; the gateway notifies the platform server to server (IPN) with a
//! signed query; the platform answers `{"RspCode","Message"}`; a transaction can be queried
//! (`querydr`) and refunded (`refund`) with a signature over the pipe-joined fields.
//! Amounts travel in đồng × 100.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use ring::hmac;
use std::collections::BTreeMap;

/// What stays unescaped in the signed query: as Java's URLEncoder (VNPay's reference), with
/// spaces as `+`.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'*');

fn encode(s: &str) -> String {
    utf8_percent_encode(s, QUERY).to_string().replace("%20", "+")
}

/// The gateway account of the province (merchant): terminal code and shared secret.
#[derive(Clone)]
pub struct Merchant {
    pub tmn_code: String,
    pub secret: String,
    /// The gateway's payment page and its API (query, refund).
    pub pay_url: String,
    pub api_url: String,
}

impl std::fmt::Debug for Merchant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Merchant").field("tmn_code", &self.tmn_code).field("pay_url", &self.pay_url).finish()
    }
}

pub fn hmac_hex(secret: &str, data: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA512, secret.as_bytes());
    hmac::sign(&key, data.as_bytes()).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The signed query string of `params` (without the hash fields), sorted by name.
pub fn signed_query(secret: &str, params: &BTreeMap<String, String>) -> String {
    let data: Vec<String> = params
        .iter()
        .filter(|(k, v)| !v.is_empty() && k.as_str() != "vnp_SecureHash" && k.as_str() != "vnp_SecureHashType")
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    let data = data.join("&");
    let hash = hmac_hex(secret, &data);
    format!("{data}&vnp_SecureHash={hash}")
}

/// Whether `params` (as received, decoded) carry a valid `vnp_SecureHash`.
pub fn verify(secret: &str, params: &BTreeMap<String, String>) -> bool {
    let Some(given) = params.get("vnp_SecureHash") else { return false };
    let data: Vec<String> = params
        .iter()
        .filter(|(k, v)| !v.is_empty() && k.as_str() != "vnp_SecureHash" && k.as_str() != "vnp_SecureHashType")
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    tinhso_kernel::secret::same(hmac_hex(secret, &data.join("&")).as_bytes(), given.to_ascii_lowercase().as_bytes())
}

/// A payment to start: the redirect address for the citizen's browser.
pub struct PayRequest<'a> {
    pub txn_ref: &'a str,
    pub amount_vnd: u64,
    pub order_info: &'a str,
    pub return_url: &'a str,
    pub client_ip: &'a str,
    /// yyyyMMddHHmmss in Vietnam's time.
    pub create_date: &'a str,
    pub expire_date: &'a str,
}

pub fn pay_url(m: &Merchant, r: &PayRequest<'_>) -> String {
    let mut p = BTreeMap::new();
    for (k, v) in [
        ("vnp_Version", "2.1.0"),
        ("vnp_Command", "pay"),
        ("vnp_TmnCode", m.tmn_code.as_str()),
        ("vnp_CurrCode", "VND"),
        ("vnp_TxnRef", r.txn_ref),
        ("vnp_OrderInfo", r.order_info),
        ("vnp_OrderType", "other"),
        ("vnp_Locale", "vn"),
        ("vnp_ReturnUrl", r.return_url),
        ("vnp_IpAddr", r.client_ip),
        ("vnp_CreateDate", r.create_date),
        ("vnp_ExpireDate", r.expire_date),
    ] {
        p.insert(k.to_owned(), v.to_owned());
    }
    p.insert("vnp_Amount".into(), (r.amount_vnd * 100).to_string());
    format!("{}?{}", m.pay_url, signed_query(&m.secret, &p))
}

/// What a gateway says of a transaction (a notification, a browser's return, a query's answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub txn_ref: String,
    pub amount_vnd: u64,
    /// "00": paid; "24": the citizen cancelled; others: failed.
    pub response_code: String,
    pub transaction_status: String,
    /// The gateway's own transaction number.
    pub transaction_no: String,
    pub bank_code: String,
    pub pay_date: String,
}

impl Report {
    pub fn from_params(p: &BTreeMap<String, String>) -> Option<Report> {
        let get = |k: &str| p.get(k).cloned().unwrap_or_default();
        let raw: u64 = p.get("vnp_Amount")?.parse().ok()?;
        if !raw.is_multiple_of(100) {
            return None;
        }
        Some(Report {
            txn_ref: p.get("vnp_TxnRef")?.clone(),
            amount_vnd: raw / 100,
            response_code: get("vnp_ResponseCode"),
            transaction_status: get("vnp_TransactionStatus"),
            transaction_no: get("vnp_TransactionNo"),
            bank_code: get("vnp_BankCode"),
            pay_date: get("vnp_PayDate"),
        })
    }

    pub fn paid(&self) -> bool {
        self.response_code == "00" && self.transaction_status == "00"
    }

    pub fn cancelled(&self) -> bool {
        self.response_code == "24"
    }
}

/// The signature of an API call or answer: HMAC-SHA512 over its fields joined by `|`.
pub fn api_hash(secret: &str, fields: &[&str]) -> String {
    hmac_hex(secret, &fields.join("|"))
}

pub fn api_hash_ok(secret: &str, fields: &[&str], given: &str) -> bool {
    tinhso_kernel::secret::same(api_hash(secret, fields).as_bytes(), given.to_ascii_lowercase().as_bytes())
}

/// The IPN answer the gateway expects.
pub fn ipn_answer(code: &str) -> serde_json::Value {
    let message = match code {
        "00" => "Confirm Success",
        "01" => "Order not found",
        "02" => "Order already confirmed",
        "04" => "Invalid amount",
        "97" => "Invalid signature",
        _ => "Unknown error",
    };
    serde_json::json!({ "RspCode": code, "Message": message })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merchant() -> Merchant {
        Merchant {
            tmn_code: "TINHSO01".into(),
            secret: "SECRET".into(),
            pay_url: "https://gw/pay".into(),
            api_url: String::new(),
        }
    }

    #[test]
    fn the_redirect_is_signed_and_a_change_breaks_it() {
        let url = pay_url(
            &merchant(),
            &PayRequest {
                txn_ref: "TT-1",
                amount_vnd: 8000,
                order_info: "Nộp lệ phí hồ sơ 000.00.03.H08-261203-0001",
                return_url: "http://x/thanh-toan/ket-qua",
                client_ip: "127.0.0.1",
                create_date: "20261203140000",
                expire_date: "20261203141500",
            },
        );
        let query = url.split_once('?').unwrap().1;
        let params: BTreeMap<String, String> = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| {
                let v = v.replace('+', " ");
                (k.to_owned(), percent_encoding::percent_decode_str(&v).decode_utf8().unwrap().into_owned())
            })
            .collect();
        assert_eq!(params["vnp_Amount"], "800000");
        assert!(verify("SECRET", &params));
        assert!(!verify("OTHER", &params));
        let mut forged = params.clone();
        forged.insert("vnp_Amount".into(), "100".into());
        assert!(!verify("SECRET", &forged));
        assert!(Report::from_params(&params).is_some());
    }

    #[test]
    fn api_signatures() {
        let h = api_hash("S", &["a", "b", "ç"]);
        assert!(api_hash_ok("S", &["a", "b", "ç"], &h.to_uppercase()));
        assert!(!api_hash_ok("S", &["a", "b", "c"], &h));
    }
}
