//! The electronic-results module's port (module: results): documents the platform signed and
//! issued (results and receipts), each with its entry on the ledger (lanes `kq/<agency>`).

use crate::Result;
use async_trait::async_trait;
use tinhso_ledger::chain::Link;

/// A signed document the platform issued, as the public verifier answers for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedDocument {
    /// The code printed under the QR code ("KQ-7F3K-92QD-M4XA"): unguessable, not the dossier's.
    pub code: String,
    /// `result` or `receipt`.
    pub kind: String,
    pub dossier: String,
    pub agency: String,
    /// A receipt's number within its agency and year (gap-free); 0 for results.
    pub year: i32,
    pub seq: i64,
    /// Hex SHA-256 of the signed file.
    pub sha256: String,
    pub signer: String,
    pub certificate_sha256: String,
    /// RFC 3339.
    pub signed_at: String,
    pub timestamped: bool,
    /// `issued`, `revoked` or `replaced`.
    pub status: String,
    pub replaced_by: Option<String>,
    pub status_note: Option<String>,
    /// The file's name in the citizen's document store.
    pub name: String,
}

#[async_trait]
pub trait ResultsStore: Send + Sync + 'static {
    /// Records an issued document and its ledger entry in one transaction. A receipt whose
    /// (agency, year, seq) is taken is a `Conflict`: the caller numbers it again.
    async fn issue(&self, doc: &IssuedDocument, entry: &Link) -> Result<()>;
    async fn issued_by_code(&self, code: &str) -> Result<Option<IssuedDocument>>;
    async fn issued_by_sha256(&self, sha256: &str) -> Result<Option<IssuedDocument>>;
    async fn issued_for_dossier(&self, dossier: &str) -> Result<Vec<IssuedDocument>>;
    /// The next receipt number of `agency` in `year` (1 for the first).
    async fn next_receipt_seq(&self, agency: &str, year: i32) -> Result<i64>;
    /// Revokes or replaces an issued document (status, by whom, why), with its ledger entry;
    /// `false` if it was not `issued`.
    async fn set_issued_status(
        &self,
        code: &str,
        status: &str,
        replaced_by: Option<&str>,
        note: &str,
        entry: &Link,
    ) -> Result<bool>;
    /// Up to `limit` issued documents after code `after`, by code, each with its ledger entries
    /// (lane and payload, in chain order): what `tinhso audit verify` compares.
    async fn documents_with_entries(
        &self,
        after: &str,
        limit: usize,
    ) -> Result<Vec<(IssuedDocument, Vec<(String, String)>)>>;
}
