//! The composition root's library half: how the platform's pieces and the modules are put
//! together: on one engine (`db`: migrations, ports, projections) and on the HTTP server
//! ([`web_modules`]: each module's routes and part of the API document). The binary
//! (`main.rs`) uses it, and so do the benchmarks and the integration tests, so that every
//! harness runs the platform as it ships.
//!
//! May depend on: everything in the workspace but the harnesses (`crates/dev`); nothing
//! depends on it but the harnesses.

pub mod db;
pub mod dti;
pub mod ioc_weights;
pub mod options;

/// The web halves the server mounts beside the platform's routes: the account pages (which
/// ask the modules what they keep about a person and what work an officer holds), then each
/// module's.
pub fn web_modules() -> Vec<tinhso_http::WebModule> {
    let modules = vec![
        tinhso_catalogue_web::module(),
        tinhso_dossier_web::module(),
        tinhso_ioc_web::module(),
        tinhso_reports_web::module(),
        tinhso_opendata_web::module(),
        tinhso_results_web::module(),
        tinhso_payments_web::module(),
        tinhso_eid_web::module(),
        tinhso_exchange_web::module(),
        tinhso_dti_web::module(),
    ];
    let accounts = tinhso_accounts::module(&modules);
    std::iter::once(accounts).chain(modules).collect()
}
