//! The figures people type into the self-assessment and appraisal forms, read against the
//! year's framework with every mistake said at once (field names are the inputs' ids).
//! Indicators the platform measures are not typed: their figures come from the platform.

use crate::assessment::{Appraisal, Appraised, Score, Scores, MAX_TEXT};
use crate::framework::{Framework, Indicator};
use crate::points::Points;
use std::collections::BTreeMap;
use tinhso_kernel::text::clean;
use tinhso_kernel::FieldError;

/// The self-assessment's input names for an indicator.
pub fn points_field(key: &str) -> String {
    format!("diem-{key}")
}

pub fn evidence_field(key: &str) -> String {
    format!("minh-chung-{key}")
}

/// The appraisal's input names for an indicator.
pub fn appraised_field(key: &str) -> String {
    format!("tham-dinh-{key}")
}

pub fn note_field(key: &str) -> String {
    format!("ghi-chu-{key}")
}

/// Every input name the self-assessment form may send (besides the form's own).
pub fn self_fields(f: &Framework) -> Vec<String> {
    f.indicators()
        .filter(|i| i.measure.is_none())
        .flat_map(|i| [points_field(&i.key), evidence_field(&i.key)])
        .collect()
}

pub fn appraisal_fields(f: &Framework) -> Vec<String> {
    f.indicators().flat_map(|i| [appraised_field(&i.key), note_field(&i.key)]).collect()
}

fn bounded(i: &Indicator, field: &str, text: &str, errors: &mut Vec<FieldError>) -> Option<Points> {
    let max = i.max_points();
    match Points::parse(text) {
        None => {
            errors.push(FieldError::new(
                field,
                "invalid_points",
                format!("Chỉ số {}: viết điểm bằng số, tối đa hai chữ số thập phân (ví dụ 12,5)", i.key),
                format!("Indicator {}: write the points as a number with at most two decimals (e.g. 12.5)", i.key),
            ));
            None
        }
        Some(p) if p > max => {
            errors.push(FieldError::new(
                field,
                "too_many_points",
                format!("Chỉ số {}: tối đa {} điểm", i.key, max.vi()),
                format!("Indicator {}: at most {} points", i.key, max.en()),
            ));
            None
        }
        Some(p) => Some(p),
    }
}

fn text(field: &str, value: &str, key: &str, errors: &mut Vec<FieldError>) -> String {
    let t = clean(value);
    if t.chars().count() > MAX_TEXT {
        errors.push(FieldError::new(
            field,
            "too_long",
            format!("Chỉ số {key}: tối đa 2.000 ký tự"),
            format!("Indicator {key}: at most 2,000 characters"),
        ));
    }
    t
}

/// The unit's figures from its form (`get` gives an input's text, empty when absent), with
/// the platform's own figures for the measured indicators. A draft may leave indicators
/// blank; a submission needs every one, and evidence for every point claimed.
pub fn scores(
    f: &Framework,
    measured: &BTreeMap<String, Score>,
    get: &dyn Fn(&str) -> String,
    submitting: bool,
) -> Result<Scores, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out = BTreeMap::new();
    for i in f.indicators() {
        if i.measure.is_some() {
            if let Some(s) = measured.get(&i.key) {
                out.insert(i.key.clone(), s.clone());
            }
            continue;
        }
        let (pf, ef) = (points_field(&i.key), evidence_field(&i.key));
        let evidence = text(&ef, &get(&ef), &i.key, &mut errors);
        let typed = get(&pf);
        if typed.trim().is_empty() {
            if submitting {
                errors.push(FieldError::new(
                    pf,
                    "required",
                    format!("Chỉ số {}: nhập điểm tự đánh giá (0 nếu chưa đạt)", i.key),
                    format!("Indicator {}: enter the points (0 if not met)", i.key),
                ));
            }
            continue;
        }
        let Some(points) = bounded(i, &pf, &typed, &mut errors) else { continue };
        if submitting && points > Points::ZERO && evidence.is_empty() {
            errors.push(FieldError::new(
                ef,
                "evidence_required",
                format!("Chỉ số {}: nêu tài liệu kiểm chứng cho điểm đã chấm", i.key),
                format!("Indicator {}: give the evidence for the points claimed", i.key),
            ));
        }
        out.insert(i.key.clone(), Score { points, evidence });
    }
    if errors.is_empty() {
        Ok(Scores(out))
    } else {
        Err(errors)
    }
}

