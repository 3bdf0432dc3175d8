//! The load generator: `connections` keep-alive connections driven by one thread of its own
//! (like `wrk -t1`), each cycling through its requests for a fixed time and recording every
//! latency. The same generator loads the product and the ceiling programs.

use crate::http1::Conn;
use anyhow::{anyhow, Result};
use std::future::Future;
use std::net::SocketAddr;
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
        // A rank inside the sorted latencies: between 0 and len - 1, so the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let i = ((pct.clamp(0.0, 100.0) / 100.0) * (self.latencies_us.len() - 1) as f64).round() as usize;
        f64::from(self.latencies_us[i.min(self.latencies_us.len() - 1)]) / 1000.0
    }
}

/// GETs of `paths`, cycled, on anonymous connections.
pub async fn gets(addr: SocketAddr, paths: Vec<String>, connections: usize, measure: Duration) -> Result<Outcome> {
    get_paths(addr, None, paths, connections, measure).await
}

/// GETs of `paths`, cycled, each connection logged in as `login`.
pub async fn authed_gets(
    addr: SocketAddr,
    login: &'static str,
    password: &'static str,
    paths: Vec<String>,
    connections: usize,
    measure: Duration,
) -> Result<Outcome> {
    get_paths(addr, Some((login, password)), paths, connections, measure).await
}

async fn get_paths(
    addr: SocketAddr,
    login: Option<(&'static str, &'static str)>,
    paths: Vec<String>,
    connections: usize,
    measure: Duration,
) -> Result<Outcome> {
    let paths = std::sync::Arc::new(paths);
    let setup = move |mut c: Conn, _| async move {
        if let Some((login, password)) = login {
            c.login(login, password).await?;
        }
        Ok(c)
    };
    run(addr, connections, measure, setup, move |mut c, conn, i| {
        let paths = paths.clone();
        async move {
            let path = &paths[usize::try_from((conn as u64 * 131 + i) % paths.len() as u64).unwrap_or(0)];
            let ok = matches!(c.get(path).await, Ok(r) if r.status == 200);
            (c, ok)
        }
    })
    .await
}

/// Opens `connections` connections, prepares each with `setup` (say, a login), then runs
/// `op(connection, connection index, request number)` in a loop on each for 2 s of warm-up
/// and `measure`; `op` hands the connection back and says whether the request succeeded. A
/// connection that broke is reopened (and set up again). Everything runs on one thread with a
/// runtime of its own, so the generator never takes more than one core from the server.
pub async fn run<S, SF, F, Fut>(
    addr: SocketAddr,
    connections: usize,
    measure: Duration,
    setup: S,
    op: F,
) -> Result<Outcome>
where
    S: Fn(Conn, usize) -> SF + Send + Clone + 'static,
    SF: Future<Output = Result<Conn>>,
    F: Fn(Conn, usize, u64) -> Fut + Send + Clone + 'static,
    Fut: Future<Output = (Conn, bool)>,
{
    run_on(vec![addr], connections, measure, setup, op).await
}

/// [`run`] over several servers: connection `i` goes to `addrs[i % addrs.len()]`.
pub async fn run_on<S, SF, F, Fut>(
    addrs: Vec<SocketAddr>,
    connections: usize,
    measure: Duration,
    setup: S,
    op: F,
) -> Result<Outcome>
where
    S: Fn(Conn, usize) -> SF + Send + Clone + 'static,
    SF: Future<Output = Result<Conn>>,
    F: Fn(Conn, usize, u64) -> Fut + Send + Clone + 'static,
    Fut: Future<Output = (Conn, bool)>,
{
    on_own_thread(addrs, connections, None, measure, setup, op).await
}

/// Open-loop load, as wrk2 makes it: request `g` (over all connections) is due at
/// `start + g / rate`, each connection sends its share in order, and a latency is counted from
/// when the request was due, not from when it was sent, so a server that falls behind is charged
/// for the queue it built (no coordinated omission). `rate` is requests per second in total.
pub async fn run_rate<S, SF, F, Fut>(
    addrs: Vec<SocketAddr>,
    connections: usize,
    rate: f64,
    measure: Duration,
    setup: S,
    op: F,
) -> Result<Outcome>
where
    S: Fn(Conn, usize) -> SF + Send + Clone + 'static,
    SF: Future<Output = Result<Conn>>,
    F: Fn(Conn, usize, u64) -> Fut + Send + Clone + 'static,
    Fut: Future<Output = (Conn, bool)>,
{
    on_own_thread(addrs, connections, Some(rate), measure, setup, op).await
}

