//! `/metrics` in the Prometheus text format (0.0.4): request latency by route, the storage
//! engine's writer and connections, the email outbox's lag, failed logins and refusals for too
//! many attempts, the data disk's room, the backups and signing certificates. Kept by hand (a
//! handful of atomics and one histogram map) rather than with a metrics framework: the few
//! series an operator needs, cheap on every request.
//!
//! Served to loopback clients, and to others only with `--metrics-token` as a bearer token:
//! route latencies and login failures are an attacker's map.

use crate::client::ClientAddr;
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::RwLock;
use std::time::Instant;
use tinhso_store::stats::{Distribution, Histogram};

/// Upper bounds of the request latency buckets, in seconds.
const REQUEST_SECONDS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// A series: route pattern, method, status class.
type Series = (std::sync::Arc<str>, axum::http::Method, &'static str);

/// Modules' counters: (name, outcome) -> (help, count).
type ModuleCounters = std::collections::BTreeMap<(&'static str, &'static str), (&'static str, AtomicU64)>;

/// A gauge read when `/metrics` is scraped, from something outside the server's memory (the
/// nightly backups' directory, the agencies' signing certificates): its name, help, and one
/// value per set of labels (none: the family is still declared, so alerts can name it).
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: &'static str,
    pub help: &'static str,
    pub values: Vec<(Vec<(&'static str, String)>, f64)>,
}

impl Sample {
    /// A gauge with one value and no labels.
    pub fn one(name: &'static str, help: &'static str, value: f64) -> Self {
        Self { name, help, values: vec![(Vec::new(), value)] }
    }
}

/// What reads such gauges; it may look at the disk (scrapes run it on a blocking thread).
type Sampler = std::sync::Arc<dyn Fn() -> Vec<Sample> + Send + Sync>;

/// The platform's own counters.
#[derive(Default)]
pub struct Metrics {
    /// (route, method, status class "2xx") -> latency.
    requests: RwLock<HashMap<Series, std::sync::Arc<Histogram>>>,
    login_failures: AtomicU64,
    throttled: AtomicU64,
    over_cap: AtomicU64,
    /// Texts (SMS) by what became of an attempt: delivered, to try again, refused for good.
    texts: [AtomicU64; 3],
    /// Modules' own counters by (name, outcome label), each with its help text: a module
    /// counts what only it knows of (lookups in a national database) without the platform
    /// naming it.
    modules: RwLock<ModuleCounters>,
    /// Gauges the composition root and modules have read at each scrape (`sample_on_scrape`).
    samplers: RwLock<Vec<Sampler>>,
}

impl Metrics {
    /// One attempt at a text, counted by what became of it.
    pub fn text_attempted(&self, outcome: &tinhso_notify::sms::Outcome) {
        let i = match outcome {
            tinhso_notify::sms::Outcome::Sent => 0,
            tinhso_notify::sms::Outcome::Later { .. } => 1,
            tinhso_notify::sms::Outcome::Refused(_) => 2,
        };
        self.texts[i].fetch_add(1, Relaxed);
    }

    /// Declares a module's counter with each outcome it counts, at 0: a series Prometheus
    /// watches exists before its first event (an alert on it can then be checked, and
    /// `increase()` sees the first one).
    pub fn declare(&self, name: &'static str, help: &'static str, outcomes: &[&'static str]) {
        if let Ok(mut m) = self.modules.write() {
            for outcome in outcomes {
                m.entry((name, outcome)).or_insert_with(|| (help, AtomicU64::new(0)));
            }
        }
    }

    /// Adds one to a module's counter `name{outcome="…"}` (`help` describes the series).
    pub fn count(&self, name: &'static str, help: &'static str, outcome: &'static str) {
        if let Some((_, n)) = self.modules.read().ok().as_ref().and_then(|m| m.get(&(name, outcome))) {
            n.fetch_add(1, Relaxed);
            return;
        }
        if let Ok(mut m) = self.modules.write() {
            m.entry((name, outcome)).or_insert_with(|| (help, AtomicU64::new(0))).1.fetch_add(1, Relaxed);
        }
    }

    /// Reads `sampler`'s gauges at each scrape, so that they say what is true then.
    pub fn sample_on_scrape(&self, sampler: impl Fn() -> Vec<Sample> + Send + Sync + 'static) {
        if let Ok(mut s) = self.samplers.write() {
            s.push(std::sync::Arc::new(sampler));
        }
    }

    pub fn login_failed(&self) {
        self.login_failures.fetch_add(1, Relaxed);
    }

    /// A request refused, before any route, for its address's connection cap (a 429 too).
    pub fn connection_over_cap(&self) {
        self.over_cap.fetch_add(1, Relaxed);
        self.throttled.fetch_add(1, Relaxed);
    }

    fn record(
        &self,
        route: std::sync::Arc<str>,
        method: axum::http::Method,
        status: StatusCode,
        took: std::time::Duration,
    ) {
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
        let key = (route, method, class);
        let seen = self.requests.read().ok().and_then(|m| m.get(&key).cloned());
        let h = match seen {
            Some(h) => h,
            None => match self.requests.write() {
                Ok(mut m) => m.entry(key).or_insert_with(|| Histogram::new(REQUEST_SECONDS).into()).clone(),
                Err(_) => return,
            },
        };
        h.observe_duration(took);
    }
}

/// Times every request under its route's pattern (`/ho-so/{code}`, never the path itself,
/// which would make a series per dossier); unmatched paths count as one route. A route layer
/// (it sees which route matched), written out rather than `from_fn`, which boxes a clone of
/// the route's service on every request besides its future.
#[derive(Clone)]
pub struct Track(pub std::sync::Arc<Metrics>);

impl<S> tower::Layer<S> for Track {
    type Service = Tracked<S>;
    fn layer(&self, inner: S) -> Tracked<S> {
        Tracked { inner, metrics: self.0.clone() }
    }
}

/// A route's service, timed ([`Track`]).
#[derive(Clone)]
pub struct Tracked<S> {
    inner: S,
    metrics: std::sync::Arc<Metrics>,
}

impl<S> tower::Service<Request> for Tracked<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // A route's pattern, shared: one allocation per route for the life of the process.
        let route =
            req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".into(), |p| route_name(p.as_str()));
        let method = req.method().clone();
        let metrics = self.metrics.clone();
        let started = Instant::now();
        let answer = self.inner.call(req);
        Box::pin(async move {
            let resp = answer.await?;
            metrics.record(route, method, resp.status(), started.elapsed());
            Ok(resp)
        })
    }
}

/// The pattern as a shared string, interned so that a request does not allocate it.
fn route_name(pattern: &str) -> std::sync::Arc<str> {
    static NAMES: std::sync::LazyLock<RwLock<HashMap<String, std::sync::Arc<str>>>> =
        std::sync::LazyLock::new(Default::default);
    if let Some(n) = NAMES.read().ok().and_then(|m| m.get(pattern).cloned()) {
        return n;
    }
    match NAMES.write() {
        Ok(mut m) => m.entry(pattern.to_owned()).or_insert_with(|| pattern.into()).clone(),
        Err(_) => pattern.into(),
    }
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>, ClientAddr(client): ClientAddr, headers: HeaderMap) -> Response {
    let token_ok = state.config.metrics_token.as_deref().is_some_and(|t| {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|sent| tinhso_identity::same_secret(sent, t))
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
    gauge(
        &mut out,
        "tinhso_writer_batches_total",
        "counter",
        "Commits of batched writes (SQLite: all; PostgreSQL: submissions).",
        e.batches() as f64,
    );
    gauge(&mut out, "tinhso_writer_writes_total", "counter", "Writes committed in batches.", e.batched_writes() as f64);
    gauge(
        &mut out,
        "tinhso_writer_commit_seconds_total",
        "counter",
        "Time spent committing, fsync included.",
        e.commit_durations.sum,
    );
    let _ = write_histogram(
        &mut out,
        "tinhso_writer_batch_size",
        "Writes per batched commit (SQLite: every write; PostgreSQL: submissions).",
        &[("", &e.batch_sizes)],
    );
    let _ = write_histogram(
        &mut out,
        "tinhso_writer_commit_seconds",
        "Time each batched commit took, durable (its fsync included).",
        &[("", &e.commit_durations)],
    );
    if let Some(syncs) = &e.syncs {
        let _ = write_histogram(
            &mut out,
            "tinhso_writer_fsync_seconds",
            "Time each commit waited for the disk: its WAL writes and fdatasync (SQLite).",
            &[("", syncs)],
        );
    }
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
    // Without a relay nothing is ever sent, so the outbox's age is no lag to alert on.
    let relay = if state.config.mails { 1.0 } else { 0.0 };
    gauge(&mut out, "tinhso_email_relay_configured", "gauge", "1 when an SMTP relay is set (--smtp-url).", relay);
    // The newest integrity check (any server's): when it ran and whether it found the history
    // intact, so monitoring alerts on a break or on checks that stopped running (-1: none yet).
    let last = state.store.audit_runs.audit_runs(1).await.ok().and_then(|mut r| r.pop());
    gauge(
        &mut out,
        "tinhso_audit_last_run_timestamp_seconds",
        "gauge",
        "When the newest integrity check of the whole history finished (Unix time; -1: never).",
        last.as_ref().map_or(-1.0, |r| r.finished_at.timestamp() as f64),
    );
    gauge(
        &mut out,
        "tinhso_audit_last_intact",
        "gauge",
        "Whether the newest integrity check found the history intact (1), or a change outside the platform (0; -1: never).",
        last.as_ref().map_or(-1.0, |r| if matches!(r.finding, tinhso_store::AuditFinding::Intact { .. }) { 1.0 } else { 0.0 }),
    );
    gauge(
        &mut out,
        "tinhso_login_failures_total",
        "counter",
        "Logins refused for a wrong login or password.",
        state.metrics.login_failures.load(Relaxed) as f64,
    );
    for (i, (name, help)) in [
        ("tinhso_texts_sent_total", "Texts (SMS) the gateway accepted."),
        ("tinhso_texts_retried_total", "Text attempts to try again (gateway busy, down or silent)."),
        ("tinhso_texts_refused_total", "Texts the gateway refused for good (an unknown number)."),
    ]
    .into_iter()
    .enumerate()
    {
        let n = state.metrics.texts.get(i).map_or(0, |n| n.load(Relaxed));
        gauge(&mut out, name, "counter", help, n as f64);
    }
    gauge(
        &mut out,
        "tinhso_throttled_total",
        "counter",
        "Answers 429 (too many attempts, or connections from one address).",
        state.metrics.throttled.load(Relaxed) as f64,
    );
    gauge(
        &mut out,
        "tinhso_connections_over_cap_total",
        "counter",
        "Requests refused 429 because their address held too many connections.",
        state.metrics.over_cap.load(Relaxed) as f64,
    );
    write_room(&mut out, &state.files).await;
    write_samples(&mut out, &state.metrics).await;
    write_module_counters(&mut out, &state.metrics);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}

/// The data directory's disk: its room, the reserve uploads leave, and the uploads refused
/// for want of room (the alerts warn before the reserve is reached).
async fn write_room(out: &mut String, files: &tinhso_files::FileStore) {
    let mut gauge = |name: &str, kind: &str, help: &str, v: u64| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}");
    };
    match files.room().await {
        Ok(room) => {
            let free = "Bytes the server may still write on the data directory's disk (uploads, SQLite's database).";
            gauge("tinhso_data_disk_free_bytes", "gauge", free, room.free);
            gauge("tinhso_data_disk_size_bytes", "gauge", "Size of the data directory's disk.", room.size);
        }
        Err(e) => tracing::warn!(error = %e, "the data directory's disk could not be measured"),
    }
    let reserve = "Bytes uploads leave free on the data directory's disk (--disk-reserve-mb).";
    gauge("tinhso_data_disk_reserve_bytes", "gauge", reserve, files.reserve());
    let refused = "Uploads refused (503 storage_full) because the data directory's disk was down to its reserve.";
    gauge("tinhso_uploads_refused_no_room_total", "counter", refused, files.refused_for_room());
}

/// The gauges read at each scrape.
async fn write_samples(out: &mut String, m: &Metrics) {
    let samplers: Vec<Sampler> = m.samplers.read().map(|s| s.clone()).unwrap_or_default();
    let read = tokio::task::spawn_blocking(move || samplers.iter().flat_map(|f| f()).collect::<Vec<_>>()).await;
    for s in read.unwrap_or_default() {
        let _ = writeln!(out, "# HELP {0} {1}\n# TYPE {0} gauge", s.name, s.help);
        for (labels, value) in s.values {
            let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect();
            let labels = if labels.is_empty() { String::new() } else { format!("{{{}}}", labels.join(",")) };
            let _ = writeln!(out, "{}{labels} {value}", s.name);
        }
    }
}

/// The modules' counters, one family per name (its HELP and TYPE once, then each outcome).
fn write_module_counters(out: &mut String, m: &Metrics) {
    let Ok(map) = m.modules.read() else { return };
    let mut last = "";
    for ((name, outcome), (help, n)) in map.iter() {
        if *name != last {
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} counter\n"));
            last = name;
        }
        out.push_str(&format!("{name}{{outcome=\"{outcome}\"}} {}\n", n.load(Relaxed)));
    }
}

