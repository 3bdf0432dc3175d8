//! How payments are labelled on the ledger (lanes `tt/<agency>`): each payment made, paid,
//! ended, refunded or confirmed from a bank statement; public, like the fee itself.

use tinhso_ledger::audit::Labels;

pub const LANE_PREFIX: &str = "tt/";

pub const KINDS: [&str; 8] = [
    "payment_created",
    "payment_paid",
    "payment_failed",
    "payment_cancelled",
    "payment_expired",
    "payment_refunded",
    "payment_pending",
    "payment_reconciled",
];

pub struct PaymentLabels;

impl Labels for PaymentLabels {
    fn label<'p>(&self, _lane: &str, payload: &'p str) -> Option<(&'p str, bool)> {
        let kind = payload.strip_prefix("{\"kind\":\"")?.split('"').next()?;
        KINDS.contains(&kind).then_some((kind, true))
    }

    fn opens(&self, _lane: &str, kind: &str) -> bool {
        kind == "payment_created" || kind == "payment_reconciled"
    }
}

/// A payment's subject on the ledger.
pub fn subject(txn_ref: &str) -> String {
    format!("payment/{txn_ref}")
}