/// Runs [`drive`] on a thread with a single-threaded runtime of its own.
async fn on_own_thread<S, SF, F, Fut>(
    addrs: Vec<SocketAddr>,
    connections: usize,
    rate: Option<f64>,
    measure: Duration,
    setup: S,
    op: F,
) -> Result<Outcome>
where
    S: Fn(Conn, usize) -> SF + Send + Clone + 'static,
    SF: Future<Output = Result<Conn>>,
    F: Fn(Conn, usize, u64) -> Fut + Send + Clone + 'static,
    Fut: Future<Output = (Conn, bool)>,
{
    let (done, result) = tokio::sync::oneshot::channel();
    std::thread::Builder::new().name("load-generator".into()).spawn(move || {
        let out =
            tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(anyhow::Error::from).and_then(
                |rt| tokio::task::LocalSet::new().block_on(&rt, drive(addrs, connections, rate, measure, setup, op)),
            );
        let _ = done.send(out);
    })?;
    result.await.map_err(|_| anyhow!("the load generator thread stopped"))?
}

/// The load itself. Without a `rate`, closed loop: each connection sends its next request as
/// soon as the last is answered, and a latency runs from sending. With one, open loop: request
/// `k` of connection `c` is due at `start + (k + c / connections) * connections / rate`, and its
/// latency runs from then.
async fn drive<S, SF, F, Fut>(
    addrs: Vec<SocketAddr>,
    connections: usize,
    rate: Option<f64>,
    measure: Duration,
    setup: S,
    op: F,
) -> Result<Outcome>
where
    S: Fn(Conn, usize) -> SF + Clone + 'static,
    SF: Future<Output = Result<Conn>>,
    F: Fn(Conn, usize, u64) -> Fut + Clone + 'static,
    Fut: Future<Output = (Conn, bool)>,
{
    let mut ready = Vec::with_capacity(connections);
    for conn in 0..connections {
        ready.push(setup(Conn::connect(addrs[conn % addrs.len().max(1)]).await?, conn).await?);
    }
    let start = Instant::now();
    let measure_from = start + Duration::from_secs(2);
    let end = measure_from + measure;
    let interval = rate.map(|r| Duration::from_secs_f64(connections as f64 / r.max(1.0)));
    let mut tasks = Vec::new();
    for (conn, c) in ready.into_iter().enumerate() {
        let (op, setup, addr) = (op.clone(), setup.clone(), addrs[conn % addrs.len().max(1)]);
        tasks.push(tokio::task::spawn_local(async move {
            let mut lat = Vec::with_capacity(100_000);
            let mut errors = 0usize;
            let mut c = Some(c);
            let mut k = 0u64;
            loop {
                // When this request counts from: when it is due (open loop), or now.
                let due = match interval {
                    Some(every) => {
                        // Connections are staggered evenly over one interval.
                        let due = start + every.mul_f64(k as f64 + conn as f64 / connections as f64);
                        if due < end {
                            tokio::time::sleep_until(due.into()).await;
                        }
                        due
                    }
                    None => Instant::now(),
                };
                if due >= end {
                    break;
                }
                let current = match c.take() {
                    Some(c) => c,
                    None => match reopen(addr, &setup, conn).await {
                        Ok(c) => c,
                        Err(_) => {
                            errors += 1;
                            k += 1;
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            continue;
                        }
                    },
                };
                let (back, ok) = op(current, conn, k).await;
                k += 1;
                // A request that broke may leave a half-read response behind: start afresh. One
                // the server refused whole (a desk out of codes, a 429) keeps its connection and
                // session, as a real client's would: a new login costs the server an argon2 hash.
                c = (ok || back.reusable()).then_some(back);
                if due >= measure_from {
                    if ok {
                        lat.push(u32::try_from(due.elapsed().as_micros()).unwrap_or(u32::MAX));
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

async fn reopen<S, SF>(addr: SocketAddr, setup: &S, conn: usize) -> Result<Conn>
where
    S: Fn(Conn, usize) -> SF,
    SF: Future<Output = Result<Conn>>,
{
    setup(Conn::connect(addr).await?, conn).await
}

/// A small, fast generator (splitmix64) for drawing keys uniformly; seeded per connection.
pub struct Draw(u64);

impl Draw {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    /// Uniform in `0..n` (n > 0); the modulo bias is below 1e-12 for the sizes used here.
    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        usize::try_from(z % (n.max(1) as u64)).unwrap_or(0)
    }
}
