//! The internal process (quy trình nội bộ) in the procedure editor, a step a group
//! (`groups.rs`): the step's name, who does it, how long it may take (in working hours or
//! days), its place in the process. No steps at all means the default process.

use super::groups::{self, Row, Slot};
use tinhso_catalogue::workflow::{StepRole, WorkflowStep, HOURS_PER_DAY};
use tinhso_kernel::error::Errors;
use tinhso_kernel::FieldError;

/// The catalogue's name for a step's time, and the group's (which may be in days).
pub const RENAMED: &[(&str, &str)] = &[("budget_hours", "budget")];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepRow {
    pub name: String,
    /// A `StepRole` key.
    pub role: String,
    pub budget: String,
    /// "hours" or "days".
    pub unit: String,
    pub slot: Slot,
}

impl Row for StepRow {
    const AREA: &'static str = "steps";
    const ATTRS: &'static [&'static str] = &["name", "role", "budget", "unit"];

    fn set(&mut self, attr: &str, value: &str) {
        let value = value.to_owned();
        match attr {
            "name" => self.name = value,
            "role" => self.role = value,
            "budget" => self.budget = value,
            _ => self.unit = value,
        }
    }

    fn is_blank(&self) -> bool {
        self.name.trim().is_empty() && self.budget.trim().is_empty()
    }

    fn blank() -> Self {
        Self { role: StepRole::Specialist.key().to_owned(), unit: "hours".to_owned(), ..Self::default() }
    }

    fn slot(&self) -> &Slot {
        &self.slot
    }

    fn slot_mut(&mut self) -> &mut Slot {
        &mut self.slot
    }
}

/// A procedure's steps as the editor first shows them (a whole number of days in days), with
/// blank groups after.
pub fn rows_of(steps: &[WorkflowStep]) -> Vec<StepRow> {
    groups::rows_of(steps, |s| {
        let days = s.budget_hours % HOURS_PER_DAY == 0;
        StepRow {
            name: s.name.clone(),
            role: s.role.key().to_owned(),
            budget: if days { s.budget_hours / HOURS_PER_DAY } else { s.budget_hours }.to_string(),
            unit: if days { "days" } else { "hours" }.to_owned(),
            slot: Slot::default(),
        }
    })
}

/// The steps the groups describe, in their order, with the group each came from.
pub fn steps(rows: &[StepRow], errs: &mut Errors) -> (Vec<WorkflowStep>, Vec<usize>) {
    groups::items(rows, errs, |i, row, errs| {
        let role = StepRole::parse(&row.role);
        if role.is_none() {
            errs.push(FieldError::new(
                format!("steps[{i}].role"),
                "invalid_choice",
                "Chọn chuyên viên hoặc lãnh đạo phê duyệt",
                "Choose specialist or approver",
            ));
        }
        let per = if row.unit == "days" { HOURS_PER_DAY } else { 1 };
        let budget_hours = row.budget.trim().parse::<u16>().ok().and_then(|n| n.checked_mul(per));
        if budget_hours.is_none() {
            errs.push(FieldError::new(
                format!("steps[{i}].budget"),
                "invalid_number",
                "Nhập thời gian của bước bằng số, ví dụ 16 giờ hoặc 2 ngày",
                "Enter the step's time as a number, e.g. 16 hours or 2 days",
            ));
        }
        Some(WorkflowStep { name: row.name.clone(), role: role?, budget_hours: budget_hours? })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_round_trip_through_the_groups_in_days_where_they_are_whole_days() {
        let stored = vec![
            WorkflowStep { name: "Thẩm định".into(), role: StepRole::Specialist, budget_hours: 16 },
            WorkflowStep { name: "Phê duyệt".into(), role: StepRole::Approver, budget_hours: 3 },
        ];
        let rows = rows_of(&stored);
        assert_eq!((rows[0].budget.as_str(), rows[0].unit.as_str()), ("2", "days"));
        assert_eq!((rows[1].budget.as_str(), rows[1].unit.as_str()), ("3", "hours"));
        let mut errs = Errors::default();
        assert_eq!(steps(&rows, &mut errs), (stored, vec![0, 1]));
        assert!(errs.is_empty());
    }

    #[test]
    fn a_time_or_a_role_that_cannot_be_read_is_its_groups_problem() {
        let mut rows = rows_of(&[]);
        rows[0].name = "Thẩm định".into();
        rows[0].budget = "hai".into();
        rows[1].name = "Phê duyệt".into();
        rows[1].budget = "9000".into();
        rows[1].unit = "days".into();
        rows[1].role = "director".into();
        let mut errs = Errors::default();
        assert!(steps(&rows, &mut errs).0.is_empty());
        let names: Vec<&str> = errs.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["steps[0].budget", "steps[1].role", "steps[1].budget"], "9000 days overflow");
    }
}
