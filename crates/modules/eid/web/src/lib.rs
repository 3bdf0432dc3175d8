//! Signing in with the national e-ID, the web half (the `eid` module): `/dang-nhap/vneid`
//! sends the browser to the provider with a fresh state, nonce and PKCE challenge (kept in a
//! short-lived cookie), `/dang-nhap/vneid/ve` takes it back, redeems the code, checks the ID
//! token and opens, joins or makes the person's account (`tinhso_eid::resolve`);
//! `/tai-khoan/vneid` shows an account's join and lets a signed-in citizen make one.
//!
//! May depend on: the platform's HTTP crate, the e-ID rules, the kernel, the ledger and the
//! ports.

pub mod flow;
pub mod pages;
pub mod personal_data;
pub mod provider;

use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use tinhso_http::state::AppState;
use tinhso_http::WebModule;
use utoipa::OpenApi;

/// The module's storage port, which the composition root puts in `state.store`.
pub(crate) fn eid_port(state: &AppState) -> tinhso_store::Result<Arc<dyn tinhso_eid_port::EidStore>> {
    state.store.port::<dyn tinhso_eid_port::EidStore>()
}

/// Where a sign-in starts, where the provider sends the browser back, and the account's page.
pub const START: &str = "/dang-nhap/vneid";
pub const RETURN: &str = "/dang-nhap/vneid/ve";
pub const ACCOUNT: &str = "/tai-khoan/vneid";

/// The module's configuration on a server: the provider, when one is configured.
#[derive(Default)]
pub struct Eid {
    pub provider: Option<Arc<provider::Provider>>,
}

pub fn install(state: &AppState, eid: Eid) {
    state.set_module_state(Arc::new(eid));
}

#[derive(OpenApi)]
#[openapi()]
pub struct ApiDoc;

pub fn module() -> WebModule {
    let routes = Router::new()
        .route(START, get(pages::start))
        .route(RETURN, get(pages::back))
        .route(ACCOUNT, get(pages::account).post(pages::start_join));
    WebModule {
        routes,
        api: ApiDoc::openapi(),
        own_upload_auth: &[],
        personal_data: Some(personal_data::of),
        held_work: None,
        account_links: None,
    }
}
