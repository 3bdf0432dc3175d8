//! `/metrics` in the Prometheus text format (0.0.4): request latency by route, the storage
//! engine's writer and connections, the email outbox's lag, failed logins and refusals for too
//! many attempts. Kept by hand (a handful of atomics and one histogram map) rather than with a
//! metrics framework: the few series an operator needs, cheap on every request.
//!
//! Served to loopback clients, and to others only with `--metrics-token` as a bearer token:
//! route latencies and login failures are an attacker's map.

use crate::client::ClientAddr;
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Instant;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (i, le) in BUCKETS.iter().enumerate() {
            if seconds <= *le {
                self.counts[i] += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }
}

/// The platform's own counters.
#[derive(Default)]
pub struct Metrics {
    /// (route, method, status class "2xx") -> latency.
    requests: Mutex<BTreeMap<(String, String, &'static str), Histogram>>,
    login_failures: AtomicU64,
    throttled: AtomicU64,
}

impl Metrics {
    pub fn login_failed(&self) {
        self.login_failures.fetch_add(1, Relaxed);
    }

    fn record(&self, route: String, method: String, status: StatusCode, seconds: f64) {
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.throttled.fetch_add(1, Relaxed);
        }
        let class = match status.as_u16() {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        if let Ok(mut map) = self.requests.lock() {
            map.entry((route, method, class)).or_default().observe(seconds);
        }
    }
}

/// Times every request under its route's pattern (`/ho-so/{code}`, never the path itself,
/// which would make a series per dossier); unmatched paths count as one route.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let resp = next.run(req).await;
    state.metrics.record(route, method, resp.status(), started.elapsed().as_secs_f64());
    resp
}

/// Gives every request an id (the `X-Request-Id` a trusted proxy sent, else a new one), logs
/// everything the request logs inside a span carrying it, and returns it in `X-Request-Id`, so
/// that a citizen's complaint, a proxy's log and the server's log can be matched.
pub async fn request_id(State(state): State<AppState>, req: Request, next: Next) -> Response {
    use tracing::Instrument;
    let from_proxy = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .is_some_and(|c| state.config.trusted_proxies.iter().any(|n| n.contains(&c.0.ip())));
    let sent = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| from_proxy && !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned);
    let id = sent.unwrap_or_else(|| {
        let mut bytes = [0u8; 8];
        let _ = getrandom::getrandom(&mut bytes);
        hex::encode(bytes)
    });
    let span = tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path());
    let mut resp = next.run(req).instrument(span).await;
    if let Ok(v) = axum::http::HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>, ClientAddr(client): ClientAddr, headers: HeaderMap) -> Response {
    let token_ok = state.config.metrics_token.as_deref().is_some_and(|t| {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|sent| crate::auth::same_secret(sent, t))
    });
    if !client.is_loopback() && !token_ok {
        return crate::error::ApiError(crate::error::AppError::Forbidden).into_response();
    }
    let mut out = String::new();
    let _ = write_requests(&mut out, &state.metrics);
    let e = state.store.health.engine_stats();
    let gauge = |out: &mut String, name: &str, kind: &str, help: &str, v: f64| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}");
    };
    gauge(&mut out, "tinhso_writer_batches_total", "counter", "Commits of batched writes (SQLite).", e.batches as f64);
    gauge(&mut out, "tinhso_writer_writes_total", "counter", "Writes committed in batches.", e.batched_writes as f64);
    gauge(
        &mut out,
        "tinhso_writer_commit_seconds_total",
        "counter",
        "Time spent committing, fsync included.",
        e.commit_seconds,
    );
    gauge(&mut out, "tinhso_writer_queue_depth", "gauge", "Writes waiting for the writer.", e.queued as f64);
    gauge(&mut out, "tinhso_db_connections", "gauge", "Database connections open.", e.connections as f64);
    gauge(
        &mut out,
        "tinhso_db_waiting_for_connection",
        "gauge",
        "Requests waiting for a connection.",
        e.waiting_for_connection as f64,
    );
    let (pending, age) = state.store.health.outbox_lag(chrono::Utc::now()).await.unwrap_or((-1, -1));
    gauge(&mut out, "tinhso_outbox_pending", "gauge", "Notification emails not yet sent.", pending as f64);
    gauge(&mut out, "tinhso_outbox_oldest_seconds", "gauge", "Age of the oldest unsent email.", age as f64);
    gauge(
        &mut out,
        "tinhso_login_failures_total",
        "counter",
        "Logins refused for a wrong login or password.",
        state.metrics.login_failures.load(Relaxed) as f64,
    );
    gauge(
        &mut out,
        "tinhso_throttled_total",
        "counter",
        "Answers 429 (too many attempts).",
        state.metrics.throttled.load(Relaxed) as f64,
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}

fn write_requests(out: &mut String, m: &Metrics) -> std::fmt::Result {
    let name = "tinhso_http_request_duration_seconds";
    writeln!(out, "# HELP {name} Time to answer a request, by route pattern, method and status class.")?;
    writeln!(out, "# TYPE {name} histogram")?;
    let Ok(map) = m.requests.lock() else { return Ok(()) };
    for ((route, method, class), h) in map.iter() {
        let labels = format!("route=\"{}\",method=\"{method}\",status=\"{class}\"", escape(route));
        for (le, n) in BUCKETS.iter().zip(h.counts) {
            writeln!(out, "{name}_bucket{{{labels},le=\"{le}\"}} {n}")?;
        }
        writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", h.count)?;
        writeln!(out, "{name}_sum{{{labels}}} {}", h.sum)?;
        writeln!(out, "{name}_count{{{labels}}} {}", h.count)?;
    }
    Ok(())
}

/// A label value as the text format escapes it.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
