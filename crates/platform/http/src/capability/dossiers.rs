//! What the dossier flow offers modules that serve a dossier's applicant or bring an outside
//! party's word to it (payments: the fee page, the gateway's confirmation, a bank statement).
//! The dossier module answers with its own access rule and state machine, so a fee paid online
//! moves a dossier exactly as the desk recording a fee would, and a page about a dossier is
//! shown to exactly those who may see the dossier.

use crate::error::AppError;
use crate::state::AppState;
use tinhso_dossier::Dossier;
use tinhso_kernel::ids::DossierCode;
use tinhso_store::{Account, DossierRecord};

#[async_trait::async_trait]
pub trait DossierFlow: Send + Sync + 'static {
    /// Dossier `code` as `account` may see it; "not found" when they may not, or when `code`
    /// cannot be a code, so codes cannot be probed.
    async fn open(&self, state: &AppState, account: &Account, code: &str) -> Result<DossierRecord, AppError>;

    /// Records that the fee dossier `code` waits for was paid online, on the platform's word
    /// (the caller verified the gateway's signed report): the state machine decides as for
    /// the desk, and the applicant is told.
    async fn fee_paid_online(&self, state: &AppState, code: &DossierCode) -> Result<Dossier, AppError>;
}

/// The dossier flow; the composition root always installs it, so an empty slot is a server
/// set up wrongly and says so.
pub fn required(state: &AppState) -> Result<std::sync::Arc<dyn DossierFlow>, AppError> {
    state.capabilities.dossiers.get().ok_or_else(|| AppError::Internal("the dossier flow is not installed".into()))
}
