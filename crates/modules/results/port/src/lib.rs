//! The electronic-results module's storage port: the documents the platform signed and issued
//! (results, receipts, decisions), each with its entry on the ledger (lanes `kq/<agency>`).
//! Its own store crate implements it on each engine; its web half and the composition root
//! use it. Other modules read issued documents through the platform's `issued` capability,
//! never through this port.
//!
//! May depend on: the kernel (the issued document's record), the ledger's link type and the
//! storage vocabulary (`tinhso-store`: its errors and the way modules' ports are held).

use async_trait::async_trait;
use tinhso_kernel::document::IssuedDocument;
use tinhso_ledger::chain::Link;
use tinhso_store::Result;

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
