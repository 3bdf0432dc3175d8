//! Online payment, the web half (the `payments` module): the fee page (`/ho-so/{code}/nop-phi`:
//! the gateway and a VietQR code), the gateway's browser return and signed notification, a
//! confirmed payment moving the dossier on and earning a signed receipt, refunds when a paid
//! dossier is stopped, pending payments asked about and expired, and bank statements
//! reconciled (`tinhso payments reconcile`).
//!
//! May depend on: the platform's HTTP crate, the payments core, the dossier core (its states
//! and events, to read the fee asked), the kernel, the ledger's link type and the ports. No
//! other module's web half: the dossier flow (opening a dossier, recording a fee paid online)
//! and signing receipts are reached through the platform's capabilities.

pub mod gateway;
pub mod pages;
pub mod personal_data;
pub mod receipt;
pub mod reconcile;
pub mod service;

use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use tinhso_http::state::AppState;
use tinhso_http::WebModule;
use tinhso_payments::gateway::Merchant;
use tinhso_payments::vietqr::Account;
use utoipa::OpenApi;

/// The module's storage port, which the composition root puts in `state.store`.
pub(crate) fn payments_port(state: &AppState) -> tinhso_store::Result<Arc<dyn tinhso_payments_port::PaymentStore>> {
    state.store.port::<dyn tinhso_payments_port::PaymentStore>()
}

/// The module's configuration on a server.
#[derive(Default)]
pub struct Payments {
    /// The payment gateway (`--gateway-url` with its terminal code and secret).
    pub gateway: Option<Arc<dyn gateway::Gateway>>,
    /// The province's collection account for VietQR transfers (`--vietqr-account`).
    pub vietqr: Option<Account>,
}

impl Payments {
    /// The VNPay-shaped gateway of `merchant`, with the VietQR account.
    pub fn vnpay(merchant: Option<Merchant>, vietqr: Option<Account>) -> Self {
        let gateway = merchant.map(|m| Arc::new(gateway::Vnpay(m)) as Arc<dyn gateway::Gateway>);
        Self { gateway, vietqr }
    }
}

impl Payments {
    /// Whether a fee can be paid without cash: Decision 766's 3.5 counts fee-bearing
    /// procedures as payable online when there is a channel.
    pub fn online(&self) -> bool {
        self.gateway.is_some() || self.vietqr.is_some()
    }
}

pub fn install(state: &AppState, payments: Payments) {
    let channels = tinhso_payments::Channels { online: payments.online(), vietqr: payments.vietqr.clone() };
    state.set_module_state(Arc::new(channels));
    state.set_module_state(Arc::new(payments));
}

#[derive(OpenApi)]
#[openapi(paths(service::ipn))]
pub struct ApiDoc;

pub fn module() -> WebModule {
    let routes = Router::new()
        .route("/ho-so/{code}/nop-phi", get(pages::fee_page).post(pages::start))
        .route("/thanh-toan/ket-qua", get(pages::returned))
        .route("/api/v1/payments/ipn", get(service::ipn));
    WebModule {
        routes,
        api: ApiDoc::openapi(),
        own_upload_auth: &[],
        personal_data: Some(personal_data::of),
        held_work: None,
        account_links: None,
    }
}
