//! The figures people type into the self-assessment and appraisal forms, read against the
//! year's framework with every mistake said at once (field names are the inputs' ids).
//! Indicators the platform measures are not typed: their figures come from the platform.

use crate::assessment::{Appraisal, Appraised, EvidenceFile, Score, Scores, MAX_FILES, MAX_TEXT};
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

/// The file input of an indicator's evidence (new files, one or several).
pub fn file_field(key: &str) -> String {
    format!("tep-{key}")
}

/// The files already given, one hidden input each, sent back with the form.
pub fn kept_field(key: &str) -> String {
    format!("tep-giu-{key}")
}

/// The files ticked for removal.
pub fn drop_field(key: &str) -> String {
    format!("tep-bo-{key}")
}

/// The indicator whose file input `field` is, if it is one that takes files.
pub fn file_indicator<'f>(f: &'f Framework, field: &str) -> Option<&'f Indicator> {
    let key = field.strip_prefix("tep-")?;
    f.indicators().find(|i| i.key == key && i.measure.is_none())
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
        .flat_map(|i| [points_field(&i.key), evidence_field(&i.key), kept_field(&i.key), drop_field(&i.key)])
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

/// The unit's figures from its form (`get` gives an input's text, empty when absent; `files`
/// the files each indicator now has), with the platform's own figures for the measured
/// indicators. A draft may leave indicators blank; a submission needs every one, and evidence
/// (in words or as a file) for every point claimed. Evidence without points is refused rather
/// than dropped, so nothing typed or uploaded is lost on a save.
pub fn scores(
    f: &Framework,
    measured: &BTreeMap<String, Score>,
    get: &dyn Fn(&str) -> String,
    files: &BTreeMap<String, Vec<EvidenceFile>>,
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
        let files = files.get(&i.key).cloned().unwrap_or_default();
        if files.len() > MAX_FILES {
            errors.push(FieldError::new(
                file_field(&i.key),
                "too_many_files",
                format!("Chỉ số {}: tối đa {MAX_FILES} tệp minh chứng; gộp các trang vào một tệp PDF", i.key),
                format!("Indicator {}: at most {MAX_FILES} evidence files; put the pages into one PDF", i.key),
            ));
        }
        let typed = get(&pf);
        if typed.trim().is_empty() {
            if submitting {
                errors.push(FieldError::new(
                    pf,
                    "required",
                    format!("Chỉ số {}: nhập điểm tự đánh giá (0 nếu chưa đạt)", i.key),
                    format!("Indicator {}: enter the points (0 if not met)", i.key),
                ));
            } else if !evidence.is_empty() || !files.is_empty() {
                errors.push(FieldError::new(
                    pf,
                    "points_for_evidence",
                    format!("Chỉ số {}: nhập điểm tự chấm để lưu kèm tài liệu kiểm chứng", i.key),
                    format!("Indicator {}: enter the points to save the evidence with them", i.key),
                ));
            }
            continue;
        }
        let Some(points) = bounded(i, &pf, &typed, &mut errors) else { continue };
        let score = Score { points, evidence, evidence_en: String::new(), files };
        if submitting && points > Points::ZERO && !score.proven() {
            errors.push(FieldError::new(
                ef,
                "evidence_required",
                format!("Chỉ số {}: nêu hoặc tải lên tài liệu kiểm chứng cho điểm đã chấm", i.key),
                format!("Indicator {}: give or upload the evidence for the points claimed", i.key),
            ));
        }
        out.insert(i.key.clone(), score);
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

    fn none() -> BTreeMap<String, Vec<EvidenceFile>> {
        BTreeMap::new()
    }

    #[test]
    fn a_draft_may_be_partial_but_a_submission_is_whole_and_proven() {
        let f = Framework::parse(DEFAULT).expect("framework");
        let draft = scores(
            &f,
            &BTreeMap::new(),
            &form(&[("diem-1.1", "35,5"), ("minh-chung-1.1", " KH  số 12 ")]),
            &none(),
            false,
        )
        .expect("a partial draft");
        assert_eq!(draft.0["1.1"], Score::new(Points(3550), "KH số 12"));
        assert_eq!(draft.0.len(), 1);
        let errors = scores(
            &f,
            &BTreeMap::new(),
            &form(&[("diem-1.1", "41"), ("diem-1.2", "abc"), ("diem-1.3", "10"), ("diem-2.1", "0")]),
            &none(),
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
        let measured = BTreeMap::from([("6.2".to_owned(), Score::new(Points(2500), "25%"))]);
        let s = scores(&f, &measured, &form(&[("diem-6.2", "50")]), &none(), false).expect("draft");
        assert_eq!(s.0["6.2"].points, Points(2500));
        assert!(!self_fields(&f).contains(&"diem-6.2".to_owned()));
        assert!(self_fields(&f).contains(&"minh-chung-1.1".to_owned()));
        assert!(file_indicator(&f, "tep-6.2").is_none(), "no file for a measured figure");
        assert!(file_indicator(&f, "tep-9.9").is_none() && file_indicator(&f, "diem-1.1").is_none());
        assert_eq!(file_indicator(&f, "tep-1.1").map(|i| i.key.as_str()), Some("1.1"));
    }

    fn file(n: u8) -> EvidenceFile {
        let sha = format!("{n:02x}").repeat(32);
        EvidenceFile {
            sha256: tinhso_kernel::ids::Sha256::parse("f", &sha).expect("hash"),
            name: format!("Kế hoạch {n}.pdf"),
            kind: tinhso_kernel::files::FileKind::Pdf,
            size: 1000,
        }
    }

    #[test]
    fn a_file_proves_points_and_files_are_bounded() {
        let f = Framework::parse(DEFAULT).expect("framework");
        let one = BTreeMap::from([("1.1".to_owned(), vec![file(1)])]);
        let typed = form(&[("diem-1.1", "40")]);
        // Alone a file is evidence enough for a draft and for the indicator of a submission.
        let draft = scores(&f, &BTreeMap::new(), &typed, &one, false).expect("a draft with a file");
        assert_eq!(draft.0["1.1"].files, [file(1)]);
        assert!(draft.0["1.1"].proven());
        let sent = scores(&f, &BTreeMap::new(), &typed, &one, true).unwrap_err();
        assert!(!sent.iter().any(|e| e.field.ends_with("-1.1")), "{sent:?}");
        assert!(sent.iter().any(|e| e.field == "diem-1.2"));
        // Without it the points need words.
        let bare = scores(&f, &BTreeMap::new(), &typed, &BTreeMap::new(), true).unwrap_err();
        assert!(bare.iter().any(|e| e.field == "minh-chung-1.1" && e.code == "evidence_required"));
        // Six files are one too many; evidence without points is said, not dropped.
        let six = BTreeMap::from([("1.1".to_owned(), (1..=6).map(file).collect::<Vec<_>>())]);
        let errors = scores(&f, &BTreeMap::new(), &typed, &six, false).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| (e.field.as_str(), e.code)).collect::<Vec<_>>(),
            [("tep-1.1", "too_many_files")]
        );
        let words = scores(&f, &BTreeMap::new(), &form(&[("minh-chung-1.2", "QĐ 5")]), &none(), false);
        let upload = BTreeMap::from([("1.2".to_owned(), vec![file(2)])]);
        let uploaded = scores(&f, &BTreeMap::new(), &form(&[]), &upload, false);
        for errors in [words.unwrap_err(), uploaded.unwrap_err()] {
            assert_eq!(
                errors.iter().map(|e| (e.field.as_str(), e.code)).collect::<Vec<_>>(),
                [("diem-1.2", "points_for_evidence")]
            );
        }
    }

    #[test]
    fn an_appraisal_says_why_it_differs() {
        let f = Framework::parse(DEFAULT).expect("framework");
        let own = Scores(BTreeMap::from([("1.1".to_owned(), Score::new(Points::whole(40), "x"))]));
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
