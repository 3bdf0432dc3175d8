//! Tỉnh Số HTTP core: the JSON API and the server-rendered pages, over one `AppState`.
//! Flow: request -> extractor (input parsing) -> policy (`Viewer::require`) -> domain -> store.

pub mod api;
pub mod api_dossiers;
pub mod api_ioc;
pub mod auth;
pub mod charts;
pub mod command_form;
pub mod dossier_json;
pub mod dossier_views;
pub mod dossiers;
pub mod drill;
pub mod error;
pub mod export;
pub mod files;
pub mod form;
pub mod i18n;
pub mod ioc;
pub mod mail;
pub mod openapi;
pub mod pages;
pub mod search;
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

pub fn router(state: AppState) -> Router {
    use pages::{account, admin, alerts, desk, documents, dossier, inbox, ioc as ioc_pages, portal, slips, staff};
    Router::new()
        .route("/", get(portal::home))
        .route("/thu-tuc", get(portal::search))
        .route("/thu-tuc/{code}", get(portal::procedure))
        .route("/ngon-ngu/{lang}", get(portal::language))
        .route(
            "/thu-tuc/{code}/nop",
            get(dossier::apply_form).post(dossier::apply).layer(DefaultBodyLimit::max(form::MULTIPART_LIMIT)),
        )
        .route("/ho-so", get(inbox::list))
        .route("/ho-so/{code}", get(dossier::show))
        .route("/ho-so/{code}/hanh-dong", post(dossier::act).layer(DefaultBodyLimit::max(form::MULTIPART_LIMIT)))
        .route("/ho-so/{code}/tep/{sha256}", get(dossier::file))
        .route(
            "/kho-du-lieu",
            get(documents::documents).post(documents::add_document).layer(DefaultBodyLimit::max(form::MULTIPART_LIMIT)),
        )
        .route("/ho-so/{code}/phieu/{kind}", get(slips::slip))
        .route("/tra-cuu", get(dossier::lookup))
        .route("/dieu-hanh", get(ioc_pages::dashboard))
        .route("/dieu-hanh/xep-hang", get(ioc_pages::ranking_export))
        .route("/dieu-hanh/chi-so", get(ioc_pages::unit))
        .route("/dieu-hanh/chi-so/{key}", get(ioc_pages::indicator))
        .route("/dieu-hanh/ho-so", get(ioc_pages::dossiers))
        .route("/dieu-hanh/canh-bao", get(alerts::alerts))
        .route("/dieu-hanh/nhap-chi-so", get(alerts::entries).post(alerts::save_entry))
        .route("/minh-bach", get(ioc_pages::public))
        .route("/mot-cua", get(desk::desk))
        .route("/mot-cua/{code}", post(desk::register).layer(DefaultBodyLimit::max(form::MULTIPART_LIMIT)))
        .route("/dang-nhap", get(account::login_form).post(account::login))
        .route("/dang-xuat", post(account::logout))
        .route("/dang-ky", get(account::register_form).post(account::register))
        .route("/tai-khoan", get(account::account))
        .route("/quan-tri", get(admin::home))
        .route("/quan-tri/thu-tuc", post(admin::create))
        .route("/quan-tri/thu-tuc/moi", get(admin::new_form))
        .route("/quan-tri/thu-tuc/{code}", get(admin::edit_form).post(admin::update))
        .route("/quan-tri/tai-khoan", get(staff::list).post(staff::create))
        .route("/quan-tri/lich/{year}", get(admin::calendar_form).post(admin::calendar_save))
        .route("/static/site.css", get(stylesheet))
        .route("/healthz", get(api::healthz))
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/v1/procedures", get(api::procedures))
        .route("/api/v1/procedures/{code}", get(api::procedure))
        .route("/api/v1/units", get(api::units))
        .route("/api/v1/session", post(api_dossiers::login).delete(api_dossiers::logout))
        .route("/api/v1/dossiers", get(api_dossiers::list).post(api_dossiers::submit))
        .route("/api/v1/dossiers/{code}", get(api_dossiers::get))
        .route("/api/v1/dossiers/{code}/events", get(api_dossiers::events))
        .route("/api/v1/dossiers/{code}/actions", post(api_dossiers::act))
        .route("/api/v1/lookup", get(api_dossiers::lookup))
        .route("/api/v1/ioc/index", get(api_ioc::index))
        .route("/api/v1/ioc/dossiers", get(api_ioc::dossiers))
        .route("/api/v1/notifications", get(api_dossiers::notifications))
        .route("/api/v1/documents", get(api_dossiers::documents))
        .route("/api/v1/dossiers/{code}/files", get(api_dossiers::dossier_files))
        .route("/api/v1/dossiers/{code}/files/{sha256}", get(api_dossiers::download))
        .route(
            "/api/v1/files",
            post(api_dossiers::upload).layer(DefaultBodyLimit::max(tinhso_kernel::files::MAX_FILE_BYTES + 1)),
        )
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(form::FORM_LIMIT))
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .with_state(state)
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
