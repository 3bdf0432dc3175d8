//! Electronic results, the web half (the `results` module's service, pages and API): signing
//! a dossier's result when its approver approves (the dossier flow's `ResultIssuer`), the
//! province's decision announcing the digital-transformation index (the DTI's
//! `DecisionSigner`), signed documents issued with their ledger entry, and the public verifier
//! (`/xac-thuc`, `/api/v1/results/...`).
//!
//! May depend on: the platform's HTTP crate, the results core, the dossier core and web and
//! the DTI web (the hooks it fills), the kernel, the ledger's link type and the storage ports.

pub mod decision;
pub mod issue;
pub mod result;
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

/// Sets the module up on `state` before serving: its configuration, and the dossier flow's
/// result issuer when there is a signer.
pub fn install(state: &AppState, results: Results) {
    if results.signer.is_some() {
        state.module_state::<tinhso_dossier_web::service::Hooks>().set_result(Arc::new(result::Issuer));
        state.module_state::<tinhso_dti_web::decision::DecisionHook>().set(Arc::new(decision::Decisions));
    }
    state.set_module_state(Arc::new(results));
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
    WebModule { routes, api: ApiDoc::openapi(), own_upload_auth: &["/xac-thuc"], personal_data: None, held_work: None }
}
