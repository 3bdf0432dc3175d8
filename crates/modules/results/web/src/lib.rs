//! Electronic results, the web half (the `results` module's service, pages and API): the
//! platform's document capability ([`issue::Issuer`]: whatever another module lays out, a
//! dossier's result, a receipt, the province's decision, is signed with its agency's key and
//! issued with its ledger entry), the agencies' keys, and the public verifier (`/xac-thuc`,
//! `/api/v1/results/...`).
//!
//! May depend on: the platform's HTTP crate, the results core, the kernel, the ledger's link
//! type and the storage ports. No other module: they reach signing through the platform.

pub mod issue;
pub mod signer;
pub mod verify;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;
use tinhso_http::state::AppState;
use tinhso_http::WebModule;
use utoipa::OpenApi;

/// The module's configuration on a server: who signs, and the timestamp authority for B-T.
#[derive(Default)]
pub struct Results {
    pub signer: Option<Arc<dyn signer::Signer>>,
    pub tsa: Option<String>,
}

/// Sets the module up on `state` before serving: with signing keys, it is the platform's
/// document capability; without, documents are not signed here (approvers attach signed files).
pub fn install(state: &AppState, results: Results) {
    if let Some(signer) = results.signer {
        state.capabilities.documents.set(Arc::new(issue::Issuer { signer, tsa: results.tsa }));
    }
}

#[derive(OpenApi)]
#[openapi(paths(verify::api_code, verify::api_verify))]
pub struct ApiDoc;

pub fn module() -> WebModule {
    let routes = Router::new()
        .route("/xac-thuc", get(verify::page).post(verify::upload).layer(DefaultBodyLimit::max(verify::MAX_PDF)))
        .route("/api/v1/results/verify", post(verify::api_verify).layer(DefaultBodyLimit::max(verify::MAX_PDF)))
        .route("/api/v1/results/{code}", get(verify::api_code));
    // The verifier is public and changes nothing: anyone may upload a PDF to it, without a
    // session or CSRF token; the body limit above bounds what it reads.
    WebModule {
        routes,
        api: ApiDoc::openapi(),
        own_upload_auth: &["/xac-thuc"],
        personal_data: None,
        held_work: None,
        account_links: None,
    }
}
