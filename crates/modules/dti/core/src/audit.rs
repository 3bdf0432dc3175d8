//! How the DTI's writes are labelled on the ledger (lane `dti`), and the audit of the stored
//! rows against them: a round's framework, deadline and publication, and each assessment's
//! step and figures, so no score is raised or lowered behind the appraisers' backs without
//! `audit verify` naming it.

use crate::assessment::{Appraisal, Scores, Step};
use tinhso_ledger::audit::Labels;

pub const LANE: &str = "dti";
pub const ROUND_OPENED: &str = "dti_round_opened";
pub const ROUND_PUBLISHED: &str = "dti_round_published";
/// An assessment's first write.
pub const OPENED: &str = "dti_assessment_opened";
/// Every later write of it.
pub const CHANGED: &str = "dti_assessment";

const KINDS: [&str; 4] = [ROUND_OPENED, ROUND_PUBLISHED, OPENED, CHANGED];

pub struct DtiLabels;

impl Labels for DtiLabels {
    fn label<'p>(&self, _lane: &str, payload: &'p str) -> Option<(&'p str, bool)> {
        let kind = payload.strip_prefix("{\"kind\":\"")?.split('"').next()?;
        KINDS.contains(&kind).then_some((kind, false))
    }

    fn opens(&self, _lane: &str, kind: &str) -> bool {
        kind == ROUND_OPENED || kind == OPENED
    }
}

pub fn round_subject(year: i32) -> String {
    format!("dti/{year}")
}

pub fn subject(year: i32, unit: &str) -> String {
    format!("dti/{year}/{unit}")
}

fn sha256_hex(text: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// A stored round, as the audit holds it to its entries.
#[derive(Debug, Clone, Copy)]
pub struct Round<'a> {
    pub year: i32,
    /// The framework as stored (JSON).
    pub framework: &'a str,
    /// yyyy-mm-dd.
    pub deadline: &'a str,
    pub published_at: Option<&'a str>,
}

pub fn round_opened(r: &Round<'_>) -> String {
    format!(
        "{{\"kind\":\"{ROUND_OPENED}\",\"year\":{},\"deadline\":{},\"framework\":\"{}\"}}",
        r.year,
        serde_json::Value::from(r.deadline),
        sha256_hex(r.framework)
    )
}

pub fn round_published(year: i32, at: &str) -> String {
    format!("{{\"kind\":\"{ROUND_PUBLISHED}\",\"year\":{year},\"at\":{}}}", serde_json::Value::from(at))
}

/// The first column of a stored round its entries (oldest first) do not vouch for.
pub fn round_differs(r: &Round<'_>, entries: &[(&str, &str)]) -> Option<&'static str> {
    let said = |p: &str| serde_json::from_str::<serde_json::Value>(p).ok();
    let Some(opened) = entries.first().and_then(|(lane, p)| (*lane == LANE).then(|| said(p)).flatten()) else {
        return Some("year");
    };
    if opened["kind"] != ROUND_OPENED || opened["year"].as_i64() != Some(i64::from(r.year)) {
        return Some("year");
    }
    if opened["framework"].as_str() != Some(sha256_hex(r.framework).as_str()) {
        return Some("framework");
    }
    if opened["deadline"].as_str() != Some(r.deadline) {
        return Some("deadline");
    }
    let published = entries.iter().skip(1).filter_map(|(_, p)| said(p)).find(|v| v["kind"] == ROUND_PUBLISHED);
    (published.as_ref().and_then(|v| v["at"].as_str()) != r.published_at).then_some("published_at")
}

/// A stored assessment, as the audit holds it to its entries.
#[derive(Debug, Clone, Copy)]
pub struct Stored<'a> {
    pub year: i32,
    pub unit: &'a str,
    pub step: Step,
    pub scores: &'a Scores,
    pub appraisal: Option<&'a Appraisal>,
    pub reason: &'a str,
}

/// What an assessment's entry vouches for: its step and a digest of its figures.
pub fn digest(s: &Stored<'_>) -> String {
    let scores = serde_json::to_string(s.scores).unwrap_or_default();
    let appraisal = s.appraisal.map(|a| serde_json::to_string(a).unwrap_or_default()).unwrap_or_default();
    sha256_hex(&format!("tinhso-dti\n{}\n{scores}\n{appraisal}\n{}", s.step.key(), s.reason))
}

/// The entry's payload for a write of `s` by `command` (`first`: the assessment's first write).
pub fn payload(s: &Stored<'_>, command: &str, first: bool) -> String {
    format!(
        "{{\"kind\":\"{}\",\"year\":{},\"unit\":{},\"command\":\"{command}\",\"step\":\"{}\",\"digest\":\"{}\"}}",
        if first { OPENED } else { CHANGED },
        s.year,
        serde_json::Value::from(s.unit),
        s.step.key(),
        digest(s)
    )
}

