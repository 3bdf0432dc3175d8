//! The data-exchange module's web half: the population service reached through the
//! province's X-Road security server ([`client`]), the one-stop desk's question to it
//! ([`registry`], the platform's resident capability), the person's page of who asked
//! about them (`/tai-khoan/tra-cuu-dan-cu`, their right under Decree 13/2023) and the
//! inspectors' log (`/quan-tri/tra-cuu-dan-cu`).
//!
//! May depend on: the platform's HTTP crate, the data-exchange rules, the kernel, the ledger
//! and the ports. No other module.

pub mod client;
pub mod pages;
pub mod personal_data;
pub mod registry;

use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use tinhso_http::auth::Viewer;
use tinhso_http::state::AppState;
use tinhso_http::{AccountLink, WebModule};
use utoipa::OpenApi;

/// The module's storage port, which the composition root puts in `state.store`.
pub(crate) fn exchange_port(state: &AppState) -> tinhso_store::Result<Arc<dyn tinhso_exchange_port::ExchangeStore>> {
    state.store.port::<dyn tinhso_exchange_port::ExchangeStore>()
}

/// The person's page and the inspectors'.
pub const MINE: &str = "/tai-khoan/tra-cuu-dan-cu";
pub const INSPECTORS: &str = "/quan-tri/tra-cuu-dan-cu";

/// The module's configuration on a server: the population service, when one is configured.
#[derive(Default)]
pub struct Exchange {
    pub population: Option<Arc<client::Population>>,
}

/// Sets the module up: the desk asks the population service when there is one.
pub fn install(state: &AppState, exchange: Exchange) {
    let outcomes = tinhso_exchange::Outcome::ALL.map(tinhso_exchange::Outcome::as_str);
    state.metrics.declare(registry::LOOKUPS, registry::LOOKUPS_HELP, &outcomes);
    if let Some(population) = exchange.population {
        state.capabilities.residents.set(Arc::new(registry::Registry { population }));
    }
}

#[derive(OpenApi)]
#[openapi()]
pub struct ApiDoc;

pub fn module() -> WebModule {
    let routes = Router::new().route(MINE, get(pages::mine)).route(INSPECTORS, get(pages::inspectors));
    WebModule {
        routes,
        api: ApiDoc::openapi(),
        own_upload_auth: &[],
        personal_data: Some(personal_data::of),
        held_work: None,
        account_links: Some(account_links),
    }
}

/// On a person's account page: their own log of lookups, when the desk asks the population
/// database; the inspectors' log, for those who read it.
fn account_links(state: &AppState, viewer: &Viewer) -> Vec<AccountLink> {
    let mut out = Vec::new();
    let resident = viewer.account.as_ref().is_some_and(|a| a.personal_id.is_some());
    if resident && state.capabilities.residents.get().is_some() {
        out.push(AccountLink {
            href: MINE,
            vi: "Ai đã tra cứu thông tin của tôi trong Cơ sở dữ liệu quốc gia về dân cư",
            en: "Who looked up my details in the National Population Database",
        });
    }
    if viewer.may(&tinhso_policy::Action::ViewResidentLookups) {
        out.push(AccountLink {
            href: INSPECTORS,
            vi: "Nhật ký tra cứu dữ liệu dân cư",
            en: "Population database lookups",
        });
    }
    out
}
