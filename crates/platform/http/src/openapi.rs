//! The OpenAPI 3.1 document of `/api/v1`, generated from the API's types (`tinhso-api` and the
//! domain types that derive their schemas) and the routes' `#[utoipa::path]` annotations, built
//! once and served at `/api/openapi.json`. A route added without its annotation is caught by
//! the router test that every `/api/` route is in the document.

use std::collections::BTreeSet;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi};

/// The session's CSRF token (from `POST /api/v1/session`), required on every write.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // read by the derive only
pub struct Csrf {
    /// The `csrf_token` returned by `POST /api/v1/session`.
    #[param(rename = "X-CSRF-Token")]
    x_csrf_token: String,
}

struct SessionCookie;

/// `Procedure` refuses unknown fields where it is read (catalogue files), which its schema says
/// with `additionalProperties: false`; the API only writes it, flattened into
/// `ProcedureDetail` beside `competent_agency_detail`, so that restriction must not reach the
/// document (JSON Schema would then refuse the detail's own field).
struct FlattenedInResponses;

impl Modify for FlattenedInResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::Schema;
        use utoipa::openapi::RefOr;
        let Some(components) = openapi.components.as_mut() else { return };
        if let Some(RefOr::T(Schema::Object(o))) = components.schemas.get_mut("Procedure") {
            o.additional_properties = None;
        }
    }
}

/// Every operation may answer 400 before any handler runs: a request target no route can read
/// (`invalid_path`: escapes that are not UTF-8, hidden control characters; `uri_too_long`), or
/// a head that is not HTTP (`malformed_request`, `transport.rs`).
struct UnreadableTarget;

impl Modify for UnreadableTarget {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let response = ResponseBuilder::new()
            .description(
                "The request cannot be read: `invalid_path`, `uri_too_long`, `malformed_request` or the operation's own \
                 errors",
            )
            .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build())
            .build();
        for item in openapi.paths.paths.values_mut() {
            let ops = [&mut item.get, &mut item.post, &mut item.put, &mut item.delete, &mut item.patch];
            for op in ops.into_iter().flatten() {
                op.responses.responses.entry("400".to_owned()).or_insert_with(|| response.clone().into());
            }
        }
    }
}

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "tinhso_session",
                "Set by POST /api/v1/session (`__Host-tinhso_session` behind HTTPS)",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tỉnh Số API",
        version = "1",
        description = "Public services of a Vietnamese province: the procedure catalogue, dossiers from submission to result, the operations centre's Decision 766 index. Errors are `{code, message}` with a Vietnamese message; invalid input lists every field error at once. Writes need the session cookie and the session's CSRF token in `X-CSRF-Token`.",
        license(name = "Apache-2.0")
    ),
    paths(
        crate::api::healthz,
        crate::api::units,
        crate::api_session::login,
        crate::api_session::logout,
        crate::api_session::notifications,
        crate::api_session::upload,
        crate::api_session::documents,
    ),
    modifiers(&SessionCookie, &FlattenedInResponses),
    tags(
        (name = "catalogue", description = "Procedures and communes"),
        (name = "session", description = "Logging in and out"),
        (name = "files", description = "Uploads, the document store, attached files"),
        (name = "operations", description = "Health"),
    )
)]
pub struct ApiDoc;

/// The document as served: the platform's part merged with each module's, as JSON.
pub fn document(modules: impl IntoIterator<Item = utoipa::openapi::OpenApi>) -> String {
    let mut doc = ApiDoc::openapi();
    for m in modules {
        doc.merge(m);
    }
    // Again on the whole: the schemas and routes they touch may come from the modules.
    SessionCookie.modify(&mut doc);
    FlattenedInResponses.modify(&mut doc);
    UnreadableTarget.modify(&mut doc);
    doc.to_json().unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// The paths a document (or a part of one) describes.
pub fn paths_of(doc: &utoipa::openapi::OpenApi) -> BTreeSet<String> {
    doc.paths.paths.keys().cloned().collect()
}

/// For each web crate's test: the `/api/` routes its router source registers are exactly the
/// paths its part of the document describes (a route without its annotation, or a stale one,
/// is named).
pub fn check_documented(router_source: &str, doc: &utoipa::openapi::OpenApi) -> Result<(), String> {
    let served = api_routes_in(router_source);
    let documented = paths_of(doc);
    if served.is_empty() {
        return Err("no /api route found in the router's source".into());
    }
    if served != documented {
        let missing: Vec<_> = served.difference(&documented).collect();
        let stale: Vec<_> = documented.difference(&served).collect();
        return Err(format!("served but not documented: {missing:?}; documented but not served: {stale:?}"));
    }
    Ok(())
}

/// The `/api/` routes (and `/healthz`) a router's source registers with `.route("…"`, for the
/// tests that check each part of the document against the routes it belongs to.
pub fn api_routes_in(router_source: &str) -> BTreeSet<String> {
    router_source
        .split(".route(")
        .skip(1)
        .filter_map(|r| r.trim_start().strip_prefix('"')?.split('"').next())
        .filter(|p| (p.starts_with("/api/") && *p != "/api/openapi.json") || *p == "/healthz")
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use utoipa::OpenApi;

    /// Every route the platform's router serves under `/api/` (and `/healthz`) is in its part
    /// of the document, and nothing else is: the router's source is the list. (Each module's
    /// web crate checks its own part the same way.)
    #[test]
    fn every_api_route_is_documented() {
        let doc: serde_json::Value = serde_json::from_str(&super::document([])).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(super::check_documented(include_str!("lib.rs"), &super::ApiDoc::openapi()), Ok(()));
    }
}
