//! A unit's assessment for a year: the points it gives itself with the evidence for each,
//! then the appraisal (thẩm định) that keeps or corrects each figure with a reason. The steps:
//! draft → submitted → (returned → submitted)* → appraised; nothing moves once the year's
//! results are published, and nothing is submitted after the deadline unless the appraisers
//! returned it.

use crate::framework::Framework;
use crate::points::Points;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tinhso_kernel::files::FileKind;
use tinhso_kernel::ids::Sha256;

/// The longest evidence, note or reason kept (characters).
pub const MAX_TEXT: usize = 2000;

/// The most files kept as evidence of one indicator: a plan, its report, a decision or two;
/// a unit with more bundles them into one PDF.
pub const MAX_FILES: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Draft,
    Submitted,
    Returned,
    Appraised,
}

impl Step {
    pub const ALL: [Step; 4] = [Self::Draft, Self::Submitted, Self::Returned, Self::Appraised];

    pub fn key(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Returned => "returned",
            Self::Appraised => "appraised",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        Self::ALL.into_iter().find(|x| x.key() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Draft => "Đang soạn",
            Self::Submitted => "Đã nộp, chờ thẩm định",
            Self::Returned => "Trả lại để giải trình, bổ sung",
            Self::Appraised => "Đã thẩm định",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Submitted => "Submitted, awaiting appraisal",
            Self::Returned => "Returned for explanation",
            Self::Appraised => "Appraised",
        }
    }

    /// Whether the unit may still change its figures.
    pub fn editable(self) -> bool {
        matches!(self, Self::Draft | Self::Returned)
    }
}

/// A self-assessed figure and what proves it: a document's number and date or a link, and
/// the documents themselves as files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Score {
    pub points: Points,
    #[serde(default)]
    pub evidence: String,
    /// The evidence in English, where the platform wrote it (a measured figure's reading);
    /// empty for what people type.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evidence_en: String,
    /// Left out of the stored JSON when empty (as `evidence_en`), so figures stored before
    /// either existed keep the digest their ledger entries vouch for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<EvidenceFile>,
}

impl Score {
    /// A figure with its evidence in words and no file.
    pub fn new(points: Points, evidence: impl Into<String>) -> Self {
        Self { points, evidence: evidence.into(), evidence_en: String::new(), files: Vec::new() }
    }

    /// The evidence in the reader's language (people's words stay as they wrote them).
    pub fn evidence_in(&self, en: bool) -> &str {
        if en && !self.evidence_en.is_empty() {
            &self.evidence_en
        } else {
            &self.evidence
        }
    }

    /// Whether anything proves the figure.
    pub fn proven(&self) -> bool {
        !self.evidence.is_empty() || !self.files.is_empty()
    }
}

/// A file kept as evidence (a scanned decision, a report), by its content's address in the
/// platform's file store, with the name it was uploaded under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceFile {
    pub sha256: Sha256,
    pub name: String,
    pub kind: FileKind,
    pub size: u64,
}

/// The unit's figures by indicator key (a draft may leave some out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Scores(pub BTreeMap<String, Score>);

/// The appraisers' figure for one indicator, with why it differs from the unit's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Appraised {
    pub points: Points,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Appraisal(pub BTreeMap<String, Appraised>);

/// Points by pillar, in the framework's order, of figures keyed by indicator.
fn by_pillar(f: &Framework, points: impl Fn(&str) -> Option<Points>) -> Vec<Points> {
    f.pillars.iter().map(|p| p.indicators.iter().filter_map(|i| points(&i.key)).sum()).collect()
}

impl Scores {
    /// A file given as evidence of any indicator, by its content's address.
    pub fn file(&self, sha256: &Sha256) -> Option<&EvidenceFile> {
        self.0.values().flat_map(|s| &s.files).find(|f| &f.sha256 == sha256)
    }

    pub fn total(&self) -> Points {
        self.0.values().map(|s| s.points).sum()
    }

