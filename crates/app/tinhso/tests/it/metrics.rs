//! `/metrics` as Prometheus reads it: parsed by the official Python client's text-format
//! parser (`prometheus_client`, from PyPI), with request latencies per route pattern, the
//! SQLite writer's batches, the outbox, failed logins and 429s; refused to non-loopback clients
//! without the token.

use crate::dossier::{Caller, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tinhso_testkit::server::fresh_data_dir;
use tinhso_testkit::{Backend, TestServer};

/// The exposition parsed by `prometheus_client.parser`: sample name -> [(labels, value)].
pub(crate) fn parse(text: &str) -> Value {
    use std::io::Write;
    let script = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        out.setdefault(s.name, []).append([s.labels, s.value])
    out.setdefault("__types__", {})[family.name] = family.type
print(json.dumps(out))
"#;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 with prometheus_client (scripts/test installs it)");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the Prometheus parser refused the exposition: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

pub(crate) fn value(m: &Value, sample: &str, labels: &[(&str, &str)]) -> f64 {
    m[sample]
        .as_array()
        .unwrap_or_else(|| panic!("no {sample}"))
        .iter()
        .find(|s| labels.iter().all(|(k, v)| s[0][k] == *v))
        .and_then(|s| s[1].as_f64())
        .unwrap_or_else(|| panic!("no {sample} {labels:?}"))
}

#[tokio::test]
async fn metrics_are_prometheus_text_and_count_what_operators_watch_sqlite() {
    metrics_count_what_operators_watch(Backend::Sqlite).await;
}

#[tokio::test]
async fn metrics_are_prometheus_text_and_count_what_operators_watch_postgres() {
    metrics_count_what_operators_watch(Backend::Postgres).await;
}

/// The histogram `name` (no labels): its buckets rise with their bounds and end at its count,
/// which it returns with its sum.
fn histogram(m: &Value, name: &str) -> (f64, f64) {
    assert_eq!(m["__types__"][name], "histogram", "{name}");
    let mut buckets: Vec<(f64, f64)> = m[format!("{name}_bucket")]
        .as_array()
        .unwrap_or_else(|| panic!("no {name}_bucket"))
        .iter()
        .map(|s| (s[0]["le"].as_str().unwrap().parse::<f64>().unwrap(), s[1].as_f64().unwrap()))
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "{name}: buckets are cumulative: {buckets:?}");
    let count = value(m, &format!("{name}_count"), &[]);
    assert_eq!(buckets.last().map(|b| (b.0, b.1)), Some((f64::INFINITY, count)), "{name}");
    (count, value(m, &format!("{name}_sum"), &[]))
}

