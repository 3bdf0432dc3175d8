//! The dossier flow as the platform's capability ([`DossierFlow`]): other modules open a
//! dossier under this module's access rule and record a fee paid online through its state
//! machine, without depending on this crate.

use crate::service;
use std::sync::Arc;
use tinhso_dossier::{Command, Dossier};
use tinhso_http::capability::dossiers::DossierFlow;
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::ids::DossierCode;
use tinhso_store::{Account, DossierRecord};

struct Flow;

#[async_trait::async_trait]
impl DossierFlow for Flow {
    async fn open(&self, state: &AppState, account: &Account, code: &str) -> Result<DossierRecord, AppError> {
        service::load(state, account, code).await
    }

    async fn fee_paid_online(&self, state: &AppState, code: &DossierCode) -> Result<Dossier, AppError> {
        service::act_as_platform(state, code, Command::RecordPayment { online: true }).await
    }
}

/// Offers the dossier flow to the other modules; the composition root calls it before serving.
pub fn install(state: &AppState) {
    state.capabilities.dossiers.set(Arc::new(Flow));
}
