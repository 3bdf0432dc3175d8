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

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;
use tower::{Service, ServiceExt};

/// The slowest a request body may arrive on average once its grace has passed: a 2G line
/// sends several times this.
pub const MIN_BODY_BYTES_PER_SEC: u64 = 1024;

/// What a connection may cost the server.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Time a client has to send a whole request head, from the moment the server waits for it;
    /// also the grace before a body must keep [`MIN_BODY_BYTES_PER_SEC`].
    pub header_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        // hyper's own default, which it applies only when given a timer (axum's `serve` gives
        // none). A request head is a few hundred bytes: 30 s is ample on a 2G line.
        Self { header_timeout: Duration::from_secs(30) }
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
        let app = app.clone();
        let grace = limits.header_timeout;
        let per_request = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
            let mut req = req.map(|body| Body::new(Steady::new(body, grace)));
            // What `into_make_service_with_connect_info` would add: the client address module
            // (behind trusted proxies or not) starts from it.
            req.extensions_mut().insert(ConnectInfo(remote));
            app.clone().oneshot(req)
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(tcp), per_request));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
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
