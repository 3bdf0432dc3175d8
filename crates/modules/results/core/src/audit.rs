//! How issued documents are labelled on the ledger (lanes `kq/<agency>`): each issue, with the
//! signed file's SHA-256, and each revocation or replacement; public, like the verifier.

use tinhso_ledger::audit::Labels;

pub const LANE_PREFIX: &str = "kq/";

pub const KINDS: [&str; 4] = ["result_issued", "receipt_issued", "document_revoked", "document_replaced"];

pub struct ResultLabels;

impl Labels for ResultLabels {
    fn label<'p>(&self, _lane: &str, payload: &'p str) -> Option<(&'p str, bool)> {
        let kind = payload.strip_prefix("{\"kind\":\"")?.split('"').next()?;
        KINDS.contains(&kind).then_some((kind, true))
    }

    fn opens(&self, _lane: &str, kind: &str) -> bool {
        kind.ends_with("_issued")
    }
}

/// An issued document's subject on the ledger.
pub fn subject(code: &str) -> String {
    format!("document/{code}")
}
