//! Accepting connections: HTTP/1.1 served by hyper, with a deadline on every request's head.
//!
//! A client that opens connections and sends its request head a byte at a time (slowloris), or
//! leaves keep-alive connections idle, would otherwise hold a socket and a file descriptor for
//! ever: measured before this, 2,000 half-sent requests were all still open 35 s later, and
//! enough of them leave the server unable to accept anyone. hyper closes a connection whose
//! next request head has not fully arrived within [`Limits::header_timeout`] (an idle
//! keep-alive connection included: browsers open a new one). A body may take as long as it
//! needs (an upload on a slow line takes minutes) provided it keeps coming: after the same
//! grace it must have averaged [`MIN_BODY_BYTES_PER_SEC`], or the request fails and the
//! connection closes (a body sent a byte at a time would hold a connection just as well).
//! A failed accept (no descriptors left) is logged and retried after a pause, never fatal, and
//! the server raises its own open-files limit to the most the system allows it at start
//! (services often start with a soft limit of 1,024, a few hundred connections' worth).
//!
//! A request head hyper cannot parse gets the platform's `{code, message}`, not hyper's empty
//! answer (`transport.rs`).
//!
//! One address may hold at most [`Limits::per_address`] connections at once (an IPv6 client
//! counts by its /64, which one subscriber is given whole): without it one machine could open
//! tens of thousands, each a socket, a descriptor and a buffer, however short its deadline. A
//! connection over the cap is not dropped silently: its one request is answered 429
//! `too_many_connections` with `Retry-After` (by the edge, as a page or as `{code, message}`)
//! and it closes, with a short deadline for its head. Trusted proxies are not capped: every
//! citizen behind them arrives from their address.

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tower::{Service, ServiceExt};

/// The slowest a request body may arrive on average once its grace has passed: a 2G line
/// sends several times this.
pub const MIN_BODY_BYTES_PER_SEC: u64 = 1024;

/// The `Retry-After` of a connection over its address's cap: by then keep-alive connections
/// of finished pages have begun to close.
pub const CROWDED_RETRY_SECS: i64 = 10;

/// The head deadline of a connection over the cap: it gets one short answer.
const CROWDED_HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// What a connection may cost the server.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Time a client has to send a whole request head, from the moment the server waits for it;
    /// also the grace before a body must keep [`MIN_BODY_BYTES_PER_SEC`].
    pub header_timeout: Duration,
    /// Connections one address may hold at once; 0 for no cap.
    pub per_address: u32,
    /// Addresses not capped: the trusted reverse proxies.
    pub uncapped: Vec<ipnet::IpNet>,
}

impl Default for Limits {
    fn default() -> Self {
        // hyper's own default, which it applies only when given a timer (axum's `serve` gives
        // none). A request head is a few hundred bytes: 30 s is ample on a 2G line.
        // 4,096 connections: a browser opens at most six to one site, so a carrier's shared
        // address (CGNAT) may have some 680 people on the site at once, and a load test from one
        // machine is not refused; yet one machine cannot hold the tens of thousands of sockets
        // (descriptors and buffers, a few hundred megabytes) that would starve everyone else.
        Self { header_timeout: Duration::from_secs(30), per_address: 4096, uncapped: Vec::new() }
    }
}

/// Marks a request that came on a connection over its address's cap: the edge answers it 429.
#[derive(Clone, Copy, Debug)]
pub struct Crowded;

/// Open connections per client address.
#[derive(Default)]
struct Crowd {
    open: Mutex<HashMap<IpAddr, u32>>,
}

/// One open connection's place in its address's count, given back when the connection ends.
struct Seat {
    crowd: Arc<Crowd>,
    key: IpAddr,
}

