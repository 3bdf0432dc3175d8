//! The operations centre's web half (the `ioc` module's pages and API): the Decision 766
//! dashboard, rankings and trend, the dossiers behind every number, alerts and their job,
//! indicator entries, the public transparency page, and `/api/v1/ioc/*`. It registers its
//! routes and its part of the OpenAPI document with the composition root through
//! [`module`]; the HTTP plumbing (state, viewer, errors, layout, exports, charts) is the
//! platform's (`tinhso-http`).
//!
//! May depend on: the platform's HTTP crate, the API types, the ioc, dossier, catalogue,
//! payments and reports cores, the dossier's and the catalogue's web halves (the dossier
//! views, the live catalogue), the kernel, the policy and the storage ports.

pub mod api;
pub mod drill;
pub mod pages;
pub mod service;

pub use service::alert_loop;

use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use tinhso_http::{AppState, WebModule};
use tinhso_ioc::index::Weights;
use utoipa::OpenApi;

/// The module's configuration on a server: Decision 766's point splits, the shipped ones or
/// the province's edited copy (`ioc-766.json` in the data directory, read by the composition
/// root at start-up).
pub struct Ioc {
    pub weights: Arc<Weights>,
}

impl Default for Ioc {
    fn default() -> Self {
        Self { weights: Arc::new(Weights::default_766()) }
    }
}

pub fn install(state: &AppState, ioc: Ioc) {
    state.set_module_state(Arc::new(ioc));
}

/// The point splits this server computes the index with.
pub fn weights(state: &AppState) -> Arc<Weights> {
    state.module_state::<Ioc>().weights.clone()
}

#[derive(OpenApi)]
#[openapi(
    paths(api::index, api::dossiers),
    tags((name = "ioc", description = "The operations centre"))
)]
pub struct ApiDoc;

/// The wall screen's reload every five minutes (progressive enhancement: the page works without).
async fn wall_script() -> impl axum::response::IntoResponse {
    tinhso_http::script(include_str!("../static/dieu-hanh-tuong.js"))
}

/// The module's routes and its part of the API document.
pub fn module() -> WebModule {
    use pages::{alerts, dashboard, public};
    let routes = Router::new()
        .route("/dieu-hanh", get(dashboard::dashboard))
        .route("/static/dieu-hanh-tuong.js", get(wall_script))
        .route("/dieu-hanh/xep-hang", get(dashboard::ranking_export))
        .route("/dieu-hanh/chi-so", get(dashboard::unit))
        .route("/dieu-hanh/chi-so/{key}", get(dashboard::indicator))
        .route("/dieu-hanh/ho-so", get(dashboard::dossiers))
        .route("/dieu-hanh/canh-bao", get(alerts::alerts))
        .route("/dieu-hanh/nhap-chi-so", get(alerts::entries).post(alerts::save_entry))
        .route("/minh-bach", get(public::public))
        .route("/api/v1/ioc/index", get(api::index))
        .route("/api/v1/ioc/dossiers", get(api::dossiers));
    WebModule {
        routes,
        api: ApiDoc::openapi(),
        own_upload_auth: &[],
        personal_data: None,
        held_work: None,
        account_links: None,
    }
}

#[cfg(test)]
mod tests {
    use utoipa::OpenApi;

    /// Every `/api/` route this module serves is in its part of the document, and nothing else.
    #[test]
    fn every_api_route_is_documented() {
        assert_eq!(tinhso_http::openapi::check_documented(include_str!("lib.rs"), &super::ApiDoc::openapi()), Ok(()));
    }
}
