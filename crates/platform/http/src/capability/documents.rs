//! Signing and issuing a state document: the module that owns the document says what it says
//! (its [`OfficialDocument`]: issuer, number, title, body); the issuer gives it a verification
//! code and the verifier's QR code, fills the signature block, draws it as PDF/A, signs it
//! with the agency's key, stores the file durably, records it with its ledger entry, and only
//! then puts it in its owner's document store.

use crate::error::AppError;
use crate::state::AppState;
use std::sync::Arc;
use tinhso_kernel::document::{DocumentKind, IssuedDocument, OfficialDocument};
use tinhso_kernel::ids::{AccountId, Sha256};
use tinhso_store::{Attachment, StoredFile};

/// What to issue.
pub struct ToIssue {
    pub kind: DocumentKind,
    /// What it is about: a dossier's code, or a subject on the ledger (`dti/2025`).
    pub subject: String,
    /// The signing agency's code: its key signs, its name fills the signature block.
    pub agency: String,
    /// Whose document store receives it once it is recorded; `None` for a public document (a
    /// decision), or for one its caller files itself after its own act is written (a result).
    pub owner: Option<AccountId>,
    pub actor: AccountId,
    /// The file's name in the owner's document store.
    pub name: String,
    /// The year it belongs to: a receipt's numbering year, a decision's year, a result's.
    pub year: i32,
    /// A receipt's number within its agency and year (0 for other kinds), taken only when it
    /// is recorded: a number taken meanwhile answers the `number_taken` conflict and the
    /// caller numbers again.
    pub seq: i64,
    /// The document; its QR code and signature block are the issuer's to fill in.
    pub doc: OfficialDocument,
    /// The signature's reason ("Ký kết quả giải quyết thủ tục hành chính").
    pub reason: String,
}

/// An issued document, its stored file, and the attachment that names it.
pub struct Issued {
    pub document: IssuedDocument,
    pub file: StoredFile,
    pub attachment: Attachment,
}

#[async_trait::async_trait]
pub trait DocumentIssuer: Send + Sync + 'static {
    /// Signs, stores and records `what`.
    async fn issue(&self, state: &AppState, what: ToIssue) -> Result<Issued, AppError>;
    /// Withdraws a document issued for an act that was then not written (an approval lost to
    /// a concurrent change): it stays on record, revoked with `note`, so its code verifies as
    /// void. Failures are logged: the act it belonged to has already failed.
    async fn withdraw(&self, state: &AppState, sha256: &Sha256, note: &str);
}

/// The issuer, or the conflict that says signing is not set up, for callers that cannot go
/// on without a signed document.
pub fn required(state: &AppState) -> Result<Arc<dyn DocumentIssuer>, AppError> {
    state.capabilities.documents.get().ok_or_else(|| AppError::Conflict {
        code: "no_signing_key",
        vi: "Nền tảng chưa được cấu hình khóa ký số (--signing-keys)".into(),
        en: "No signing keys are configured (--signing-keys)".into(),
    })
}
