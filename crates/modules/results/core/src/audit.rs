//! How issued documents are labelled on the ledger (lanes `kq/<agency>`): each issue, with the
//! signed file's SHA-256, and each revocation or replacement; public, like the verifier.

use tinhso_ledger::audit::Labels;

pub const LANE_PREFIX: &str = "kq/";

pub const KINDS: [&str; 5] =
    ["result_issued", "receipt_issued", "decision_issued", "document_revoked", "document_replaced"];

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

/// A ledger entry of document `code` in its agency's lane, by `actor` (0: the platform), now.
pub fn entry(agency: &str, code: &str, actor: i64, payload: String) -> tinhso_ledger::chain::Link {
    tinhso_ledger::chain::Link {
        id: 0,
        lane: format!("{LANE_PREFIX}{agency}"),
        seq: 0,
        dossier: subject(code),
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        actor,
        payload,
    }
}

/// An issue's payload: its kind first (the labels read the opening), with what the row must
/// keep (the code, subject, number, signer and the signed file's SHA-256).
pub fn issued(kind: &str, code: &str, subject: &str, sha256: &str, seq: i64, signer: &str) -> String {
    format!(
        "{{\"kind\":\"{kind}_issued\",\"document\":{}}}",
        serde_json::json!({ "code": code, "dossier": subject, "sha256": sha256, "seq": seq, "signer": signer })
    )
}

/// A revocation's or replacement's payload (`status`: `revoked` or `replaced`).
pub fn status_changed(status: &str, code: &str, reason: &str, replaced_by: Option<&str>) -> String {
    format!(
        "{{\"kind\":\"document_{status}\",\"document\":{}}}",
        serde_json::json!({ "code": code, "reason": reason, "replaced_by": replaced_by })
    )
}

/// An issued document's row as stored, in the terms its entries speak.
pub struct StoredDocument<'a> {
    pub code: &'a str,
    /// `result`, `receipt` or `decision`.
    pub kind: &'a str,
    pub dossier: &'a str,
    pub agency: &'a str,
    pub seq: i64,
    pub sha256: &'a str,
    pub signer: &'a str,
    pub status: &'a str,
    pub replaced_by: Option<&'a str>,
}

