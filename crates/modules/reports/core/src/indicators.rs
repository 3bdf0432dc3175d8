//! What reports give Decision 766 (group 5, indicators 5.1-5.3: receiving and handling
//! feedback on administrative procedures and public services).

use crate::machine::{Report, ReportKind};
use chrono::NaiveDate;

/// How `r` counts on `end` (the last day of the period): `None` when it does not count (not
/// feedback on a public service, merged into another, or open and not yet due); otherwise
/// whether it was handled by its due date. Open reports past their due date count as late.
pub fn feedback_766(r: &Report, end: NaiveDate) -> Option<bool> {
    if r.kind != ReportKind::Service || r.duplicate_of.is_some() {
        return None;
    }
    match r.handled_on {
        Some(d) if d <= end => Some(d <= r.deadlines.handle_due),
        _ if end > r.deadlines.handle_due => Some(false),
        _ => None,
    }
}
