//! Tỉnh Số's HTTP platform: state, sessions and CSRF, the login check, the viewer, errors,
//! extractors, layout and i18n, exports, charts, uploads and downloads, the listener and the
//! edge; the platform's API (session, notifications, uploads and the document store, communes,
//! health, metrics, the OpenAPI document) and its few administration pages (integrity checks,
//! upload limits, the language switch). The account pages are `tinhso-accounts`; each module's
//! web crate (`crates/modules/<m>/web`) likewise hands the composition root a [`WebModule`]:
//! its routes over [`AppState`] and its part of the OpenAPI document; [`router`] merges them.
//!
//! May depend on: the kernel, the policy, the API types, the storage ports, the file store,
//! identity and the notifications (`tinhso-files`, `tinhso-identity`, `tinhso-notify`), and
//! one module's pure core for the type it carries: the dossier the dossier-flow capability
//! answers with. A module's own settings and read models (the catalogue's search index) live
//! in its module state (`AppState::module_state`), not here.
//! Flow: request -> extractor (input parsing) -> policy (`Viewer::require`) -> domain -> store.

pub mod api;
pub mod api_session;
pub mod auth;
pub mod capability;
pub mod charts;
pub mod choices;
pub mod client;
pub mod compress;
pub mod edge;
pub mod error;
pub mod export;
pub mod files;
pub mod form;
pub mod i18n;
pub mod listen;
pub mod metrics;
pub mod nav;
pub mod notices;
pub mod openapi;
pub mod ops;
pub mod outbound;
pub mod pages;
pub mod schedule;
pub mod state;
mod transport;
pub mod unsettled;
pub mod views;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use std::future::Future;

pub use state::{AppState, WebConfig};

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// The policy of a page whose form leads to another site (the payment gateway): posting to
/// `origin` too. The page sets it on its response; the platform's edge leaves it there.
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

const STYLESHEET: &str = include_str!("../static/site.css");

/// The stylesheet's address as pages name it: with its content's hash, so that a browser keeps
/// it for a year without asking again (one request fewer per page on a slow line) and still
/// fetches the new one the moment an upgrade changes it.
pub fn stylesheet_href() -> &'static str {
    static HREF: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        use sha2::Digest;
        format!("/static/site.css?v={}", &hex::encode(sha2::Sha256::digest(STYLESHEET))[..12])
    });
    HREF.as_str()
}

/// The stylesheet: kept for good when asked by the hashed address pages use (`stylesheet_href`),
/// for a day when asked by its plain one (a bookmark, an old page).
async fn stylesheet(uri: axum::http::Uri) -> impl IntoResponse {
    let hashed = stylesheet_href().split_once('?').map(|(_, v)| v) == uri.query().filter(|q| !q.is_empty());
    let cache = if hashed { "public, max-age=31536000, immutable" } else { "public, max-age=86400" };
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, cache)], STYLESHEET)
}

/// A module's script (progressive enhancement only: every page works without it), kept an
/// hour by browsers.
pub fn script(source: &'static str) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        source,
    )
}

async fn fallback(req: Request) -> axum::response::Response {
    refuse(&req, error::AppError::NotFound)
}

/// A known address asked with a method it does not take: the platform's error answer rather
/// than axum's empty one (axum adds `Allow`). A person opening a form's target address (a
/// reload of the page an error came back on, a restored tab, a bookmark) is sent to the page
/// the form is on, one step up, rather than shown an error.
async fn method_not_allowed(req: Request) -> axum::response::Response {
    let opened = matches!(*req.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    if opened && !error::for_programs(req.uri().path()) {
        return axum::response::Redirect::to(form_page(req.uri().path())).into_response();
    }
    refuse(&req, error::AppError::MethodNotAllowed)
}

/// The page a form posting to `target` is on: its parent address (a request's path is already
/// a valid header value, and so is any prefix of it).
fn form_page(target: &str) -> &str {
    match target.trim_end_matches('/').rsplit_once('/') {
        Some((parent, _)) if !parent.is_empty() => parent,
        _ => "/",
    }
}

/// The platform's error answer to `req`: `{code, message}` for programs (the API, Open311), a
/// page in the visitor's language for people.
pub(crate) fn refuse(req: &Request, error: error::AppError) -> axum::response::Response {
    if error::for_programs(req.uri().path()) {
        error::ApiError(error).into_response()
    } else {
        error::PageError::new(error, i18n::Locale::from_headers(req.headers())).into_response()
    }
}

/// What a module keeps about one person, for their copy of their personal data: the name of
/// its part and the part.
pub type PersonalData =
    fn(
        AppState,
        tinhso_kernel::ids::AccountId,
    ) -> futures_util::future::BoxFuture<'static, Result<(&'static str, serde_json::Value), error::AppError>>;

