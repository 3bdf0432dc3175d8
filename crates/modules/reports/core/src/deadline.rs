//! The national PAKN deadlines, in working days from receipt (REGULATIONS.md): refuse or
//! forward within 2, first request for more information within 5, handle within 15 (the days
//! spent waiting for the reporter do not count), publish the answer within 2 of handling. A
//! report is on time, late (handled after its due date) or overdue (open past it).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tinhso_kernel::calendar::WorkingCalendar;

pub const TRIAGE_DAYS: u32 = 2;
pub const FIRST_INFO_REQUEST_DAYS: u32 = 5;
pub const HANDLE_DAYS: u32 = 15;
pub const PUBLISH_DAYS: u32 = 2;
/// How long after closing a reporter may reopen their report (calendar days).
pub const REOPEN_DAYS: i64 = 30;

/// A report's due dates, from its receipt and the working days it waited for its reporter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    pub triage_due: NaiveDate,
    pub info_request_due: NaiveDate,
    pub handle_due: NaiveDate,
}

/// The due dates of a report received on `received` that waited `paused` working days.
pub fn deadlines(cal: &WorkingCalendar, received: NaiveDate, paused: u32) -> Option<Deadlines> {
    Some(Deadlines {
        triage_due: cal.due_date(received, TRIAGE_DAYS)?,
        info_request_due: cal.due_date(received, FIRST_INFO_REQUEST_DAYS)?,
        handle_due: cal.due_date(received, HANDLE_DAYS.checked_add(paused)?)?,
    })
}

/// Where a report stands against its handling deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Open, due date not passed.
    OnTrack,
    /// Open past its due date.
    Overdue,
    /// Handled by its due date.
    OnTime,
    /// Handled after its due date.
    Late,
}

impl Timeliness {
    pub fn of(handle_due: NaiveDate, handled_on: Option<NaiveDate>, today: NaiveDate) -> Self {
        match handled_on {
            Some(d) if d <= handle_due => Self::OnTime,
            Some(_) => Self::Late,
            None if today > handle_due => Self::Overdue,
            None => Self::OnTrack,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::OnTrack => "on_track",
            Self::Overdue => "overdue",
            Self::OnTime => "on_time",
            Self::Late => "late",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::OnTrack => "Trong hạn",
            Self::Overdue => "Quá hạn",
            Self::OnTime => "Xử lý đúng hạn",
            Self::Late => "Xử lý trễ hạn",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::OnTrack => "On track",
            Self::Overdue => "Overdue",
            Self::OnTime => "Handled on time",
            Self::Late => "Handled late",
        }
    }
}
