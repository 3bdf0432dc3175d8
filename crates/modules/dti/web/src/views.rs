//! What the assessment page shows of a framework and an assessment: one block per pillar,
//! one per indicator, with the figures typed back into a form that was refused.

use std::collections::BTreeMap;
use tinhso_dti::form::{appraised_field, evidence_field, note_field, points_field};
use tinhso_dti::{Appraisal, Framework, Scores};
use tinhso_kernel::FieldError;

pub struct IndicatorView {
    pub key: String,
    pub name: String,
    pub guide: String,
    pub max: String,
    pub measured: bool,
    /// The unit's figure and evidence (as stored), empty when not given.
    pub own: String,
    pub evidence: String,
    /// The appraisers' figure and note, empty when not appraised.
    pub appraised: String,
    pub note: String,
    /// Input names and the values the form shows.
    pub points_field: String,
    pub evidence_field: String,
    pub appraised_field: String,
    pub note_field: String,
    pub points_value: String,
    pub evidence_value: String,
    pub appraised_value: String,
    pub note_value: String,
    /// This indicator's mistakes, said beside its inputs.
    pub errors: Vec<String>,
}

pub struct PillarView {
    pub key: String,
    pub name: String,
    pub max: String,
    pub own: String,
    pub appraised: String,
    pub indicators: Vec<IndicatorView>,
}

/// What a refused form sent, to show again.
pub type Typed = BTreeMap<String, String>;

pub fn pillars(
    f: &Framework,
    own: &Scores,
    appraisal: Option<&Appraisal>,
    typed: Option<&Typed>,
    errors: &[FieldError],
    en: bool,
) -> Vec<PillarView> {
    let own_by = own.by_pillar(f);
    let appraised_by = appraisal.map(|a| a.by_pillar(f));
    f.pillars
        .iter()
        .enumerate()
        .map(|(n, p)| PillarView {
            key: p.key.clone(),
            name: if en { p.name_en.clone() } else { p.name_vi.clone() },
            max: p.max.to_string(),
            own: own_by.get(n).map(|x| x.shown(en)).unwrap_or_default(),
            appraised: appraised_by.as_ref().and_then(|a| a.get(n)).map(|x| x.shown(en)).unwrap_or_default(),
            indicators: p
                .indicators
                .iter()
                .map(|i| {
                    let mine = own.0.get(&i.key);
                    let theirs = appraisal.and_then(|a| a.0.get(&i.key));
                    let fields =
                        [points_field(&i.key), evidence_field(&i.key), appraised_field(&i.key), note_field(&i.key)];
                    let sent = |k: &str, stored: String| match typed {
                        Some(t) => t.get(k).cloned().unwrap_or_default(),
                        None => stored,
                    };
                    let own_points = mine.map(|s| s.points.shown(en)).unwrap_or_default();
                    let appraised_default = theirs.map(|s| s.points.shown(en)).unwrap_or_else(|| own_points.clone());
                    IndicatorView {
                        key: i.key.clone(),
                        name: if en { i.name_en.clone() } else { i.name_vi.clone() },
                        guide: if en { i.guide_en.clone() } else { i.guide_vi.clone() },
                        max: i.max.to_string(),
                        measured: i.measure.is_some(),
                        own: own_points.clone(),
                        evidence: mine.map(|s| s.evidence.clone()).unwrap_or_default(),
                        appraised: theirs.map(|s| s.points.shown(en)).unwrap_or_default(),
                        note: theirs.map(|s| s.note.clone()).unwrap_or_default(),
                        points_value: sent(&fields[0], own_points.clone()),
                        evidence_value: sent(&fields[1], mine.map(|s| s.evidence.clone()).unwrap_or_default()),
                        appraised_value: sent(&fields[2], appraised_default),
                        note_value: sent(&fields[3], theirs.map(|s| s.note.clone()).unwrap_or_default()),
                        errors: errors
                            .iter()
                            .filter(|e| fields.contains(&e.field))
                            .map(|e| if en { e.message_en.clone() } else { e.message.clone() })
                            .collect(),
                        points_field: fields[0].clone(),
                        evidence_field: fields[1].clone(),
                        appraised_field: fields[2].clone(),
                        note_field: fields[3].clone(),
                    }
                })
                .collect(),
        })
        .collect()
}