    pub fn by_pillar(&self, f: &Framework) -> Vec<Points> {
        by_pillar(f, |k| self.0.get(k).map(|s| s.points))
    }
}

impl Appraisal {
    pub fn total(&self) -> Points {
        self.0.values().map(|s| s.points).sum()
    }

    pub fn by_pillar(&self, f: &Framework) -> Vec<Points> {
        by_pillar(f, |k| self.0.get(k).map(|s| s.points))
    }
}

/// Where a unit's assessment stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub step: Step,
    pub scores: Scores,
    pub appraisal: Option<Appraisal>,
    /// The appraisers' reason the last time they returned it (kept for the unit to read).
    pub reason: String,
}

impl Assessment {
    /// The figure that counts: the appraisal's once appraised.
    pub fn final_total(&self) -> Option<Points> {
        match (self.step, &self.appraisal) {
            (Step::Appraised, Some(a)) => Some(a.total()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Keep the figures for later.
    Save(Scores),
    /// Send them for appraisal (every indicator given).
    Submit(Scores),
    /// Send them back to the unit for explanation or evidence.
    Return { reason: String },
    /// The appraisers' figures (every indicator given).
    Appraise(Appraisal),
}

impl Command {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Save(_) => "save",
            Self::Submit(_) => "submit",
            Self::Return { .. } => "return",
            Self::Appraise(_) => "appraise",
        }
    }
}

/// The year's round, as the rules need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub published: bool,
    pub past_deadline: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The year's results are published: nothing changes any more.
    Published,
    /// The deadline has passed and the assessment was never returned.
    PastDeadline,
    /// Submitted or appraised: the unit waits for the appraisers.
    WithAppraisers,
    /// There is nothing submitted to return or appraise.
    NotSubmitted,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::Published => "dti_published",
            Self::PastDeadline => "dti_past_deadline",
            Self::WithAppraisers => "dti_with_appraisers",
            Self::NotSubmitted => "dti_not_submitted",
        }
    }

    pub fn vi(self) -> &'static str {
        match self {
            Self::Published => "Kết quả năm này đã công bố; không thể thay đổi.",
            Self::PastDeadline => "Đã hết hạn nộp bản tự đánh giá của năm này.",
            Self::WithAppraisers => "Bản tự đánh giá đã nộp; chờ Hội đồng thẩm định hoặc trả lại để bổ sung.",
            Self::NotSubmitted => "Đơn vị chưa nộp bản tự đánh giá.",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Self::Published => "This year's results are published and can no longer change.",
            Self::PastDeadline => "The deadline for this year's self-assessment has passed.",
            Self::WithAppraisers => "The self-assessment is with the appraisers until they appraise or return it.",
            Self::NotSubmitted => "The unit has not submitted its self-assessment.",
        }
    }
}

