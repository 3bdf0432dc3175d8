//! Citizens' feedback and field reports (phản ánh, kiến nghị; phản ánh hiện trường): what a
//! report is, the states it moves through (Open311's `open`/`closed` and mySociety's
//! extension), the commands staff and reporters issue, the deadlines of the national PAKN
//! rules counted in working days (paused while the reporter is asked for more), where a report
//! goes (category x commune -> agency) and which open reports lie near a new one.
//!
//! Pure: no IO, no async. May depend on: the kernel (ids, calendar, text) and the policy.

pub mod access;
pub mod answers;
pub mod audit;
pub mod category;
pub mod command;
pub mod deadline;
pub mod geo;
pub mod indicators;
pub mod intake;
pub mod machine;
pub mod photo;
pub mod routing;
pub mod state;
pub mod thumbnail;

pub use category::Category;
pub use machine::{apply, decide, Command, CommandKind, Event, EventKind, NewReport, Rejection, Report, ReportKind};
pub use state::ReportState;

/// How a report is named to people and in Open311 (`service_request_id`): `PA-<number>`.
pub fn public_id(id: i64) -> String {
    format!("PA-{id}")
}

/// The number of a public id (`PA-12`, or just `12`), if it is one.
pub fn parse_public_id(s: &str) -> Option<i64> {
    let s = s.trim();
    let n = s.strip_prefix("PA-").or_else(|| s.strip_prefix("pa-")).unwrap_or(s);
    n.parse::<i64>().ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests;
