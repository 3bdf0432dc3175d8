//! Tỉnh Số's HTTP platform: state, sessions and CSRF, the viewer, errors, extractors, layout
//! and i18n, exports, charts, mail, files on disk; the platform's own pages (log in, register,
//! the account, staff accounts, the language switch) and API (session, notifications,
//! uploads and the document store, communes, health, the OpenAPI document). Each module's web
//! crate (`crates/modules/<m>/web`) hands the composition root a [`WebModule`]: its routes over
//! [`AppState`] and its part of the OpenAPI document; [`router`] merges them.
//!
//! May depend on: the kernel, the policy, the API types, the storage ports, and the modules'
//! pure cores for the read models the state keeps (the catalogue's search index).
//! Flow: request -> extractor (input parsing) -> policy (`Viewer::require`) -> domain -> store.

pub mod api;
pub mod api_session;
pub mod auth;
pub mod charts;
pub mod choices;
pub mod client;
pub mod error;
pub mod export;
pub mod files;
pub mod form;
pub mod i18n;
pub mod mail;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod s3;
pub mod schedule;
pub mod state;
pub mod views;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use tower_http::set_header::SetResponseHeaderLayer;

pub use state::{AppState, WebConfig};

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// The policy of a page whose form leads to another site (the payment gateway): posting to
/// `origin` too. The page sets it on its response; the platform's layer leaves it there.
pub fn csp_with_form_action(config: &WebConfig, origin: &str) -> HeaderValue {
    let base = csp(config);
    let text = base.to_str().unwrap_or(CSP).replace("form-action 'self'", &format!("form-action 'self' {origin}"));
    HeaderValue::from_str(&text).unwrap_or(base)
}

/// The content security policy: images from the configured tile server too, if there is one.
fn csp(config: &WebConfig) -> HeaderValue {
    match &config.map_tiles {
        None => HeaderValue::from_static(CSP),
        Some(t) => {
            HeaderValue::from_str(&CSP.replace("img-src 'self' data:", &format!("img-src 'self' data: {}", t.origin)))
                .unwrap_or(HeaderValue::from_static(CSP))
        }
    }
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=86400")],
        include_str!("../static/site.css"),
    )
}

async fn fallback(req: Request) -> axum::response::Response {
    let locale = i18n::Locale::from_headers(req.headers());
    if req.uri().path().starts_with("/api/") {
        error::ApiError(error::AppError::NotFound).into_response()
    } else {
        error::PageError { error: error::AppError::NotFound, locale }.into_response()
    }
}

/// The longest request target served: a longer address is a mistake or a probe.
const MAX_URI: usize = 2048;

/// Refuses, with the platform's own error answer, request targets that no route can read: too
/// long, or a path whose percent-escapes are not UTF-8 or hide control characters (axum's
/// own rejection would be plain text).
async fn checked_target(req: Request, next: axum::middleware::Next) -> axum::response::Response {
    let locale = i18n::Locale::from_headers(req.headers());
    // Machine clients (the API, Open311) get `{code, message}`; people get a page.
    let api = ["/api/", "/open311/"].iter().any(|p| req.uri().path().starts_with(p));
    let uri = req.uri();
    let path = uri.path();
    let problem = if path.len() + uri.query().map_or(0, str::len) > MAX_URI {
        Some(error::AppError::bad_request("uri_too_long", "Địa chỉ yêu cầu quá dài", "The request address is too long"))
    } else if path.contains('%') {
        // Only an escaped path can hide bytes that are not UTF-8 or control characters (a
        // plain one is ASCII by the HTTP grammar): the common path costs one scan.
        match percent_encoding::percent_decode_str(path).decode_utf8() {
            Ok(p) if !p.chars().any(char::is_control) => None,
            _ => Some(error::AppError::bad_request(
                "invalid_path",
                "Địa chỉ yêu cầu không hợp lệ",
                "The request address is not valid",
            )),
        }
    } else {
        None
    };
    match problem {
        None => next.run(req).await,
        Some(e) if api => error::ApiError(e).into_response(),
        Some(e) => error::PageError { error: e, locale }.into_response(),
    }
}