/// What `command` makes of the assessment `current` (none yet for a unit that never saved).
/// The figures themselves are checked against the framework before (`form::scores`).
pub fn decide(current: Option<&Assessment>, command: Command, round: Round) -> Result<Assessment, Refusal> {
    if round.published {
        return Err(Refusal::Published);
    }
    let step = current.map(|a| a.step);
    let reason = current.map(|a| a.reason.clone()).unwrap_or_default();
    let kept = || current.map(|a| a.scores.clone()).unwrap_or_default();
    match command {
        Command::Save(_) | Command::Submit(_) if !step.is_none_or(Step::editable) => Err(Refusal::WithAppraisers),
        // A returned assessment may go back after the deadline: the unit was on time once.
        Command::Save(_) | Command::Submit(_) if round.past_deadline && step != Some(Step::Returned) => {
            Err(Refusal::PastDeadline)
        }
        Command::Save(scores) => {
            let step = if step == Some(Step::Returned) { Step::Returned } else { Step::Draft };
            Ok(Assessment { step, scores, appraisal: None, reason })
        }
        Command::Submit(scores) => Ok(Assessment { step: Step::Submitted, scores, appraisal: None, reason }),
        Command::Return { reason } => match step {
            Some(Step::Submitted | Step::Appraised) => {
                Ok(Assessment { step: Step::Returned, scores: kept(), appraisal: None, reason })
            }
            _ => Err(Refusal::NotSubmitted),
        },
        Command::Appraise(appraisal) => match step {
            Some(Step::Submitted | Step::Appraised) => {
                Ok(Assessment { step: Step::Appraised, scores: kept(), appraisal: Some(appraisal), reason })
            }
            _ => Err(Refusal::NotSubmitted),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(p: u32) -> Scores {
        Scores(BTreeMap::from([("1.1".to_owned(), Score::new(Points::whole(p), "KH số 12"))]))
    }

    const OPEN: Round = Round { published: false, past_deadline: false };

    #[test]
    fn an_assessment_goes_from_draft_to_appraised() {
        let draft = decide(None, Command::Save(scores(10)), OPEN).expect("saved");
        assert_eq!(draft.step, Step::Draft);
        let sent = decide(Some(&draft), Command::Submit(scores(30)), OPEN).expect("submitted");
        assert_eq!((sent.step, sent.scores.total()), (Step::Submitted, Points::whole(30)));
        assert_eq!(decide(Some(&sent), Command::Save(scores(40)), OPEN), Err(Refusal::WithAppraisers));
        let back =
            decide(Some(&sent), Command::Return { reason: "Thiếu minh chứng 1.1".into() }, OPEN).expect("returned");
        assert_eq!((back.step, back.reason.as_str()), (Step::Returned, "Thiếu minh chứng 1.1"));
        // Returned work may be saved and sent again after the deadline; it keeps the reason.
        let late = Round { past_deadline: true, ..OPEN };
        let kept = decide(Some(&back), Command::Save(scores(20)), late).expect("saved late");
        assert_eq!(kept.step, Step::Returned);
        let again = decide(Some(&kept), Command::Submit(scores(20)), late).expect("resubmitted");
        let appraisal = Appraisal(BTreeMap::from([(
            "1.1".to_owned(),
            Appraised { points: Points::whole(15), note: "Kế hoạch ban hành muộn".into() },
        )]));
        let done = decide(Some(&again), Command::Appraise(appraisal.clone()), late).expect("appraised");
        assert_eq!((done.step, done.final_total()), (Step::Appraised, Some(Points::whole(15))));
        assert_eq!(done.scores.total(), Points::whole(20), "the unit's own figures are kept beside");
        assert_eq!(again.final_total(), None);
        // Appraisers may correct themselves until publication; then nothing moves.
        assert!(decide(Some(&done), Command::Appraise(appraisal), OPEN).is_ok());
        let published = Round { published: true, ..OPEN };
        for c in [Command::Save(scores(1)), Command::Return { reason: "x".into() }] {
            assert_eq!(decide(Some(&done), c, published), Err(Refusal::Published));
        }
    }

    #[test]
    fn nothing_is_sent_late_or_appraised_unsent() {
        let late = Round { published: false, past_deadline: true };
        assert_eq!(decide(None, Command::Submit(scores(1)), late), Err(Refusal::PastDeadline));
        let draft = decide(None, Command::Save(scores(1)), OPEN).expect("saved");
        assert_eq!(decide(Some(&draft), Command::Submit(scores(1)), late), Err(Refusal::PastDeadline));
        assert_eq!(decide(Some(&draft), Command::Appraise(Appraisal::default()), OPEN), Err(Refusal::NotSubmitted));
        assert_eq!(decide(None, Command::Return { reason: "x".into() }, OPEN), Err(Refusal::NotSubmitted));
        for r in [Refusal::Published, Refusal::PastDeadline, Refusal::WithAppraisers, Refusal::NotSubmitted] {
            assert!(r.code().starts_with("dti_") && !r.vi().is_empty() && !r.en().is_empty());
        }
    }
}