fn write_requests(out: &mut String, m: &Metrics) -> std::fmt::Result {
    let Ok(map) = m.requests.read() else { return Ok(()) };
    let mut series: Vec<_> = map
        .iter()
        .map(|((route, method, class), h)| {
            (format!("route=\"{}\",method=\"{method}\",status=\"{class}\"", escape(route)), h.read())
        })
        .collect();
    drop(map);
    series.sort_by(|a, b| a.0.cmp(&b.0));
    let labelled: Vec<_> = series.iter().map(|(l, d)| (l.as_str(), d)).collect();
    write_histogram(
        out,
        "tinhso_http_request_duration_seconds",
        "Time to answer a request, by route pattern, method and status class.",
        &labelled,
    )
}

/// One histogram family: its series, each as (labels, distribution).
fn write_histogram(out: &mut String, name: &str, help: &str, series: &[(&str, &Distribution)]) -> std::fmt::Result {
    writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram")?;
    for (labels, d) in series {
        let sep = if labels.is_empty() { "" } else { "," };
        for (le, n) in d.bounds.iter().zip(&d.at_most) {
            writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{le}\"}} {n}")?;
        }
        writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}", d.count)?;
        let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        writeln!(out, "{name}_sum{braces} {}", d.sum)?;
        writeln!(out, "{name}_count{braces} {}", d.count)?;
    }
    Ok(())
}

/// A label value as the text format escapes it.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
