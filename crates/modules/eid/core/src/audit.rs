//! How e-ID joins are labelled on the ledger (lane `eid`), and the audit of the stored joins
//! against them: a join put into the database behind the platform would let whoever holds
//! that e-ID into the account, so every stored join must have its entry, naming its account.

use tinhso_ledger::audit::Labels;

pub const LANE: &str = "eid";
pub const KIND: &str = "eid_linked";

pub struct EidLabels;

impl Labels for EidLabels {
    fn label<'p>(&self, _lane: &str, payload: &'p str) -> Option<(&'p str, bool)> {
        let kind = payload.strip_prefix("{\"kind\":\"")?.split('"').next()?;
        (kind == KIND).then_some((kind, false))
    }

    fn opens(&self, _lane: &str, kind: &str) -> bool {
        kind == KIND
    }
}

/// A join's subject on the ledger: a digest of the issuer and the provider's subject, since
/// the subject may be the person's id number and the ledger is never rewritten.
pub fn subject(issuer: &str, sub: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, format!("{issuer}\n{sub}").as_bytes());
    let hex: String = d.as_ref().iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("eid/{hex}")
}

/// The entry's payload for a join of `account` to an e-ID of `issuer`.
pub fn payload(account: i64, issuer: &str, made: bool) -> String {
    // The kind first, as the audit reads it.
    format!(
        "{{\"kind\":\"{KIND}\",\"account\":{account},\"issuer\":{},\"made\":{made}}}",
        serde_json::Value::from(issuer)
    )
}

/// The first column of a stored join its entries do not vouch for.
pub fn row_differs(account: i64, issuer: &str, entries: &[(&str, &str)]) -> Option<&'static str> {
    let Some((lane, last)) = entries.last() else { return Some("account_id") };
    let said: serde_json::Value = serde_json::from_str(last).ok()?;
    if *lane != LANE || said["kind"] != KIND || said["account"].as_i64() != Some(account) {
        return Some("account_id");
    }
    (said["issuer"].as_str() != Some(issuer)).then_some("issuer")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_join_without_its_entry_or_moved_to_another_account_is_found() {
        let p = payload(42, "https://vneid.example", true);
        assert_eq!(EidLabels.label(LANE, &p), Some((KIND, false)));
        assert_eq!(row_differs(42, "https://vneid.example", &[(LANE, &p)]), None);
        assert_eq!(row_differs(43, "https://vneid.example", &[(LANE, &p)]), Some("account_id"));
        assert_eq!(row_differs(42, "https://evil.example", &[(LANE, &p)]), Some("issuer"));
        assert_eq!(row_differs(42, "https://vneid.example", &[]), Some("account_id"));
        assert_eq!(row_differs(42, "https://vneid.example", &[("admin", &p)]), Some("account_id"));
        let s = subject("https://vneid.example", "001099000123");
        assert!(s.starts_with("eid/") && !s.contains("001099000123") && s.len() == 36);
    }
}