/// The appraisers' figures: every indicator given, and a note wherever they differ from the
/// unit's own (the unit is owed the reason its figure was changed).
pub fn appraisal(f: &Framework, own: &Scores, get: &dyn Fn(&str) -> String) -> Result<Appraisal, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out = BTreeMap::new();
    for i in f.indicators() {
        let (af, nf) = (appraised_field(&i.key), note_field(&i.key));
        let note = text(&nf, &get(&nf), &i.key, &mut errors);
        let typed = get(&af);
        if typed.trim().is_empty() {
            errors.push(FieldError::new(
                af,
                "required",
                format!("Chỉ số {}: nhập điểm thẩm định", i.key),
                format!("Indicator {}: enter the appraised points", i.key),
            ));
            continue;
        }
        let Some(points) = bounded(i, &af, &typed, &mut errors) else { continue };
        let claimed = own.0.get(&i.key).map_or(Points::ZERO, |s| s.points);
        if claimed != points && note.is_empty() {
            errors.push(FieldError::new(
                nf,
                "note_required",
                format!("Chỉ số {}: nêu lý do điểm thẩm định khác điểm tự đánh giá", i.key),
                format!("Indicator {}: say why the appraised points differ from the unit's", i.key),
            ));
        }
        out.insert(i.key.clone(), Appraised { points, note });
    }
    if errors.is_empty() {
        Ok(Appraisal(out))
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::DEFAULT;
    use std::collections::HashMap;

    fn form(pairs: &[(&str, &str)]) -> impl Fn(&str) -> String {
        let m: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |k: &str| m.get(k).cloned().unwrap_or_default()
    }

    #[test]
    fn a_draft_may_be_partial_but_a_submission_is_whole_and_proven() {
        let f = Framework::parse(DEFAULT).expect("framework");
        let draft =
            scores(&f, &BTreeMap::new(), &form(&[("diem-1.1", "35,5"), ("minh-chung-1.1", " KH  số 12 ")]), false)
                .expect("a partial draft");
        assert_eq!(draft.0["1.1"], Score { points: Points(3550), evidence: "KH số 12".into() });
        assert_eq!(draft.0.len(), 1);
        let errors = scores(
            &f,
            &BTreeMap::new(),
            &form(&[("diem-1.1", "41"), ("diem-1.2", "abc"), ("diem-1.3", "10"), ("diem-2.1", "0")]),
            true,
        )
        .unwrap_err();
        let said = |field: &str| errors.iter().find(|e| e.field == field).map(|e| e.code);
        assert_eq!(said("diem-1.1"), Some("too_many_points"));
        assert_eq!(said("diem-1.2"), Some("invalid_points"));
        assert_eq!(said("minh-chung-1.3"), Some("evidence_required"));
        assert_eq!(said("minh-chung-2.1"), None, "no evidence for zero points");
        assert_eq!(said("diem-2.2"), Some("required"));
        assert_eq!(said("diem-6.1"), None, "measured indicators are not typed");
        assert!(errors.iter().all(|e| e.message.contains("Chỉ số") && !e.message_en.is_empty()));
    }

    #[test]
    fn measured_figures_come_from_the_platform_not_the_form() {
        let f = Framework::parse(DEFAULT).expect("framework");
        let measured = BTreeMap::from([("6.2".to_owned(), Score { points: Points(2500), evidence: "25%".into() })]);
        let s = scores(&f, &measured, &form(&[("diem-6.2", "50")]), false).expect("draft");
        assert_eq!(s.0["6.2"].points, Points(2500));
        assert!(!self_fields(&f).contains(&"diem-6.2".to_owned()));
        assert!(self_fields(&f).contains(&"minh-chung-1.1".to_owned()));
    }

    #[test]
    fn an_appraisal_says_why_it_differs() {
        let f = Framework::parse(DEFAULT).expect("framework");
        let own =
            Scores(BTreeMap::from([("1.1".to_owned(), Score { points: Points::whole(40), evidence: "x".into() })]));
        let mut pairs: Vec<(String, String)> =
            f.indicators().map(|i| (appraised_field(&i.key), "0".to_owned())).collect();
        pairs.retain(|(k, _)| k != "tham-dinh-1.1");
        pairs.push(("tham-dinh-1.1".into(), "40".into()));
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let a = appraisal(&f, &own, &form(&refs)).expect("zero where the unit claimed nothing needs no note");
        assert_eq!(a.total(), Points::whole(40));
        let mut lowered = refs.clone();
        lowered.retain(|(k, _)| *k != "tham-dinh-1.1");
        lowered.push(("tham-dinh-1.1", "30"));
        let errors = appraisal(&f, &own, &form(&lowered)).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| (e.field.as_str(), e.code)).collect::<Vec<_>>(),
            [("ghi-chu-1.1", "note_required")]
        );
        lowered.push(("ghi-chu-1.1", "Kế hoạch chưa có lộ trình"));
        assert_eq!(appraisal(&f, &own, &form(&lowered)).expect("with a note").0["1.1"].points, Points::whole(30));
        let blank = appraisal(&f, &own, &form(&[])).unwrap_err();
        assert_eq!(blank.len(), f.indicators().count(), "every indicator said at once");
    }
}
