//! An SMS gateway simulator in the shape the platform speaks (one JSON `POST {"to", "text"}`
//! with a bearer token), behaving as a brand-name SMS service does: 401 without the token, 400
//! for a number its network does not know or a text that is not one GSM message (over 160
//! characters, or outside the GSM alphabet: a Vietnamese mark), 202 with a message id when
//! accepted. Faults are switched on per test: down (503) for the next requests.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use std::sync::{Arc, Mutex};

/// One request as the gateway saw it, and its answer.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: String,
    pub text: String,
    pub status: u16,
}

#[derive(Default)]
struct Inner {
    token: String,
    down_for: usize,
    unknown: Vec<String>,
    log: Vec<Received>,
}

#[derive(Clone)]
pub struct SmsGateway {
    /// The send address to give the platform.
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl SmsGateway {
    pub async fn start(token: &str) -> anyhow::Result<SmsGateway> {
        let inner = Arc::new(Mutex::new(Inner { token: token.to_owned(), ..Default::default() }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/api/send", listener.local_addr()?);
        let app = Router::new().route("/api/send", post(send)).with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(SmsGateway { url, inner })
    }

    /// Answers 503 to the next `n` requests.
    pub fn down_for(&self, n: usize) {
        if let Ok(mut i) = self.inner.lock() {
            i.down_for = n;
        }
    }

    /// A number the network does not know: refused with 400.
    pub fn unknown_number(&self, to: &str) {
        if let Ok(mut i) = self.inner.lock() {
            i.unknown.push(to.to_owned());
        }
    }

    pub fn log(&self) -> Vec<Received> {
        self.inner.lock().map(|i| i.log.clone()).unwrap_or_default()
    }
}

/// The GSM 03.38 basic alphabet's printable ASCII part (no marks, no `` ` `` or `^`…).
fn gsm(text: &str) -> bool {
    text.chars().all(|c| c.is_ascii_alphanumeric() || " @$\n\r_!\"#%&'()*+,-./:;<=>?".contains(c))
}

async fn send(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> (StatusCode, Json<serde_json::Value>) {
    let Ok(mut i) = inner.lock() else { return (StatusCode::INTERNAL_SERVER_ERROR, Json(serde_json::json!({}))) };
    let to = body["to"].as_str().unwrap_or_default().to_owned();
    let text = body["text"].as_str().unwrap_or_default().to_owned();
    let bearer = format!("Bearer {}", i.token);
    let (status, answer) = if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(bearer.as_str()) {
        (StatusCode::UNAUTHORIZED, serde_json::json!({ "error": "unauthorized" }))
    } else if i.down_for > 0 {
        i.down_for -= 1;
        (StatusCode::SERVICE_UNAVAILABLE, serde_json::json!({ "error": "maintenance" }))
    } else if i.unknown.contains(&to)
        || !(to.len() == 10 && to.starts_with('0') && to.bytes().all(|b| b.is_ascii_digit()))
    {
        (StatusCode::BAD_REQUEST, serde_json::json!({ "error": "invalid_number" }))
    } else if text.chars().count() > 160 || !gsm(&text) {
        (StatusCode::BAD_REQUEST, serde_json::json!({ "error": "text_not_gsm" }))
    } else {
        (StatusCode::ACCEPTED, serde_json::json!({ "id": format!("m{}", i.log.len() + 1) }))
    };
    i.log.push(Received { to, text, status: status.as_u16() });
    (status, Json(answer))
}
