//! Tỉnh Số's HTTP platform: state, sessions and CSRF, the viewer, errors, extractors, layout
//! and i18n, exports, charts, uploads and downloads; the platform's own pages (log in, register,
//! the account, staff accounts, the language switch) and API (session, notifications,
//! uploads and the document store, communes, health, the OpenAPI document). Each module's web
//! crate (`crates/modules/<m>/web`) hands the composition root a [`WebModule`]: its routes over
//! [`AppState`] and its part of the OpenAPI document; [`router`] merges them.
//!
//! May depend on: the kernel, the policy, the API types, the storage ports, the file store and
//! the notifications (`tinhso-files`, `tinhso-notify`), and the modules' pure cores for the
//! read models the state keeps (the catalogue's search index).
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
pub mod openapi;
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

async fn account_page() -> axum::response::Redirect {
    axum::response::Redirect::to("/tai-khoan")
}

async fn staff_list() -> axum::response::Redirect {
    axum::response::Redirect::to("/quan-tri/tai-khoan")
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
    pub personal_data: Option<pages::personal_data::PersonalData>,
    /// The work a staff account holds in the module, said before an admin locks it.
    pub held_work: Option<pages::staff::HeldWork>,
}

/// The platform's pages and API and every module's, behind the platform's edge
/// ([`edge::Edge`]: request ids, the target check, the multipart guard, security headers).
pub fn router(state: AppState, modules: Vec<WebModule>) -> edge::Edge<Router> {
    use pages::{account, admin_log, audit_runs, limits, locale, reset, staff};
    let document = openapi::document(modules.iter().map(|m| m.api.clone()));
    let served_document = move || {
        let document = document.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], document) }
    };
    let parts: std::sync::Arc<Vec<_>> = std::sync::Arc::new(modules.iter().filter_map(|m| m.personal_data).collect());
    let personal_data = move |axum::extract::State(state): axum::extract::State<AppState>, viewer: auth::Viewer| {
        let parts = parts.clone();
        async move { pages::personal_data::download(state, viewer, &parts).await }
    };
    let held: std::sync::Arc<Vec<_>> = std::sync::Arc::new(modules.iter().filter_map(|m| m.held_work).collect());
    let ask_lock =
        move |state: axum::extract::State<AppState>, viewer: auth::Viewer, id: axum::extract::Path<String>| {
            let held = held.clone();
            async move { staff::ask_lock(state, viewer, id, &held).await }
        };
    let mut router = Router::new()
        .route("/tai-khoan/du-lieu", get(personal_data))
        .route("/ngon-ngu/{lang}", get(locale::language))
        .route("/dang-nhap", get(account::login_form).post(account::login))
        .route("/dang-xuat", post(account::logout))
        .route("/dang-ky", get(account::register_form).post(account::register))
        .route("/dang-ky/xac-nhan", get(pages::signup::form).post(pages::signup::prove))
        .route("/dang-ky/gui-lai-ma", post(pages::signup::resend))
        .route("/tai-khoan", get(account::account))
        .route("/tai-khoan/mat-khau", post(account::change_password))
        .route("/tai-khoan/tin-nhan", post(account::set_texts).get(account_page))
        .route("/dat-lai-mat-khau", get(reset::form).post(reset::reset))
        .route("/dat-lai-mat-khau/gui-ma", post(reset::mail_code))
        .route("/can-bo/dat-lai-mat-khau", get(reset::desk_form).post(reset::desk_reset))
        .route("/thong-bao", get(account::notifications))
        .route("/quan-tri/nhat-ky", get(admin_log::show))
        .route("/quan-tri/kiem-tra", get(audit_runs::show).post(audit_runs::ask))
        .route("/quan-tri/tai-khoan", get(staff::list).post(staff::create))
        // Locking and a new password ask first (their page is the question); unlocking has no
        // page of its own: opened, the list it is on.
        .route("/quan-tri/tai-khoan/{id}/khoa", post(staff::lock).get(ask_lock))
        .route("/quan-tri/tai-khoan/{id}/mo-khoa", post(staff::unlock).get(staff_list))
        .route("/quan-tri/tai-khoan/{id}/cap-lai-mat-khau", post(staff::new_password).get(staff::ask_new_password))
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
