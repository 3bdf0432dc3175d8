//! How lookups are labelled on the ledger (lane `exchange`), and the audit of the stored log
//! against them: an officer who looked a person up cannot have the lookup deleted, moved to
//! another person or officer, or made to say it found nothing, without the audit naming it.

use tinhso_ledger::audit::Labels;

pub const LANE: &str = "exchange";
pub const KIND: &str = "resident_lookup";

pub struct ExchangeLabels;

impl Labels for ExchangeLabels {
    fn label<'p>(&self, _lane: &str, payload: &'p str) -> Option<(&'p str, bool)> {
        let kind = payload.strip_prefix("{\"kind\":\"")?.split('"').next()?;
        (kind == KIND).then_some((kind, false))
    }

    fn opens(&self, _lane: &str, kind: &str) -> bool {
        kind == KIND
    }
}

/// A lookup's subject on the ledger: its message id.
pub fn subject(message_id: &str) -> String {
    format!("exchange/{message_id}")
}

/// The person asked about, as the ledger names them: a digest, since the ledger is never
/// rewritten and the log row (which a person may ask to see) holds the number itself.
pub fn person(personal_id: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, format!("tinhso-resident\n{personal_id}").as_bytes());
    d.as_ref().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// What a stored lookup says, as the audit holds it to its entry.
#[derive(Debug, Clone, Copy)]
pub struct Lookup<'a> {
    pub officer: i64,
    pub agency: &'a str,
    pub personal_id: &'a str,
    pub outcome: &'a str,
    pub purpose: &'a str,
}

/// The entry's payload for `l`.
pub fn payload(l: &Lookup<'_>) -> String {
    // The kind first, as the audit reads it.
    format!(
        "{{\"kind\":\"{KIND}\",\"officer\":{},\"agency\":{},\"person\":\"{}\",\"outcome\":{},\"purpose\":{}}}",
        l.officer,
        serde_json::Value::from(l.agency),
        person(l.personal_id),
        serde_json::Value::from(l.outcome),
        serde_json::Value::from(l.purpose),
    )
}

/// The first column of a stored lookup its entry does not vouch for.
pub fn row_differs(l: &Lookup<'_>, entries: &[(&str, &str)]) -> Option<&'static str> {
    let Some((lane, last)) = entries.last() else { return Some("officer_id") };
    let Ok(said) = serde_json::from_str::<serde_json::Value>(last) else { return Some("officer_id") };
    if *lane != LANE || said["kind"] != KIND || said["officer"].as_i64() != Some(l.officer) {
        return Some("officer_id");
    }
    if said["person"].as_str() != Some(person(l.personal_id).as_str()) {
        return Some("personal_id");
    }
    if said["agency"].as_str() != Some(l.agency) {
        return Some("agency");
    }
    if said["outcome"].as_str() != Some(l.outcome) {
        return Some("outcome");
    }
    (said["purpose"].as_str() != Some(l.purpose)).then_some("purpose")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lookup_changed_behind_the_platform_is_named() {
        let l = Lookup {
            officer: 7,
            agency: "000.00.01.H59",
            personal_id: "008090001234",
            outcome: "matches",
            purpose: "1.000001",
        };
        let p = payload(&l);
        assert_eq!(ExchangeLabels.label(LANE, &p), Some((KIND, false)));
        assert!(!p.contains("008090001234"), "the ledger holds no id number");
        assert_eq!(row_differs(&l, &[(LANE, &p)]), None);
        assert_eq!(row_differs(&Lookup { officer: 8, ..l }, &[(LANE, &p)]), Some("officer_id"));
        assert_eq!(row_differs(&Lookup { personal_id: "008090009999", ..l }, &[(LANE, &p)]), Some("personal_id"));
        assert_eq!(row_differs(&Lookup { agency: "000.00.02.H59", ..l }, &[(LANE, &p)]), Some("agency"));
        assert_eq!(row_differs(&Lookup { outcome: "not_found", ..l }, &[(LANE, &p)]), Some("outcome"));
        assert_eq!(row_differs(&Lookup { purpose: "1.000002", ..l }, &[(LANE, &p)]), Some("purpose"));
        assert_eq!(row_differs(&l, &[]), Some("officer_id"));
        assert_eq!(row_differs(&l, &[("admin", &p)]), Some("officer_id"));
        assert_eq!(subject("ab-cd"), "exchange/ab-cd");
    }
}
