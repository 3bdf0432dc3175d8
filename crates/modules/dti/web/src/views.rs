//! What the assessment page shows of a framework and an assessment: one block per pillar,
//! one per indicator, with the figures typed back into a form that was refused.

use std::collections::BTreeMap;
use tinhso_dti::form::{appraised_field, drop_field, evidence_field, file_field, kept_field, note_field, points_field};
use tinhso_dti::{Appraisal, EvidenceFile, Framework, Scores};
use tinhso_kernel::FieldError;

/// An evidence file as a page lists it.
pub struct FileView {
    pub sha256: String,
    pub name: String,
    /// "PDF, 245 KB".
    pub about: String,
    /// Its download, once it is part of the stored assessment (a file just uploaded with a
    /// refused form is not yet).
    pub href: String,
}

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
    /// Its evidence files, and the inputs that keep, remove and add them.
    pub files: Vec<FileView>,
    pub file_field: String,
    pub kept_field: String,
    pub drop_field: String,
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

/// What a refused form sent, to show again: its fields, and for the self-assessment the files
/// each indicator then had.
pub struct Typed {
    pub fields: BTreeMap<String, String>,
    pub files: Option<BTreeMap<String, Vec<EvidenceFile>>>,
}

fn file_views(files: &[EvidenceFile], stored: &Scores, base: &str) -> Vec<FileView> {
    files
        .iter()
        .map(|f| FileView {
            sha256: f.sha256.to_string(),
            name: f.name.clone(),
            about: format!(
                "{}, {} KB",
                f.kind.mime().rsplit('/').next().unwrap_or_default().to_uppercase(),
                tinhso_kernel::format::thousands(f.size.div_ceil(1024))
            ),
            href: stored.file(&f.sha256).map(|_| format!("{base}/tep/{}", f.sha256)).unwrap_or_default(),
        })
        .collect()
}

/// The assessment's blocks by pillar (`base`: the assessment page's address, under which its
/// files are downloaded).
pub fn pillars(
    f: &Framework,
    own: &Scores,
    appraisal: Option<&Appraisal>,
    typed: Option<&Typed>,
    errors: &[FieldError],
    base: &str,
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
                        Some(t) => t.fields.get(k).cloned().unwrap_or_default(),
                        None => stored,
                    };
                    let files = match typed.and_then(|t| t.files.as_ref()) {
                        Some(sent) => sent.get(&i.key).map(Vec::as_slice).unwrap_or_default(),
                        None => mine.map(|s| s.files.as_slice()).unwrap_or_default(),
                    };
                    let file = file_field(&i.key);
                    let own_points = mine.map(|s| s.points.shown(en)).unwrap_or_default();
                    let appraised_default = theirs.map(|s| s.points.shown(en)).unwrap_or_else(|| own_points.clone());
                    IndicatorView {
                        key: i.key.clone(),
                        name: if en { i.name_en.clone() } else { i.name_vi.clone() },
                        guide: if en { i.guide_en.clone() } else { i.guide_vi.clone() },
                        max: i.max.to_string(),
                        measured: i.measure.is_some(),
                        own: own_points.clone(),
                        evidence: mine.map(|s| s.evidence_in(en).to_owned()).unwrap_or_default(),
                        appraised: theirs.map(|s| s.points.shown(en)).unwrap_or_default(),
                        note: theirs.map(|s| s.note.clone()).unwrap_or_default(),
                        points_value: sent(&fields[0], own_points.clone()),
                        evidence_value: sent(&fields[1], mine.map(|s| s.evidence.clone()).unwrap_or_default()),
                        appraised_value: sent(&fields[2], appraised_default),
                        note_value: sent(&fields[3], theirs.map(|s| s.note.clone()).unwrap_or_default()),
                        errors: errors
                            .iter()
                            .filter(|e| fields.contains(&e.field) || e.field == file)
                            .map(|e| if en { e.message_en.clone() } else { e.message.clone() })
                            .collect(),
                        points_field: fields[0].clone(),
                        evidence_field: fields[1].clone(),
                        appraised_field: fields[2].clone(),
                        note_field: fields[3].clone(),
                        files: file_views(files, own, base),
                        kept_field: kept_field(&i.key),
                        drop_field: drop_field(&i.key),
                        file_field: file,
                    }
                })
                .collect(),
        })
        .collect()
}
