//! A procedure's internal process (quy trình nội bộ): the steps a dossier goes through at the
//! competent agency, each done by a role within a time budget. A dossier keeps a copy of the
//! steps from its submission, so editing the catalogue never rewrites work in progress.

use crate::procedure::ProcessingTime;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tinhso_kernel::calendar::WorkingCalendar;
use tinhso_kernel::error::{Errors, FieldError};
use tinhso_kernel::text;
use tinhso_policy::Role;

/// Who does a step: a specialist examines, a leader signs off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepRole {
    Specialist,
    Approver,
}

impl StepRole {
    pub const ALL: [StepRole; 2] = [Self::Specialist, Self::Approver];

    pub fn key(self) -> &'static str {
        match self {
            Self::Specialist => "specialist",
            Self::Approver => "approver",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == s.trim())
    }

    pub fn role(self) -> Role {
        match self {
            Self::Specialist => Role::Specialist,
            Self::Approver => Role::Approver,
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Specialist => "Chuyên viên",
            Self::Approver => "Lãnh đạo phê duyệt",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Specialist => "Specialist",
            Self::Approver => "Approver",
        }
    }
}

/// One step: its name, who does it, and how many working hours it may take (8 to a day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowStep {
    pub name: String,
    pub role: StepRole,
    pub budget_hours: u16,
}

pub const MAX_STEPS: usize = 12;
pub const HOURS_PER_DAY: u16 = 8;

/// Working hours a processing time allows.
pub fn total_hours(t: ProcessingTime) -> u32 {
    match t {
        ProcessingTime::WorkingDays(d) => u32::from(d) * u32::from(HOURS_PER_DAY),
        ProcessingTime::WorkingHours(h) => u32::from(h),
    }
}

/// The process used when a procedure configures none: a specialist examines and drafts, a
/// leader approves in the last fifth of the time (at most two days, at least one hour).
pub fn default_steps(time: Option<ProcessingTime>) -> Vec<WorkflowStep> {
    let total = time.map(total_hours).unwrap_or(15 * u32::from(HOURS_PER_DAY)).clamp(2, u32::from(u16::MAX));
    let approve = (total / 5).clamp(1, 2 * u32::from(HOURS_PER_DAY));
    let hours = |h: u32| u16::try_from(h).unwrap_or(u16::MAX);
    vec![
        WorkflowStep {
            name: "Thẩm định hồ sơ, dự thảo kết quả".into(),
            role: StepRole::Specialist,
            budget_hours: hours(total - approve),
        },
        WorkflowStep {
            name: "Phê duyệt, ký kết quả".into(), role: StepRole::Approver, budget_hours: hours(approve)
        },
    ]
}

/// Checks a configured process: named steps, positive budgets, a leader's approval last, and
/// a total inside the legal processing time.
pub fn normalise(steps: &mut [WorkflowStep], time: Option<ProcessingTime>, errs: &mut Errors) {
    if steps.len() > MAX_STEPS {
        errs.push(FieldError::new(
            "steps",
            "too_many",
            format!("Quy trình có tối đa {MAX_STEPS} bước"),
            format!("A process has at most {MAX_STEPS} steps"),
        ));
    }
    for (i, s) in steps.iter_mut().enumerate() {
        s.name = text::clean(&s.name);
        if s.name.is_empty() || s.name.chars().count() > 200 {
            errs.push(FieldError::new(
                format!("steps[{i}].name"),
                "required",
                format!("Nhập tên bước {} (tối đa 200 ký tự)", i + 1),
                format!("Name step {} (at most 200 characters)", i + 1),
            ));
        }
        if s.budget_hours == 0 {
            errs.push(FieldError::new(
                format!("steps[{i}].budget_hours"),
                "out_of_range",
                format!("Thời gian của bước {} phải lớn hơn 0 giờ", i + 1),
                format!("Step {} needs a budget above 0 hours", i + 1),
            ));
        }
    }
    if let Some(last) = steps.last() {
        if last.role != StepRole::Approver {
            errs.push(FieldError::new(
                "steps",
                "approval_last",
                "Bước cuối của quy trình phải là lãnh đạo phê duyệt",
                "The last step must be a leader's approval",
            ));
        }
    }
    let sum: u32 = steps.iter().map(|s| u32::from(s.budget_hours)).sum();
    if let Some(t) = time {
        if sum > total_hours(t) {
            errs.push(FieldError::new(
                "steps",
                "over_budget",
                format!("Tổng thời gian các bước ({sum} giờ) vượt thời hạn giải quyết ({})", t.label_vi()),
                format!("The steps take {sum} hours, more than the processing time ({})", t.label_en()),
            ));
        }
    }
}

/// The day a step started on `started` must be done: its budget in whole working days,
/// rounded up, so a half-day step is due the next working day.
pub fn step_due_on(cal: &WorkingCalendar, started: NaiveDate, budget_hours: u16) -> Option<NaiveDate> {
    cal.due_date(started, u32::from(budget_hours.div_ceil(HOURS_PER_DAY)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_process_fits_the_processing_time() {
        for t in [
            ProcessingTime::WorkingDays(1),
            ProcessingTime::WorkingDays(15),
            ProcessingTime::WorkingDays(365),
            ProcessingTime::WorkingHours(4),
            ProcessingTime::WorkingHours(1),
        ] {
            let mut steps = default_steps(Some(t));
            let sum: u32 = steps.iter().map(|s| u32::from(s.budget_hours)).sum();
            assert!(sum <= total_hours(t).max(2), "{t:?}: {sum}");
            let mut errs = Errors::default();
            normalise(&mut steps, Some(ProcessingTime::WorkingDays(365)), &mut errs);
            assert!(errs.is_empty(), "{t:?}: {:?}", errs.0);
        }
        let fifteen = default_steps(Some(ProcessingTime::WorkingDays(15)));
        assert_eq!((fifteen[0].budget_hours, fifteen[1].budget_hours), (104, 16));
    }

    #[test]
    fn a_process_must_end_with_approval_and_fit_its_time() {
        let mut steps = vec![
            WorkflowStep { name: " Thẩm định ".into(), role: StepRole::Specialist, budget_hours: 41 },
            WorkflowStep { name: "Trình ký".into(), role: StepRole::Specialist, budget_hours: 0 },
        ];
        let mut errs = Errors::default();
        normalise(&mut steps, Some(ProcessingTime::WorkingDays(5)), &mut errs);
        let codes: Vec<&str> = errs.0.iter().map(|e| e.code).collect();
        assert_eq!(codes, ["out_of_range", "approval_last", "over_budget"]);
        assert_eq!(steps[0].name, "Thẩm định");
    }

    #[test]
    fn step_budgets_round_up_to_working_days() {
        let cal = WorkingCalendar::new([]);
        let friday = NaiveDate::from_ymd_opt(2025, 3, 7).unwrap();
        assert_eq!(step_due_on(&cal, friday, 4), NaiveDate::from_ymd_opt(2025, 3, 10));
        assert_eq!(step_due_on(&cal, friday, 16), NaiveDate::from_ymd_opt(2025, 3, 11));
    }
}
