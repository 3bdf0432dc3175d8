//! Citizens' feedback and field reports, the web half (the `reports` module's pages and API):
//! reporting from a phone or anonymously, the public list and each report's page with its
//! history, the agencies' handling, a commune's Atom feed, and Open311 GeoReport v2 at
//! `/open311/v2` (the API of this module; it follows the Open311 spec rather than the
//! platform's `/api/v1` conventions, so it is not in the OpenAPI document).
//!
//! May depend on: the platform's HTTP crate, the API types, the reports core, the kernel, the
//! policy and the storage ports.

pub mod map;
pub mod open311;
pub mod pages;
pub mod personal_data;
pub mod photos;
pub mod service;
mod thumbnails;
pub mod views;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use tinhso_http::form::MULTIPART_LIMIT;
use tinhso_http::WebModule;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi()]
pub struct ApiDoc;

/// The reporting form's location button (progressive enhancement; the form works without it).
async fn script() -> impl axum::response::IntoResponse {
    tinhso_http::script(include_str!("../static/phan-anh.js"))
}

/// The module's routes.
pub fn module() -> WebModule {
    use pages::{admin, centre, feed, public, report, staff};
    let routes = Router::new()
        .route("/phan-anh", get(public::list))
        // Up to five phone photos in one post (each under the file cap).
        .route(
            "/phan-anh/gui",
            get(public::new_form).post(public::create).layer(DefaultBodyLimit::max(MULTIPART_LIMIT)),
        )
        .route("/phan-anh/{id}", get(report::show))
        .route("/phan-anh/{id}/hanh-dong", post(report::act).layer(DefaultBodyLimit::max(MULTIPART_LIMIT)))
        .route("/phan-anh/{id}/theo-doi", post(report::follow))
        .route("/phan-anh/{id}/anh/{sha}", get(report::photo))
        .route("/phan-anh/{id}/anh/{sha}/nho", get(report::photo_small))
        .route("/phan-anh/xa/{code}/atom", get(feed::commune))
        // Opened rather than posted (a reload after an error): the reports' page it is on.
        .route(
            "/phan-anh/xa/{code}/theo-doi",
            post(public::subscribe).get(|| async { axum::response::Redirect::to("/phan-anh") }),
        )
        .route("/can-bo/phan-anh", get(staff::inbox))
        .route("/dieu-hanh/phan-anh", get(centre::centre))
        .route("/quan-tri/phan-anh", get(admin::show))
        .route("/quan-tri/phan-anh/linh-vuc", post(admin::save_category))
        .route("/quan-tri/phan-anh/phan-cong", post(admin::save_route))
        .route("/static/phan-anh.js", get(script))
        .route("/open311/v2/{file}", get(open311::get_root).post(open311::post_root))
        .route("/open311/v2/services/{file}", get(open311::get_service))
        .route("/open311/v2/requests/{file}", get(open311::get_request))
        .route("/open311/v2/tokens/{file}", get(open311::get_token));
    WebModule {
        routes,
        api: ApiDoc::openapi(),
        own_upload_auth: &[],
        personal_data: Some(personal_data::of),
        held_work: None,
        account_links: None,
    }
}
