//! The platform's edge: what every request and every answer passes through, as one service
//! around the whole router. In order: a request id and the span everything the request logs
//! is inside; the request target's check; the multipart guard; then, on the answer, the
//! security headers, `Cache-Control: no-store`, the request id and gzip (`compress.rs`).
//!
//! Why one hand-written service: as a stack of `from_fn` and header layers on the router,
//! these ran on every route, each boxing a clone of the service and its future per request.
//! Measured on the public lookup (1,000,000 dossiers, alternating builds): that stack cost
//! about a fifth of the lookup's throughput. Here a request costs one boxed future.

use crate::auth::{session_cookie, Viewer};
use crate::error::{ApiError, AppError, PageError};
use crate::i18n::Locale;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::{Service, ServiceExt};
use tracing::Instrument;

/// The longest request target served: a longer address is a mistake or a probe.
const MAX_URI: usize = 2048;

/// What the edge needs, shared by every request.
pub struct EdgeConfig {
    /// Proxies whose `X-Request-Id` is taken (the same `--trusted-proxy` list as for addresses).
    pub trusted: Vec<ipnet::IpNet>,
    /// The content security policy of answers that set none of their own.
    pub csp: HeaderValue,
    /// For the multipart guard's session and CSRF check.
    pub state: AppState,
    /// Path prefixes whose multipart bodies the module authenticates itself.
    pub own_upload_auth: Vec<&'static str>,
}

/// The edge around `inner` (the router).
#[derive(Clone)]
pub struct Edge<S> {
    inner: S,
    config: Arc<EdgeConfig>,
}

impl<S> Edge<S> {
    pub fn new(inner: S, config: EdgeConfig) -> Self {
        Edge { inner, config: Arc::new(config) }
    }
}

impl<S> Service<Request> for Edge<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // The service made ready is the one called; a clone stays for the next request.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let config = self.config.clone();
        Box::pin(async move { Ok(config.handle(inner, req).await) })
    }
}

impl EdgeConfig {
    async fn handle<S>(&self, inner: S, req: Request) -> Response
    where
        S: Service<Request, Response = Response, Error = Infallible>,
    {
        let id = self.request_id(&req);
        let wants =
            crate::compress::Wants::of(req.method(), req.headers(), session_cookie(self.state.config.secure_cookies));
        let refused = if req.extensions().get::<crate::listen::Crowded>().is_some() {
            self.state.metrics.connection_over_cap();
            Some(AppError::TooManyConnections)
        } else {
            unreadable_target(&req)
        };
        // A request refused here is answered before the span: its path (perhaps a long probe)
        // never reaches a log line.
        let mut resp = match refused {
            Some(problem) => crate::refuse(&req, problem),
            None => {
                let span = tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path());
                async {
                    match self.multipart_guard(req).await {
                        Ok(req) => match inner.oneshot(req).await {
                            Ok(resp) => resp,
                            Err(never) => match never {},
                        },
                        Err(refusal) => refusal,
                    }
                }
                .instrument(span)
                .await
            }
        };
        let h = resp.headers_mut();
        // Pages and answers carry personal data: no shared or browser cache keeps them (the
        // stylesheet sets its own). A page may set a policy of its own (`csp_with_form_action`).
        h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
        h.entry(header::CONTENT_SECURITY_POLICY).or_insert_with(|| self.csp.clone());
        h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        // Served over HTTPS (the operator said so with `--secure-cookies`): browsers are told to
        // come back only over HTTPS for a year, so that a café's network cannot downgrade a
        // citizen's next visit. Not `includeSubDomains`: a province's other hosts are not ours.
        if self.state.config.secure_cookies {
            h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
        }
        if let Ok(v) = HeaderValue::from_str(&id) {
            h.insert("x-request-id", v);
        }
        crate::compress::answer(wants, resp).await
    }

    /// The `X-Request-Id` a trusted proxy sent, else a new one, so that a citizen's complaint,
    /// a proxy's log and the server's log can be matched.
    fn request_id(&self, req: &Request) -> String {
        let from_proxy = !self.trusted.is_empty()
            && req
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .is_some_and(|c| self.trusted.iter().any(|n| n.contains(&c.0.ip())));
        req.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| from_proxy && !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()))
            .map_or_else(next_id, str::to_owned)
    }

    /// Multipart bodies (the forms that carry files, up to 40 MiB) are read only for a
    /// logged-in person whose form carries the session's CSRF token in its address (`?csrf=`),
    /// or whose API client sends it as `X-CSRF-Token`: checked here, before a byte of the body
    /// is read, so that nobody can make the server read and hold large bodies anonymously or
    /// from another site. The handlers check the body's own token again.
    async fn multipart_guard(&self, req: Request) -> Result<Request, Response> {
        if !crate::form::is_multipart(req.headers())
            || self.own_upload_auth.iter().any(|p| req.uri().path().starts_with(p))
        {
            return Ok(req);
        }
        let (mut parts, body) = req.into_parts();
        let locale = Locale::from_headers(&parts.headers);
        let viewer = Viewer::from_request_parts(&mut parts, &self.state).await.map_err(IntoResponse::into_response)?;
        // A page's form names it in its address; an API client sends its `X-CSRF-Token`
        // header, as with every other write (another site cannot set that header).
        let token = parts
            .uri
            .query()
            .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned()))
            .or_else(|| parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_owned));
        let refused = match (&viewer.account, viewer.check_csrf(token.as_deref())) {
            (None, _) => AppError::Unauthenticated,
            (Some(_), Err(e)) => e,
            (Some(_), Ok(())) => return Ok(Request::from_parts(parts, body)),
        };
        Err(if parts.uri.path().starts_with("/api/") {
            ApiError(refused).into_response()
        } else {
            PageError::new(refused, locale).into_response()
        })
    }
}

/// Why no route can read the request's target, if none can: too long, or a path whose
/// percent-escapes are not UTF-8 or hide control characters (axum's own rejection would be
/// plain text; this is answered as the platform's error).
fn unreadable_target(req: &Request) -> Option<AppError> {
    let uri = req.uri();
    let path = uri.path();
    if path.len() + uri.query().map_or(0, str::len) > MAX_URI {
        Some(AppError::uri_too_long())
    } else if path.contains('%') {
        // Only an escaped path can hide bytes that are not UTF-8 or control characters (a
        // plain one is ASCII by the HTTP grammar): the common path costs one scan.
        match percent_encoding::percent_decode_str(path).decode_utf8() {
            Ok(p) if !p.chars().any(char::is_control) => None,
            _ => Some(AppError::bad_request(
                "invalid_path",
                "Địa chỉ yêu cầu không hợp lệ",
                "The request address is not valid",
            )),
        }
    } else {
        None
    }
}

/// A new request id: this process's random prefix and a counter (unique without a system
/// call per request).
fn next_id() -> String {
    static PREFIX: std::sync::LazyLock<u32> = std::sync::LazyLock::new(|| {
        let mut b = [0u8; 4];
        let _ = getrandom::getrandom(&mut b);
        u32::from_le_bytes(b)
    });
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!("{:08x}{:08x}", *PREFIX, COUNTER.fetch_add(1, Relaxed) & 0xffff_ffff)
}
