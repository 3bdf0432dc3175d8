//! Deadlines in working days: due dates, the supplement pause, on time / late.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tinhso_kernel::calendar::WorkingCalendar;

/// Working days before the due date from which a dossier shows as "due soon".
pub const DUE_SOON_WORKING_DAYS: i64 = 2;

/// Vietnam's civil time: the date a dossier event belongs to (now the kernel's, for every module).
pub use tinhso_kernel::calendar::local_date;

/// How a finished dossier did against its due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    Early,
    OnTime,
    Late,
}

/// Finished on `finished` against `due`: a dossier with more than one supplement request
/// counts as late whatever the dates (Decision 766 rule).
pub fn timeliness(due: NaiveDate, finished: NaiveDate, supplement_requests: u8) -> Timeliness {
    if supplement_requests > 1 || finished > due {
        Timeliness::Late
    } else if finished < due {
        Timeliness::Early
    } else {
        Timeliness::OnTime
    }
}

/// Where an open dossier stands today, for lists and alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DueStatus {
    /// Not yet received: no clock.
    NotStarted,
    OnTrack,
    DueSoon,
    Overdue,
    /// The clock is paused while the applicant supplements.
    Paused,
    /// Finished or closed.
    Closed,
}

impl DueStatus {
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::NotStarted => "Chờ tiếp nhận",
            Self::OnTrack => "Trong hạn",
            Self::DueSoon => "Sắp đến hạn",
            Self::Overdue => "Quá hạn",
            Self::Paused => "Tạm dừng chờ bổ sung",
            Self::Closed => "Đã kết thúc",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::NotStarted => "Waiting to be received",
            Self::OnTrack => "On track",
            Self::DueSoon => "Due soon",
            Self::Overdue => "Overdue",
            Self::Paused => "Paused for documents",
            Self::Closed => "Closed",
        }
    }

    /// The status as a list says it: an overdue dossier with the working days it is late by
    /// (`late`, from [`working_days_late`]), so that whoever reads a list of late dossiers sees
    /// which waited longest; the bare label otherwise, or when the due date was the last
    /// working day before a day off.
    pub fn say(self, late: u32, en: bool) -> String {
        match (self, late, en) {
            (Self::Overdue, 1, true) => "Overdue by 1 working day".to_owned(),
            (Self::Overdue, n @ 2.., true) => format!("Overdue by {n} working days"),
            (Self::Overdue, n @ 1.., false) => format!("Quá hạn {n} ngày làm việc"),
            _ => if en { self.label_en() } else { self.label_vi() }.to_owned(),
        }
    }
}

/// Working days from the due date in force (`due`: the apology's new date, or the first) to
/// `today`, the due date excluded: how late a dossier is; 0 when it is not, or has no due date.
pub fn working_days_late(cal: &WorkingCalendar, due: Option<NaiveDate>, today: NaiveDate) -> u32 {
    due.map_or(0, |due| u32::try_from(cal.working_days_between(due, today)).unwrap_or(0))
}

/// The last due date `due_status` calls "due soon" on `today` (any later one is on track), so
/// that counters can sum due dates instead of judging dossiers one by one.
pub fn due_soon_until(cal: &WorkingCalendar, today: NaiveDate) -> NaiveDate {
    let n = u32::try_from(DUE_SOON_WORKING_DAYS + 1).unwrap_or(3);
    cal.due_date(today, n).and_then(|d| d.pred_opt()).unwrap_or(today)
}

pub fn due_status(
    cal: &WorkingCalendar,
    due: Option<NaiveDate>,
    today: NaiveDate,
    paused: bool,
    closed: bool,
) -> DueStatus {
    match due {
        _ if closed => DueStatus::Closed,
        _ if paused => DueStatus::Paused,
        None => DueStatus::NotStarted,
        Some(due) if today > due => DueStatus::Overdue,
        Some(due) if cal.working_days_between(today, due) <= DUE_SOON_WORKING_DAYS => DueStatus::DueSoon,
        Some(_) => DueStatus::OnTrack,
    }
}