/// The first column of a stored assessment its newest entry does not vouch for.
pub fn row_differs(s: &Stored<'_>, entries: &[(&str, &str)]) -> Option<&'static str> {
    let Some((lane, last)) = entries.last() else { return Some("unit") };
    let Ok(said) = serde_json::from_str::<serde_json::Value>(last) else { return Some("unit") };
    if *lane != LANE || said["unit"].as_str() != Some(s.unit) || said["year"].as_i64() != Some(i64::from(s.year)) {
        return Some("unit");
    }
    if said["step"].as_str() != Some(s.step.key()) {
        return Some("step");
    }
    (said["digest"].as_str() != Some(digest(s).as_str())).then_some("scores")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::{Appraised, Score};
    use crate::points::Points;
    use std::collections::BTreeMap;

    #[test]
    fn an_assessment_changed_behind_the_platform_is_named() {
        let scores = Scores(BTreeMap::from([("1.1".into(), Score::new(Points(4000), "KH 12"))]));
        let appraisal =
            Appraisal(BTreeMap::from([("1.1".into(), Appraised { points: Points(3000), note: "muộn".into() })]));
        let s = Stored {
            year: 2026,
            unit: "000.00.01.H59",
            step: Step::Appraised,
            scores: &scores,
            appraisal: Some(&appraisal),
            reason: "",
        };
        let p = payload(&s, "appraise", false);
        assert_eq!(DtiLabels.label(LANE, &p), Some((CHANGED, false)));
        assert!(
            !DtiLabels.opens(LANE, CHANGED) && DtiLabels.opens(LANE, OPENED) && DtiLabels.opens(LANE, ROUND_OPENED)
        );
        assert_eq!(row_differs(&s, &[(LANE, &p)]), None);
        let raised =
            Appraisal(BTreeMap::from([("1.1".into(), Appraised { points: Points(4000), note: "muộn".into() })]));
        assert_eq!(row_differs(&Stored { appraisal: Some(&raised), ..s }, &[(LANE, &p)]), Some("scores"));
        assert_eq!(row_differs(&Stored { step: Step::Submitted, ..s }, &[(LANE, &p)]), Some("step"));
        assert_eq!(row_differs(&Stored { unit: "000.00.02.H59", ..s }, &[(LANE, &p)]), Some("unit"));
        assert_eq!(row_differs(&Stored { reason: "x", ..s }, &[(LANE, &p)]), Some("scores"));
        assert_eq!(row_differs(&s, &[]), Some("unit"));
        assert_eq!(subject(2026, "u"), "dti/2026/u");
    }

    #[test]
    fn evidence_files_are_vouched_for_and_older_figures_keep_their_digest() {
        // Figures stored before files existed read and digest as they did.
        let old: Scores = serde_json::from_str(r#"{"1.1":{"points":4000,"evidence":"KH 12"}}"#).expect("old row");
        assert_eq!(serde_json::to_string(&old).expect("json"), r#"{"1.1":{"points":4000,"evidence":"KH 12"}}"#);
        let s = Stored { year: 2026, unit: "u", step: Step::Submitted, scores: &old, appraisal: None, reason: "" };
        let p = payload(&s, "submit", false);
        let mut swapped = old.clone();
        if let Some(score) = swapped.0.get_mut("1.1") {
            score.files.push(crate::assessment::EvidenceFile {
                sha256: tinhso_kernel::ids::Sha256::parse("f", &"ab".repeat(32)).expect("hash"),
                name: "KH 12.pdf".into(),
                kind: tinhso_kernel::files::FileKind::Pdf,
                size: 10,
            });
        }
        assert_eq!(row_differs(&Stored { scores: &swapped, ..s }, &[(LANE, &p)]), Some("scores"));
        assert!(swapped.file(&tinhso_kernel::ids::Sha256::parse("f", &"ab".repeat(32)).expect("hash")).is_some());
    }

    #[test]
    fn a_round_changed_behind_the_platform_is_named() {
        let r = Round { year: 2026, framework: "{\"a\":1}", deadline: "2026-12-15", published_at: None };
        let opened = round_opened(&r);
        assert_eq!(round_differs(&r, &[(LANE, &opened)]), None);
        assert_eq!(round_differs(&Round { framework: "{\"a\":2}", ..r }, &[(LANE, &opened)]), Some("framework"));
        assert_eq!(round_differs(&Round { deadline: "2026-12-31", ..r }, &[(LANE, &opened)]), Some("deadline"));
        assert_eq!(round_differs(&Round { published_at: Some("t"), ..r }, &[(LANE, &opened)]), Some("published_at"));
        let published = round_published(2026, "2027-01-10T02:00:00Z");
        let done = Round { published_at: Some("2027-01-10T02:00:00Z"), ..r };
        assert_eq!(round_differs(&done, &[(LANE, &opened), (LANE, &published)]), None);
        assert_eq!(round_differs(&r, &[(LANE, &opened), (LANE, &published)]), Some("published_at"));
        assert_eq!(round_differs(&r, &[]), Some("year"));
        assert_eq!(DtiLabels.label(LANE, "{\"kind\":\"other\"}"), None);
    }
}
