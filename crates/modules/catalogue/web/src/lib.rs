//! The procedure catalogue's web half (the `catalogue` module's pages and API): the portal's
//! home, procedure search (diacritic-insensitive, with filters) and a procedure's page; the
//! catalogue's administration (the procedure editor, each procedure's history of saves, each
//! year's working-day calendar); and
//! `/api/v1/procedures`. It registers its routes and its part of the OpenAPI document with the
//! composition root through [`module`]. It keeps the catalogue's read model, the search index,
//! in its module state ([`live`]), reloaded when the catalogue changes, and names procedures
//! for the platform's other pages through the `procedures` capability.
//!
//! May depend on: the platform's HTTP crate, the API types, the catalogue core, the kernel,
//! the policy and the storage ports.

pub mod api;
pub mod live;
pub mod pages;
pub mod search;
pub mod views;

use axum::routing::{get, post};
use axum::Router;
use tinhso_http::WebModule;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(api::procedures, api::procedure))]
pub struct ApiDoc;

/// The module's routes and its part of the API document.
pub fn module() -> WebModule {
    use pages::{admin, calendar, history, portal};
    let routes = Router::new()
        .route("/", get(portal::home))
        .route("/thu-tuc", get(portal::search))
        .route("/thu-tuc/{code}", get(portal::procedure))
        .route("/quan-tri", get(admin::home))
        .route("/quan-tri/thu-tuc", post(admin::create))
        .route("/quan-tri/thu-tuc/moi", get(admin::new_form))
        .route("/quan-tri/thu-tuc/{code}", get(admin::edit_form).post(admin::update))
        .route("/quan-tri/thu-tuc/{code}/lich-su", get(history::procedure))
        .route("/quan-tri/lich/{year}", get(calendar::form).post(calendar::save))
        .route("/quan-tri/lich/{year}/lich-su", get(history::calendar))
        .route("/api/v1/procedures", get(api::procedures))
        .route("/api/v1/procedures/{code}", get(api::procedure));
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
