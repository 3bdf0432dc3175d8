//! The operations centre's numbers. A dossier contributes *facts* (counters per deciding
//! agency, day and measure) that follow from its folded state alone, so the store can keep
//! aggregates current by adding `delta(before, after)` in the event's transaction, and
//! `tinhso ioc check` can recompute them from the events and compare.
//!
//! May depend on: the kernel and the dossier and catalogue cores (a dossier's state and
//! deadlines, a procedure's fees and online level). No IO, no async.

pub mod english;
pub mod index;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tinhso_dossier::deadline::Timeliness;
use tinhso_dossier::{Channel, Dossier, DossierState, Rating};
use tinhso_kernel::ids::AgencyCode;

/// What is counted. Each measure is dated by the event it follows (submission, result,
/// payment, rating), so a period's figures add up from daily buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Dossiers received (tiếp nhận), on the day of receipt: not those refused at intake or
    /// still waiting at the desk.
    Received,
    Online,
    Digitised,
    Reused,
    Finished,
    OnTime,
    Late,
    WorkingDays,
    AllowedDays,
    ElectronicResult,
    Paid,
    PaidOnline,
    Rated,
    Dissatisfied,
    /// Open dossiers (received, processing, awaiting payment) by due date: not a flow over a
    /// period but a stock, so "overdue now" is a sum over due dates before today.
    OpenDue,
    /// Feedback on public services received in the period and handled, or open past its due
    /// date (read from the reports module, not stored as dossier counters).
    FeedbackDue,
    /// Of those, handled by the due date.
    FeedbackOnTime,
}

impl Measure {
    pub const ALL: [Measure; 17] = [
        Self::Received,
        Self::Online,
        Self::Digitised,
        Self::Reused,
        Self::Finished,
        Self::OnTime,
        Self::Late,
        Self::WorkingDays,
        Self::AllowedDays,
        Self::ElectronicResult,
        Self::Paid,
        Self::PaidOnline,
        Self::Rated,
        Self::Dissatisfied,
        Self::OpenDue,
        Self::FeedbackDue,
        Self::FeedbackOnTime,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Online => "online",
            Self::Digitised => "digitised",
            Self::Reused => "reused",
            Self::Finished => "finished",
            Self::OnTime => "on_time",
            Self::Late => "late",
            Self::WorkingDays => "working_days",
            Self::AllowedDays => "allowed_days",
            Self::ElectronicResult => "electronic_result",
            Self::Paid => "paid",
            Self::PaidOnline => "paid_online",
            Self::Rated => "rated",
            Self::Dissatisfied => "dissatisfied",
            Self::OpenDue => "open_due",
            Self::FeedbackDue => "feedback_due",
            Self::FeedbackOnTime => "feedback_on_time",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.key() == s)
    }

    /// Counted from reports (feedback), not from dossiers: its drill-down lists reports.
    pub fn of_reports(self) -> bool {
        matches!(self, Self::FeedbackDue | Self::FeedbackOnTime)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Received => "Hồ sơ tiếp nhận",
            Self::Online => "Hồ sơ nộp trực tuyến",
            Self::Digitised => "Hồ sơ có thành phần số hóa",
            Self::Reused => "Hồ sơ dùng lại dữ liệu đã số hóa",
            Self::Finished => "Hồ sơ đã giải quyết",
            Self::OnTime => "Giải quyết đúng hoặc trước hạn",
            Self::Late => "Giải quyết trễ hạn",
            Self::WorkingDays => "Tổng ngày làm việc đã dùng",
            Self::AllowedDays => "Tổng ngày làm việc theo quy định",
            Self::ElectronicResult => "Có kết quả điện tử",
            Self::Paid => "Hồ sơ đã nộp phí, lệ phí",
            Self::PaidOnline => "Nộp phí trực tuyến",
            Self::Rated => "Lượt đánh giá",
            Self::Dissatisfied => "Đánh giá không hài lòng",
            Self::OpenDue => "Hồ sơ đang giải quyết theo ngày hẹn",
            Self::FeedbackDue => "Phản ánh, kiến nghị về thủ tục, dịch vụ công đã xử lý hoặc đến hạn",
            Self::FeedbackOnTime => "Phản ánh, kiến nghị xử lý đúng hạn",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Received => "Dossiers received",
            Self::Online => "Dossiers applied for online",
            Self::Digitised => "Dossiers with a digitised document",
            Self::Reused => "Dossiers reusing digitised data",
            Self::Finished => "Dossiers decided",
            Self::OnTime => "Decided on time or early",
            Self::Late => "Decided late",
            Self::WorkingDays => "Working days taken, in all",
            Self::AllowedDays => "Working days allowed, in all",
            Self::ElectronicResult => "With an electronic result",
            Self::Paid => "Dossiers whose fees were paid",
            Self::PaidOnline => "Fees paid online",
            Self::Rated => "Ratings",
            Self::Dissatisfied => "Dissatisfied ratings",
            Self::OpenDue => "Dossiers being decided, by due date",
            Self::FeedbackDue => "Feedback on procedures and public services handled or due",
            Self::FeedbackOnTime => "Feedback handled on time",
        }
    }
}

