//! The open-data portal and shared data store, the web half (the `opendata` module's pages
//! and API): the portal's pages, CKAN's Action API (`/api/3/action/*`, the module's API; it
//! follows CKAN rather than the platform's `/api/v1` conventions, so it is not in the OpenAPI
//! document), DCAT-AP 3, downloads with their counts, and people's API tokens.
//!
//! May depend on: the platform's HTTP crate, identity and the file store, the opendata, ioc
//! and catalogue cores, the operations centre's and the catalogue's web halves (the 766
//! figures, the live catalogue), the kernel, the policy and the storage ports.

pub mod access;
pub mod api;
pub mod datastore;
pub mod download;
pub mod dump;
pub mod harvest;
pub mod pages;
mod personal_data;
pub mod publish;
pub mod rdf;
pub mod service;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;
use tinhso_http::form::MULTIPART_LIMIT;
use tinhso_http::state::AppState;
use tinhso_http::WebModule;
use utoipa::OpenApi;

/// The module's storage port, which the composition root puts in `state.store`.
pub(crate) fn datastore_port(state: &AppState) -> tinhso_store::Result<Arc<dyn tinhso_opendata_port::DatastoreStore>> {
    state.store.port::<dyn tinhso_opendata_port::DatastoreStore>()
}

/// The module's storage port, which the composition root puts in `state.store`.
pub(crate) fn opendata_port(state: &AppState) -> tinhso_store::Result<Arc<dyn tinhso_opendata_port::OpenDataStore>> {
    state.store.port::<dyn tinhso_opendata_port::OpenDataStore>()
}

#[derive(OpenApi)]
#[openapi()]
pub struct ApiDoc;

/// The module's routes.
pub fn module() -> WebModule {
    use pages::{dataset, home, organization, publish_form, tokens};
    let routes = Router::new()
        .route("/api/3/action/{name}", get(api::action).post(api::action).layer(DefaultBodyLimit::max(MULTIPART_LIMIT)))
        .route("/api/action/{name}", get(api::action).post(api::action).layer(DefaultBodyLimit::max(MULTIPART_LIMIT)))
        .route("/catalog", get(rdf::catalogue))
        .route("/catalog.ttl", get(rdf::catalogue))
        .route("/catalog.rdf", get(rdf::catalogue))
        .route("/catalog.xml", get(rdf::catalogue))
        .route("/catalog.jsonld", get(rdf::catalogue))
        .route("/dataset/{file}", get(rdf::dataset))
        .route("/dataset/{id}/resource/{rid}/download/{file}", get(download::file))
        .route("/datastore/dump/{rid}", get(dump::dump))
        .route("/du-lieu", get(home::home))
        .route("/du-lieu/tim", get(home::search))
        .route(
            "/du-lieu/moi",
            get(publish_form::show).post(publish_form::create).layer(DefaultBodyLimit::max(MULTIPART_LIMIT)),
        )
        .route("/du-lieu/to-chuc/{name}", get(organization::show))
        .route("/du-lieu/{name}", get(dataset::show))
        .route("/du-lieu/{name}/tai-nguyen/{rid}", get(dataset::resource))
        .route(TOKENS, get(tokens::show).post(tokens::create))
        .route("/tai-khoan/khoa-api/thu-hoi", post(tokens::revoke));
    // CKAN's clients send files with an API token and no session: the action checks the
    // token before it reads the body (`api::params`).
    WebModule {
        routes,
        api: ApiDoc::openapi(),
        own_upload_auth: &["/api/3/action/", "/api/action/"],
        personal_data: Some(personal_data::of),
        held_work: None,
        account_links: Some(account_links),
    }
}

/// A person's API keys for writing open data.
const TOKENS: &str = "/tai-khoan/khoa-api";

/// On a person's account page: their API keys, for those who publish data (reading needs none).
fn account_links(_: &tinhso_http::AppState, viewer: &tinhso_http::auth::Viewer) -> Vec<tinhso_http::AccountLink> {
    use tinhso_policy::Action;
    let publishes = viewer.may(&Action::ManageDataPortal)
        || viewer
            .account
            .as_ref()
            .and_then(|a| a.agency.as_ref())
            .is_some_and(|c| viewer.may(&Action::PublishData { agency: c.clone() }));
    if !publishes {
        return Vec::new();
    }
    vec![tinhso_http::AccountLink { href: TOKENS, vi: "Khóa API dữ liệu mở", en: "Open-data API keys" }]
}
