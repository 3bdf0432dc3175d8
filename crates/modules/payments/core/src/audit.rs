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

/// A payment's row as stored, in the terms its entries speak.
pub struct StoredPayment<'a> {
    pub txn_ref: &'a str,
    pub dossier: &'a str,
    pub agency: &'a str,
    pub amount_vnd: i64,
    pub state: &'a str,
}

/// The first column of a payment's row its ledger entries (lane and hashed payload, in chain
/// order) do not vouch for: its state is its last entry's, and every entry names its amount,
/// its dossier and, by its lane, its agency. A fee lowered, a payment marked paid or moved to
/// another dossier in the database is found.
pub fn row_differs(row: &StoredPayment<'_>, entries: &[(&str, &str)]) -> Option<&'static str> {
    let Some((_, last)) = entries.last() else { return Some("state") };
    let said = |payload: &str| serde_json::from_str::<serde_json::Value>(payload).ok();
    let state = said(last).and_then(|v| {
        let kind = v["kind"].as_str()?.strip_prefix("payment_")?.to_owned();
        Some(match kind.as_str() {
            "created" => "pending".to_owned(),
            "reconciled" => "paid".to_owned(),
            _ => kind,
        })
    });
    if state.as_deref() != Some(row.state) {
        return Some("state");
    }
    for (lane, payload) in entries {
        let Some(v) = said(payload) else { return Some("state") };
        let p = &v["payment"];
        if p["txn_ref"].as_str() != Some(row.txn_ref) || p["dossier"].as_str() != Some(row.dossier) {
            return Some("dossier");
        }
        if p["amount_vnd"].as_i64() != Some(row.amount_vnd) {
            return Some("amount_vnd");
        }
        if lane.strip_prefix(LANE_PREFIX) != Some(row.agency) {
            return Some("agency");
        }
    }
    None
}

#[cfg(test)]
mod row_tests {
    use super::*;

    const CREATED: &str =
        r#"{"kind":"payment_created","payment":{"txn_ref":"TT1","dossier":"D-1","amount_vnd":50000,"detail":{}}}"#;
    const PAID: &str =
        r#"{"kind":"payment_paid","payment":{"txn_ref":"TT1","dossier":"D-1","amount_vnd":50000,"detail":{}}}"#;

    fn row(
        state: &'static str,
        amount_vnd: i64,
        dossier: &'static str,
        agency: &'static str,
    ) -> StoredPayment<'static> {
        StoredPayment { txn_ref: "TT1", dossier, agency, amount_vnd, state }
    }

    #[test]
    fn a_payment_row_agrees_with_its_entries_or_names_the_column() {
        let paid = [("tt/A", CREATED), ("tt/A", PAID)];
        assert_eq!(row_differs(&row("paid", 50000, "D-1", "A"), &paid), None);
        assert_eq!(row_differs(&row("pending", 50000, "D-1", "A"), &paid[..1]), None);
        assert_eq!(row_differs(&row("pending", 50000, "D-1", "A"), &paid), Some("state"));
        assert_eq!(row_differs(&row("paid", 50000, "D-1", "A"), &paid[..1]), Some("state"));
        assert_eq!(row_differs(&row("paid", 1, "D-1", "A"), &paid), Some("amount_vnd"));
        assert_eq!(row_differs(&row("paid", 50000, "D-2", "A"), &paid), Some("dossier"));
        assert_eq!(row_differs(&row("paid", 50000, "D-1", "B"), &paid), Some("agency"));
        assert_eq!(row_differs(&row("paid", 50000, "D-1", "A"), &[]), Some("state"));
        let reconciled = [(
            "tt/A",
            r#"{"kind":"payment_reconciled","payment":{"txn_ref":"TT1","dossier":"D-1","amount_vnd":50000,"detail":{}}}"#,
        )];
        assert_eq!(row_differs(&row("paid", 50000, "D-1", "A"), &reconciled), None);
    }
}
