//! The register of documents the platform issued (results, receipts, decisions), as the
//! modules that did not issue them read it: whether an attached file is one the platform
//! issued (digitised data by fact), what was issued about a subject (a payment's receipt, the
//! year's DTI decision), and the next free receipt number of an agency's year. The results
//! module keeps the register and fills this slot whether or not it holds signing keys: a
//! server started without keys still knows what it issued before.

use crate::error::AppError;
use crate::state::AppState;
use std::sync::Arc;
use tinhso_kernel::document::IssuedDocument;

#[async_trait::async_trait]
pub trait IssuedRegister: Send + Sync + 'static {
    /// The issued document whose signed file has this hex SHA-256.
    async fn by_sha256(&self, sha256: &str) -> Result<Option<IssuedDocument>, AppError>;
    /// Every document issued about `subject` (a dossier's code, or `dti/2025`), in any status.
    async fn about(&self, subject: &str) -> Result<Vec<IssuedDocument>, AppError>;
    /// The next receipt number of `agency` in `year` (1 for the first); the number is taken only
    /// when the receipt is issued, so two numbering at once meet a `number_taken` conflict.
    async fn next_receipt_seq(&self, agency: &str, year: i32) -> Result<i64, AppError>;
}

/// The register; always filled by a composition root that serves the results module.
pub fn register(state: &AppState) -> Result<Arc<dyn IssuedRegister>, AppError> {
    state
        .capabilities
        .issued
        .get()
        .ok_or_else(|| AppError::Internal("the register of issued documents was not set up".into()))
}
