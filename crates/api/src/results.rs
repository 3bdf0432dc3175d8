//! The public verifier's answers (`/api/v1/results/...`): what the platform knows of an issued
//! document, and what a checked file shows. Nothing personal beyond what the document shows.

use serde::Serialize;
use utoipa::ToSchema;

/// An issued document as the platform recorded it.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedAnswer {
    /// The code under the document's QR code.
    pub code: String,
    /// `result` (kết quả), `receipt` (biên lai) or `decision` (quyết định, public).
    pub kind: String,
    /// `issued`, `revoked` or `replaced`.
    pub status: String,
    pub agency: String,
    pub agency_name: String,
    /// The signing certificate's subject.
    pub signer: String,
    /// When it was signed (RFC 3339).
    pub signed_at: String,
    pub timestamped: bool,
    /// A receipt's number ("BL-2026-000001").
    pub number: Option<String>,
    /// The code of the document that replaced it.
    pub replaced_by: Option<String>,
    pub sha256: String,
}

/// A PDF checked by the verifier.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileCheck {
    pub sha256: String,
    pub signed: bool,
    /// The signed bytes are unchanged.
    pub intact: bool,
    /// The signature is the signer's.
    pub signature_valid: bool,
    /// Nothing was added after the signature.
    pub covers_whole_file: bool,
    pub signer: Option<String>,
    pub certificate_issuer: Option<String>,
    /// The time the signature claims (dd/mm/yyyy hh:mm:ss UTC).
    pub signing_time: Option<String>,
    /// A timestamp authority's time, when the signature carries one.
    pub timestamp: Option<String>,
    pub timestamp_valid: Option<bool>,
    /// This very file is a document the platform issued (same SHA-256).
    pub issued_here: Option<IssuedAnswer>,
    /// `valid` (issued here, intact, not revoked), `revoked`, `replaced`, `modified` (the signed
    /// content changed), `not_issued` (signed, intact, but not a document of this platform),
    /// `unsigned`.
    pub verdict: String,
}
