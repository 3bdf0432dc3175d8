//! Accepting connections: HTTP/1.1 served by hyper, with a deadline on every request's head.
//!
//! A client that opens connections and sends its request head a byte at a time (slowloris), or
//! leaves keep-alive connections idle, would otherwise hold a socket and a file descriptor for
//! ever: measured before this, 2,000 half-sent requests were all still open 35 s later, and
//! enough of them leave the server unable to accept anyone. hyper closes a connection whose
//! next request head has not fully arrived within [`Limits::header_timeout`] (an idle
//! keep-alive connection included: browsers open a new one). The body is not under this
//! deadline (an upload on a slow line may take minutes); its size is capped where it is read.
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

/// What a connection may cost the server.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Time a client has to send a whole request head, from the moment the server waits for it.
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
        let per_request = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
            let mut req = req.map(Body::new);
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