/// The due date after a supplement pause from `paused_on` to `resumed_on`: the working days
/// the applicant spent are added back (Decree 118/2025: that time is not counted).
pub fn extend_for_pause(
    cal: &WorkingCalendar,
    due: NaiveDate,
    paused_on: NaiveDate,
    resumed_on: NaiveDate,
) -> NaiveDate {
    let paused = cal.working_days_between(paused_on, resumed_on).max(0);
    cal.due_date(due, u32::try_from(paused).unwrap_or(0)).unwrap_or(due)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, day).unwrap()
    }

    #[test]
    fn late_rules() {
        assert_eq!(timeliness(d(3, 10), d(3, 7), 0), Timeliness::Early);
        assert_eq!(timeliness(d(3, 10), d(3, 10), 1), Timeliness::OnTime);
        assert_eq!(timeliness(d(3, 10), d(3, 11), 0), Timeliness::Late);
        assert_eq!(timeliness(d(3, 10), d(3, 7), 2), Timeliness::Late, "two supplement requests");
    }

    #[test]
    fn pause_adds_the_working_days_spent() {
        let cal = WorkingCalendar::new([]);
        // Paused Monday 3 Mar, supplemented Thursday 6 Mar: Tue, Wed, Thu = 3 working days.
        assert_eq!(extend_for_pause(&cal, d(3, 14), d(3, 3), d(3, 6)), d(3, 19));
        assert_eq!(extend_for_pause(&cal, d(3, 14), d(3, 3), d(3, 3)), d(3, 14));
    }

    /// Late by the working days after the due date: a weekend after a Friday due date is not
    /// counted, a public holiday neither; a list says so, and nothing for a dossier not late.
    #[test]
    fn working_days_late_and_said() {
        let cal = WorkingCalendar::new([]);
        // Due Friday 14 Mar 2025.
        assert_eq!(working_days_late(&cal, Some(d(3, 14)), d(3, 14)), 0);
        assert_eq!(working_days_late(&cal, Some(d(3, 14)), d(3, 15)), 0, "Saturday");
        assert_eq!(working_days_late(&cal, Some(d(3, 14)), d(3, 17)), 1, "Monday");
        assert_eq!(working_days_late(&cal, Some(d(3, 14)), d(3, 19)), 3);
        assert_eq!(working_days_late(&cal, Some(d(3, 14)), d(3, 10)), 0, "not due yet");
        assert_eq!(working_days_late(&cal, None, d(3, 19)), 0);
        // Due Tuesday 29 April: 30 April and 1 May are holidays, so Friday 2 May is one day late.
        assert_eq!(working_days_late(&cal, Some(d(4, 29)), d(5, 2)), 1);
        assert_eq!(DueStatus::Overdue.say(2, false), "Quá hạn 2 ngày làm việc");
        assert_eq!(DueStatus::Overdue.say(1, true), "Overdue by 1 working day");
        assert_eq!(DueStatus::Overdue.say(0, false), "Quá hạn");
        assert_eq!(DueStatus::OnTrack.say(3, false), "Trong hạn");
    }

    #[test]
    fn status() {
        let cal = WorkingCalendar::new([]);
        assert_eq!(due_status(&cal, Some(d(3, 14)), d(3, 3), false, false), DueStatus::OnTrack);
        assert_eq!(due_status(&cal, Some(d(3, 14)), d(3, 12), false, false), DueStatus::DueSoon);
        assert_eq!(due_status(&cal, Some(d(3, 14)), d(3, 17), false, false), DueStatus::Overdue);
        assert_eq!(due_status(&cal, Some(d(3, 14)), d(3, 17), true, false), DueStatus::Paused);
        assert_eq!(due_status(&cal, None, d(3, 17), false, false), DueStatus::NotStarted);
    }

    #[test]
    fn due_soon_until_matches_due_status() {
        let cal = WorkingCalendar::new([]);
        // Every day of March 2025 as "today", every due date within the next three weeks.
        for today in d(3, 1).iter_days().take(31) {
            let until = due_soon_until(&cal, today);
            for due in today.iter_days().take(21) {
                let soon = due_status(&cal, Some(due), today, false, false) == DueStatus::DueSoon;
                assert_eq!(soon, due <= until, "today {today}, due {due}, until {until}");
            }
        }
    }

    #[test]
    fn local_date_is_utc_plus_7() {
        let at = chrono::DateTime::parse_from_rfc3339("2025-03-03T18:30:00Z").unwrap().with_timezone(&chrono::Utc);
        assert_eq!(local_date(at), d(3, 4));
    }
}