async fn metrics_count_what_operators_watch(backend: Backend) {
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(tinhso_testkit::server::fresh_pg_database().await.unwrap()),
    };
    let args = ["--trusted-proxy", "127.0.0.1", "--metrics-token", "so-do-bi-mat"];
    let s = TestServer::start_on(backend, crate::bin(), fresh_data_dir().unwrap(), database, &args).await.unwrap();
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let (_, units) = citizen.get("/api/v1/units").await;
    let commune = units["items"][0]["code"].as_u64().unwrap();
    let form = crate::dossier::generic_form(commune);
    for _ in 0..3 {
        let (st, _) =
            citizen.post("/api/v1/dossiers", json!({ "procedure": crate::dossier::PROVINCIAL, "form": form })).await;
        assert_eq!(st, StatusCode::CREATED);
    }
    let c = reqwest::Client::new();
    for _ in 0..6 {
        c.post(format!("{}/api/v1/session", s.url))
            .json(&json!({ "login": "0912345678", "password": "sai mật khẩu" }))
            .send()
            .await
            .unwrap();
    }
    let text = c.get(format!("{}/metrics", s.url)).send().await.unwrap();
    assert_eq!(text.status(), StatusCode::OK, "loopback reads it");
    assert!(text.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let m = parse(&text.text().await.unwrap());
    assert_eq!(m["__types__"]["tinhso_http_request_duration_seconds"], "histogram");
    let submitted = [("route", "/api/v1/dossiers"), ("method", "POST"), ("status", "2xx")];
    assert_eq!(value(&m, "tinhso_http_request_duration_seconds_count", &submitted), 3.0);
    assert_eq!(
        value(
            &m,
            "tinhso_http_request_duration_seconds_bucket",
            &[submitted[0], submitted[1], submitted[2], ("le", "+Inf")]
        ),
        3.0
    );
    assert!(value(&m, "tinhso_writer_batches_total", &[]) >= 1.0);
    assert!(value(&m, "tinhso_writer_writes_total", &[]) >= 3.0);
    assert!(value(&m, "tinhso_writer_commit_seconds_total", &[]) > 0.0);
    // Batch sizes and commit times as distributions: the three submissions were committed
    // in at least one batch and at most three, holding them all.
    let (batches, writes) = histogram(&m, "tinhso_writer_batch_size");
    assert!(batches >= 1.0 && writes >= 3.0, "{batches} batches of {writes} writes");
    let (commits, seconds) = histogram(&m, "tinhso_writer_commit_seconds");
    assert_eq!(commits, batches, "one commit time per batch");
    assert!(seconds > 0.0);
    match backend {
        // SQLite's commits wait for fdatasync, timed under SQLite; PostgreSQL syncs inside
        // its own commit, so there is no separate figure to show.
        Backend::Sqlite => {
            let (syncs, synced) = histogram(&m, "tinhso_writer_fsync_seconds");
            assert_eq!(syncs, commits, "one sync time per commit");
            assert!(synced > 0.0 && synced <= seconds, "{synced} s of syncs within {seconds} s of commits");
        }
        Backend::Postgres => assert!(m.get("tinhso_writer_fsync_seconds_count").is_none()),
    }
    assert!(value(&m, "tinhso_outbox_pending", &[]) >= 3.0, "submission notices wait for email");
    assert_eq!(value(&m, "tinhso_email_relay_configured", &[]), 0.0, "no relay here: the wait is no lag");
    assert!(value(&m, "tinhso_login_failures_total", &[]) >= 3.0);
    assert!(value(&m, "tinhso_throttled_total", &[]) >= 1.0, "the sixth guess waited");
    // No integrity check ran on this server (its schedule is off here): said as -1, not as
    // intact (the integrity story reads them after checks).
    assert_eq!(value(&m, "tinhso_audit_last_intact", &[]), -1.0);
    assert_eq!(value(&m, "tinhso_audit_last_run_timestamp_seconds", &[]), -1.0);
    // Routes are patterns, never paths: no series per dossier.
    assert!(m["tinhso_http_request_duration_seconds_count"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| !s[0]["route"].as_str().unwrap().contains("000.")));

    // Beyond loopback (through the trusted proxy): only with the token.
    let far = |auth: Option<&str>| {
        let mut r = c.get(format!("{}/metrics", s.url)).header("x-forwarded-for", "203.0.113.5");
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        r.send()
    };
    assert_eq!(far(None).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(far(Some("Bearer doan-bua")).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(far(Some("Bearer so-do-bi-mat")).await.unwrap().status(), StatusCode::OK);
    s.stop().await.unwrap();
}

/// Every answer carries a request id to match logs by; a trusted proxy's own id is kept, an id
/// sent by anyone else is not.
#[tokio::test]
async fn every_answer_has_a_request_id() {
    let args = ["--trusted-proxy", "127.0.0.1"];
    let s = TestServer::start_on(Backend::Sqlite, crate::bin(), fresh_data_dir().unwrap(), None, &args).await.unwrap();
    let c = reqwest::Client::new();
    let r = c.get(format!("{}/healthz", s.url)).send().await.unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 16, "{id}");
    let again = c.get(format!("{}/healthz", s.url)).send().await.unwrap();
    assert_ne!(again.headers()["x-request-id"].to_str().unwrap(), id, "one per request");
    let r = c.get(format!("{}/khong-co", s.url)).header("x-request-id", "proxy-7f3a").send().await.unwrap();
    assert_eq!(r.headers()["x-request-id"], "proxy-7f3a", "the proxy's id, kept");
    s.stop().await.unwrap();
    let s = crate::server(Backend::Sqlite).await;
    let r = c.get(format!("{}/healthz", s.url)).header("x-request-id", "toi-tu-dat").send().await.unwrap();
    assert_ne!(r.headers()["x-request-id"], "toi-tu-dat", "not from an untrusted client");
    s.stop().await.unwrap();
}
