//! The load generator: `connections` tasks, each with its own keep-alive connection, cycling
//! through the URLs for a fixed time and recording every latency. And the ceiling program.

use anyhow::Result;
use std::time::{Duration, Instant};

pub struct Outcome {
    pub requests: usize,
    pub errors: usize,
    pub elapsed: Duration,
    latencies_us: Vec<u32>,
}

impl Outcome {
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    /// Latency percentile in milliseconds.
    pub fn p(&self, pct: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let i = ((pct / 100.0) * (self.latencies_us.len() - 1) as f64).round() as usize;
        f64::from(self.latencies_us[i.min(self.latencies_us.len() - 1)]) / 1000.0
    }
}

pub async fn run(urls: &[String], connections: usize, measure: Duration) -> Result<Outcome> {
    let warmup = Duration::from_secs(2);
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + measure;
    let mut tasks = Vec::new();
    for c in 0..connections {
        let urls = urls.to_vec();
        tasks.push(tokio::spawn(async move {
            // One client per task: one connection each, as separate users would have.
            let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap_or_default();
            let mut lat = Vec::with_capacity(100_000);
            let mut errors = 0usize;
            let mut i = c;
            loop {
                let now = Instant::now();
                if now >= end {
                    break;
                }
                let url = &urls[i % urls.len()];
                i += 1;
                let ok = match client.get(url).send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if now >= measure_from {
                    if ok {
                        lat.push(u32::try_from(now.elapsed().as_micros()).unwrap_or(u32::MAX));
                    } else {
                        errors += 1;
                    }
                }
            }
            (lat, errors)
        }));
    }
    let mut latencies_us = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await?;
        latencies_us.extend(l);
        errors += e;
    }
    latencies_us.sort_unstable();
    Ok(Outcome { requests: latencies_us.len(), errors, elapsed: measure, latencies_us })
}

/// The ceiling: the smallest useful HTTP server on the same stack (tokio, hyper via axum),
/// answering a constant. Prints its base URL, then serves until killed.
pub async fn hello_server() -> Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("http://{}", listener.local_addr()?);
    let app = axum::Router::new().route("/hello", axum::routing::get(|| async { "xin chào" }));
    axum::serve(listener, app).await?;
    Ok(())
}