impl Crowd {
    /// Counts a new connection from `ip`; returns its seat and how many its address holds now.
    fn enter(self: &Arc<Self>, ip: IpAddr) -> (Seat, u32) {
        let key = crate::client::counted_as(ip);
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let n = open.entry(key).or_insert(0);
        *n = n.saturating_add(1);
        (Seat { crowd: self.clone(), key }, *n)
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        let mut open = self.crowd.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// Serves `app` on every connection `listener` accepts until `shutdown` resolves, then waits
/// for requests under way to finish.
pub async fn serve_connections<S>(
    listener: tokio::net::TcpListener,
    app: S,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    S: Service<Request, Response = axum::response::Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let mut crowded_http = hyper::server::conn::http1::Builder::new();
    crowded_http
        .timer(TokioTimer::new())
        .header_read_timeout(CROWDED_HEADER_TIMEOUT.min(limits.header_timeout))
        .keep_alive(false);
    let crowd = Arc::new(Crowd::default());
    loop {
        let (tcp, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot accept a connection; retrying");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let capped = limits.per_address > 0 && !limits.uncapped.iter().any(|n| n.contains(&remote.ip()));
        let (seat, crowded) = if capped {
            let (seat, n) = crowd.enter(remote.ip());
            (Some(seat), n > limits.per_address)
        } else {
            (None, false)
        };
        if crowded {
            tracing::debug!(client = %remote.ip(), "connection over the address's cap");
        }
        let app = app.clone();
        let grace = limits.header_timeout;
        let per_request = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
            let mut req = req.map(|body| Body::new(Steady::new(body, grace)));
            // What `into_make_service_with_connect_info` would add: the client address module
            // (behind trusted proxies or not) starts from it.
            req.extensions_mut().insert(ConnectInfo(remote));
            if crowded {
                req.extensions_mut().insert(Crowded);
            }
            app.clone().oneshot(req)
        });
        let builder = if crowded { &crowded_http } else { &http };
        let io = TokioIo::new(crate::transport::Transport::new(tcp));
        let conn = graceful.watch(builder.serve_connection(io, per_request));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(seat);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// A request body that must keep arriving (module docs).
struct Steady<B> {
    inner: B,
    /// When the body must have begun to arrive: the head's arrival plus the grace.
    due: tokio::time::Instant,
    received: u64,
    /// Set the first time the body is not ready, then moved as bytes arrive.
    timer: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl<B> Steady<B> {
    fn new(inner: B, grace: Duration) -> Self {
        Self { inner, due: tokio::time::Instant::now() + grace, received: 0, timer: None }
    }

    /// The moment by which the body is too slow unless more has arrived.
    fn deadline(&self) -> tokio::time::Instant {
        self.due + Duration::from_millis(self.received.saturating_mul(1000) / MIN_BODY_BYTES_PER_SEC)
    }
}

/// The error a too-slow body ends with (the request fails with 408; hyper closes the connection).
#[derive(Debug)]
pub struct TooSlow;

impl std::fmt::Display for TooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the request body arrived slower than {MIN_BODY_BYTES_PER_SEC} bytes a second")
    }
}

impl std::error::Error for TooSlow {}

impl<B> http_body::Body for Steady<B>
where
    B: http_body::Body<Data = axum::body::Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = axum::body::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        use std::task::Poll;
        let this = self.get_mut();
        match std::pin::Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received += data.len() as u64;
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                let deadline = this.deadline();
                let timer = this.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if timer.deadline() != deadline {
                    timer.as_mut().reset(deadline);
                }
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(TooSlow)))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Raises the soft limit on open files to the hard limit; returns (before, after), or `None`
/// where the limit cannot be read or raised (the server then keeps what it was given).
pub fn raise_open_files_limit() -> Option<(u64, u64)> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let now = getrlimit(Resource::Nofile);
    let before = now.current?;
    let most = now.maximum.unwrap_or(u64::MAX).min(1 << 20);
    if most <= before {
        return Some((before, before));
    }
    setrlimit(Resource::Nofile, Rlimit { current: Some(most), maximum: now.maximum }).ok()?;
    Some((before, most))
}

#[cfg(test)]
mod tests {
    /// Seats are given back when connections end; an address with none left is forgotten.
    #[test]
    fn a_seat_is_given_back_when_its_connection_ends() {
        let crowd = std::sync::Arc::new(super::Crowd::default());
        let ip = "198.51.100.4".parse().unwrap();
        let (a, n1) = crowd.enter(ip);
        let (b, n2) = crowd.enter(ip);
        assert_eq!((n1, n2), (1, 2));
        drop(a);
        let (_c, n3) = crowd.enter(ip);
        assert_eq!(n3, 2);
        drop(b);
        drop(_c);
        assert!(crowd.open.lock().unwrap().is_empty());
    }

    /// The limit after the call is the hard limit (capped at 2^20), never lower than before.
    #[test]
    fn the_open_files_limit_rises_to_the_hard_limit() {
        use rustix::process::{getrlimit, Resource};
        let (before, after) = super::raise_open_files_limit().unwrap();
        assert!(after >= before);
        let now = getrlimit(Resource::Nofile);
        assert_eq!(now.current, Some(after));
        assert_eq!(after, now.maximum.unwrap_or(u64::MAX).min(1 << 20));
    }
}
