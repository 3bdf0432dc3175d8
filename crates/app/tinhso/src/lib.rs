//! The composition root's library half: how the platform's pieces and the modules are put
//! together: on one engine (`db`: migrations, ports, projections) and on the HTTP server
//! ([`web_modules`]: each module's routes and part of the API document). The binary
//! (`main.rs`) uses it, and so do the benchmarks and the integration tests, so that every
//! harness runs the platform as it ships.

pub mod db;

/// The modules' web halves the server mounts beside the platform's routes.
pub fn web_modules() -> Vec<tinhso_http::WebModule> {
    vec![
        tinhso_catalogue_web::module(),
        tinhso_dossier_web::module(),
        tinhso_ioc_web::module(),
        tinhso_reports_web::module(),
        tinhso_opendata_web::module(),
        tinhso_results_web::module(),
    ]
}

/// Gives the modules that need it their configuration on `state`, before serving: the
/// results module's signer (agencies' PKCS#12 keys from `--signing-keys`, or demo keys in the
/// data directory for the demo province) and timestamp authority.
pub fn install_modules(
    state: &tinhso_http::AppState,
    data: &std::path::Path,
    (signing_keys, tsa): (Option<std::path::PathBuf>, Option<String>),
    demo: bool,
) {
    use std::sync::Arc;
    use tinhso_results_web::signer::{Pkcs12Signer, Signer};
    let signer: Option<Arc<dyn Signer>> = match signing_keys {
        Some(dir) => Some(Arc::new(Pkcs12Signer::new(dir, false))),
        None if demo => Some(Arc::new(Pkcs12Signer::new(data.join("signing-demo"), true))),
        None => None,
    };
    tinhso_results_web::install(state, tinhso_results_web::Results { signer, tsa });
}