/// The work a staff account holds in one module (the dossiers whose step it holds, say), in a
/// sentence for each language; `None` when it holds nothing there. Asked before a lock, so the
/// admin knows what will wait for someone else.
pub type HeldWork = fn(
    AppState,
    tinhso_store::Account,
) -> futures_util::future::BoxFuture<'static, Result<Option<(String, String)>, error::AppError>>;

/// A page of the person's own in a module, offered on their account page: where it is and
/// what it is called in each language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountLink {
    pub href: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
}

/// The links a module offers `viewer` on their account page (none when it has nothing for
/// them): the module decides, by its own rules and settings, so the account page names no module.
pub type AccountLinks = fn(&AppState, &auth::Viewer) -> Vec<AccountLink>;

/// What a module's web half contributes: its pages' and API's routes, and its part of the
/// OpenAPI document.
pub struct WebModule {
    pub routes: Router<AppState>,
    pub api: utoipa::openapi::OpenApi,
    /// Path prefixes whose multipart bodies the module authenticates itself, before it reads
    /// a byte of them (CKAN's API: by an API token in a header, without a session or CSRF).
    /// Every other multipart body passes the platform's session-and-CSRF guard first.
    pub own_upload_auth: &'static [&'static str],
    /// What the module keeps about a person, for their copy of their personal data.
    pub personal_data: Option<PersonalData>,
    /// The work a staff account holds in the module, said before an admin locks it.
    pub held_work: Option<HeldWork>,
    /// The module's pages a person finds from their account page.
    pub account_links: Option<AccountLinks>,
}

/// The platform's pages and API and every module's, behind the platform's edge
/// ([`edge::Edge`]: request ids, the target check, the multipart guard, security headers).
pub fn router(state: AppState, modules: Vec<WebModule>) -> edge::Edge<Router> {
    use pages::{audit_runs, limits, locale, server};
    let document = openapi::document(modules.iter().map(|m| m.api.clone()));
    let served_document = move || {
        let document = document.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], document) }
    };
    let mut router = Router::new()
        .route("/ngon-ngu/{lang}", get(locale::language))
        .route("/quan-tri/kiem-tra", get(audit_runs::show).post(audit_runs::ask))
        .route("/quan-tri/tai-len", get(limits::show).post(limits::save))
        .route("/quan-tri/may-chu", get(server::show))
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
    let edge = edge::EdgeConfig {
        trusted: state.config.trusted_proxies.clone(),
        csp: csp(&state.config),
        state: state.clone(),
        own_upload_auth: exempt,
    };
    let router = router
        // On every route registered above, so after every module's.
        .method_not_allowed_fallback(method_not_allowed)
        // Per route pattern (a route layer sees which route matched).
        .route_layer(metrics::Track(state.metrics.clone()))
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(form::FORM_LIMIT))
        .with_state(state);
    edge::Edge::new(router, edge)
}

/// Serves until `shutdown` resolves, each connection under `limits` (`listen.rs`); the
/// trusted proxies are the addresses whose connections are not capped.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    modules: Vec<WebModule>,
    limits: listen::Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = listen::Limits { uncapped: state.config.trusted_proxies.clone(), ..limits };
    listen::serve_connections(listener, router(state, modules), limits, shutdown).await
}