/// Multipart bodies (the forms that carry files, up to 40 MiB) are read only for a logged-in
/// person whose form carries the session's CSRF token in its address (`?csrf=`): checked here,
/// before a byte of the body is read, so that nobody can make the server read and hold large
/// bodies anonymously or from another site. The handlers check the body's own token again.
async fn multipart_guard(
    // Behind an Arc: cloned for every request, used only for the few that carry files.
    axum::extract::State(guard): axum::extract::State<std::sync::Arc<UploadGuard>>,
    req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::extract::FromRequestParts;
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/"));
    if !multipart || guard.exempt.iter().any(|p| req.uri().path().starts_with(p)) {
        return next.run(req).await;
    }
    let state = &guard.state;
    let (mut parts, body) = req.into_parts();
    let locale = i18n::Locale::from_headers(&parts.headers);
    let viewer = match auth::Viewer::from_request_parts(&mut parts, state).await {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let token = parts
        .uri
        .query()
        .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned()));
    let refused = match (&viewer.account, viewer.check_csrf(token.as_deref())) {
        (None, _) => Some(error::AppError::Unauthenticated),
        (Some(_), Err(e)) => Some(e),
        (Some(_), Ok(())) => None,
    };
    match refused {
        Some(error) if parts.uri.path().starts_with("/api/") => error::ApiError(error).into_response(),
        Some(error) => error::PageError { error, locale }.into_response(),
        None => next.run(Request::from_parts(parts, body)).await,
    }
}

/// What a module's web half contributes: its pages' and API's routes, and its part of the
/// OpenAPI document.
pub struct WebModule {
    pub routes: Router<AppState>,
    pub api: utoipa::openapi::OpenApi,
    /// Path prefixes whose multipart bodies the module authenticates itself, before it reads
    /// a byte of them (CKAN's API: by an API token in a header, without a session or CSRF).
    /// Every other multipart body passes the platform's session-and-CSRF guard first.
    pub own_upload_auth: &'static [&'static str],
}

/// What the multipart guard needs: the state, and the prefixes modules authenticate.
struct UploadGuard {
    state: AppState,
    exempt: Vec<&'static str>,
}

pub fn router(state: AppState, modules: Vec<WebModule>) -> Router {
    use pages::{account, limits, locale, staff};
    let document = openapi::document(modules.iter().map(|m| m.api.clone()));
    let served_document = move || {
        let document = document.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], document) }
    };
    let mut router = Router::new()
        .route("/ngon-ngu/{lang}", get(locale::language))
        .route("/dang-nhap", get(account::login_form).post(account::login))
        .route("/dang-xuat", post(account::logout))
        .route("/dang-ky", get(account::register_form).post(account::register))
        .route("/tai-khoan", get(account::account))
        .route("/quan-tri/tai-khoan", get(staff::list).post(staff::create))
        .route("/quan-tri/tai-len", get(limits::show).post(limits::save))
        .route("/static/site.css", get(stylesheet))
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(metrics::metrics))
        .route("/api/openapi.json", get(served_document))
        .route("/api/v1/units", get(api::units))
        .route("/api/v1/session", post(api_session::login).delete(api_session::logout))
        .route("/api/v1/notifications", get(api_session::notifications))
        .route("/api/v1/documents", get(api_session::documents))
        .route(
            "/api/v1/files",
            post(api_session::upload).layer(DefaultBodyLimit::max(tinhso_kernel::files::MAX_FILE_BYTES + 1)),
        );
    let mut exempt = Vec::new();
    for m in modules {
        exempt.extend_from_slice(m.own_upload_auth);
        router = router.merge(m.routes);
    }
    router
        // Per route pattern (a route layer sees which route matched).
        .route_layer(axum::middleware::from_fn_with_state(state.metrics.clone(), metrics::track))
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(form::FORM_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::new(UploadGuard { state: state.clone(), exempt }),
            multipart_guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::new(state.config.trusted_proxies.clone()),
            metrics::request_id,
        ))
        .layer(axum::middleware::from_fn(checked_target))
        // Pages and answers carry personal data: no shared or browser cache keeps them
        // (the stylesheet sets its own).
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        // A page may set a policy of its own (`csp_with_form_action`); every other gets this one.
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, csp(&state.config)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .with_state(state)
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    modules: Vec<WebModule>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state, modules).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
