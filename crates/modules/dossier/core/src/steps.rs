//! Where a dossier stands in its process: each step's holder, start, end and due date, read
//! from the events so the workspace can show who is late on which step.

use super::deadline::local_date;
use super::{Event, EventKind};
use chrono::NaiveDate;
use tinhso_catalogue::workflow::{step_due_on, WorkflowStep};
use tinhso_kernel::calendar::WorkingCalendar;
use tinhso_kernel::ids::AccountId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepProgress {
    pub step: WorkflowStep,
    /// Who holds or held the step; `None` while it is open to anyone with its role.
    pub holder: Option<AccountId>,
    pub started_on: Option<NaiveDate>,
    pub done_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
}

impl StepProgress {
    /// Past its budget: finished after its due date, or still open after it.
    pub fn is_late(&self, today: NaiveDate) -> bool {
        self.due_on.is_some_and(|due| self.done_on.unwrap_or(today) > due)
    }
}

/// Replays the process events over the dossier's steps.
pub fn progress<'a>(
    steps: &[WorkflowStep],
    events: impl IntoIterator<Item = &'a Event>,
    cal: &WorkingCalendar,
) -> Vec<StepProgress> {
    let mut out: Vec<StepProgress> = steps
        .iter()
        .map(|s| StepProgress { step: s.clone(), holder: None, started_on: None, done_on: None, due_on: None })
        .collect();
    let start = |out: &mut Vec<StepProgress>, i: usize, on: NaiveDate, holder: Option<AccountId>| {
        if let Some(p) = out.get_mut(i) {
            p.started_on = Some(on);
            p.holder = holder;
            p.due_on = step_due_on(cal, on, p.step.budget_hours);
        }
    };
    for e in events {
        let on = local_date(e.at);
        match &e.kind {
            EventKind::ProcessingStarted => start(&mut out, 0, on, Some(e.actor)),
            EventKind::StepCompleted { step, next_assignee, .. } => {
                let done = usize::from(*step);
                if let Some(p) = done.checked_sub(1).and_then(|i| out.get_mut(i)) {
                    p.done_on = Some(on);
                    p.holder = Some(e.actor);
                }
                start(&mut out, done, on, *next_assignee);
            }
            EventKind::StepAssigned { step, assignee } => {
                if let Some(p) = usize::from(*step).checked_sub(1).and_then(|i| out.get_mut(i)) {
                    p.holder = Some(*assignee);
                }
            }
            EventKind::Approved { .. } => {
                if let Some(p) = out.last_mut() {
                    p.done_on = Some(on);
                    p.holder = Some(e.actor);
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use tinhso_catalogue::workflow::StepRole;

    fn ev(day: u32, actor: i64, kind: EventKind) -> Event {
        Event {
            kind,
            at: Utc.with_ymd_and_hms(2025, 3, day, 2, 0, 0).single().unwrap(),
            actor: tinhso_kernel::ids::AccountId(actor),
        }
    }

    #[test]
    fn each_step_runs_from_its_start_within_its_budget() {
        let steps = vec![
            WorkflowStep { name: "Thẩm định".into(), role: StepRole::Specialist, budget_hours: 16 },
            WorkflowStep { name: "Phê duyệt".into(), role: StepRole::Approver, budget_hours: 4 },
        ];
        let cal = WorkingCalendar::new([]);
        let events = [
            ev(3, 11, EventKind::ProcessingStarted),
            ev(4, 12, EventKind::StepAssigned { step: 1, assignee: tinhso_kernel::ids::AccountId(13) }),
            ev(
                7,
                13,
                EventKind::StepCompleted {
                    step: 1,
                    note: String::new(),
                    next_assignee: Some(tinhso_kernel::ids::AccountId(20)),
                },
            ),
            ev(
                10,
                20,
                EventKind::Approved {
                    electronic_result: true,
                    timeliness: crate::deadline::Timeliness::OnTime,
                    result: None,
                    working_days: Some(5),
                },
            ),
        ];
        let p = progress(&steps, &events, &cal);
        let d = |day| NaiveDate::from_ymd_opt(2025, 3, day);
        // Started Monday 3rd with two days: due Wednesday 5th; done Friday 7th, late.
        assert_eq!(
            (p[0].holder, p[0].started_on, p[0].due_on, p[0].done_on),
            (Some(tinhso_kernel::ids::AccountId(13)), d(3), d(5), d(7))
        );
        assert!(p[0].is_late(NaiveDate::MAX));
        // Half a day from Friday: due Monday 10th, done that day.
        assert_eq!((p[1].holder, p[1].due_on, p[1].done_on), (Some(tinhso_kernel::ids::AccountId(20)), d(10), d(10)));
        assert!(!p[1].is_late(NaiveDate::MAX));
    }
}
