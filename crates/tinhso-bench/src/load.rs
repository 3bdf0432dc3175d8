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

/// GETs of `urls`, cycled, one keep-alive connection per task.
pub async fn run(urls: &[String], connections: usize, measure: Duration) -> Result<Outcome> {
    let urls = std::sync::Arc::new(urls.to_vec());
    let clients = (0..connections).map(|_| client()).collect();
    run_with(clients, measure, move |c, conn, i| {
        let urls = urls.clone();
        async move {
            let url = &urls[(conn + i as usize) % urls.len()];
            match c.get(url).send().await {
                Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                _ => false,
            }
        }
    })
    .await
}

/// A client holding one connection (and its own cookies), as one user's device would.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().pool_max_idle_per_host(1).cookie_store(true).build().unwrap_or_default()
}

/// Runs `op(client, connection index, request number)` in a loop on every client for 2 s of
/// warm-up and `measure` seconds; `op` says whether the request succeeded.
pub async fn run_with<F, Fut>(clients: Vec<reqwest::Client>, measure: Duration, op: F) -> Result<Outcome>
where
    F: Fn(reqwest::Client, usize, u64) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let warmup = Duration::from_secs(2);
    let measure_from = Instant::now() + warmup;
    let end = measure_from + measure;
    let mut tasks = Vec::new();
    for (conn, client) in clients.into_iter().enumerate() {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(100_000);
            let mut errors = 0usize;
            let mut i = 0u64;
            loop {
                let now = Instant::now();
                if now >= end {
                    break;
                }
                let ok = op(client.clone(), conn, i).await;
                i += 1;
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