/// The first column of a document's row its ledger entries (lane and hashed payload, in chain
/// order) do not vouch for. The first entry is its issue: the kind, code, dossier, number, signer
/// and the signed file's SHA-256, in the agency's lane; the status is the last entry's, with
/// the replacement it names. So a revoked result put back in force, or a forged file's digest
/// written in place of the signed one's (which the verifier would then call valid), is found.
pub fn row_differs(row: &StoredDocument<'_>, entries: &[(&str, &str)]) -> Option<&'static str> {
    let said = |payload: &str| serde_json::from_str::<serde_json::Value>(payload).ok();
    let Some(issue) = entries.first().and_then(|(_, p)| said(p)) else { return Some("status") };
    let d = &issue["document"];
    if issue["kind"].as_str() != Some(&format!("{}_issued", row.kind)) {
        return Some("kind");
    }
    if d["code"].as_str() != Some(row.code) || d["dossier"].as_str() != Some(row.dossier) {
        return Some("dossier");
    }
    if d["sha256"].as_str() != Some(row.sha256) {
        return Some("sha256");
    }
    if d["seq"].as_i64() != Some(row.seq) {
        return Some("seq");
    }
    if d["signer"].as_str() != Some(row.signer) {
        return Some("signer");
    }
    if entries.iter().any(|(lane, _)| lane.strip_prefix(LANE_PREFIX) != Some(row.agency)) {
        return Some("agency");
    }
    let last = entries.last().and_then(|(_, p)| said(p)).unwrap_or(serde_json::Value::Null);
    let (status, replaced_by) = match last["kind"].as_str() {
        Some("document_revoked") => ("revoked", None),
        Some("document_replaced") => ("replaced", last["document"]["replaced_by"].as_str()),
        _ => ("issued", None),
    };
    if status != row.status || (entries.len() > 1 && last["document"]["code"].as_str() != Some(row.code)) {
        return Some("status");
    }
    (replaced_by != row.replaced_by).then_some("replaced_by")
}

#[cfg(test)]
mod row_tests {
    use super::*;

    const ISSUED: &str =
        r#"{"kind":"result_issued","document":{"code":"KQ-A","dossier":"D-1","seq":0,"sha256":"ab","signer":"Sở"}}"#;
    const REVOKED: &str = r#"{"kind":"document_revoked","document":{"code":"KQ-A","reason":"Sai"}}"#;
    const REPLACED: &str =
        r#"{"kind":"document_replaced","document":{"code":"KQ-A","reason":"Sai","replaced_by":"KQ-B"}}"#;

    fn row(status: &'static str, sha256: &'static str) -> StoredDocument<'static> {
        StoredDocument {
            code: "KQ-A",
            kind: "result",
            dossier: "D-1",
            agency: "A",
            seq: 0,
            sha256,
            signer: "Sở",
            status,
            replaced_by: None,
        }
    }

    #[test]
    fn a_document_row_agrees_with_its_entries_or_names_the_column() {
        let issued = [("kq/A", ISSUED)];
        assert_eq!(row_differs(&row("issued", "ab"), &issued), None);
        assert_eq!(row_differs(&row("issued", "cd"), &issued), Some("sha256"), "a forged file's digest");
        assert_eq!(row_differs(&row("revoked", "ab"), &issued), Some("status"));
        let revoked = [("kq/A", ISSUED), ("kq/A", REVOKED)];
        assert_eq!(row_differs(&row("revoked", "ab"), &revoked), None);
        assert_eq!(row_differs(&row("issued", "ab"), &revoked), Some("status"), "put back in force");
        let replaced = [("kq/A", ISSUED), ("kq/A", REPLACED)];
        assert_eq!(
            row_differs(&StoredDocument { replaced_by: Some("KQ-B"), ..row("replaced", "ab") }, &replaced),
            None
        );
        assert_eq!(
            row_differs(&StoredDocument { replaced_by: Some("KQ-C"), ..row("replaced", "ab") }, &replaced),
            Some("replaced_by")
        );
        assert_eq!(row_differs(&StoredDocument { agency: "B", ..row("issued", "ab") }, &issued), Some("agency"));
        assert_eq!(row_differs(&StoredDocument { kind: "receipt", ..row("issued", "ab") }, &issued), Some("kind"));
        assert_eq!(row_differs(&StoredDocument { seq: 7, ..row("issued", "ab") }, &issued), Some("seq"));
        assert_eq!(row_differs(&StoredDocument { dossier: "D-2", ..row("issued", "ab") }, &issued), Some("dossier"));
        assert_eq!(row_differs(&row("issued", "ab"), &[]), Some("status"));
    }

    #[test]
    fn the_entries_the_platform_writes_are_the_ones_the_audit_reads() {
        assert_eq!(issued("result", "KQ-A", "D-1", "ab", 0, "Sở"), ISSUED);
        let revoked = status_changed("revoked", "KQ-A", "Sai", None);
        let replaced = status_changed("replaced", "KQ-A", "Sai", Some("KQ-B"));
        assert_eq!(row_differs(&row("revoked", "ab"), &[("kq/A", ISSUED), ("kq/A", &revoked)]), None);
        let row_replaced = StoredDocument { replaced_by: Some("KQ-B"), ..row("replaced", "ab") };
        assert_eq!(row_differs(&row_replaced, &[("kq/A", ISSUED), ("kq/A", &replaced)]), None);
        assert_eq!(ResultLabels.label("kq/A", &revoked), Some(("document_revoked", true)));
        let e = entry("A", "KQ-A", 7, revoked.clone());
        assert_eq!((e.lane.as_str(), e.dossier.as_str(), e.actor, e.payload), ("kq/A", "document/KQ-A", 7, revoked));
    }
}
