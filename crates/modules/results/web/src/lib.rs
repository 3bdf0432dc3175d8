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
        watch_certificates(state, signer.clone());
        state.capabilities.documents.set(Arc::new(issue::Issuer { signer, tsa: results.tsa }));
    }
}

/// `/metrics` says when each agency's signing certificate ends, and how many keys cannot be
/// read, at each scrape (alerts: deploy/prometheus-alerts.yml).
fn watch_certificates(state: &AppState, signer: Arc<dyn signer::Signer>) {
    use tinhso_http::metrics::Sample;
    let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
    state.metrics.sample_on_scrape(move || {
        // Scrapes run samplers on a blocking thread, where waiting on the runtime is allowed.
        let read = runtime.block_on(signer.certificates());
        let mut ends = Vec::new();
        let mut unreadable = 0u32;
        for (agency, cert) in read {
            match cert.map(|c| c.validity()) {
                Ok(Some((_, until))) => ends.push((vec![("agency", agency)], until.timestamp() as f64)),
                Ok(None) | Err(_) => {
                    tracing::warn!(agency, "a signing key or its certificate cannot be read");
                    unreadable += 1;
                }
            }
        }
        vec![
            Sample {
                name: "tinhso_signing_certificate_expiry_timestamp_seconds",
                help: "When each agency's signing certificate ends (its notAfter).",
                values: ends,
            },
            Sample::one(
                "tinhso_signing_keys_unreadable",
                "Agency key files in the signing keys' directory that cannot be read (a wrong password?).",
                f64::from(unreadable),
            ),
        ]
    });
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
