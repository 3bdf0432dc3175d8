//! The dossier module's web half: the dossier service the pages and the API share (gathering
//! what a command needs, letting the module's rules decide, handing one plan to the store:
//! `service`), the pages (applying online, following a dossier, the one-stop desk, inboxes,
//! slips, the document store) and `/api/v1/dossiers*` and `/api/v1/lookup`. Forms become the
//! API's command JSON (`command_form`) so both are parsed by `Command::from_json`. It
//! registers its routes and its part of the OpenAPI document with the composition root
//! through [`module`], and offers the other modules the dossier flow through the platform
//! ([`flow::install`]).
//!
//! May depend on: the platform's HTTP crate and identity, the API types, the dossier,
//! catalogue, results and payments cores, the catalogue's web half (its live index), the
//! kernel, the policy and the storage ports.

pub mod api;
pub mod command_form;
pub mod flow;
pub mod held;
pub mod json;
pub mod pages;
pub mod personal_data;
pub mod registry;
pub mod result;
pub mod service;
pub mod views;
pub mod walk_in;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use tinhso_http::form::MULTIPART_LIMIT;
use tinhso_http::WebModule;
use utoipa::{IntoParams, OpenApi};

/// A dossier code in a path.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // read by the derive only
pub struct DossierCode {
    /// The national dossier code: receiving agency, day, number.
    #[param(value_type = tinhso_kernel::ids::DossierCode)]
    code: String,
}

#[derive(OpenApi)]
#[openapi(
    paths(
        api::list,
        api::submit,
        api::get,
        api::events,
        api::act,
        api::lookup,
        api::dossier_files,
        api::download,
        api::document_download,
    ),
    tags((name = "dossiers", description = "Dossiers from submission to result")),
    modifiers(&ClosedCommands)
)]
pub struct ApiDoc;

/// A dossier command refuses fields it does not name (`deny_unknown_fields`). utoipa says so for
/// structs, not for the variants of a tagged enum, so the document says it here: a client
/// generated from it then sends no field the server would refuse.
struct ClosedCommands;

impl utoipa::Modify for ClosedCommands {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{AdditionalProperties, Schema};
        use utoipa::openapi::RefOr;
        let Some(components) = openapi.components.as_mut() else { return };
        if let Some(RefOr::T(Schema::OneOf(commands))) = components.schemas.get_mut("Command") {
            for variant in &mut commands.items {
                if let RefOr::T(Schema::Object(o)) = variant {
                    o.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
                }
            }
        }
    }
}

/// The module's routes and its part of the API document.
pub fn module() -> WebModule {
    use pages::{apply, declaration, desk, documents, dossier, draft, inbox, lookup, slips};
    let uploads = || DefaultBodyLimit::max(MULTIPART_LIMIT);
    let routes = Router::new()
        .route("/thu-tuc/{code}/nop", get(apply::apply_form).post(apply::apply).layer(uploads()))
        .route("/thu-tuc/{code}/nhap/xoa", post(draft::delete))
        .route("/ho-so", get(inbox::list))
        .route("/ho-so/{code}", get(dossier::show))
        .route("/ho-so/{code}/hanh-dong", post(dossier::act).layer(uploads()))
        .route("/ho-so/{code}/tep/{sha256}", get(dossier::file))
        .route("/ho-so/{code}/phieu/{kind}", get(slips::slip))
        .route("/ho-so/{code}/phieu/{kind}/pdf", get(slips::slip_pdf))
        .route("/ho-so/{code}/to-khai", get(declaration::filled))
        .route("/thu-tuc/{code}/to-khai", get(declaration::blank))
        .route("/kho-du-lieu", get(documents::documents).post(documents::add_document).layer(uploads()))
        .route("/tra-cuu", get(lookup::lookup_form).post(lookup::lookup))
        .route("/mot-cua", get(desk::desk))
        .route("/mot-cua/{code}", get(desk::reopen).post(desk::register).layer(uploads()))
        .route("/api/v1/dossiers", get(api::list).post(api::submit))
        .route("/api/v1/dossiers/{code}", get(api::get))
        .route("/api/v1/dossiers/{code}/events", get(api::events))
        .route("/api/v1/dossiers/{code}/actions", post(api::act))
        .route("/api/v1/lookup", post(api::lookup))
        .route("/api/v1/dossiers/{code}/files", get(api::dossier_files))
        .route("/api/v1/dossiers/{code}/files/{sha256}", get(api::download))
        .route("/api/v1/documents/{sha256}", get(api::document_download))
        .route("/kho-du-lieu/{sha256}", get(documents::download));
    WebModule {
        routes,
        api: ApiDoc::openapi(),
        own_upload_auth: &[],
        personal_data: Some(personal_data::of),
        held_work: Some(held::of),
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