/// Where one counter lives: the deciding agency, the day, the measure.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FactKey {
    pub agency: AgencyCode,
    pub day: NaiveDate,
    pub measure: Measure,
}

/// Counter deltas, ordered so that stores apply them in the same order everywhere.
pub type Facts = BTreeMap<FactKey, i64>;

/// Totals of one unit over a period.
pub type Totals = BTreeMap<Measure, i64>;

/// What a dossier, as it stands, adds to the counters.
pub fn facts(d: &Dossier) -> Facts {
    let mut out = Facts::new();
    let mut add = |day: NaiveDate, measure: Measure, n: i64| {
        if n != 0 {
            *out.entry(FactKey { agency: d.competent_agency.clone(), day, measure }).or_default() += n;
        }
    };
    // What was received, on the day of receipt: the denominators of 3.3, 4.2 and 4.3.
    if let Some(r) = d.received_on {
        add(r, Measure::Received, 1);
        add(r, Measure::Online, i64::from(d.channel == Channel::Online));
        add(r, Measure::Digitised, i64::from(d.component_files > 0));
        add(r, Measure::Reused, i64::from(d.reused_files > 0));
    }
    if let (Some(f), Some(t)) = (d.finished_on, d.timeliness) {
        add(f, Measure::Finished, 1);
        add(f, Measure::OnTime, i64::from(t != Timeliness::Late));
        add(f, Measure::Late, i64::from(t == Timeliness::Late));
        if let Some(used) = d.working_days {
            add(f, Measure::WorkingDays, i64::from(used));
            add(f, Measure::AllowedDays, i64::from(d.processing_days));
        }
        add(f, Measure::ElectronicResult, i64::from(d.electronic_result));
    }
    if let (Some(p), Some(online)) = (d.paid_on, d.paid_online) {
        add(p, Measure::Paid, 1);
        add(p, Measure::PaidOnline, i64::from(online));
    }
    if matches!(d.state, DossierState::Received | DossierState::Processing | DossierState::PaymentRequested) {
        if let Some(due) = d.due_on {
            add(due, Measure::OpenDue, 1);
        }
    }
    if let (Some(r), Some(rating)) = (d.rated_on, d.rating) {
        add(r, Measure::Rated, 1);
        add(r, Measure::Dissatisfied, i64::from(rating == Rating::Dissatisfied));
    }
    out
}

/// The change one event makes: `facts(after) - facts(before)`, without zeros.
pub fn delta(before: Option<&Dossier>, after: &Dossier) -> Facts {
    tinhso_kernel::counters::delta(before.map(facts), facts(after))
}

/// How one event moves a dossier between counters: the keys it joins and the keys it leaves.
/// Stores keep, per counter, the dossiers behind it, so every number drills down exactly.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Membership {
    pub joined: Vec<FactKey>,
    pub left: Vec<FactKey>,
}

pub fn membership(before: Option<&Dossier>, after: &Dossier) -> Membership {
    change(before, after).1
}

/// Both things an event changes, from one computation of each side's facts (stores call this
/// on the write path): the counters' delta and the dossier's membership.
pub fn change(before: Option<&Dossier>, after: &Dossier) -> (Facts, Membership) {
    let (old, new) = (before.map(facts).unwrap_or_default(), facts(after));
    let membership = Membership {
        joined: new.keys().filter(|k| !old.contains_key(*k)).cloned().collect(),
        left: old.keys().filter(|k| !new.contains_key(*k)).cloned().collect(),
    };
    (tinhso_kernel::counters::delta(Some(old), new), membership)
}

/// Whether each dossier behind a counter adds one to it (a count), or some amount (a sum of
/// working days), in which case a drill-down counts its dossiers itself.
pub fn is_count(m: Measure) -> bool {
    !matches!(m, Measure::WorkingDays | Measure::AllowedDays)
}

/// Adds facts into running totals (the recomputation path of `ioc check`).
pub fn accumulate(into: &mut Facts, more: Facts) {
    tinhso_kernel::counters::accumulate(into, more)
}

/// Differences between stored aggregates and a recomputation: (key, stored, recomputed).
pub fn differences(stored: &Facts, recomputed: &Facts) -> Vec<(FactKey, i64, i64)> {
    let mut keys: Vec<&FactKey> = stored.keys().chain(recomputed.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (a, b) = (stored.get(k).copied().unwrap_or(0), recomputed.get(k).copied().unwrap_or(0));
            (a != b).then(|| (k.clone(), a, b))
        })
        .collect()
}

#[cfg(test)]
mod tests;
