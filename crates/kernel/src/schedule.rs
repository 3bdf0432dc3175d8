//! When a periodic job falls due. Jobs that sweep the whole province (the operations centre's
//! alerts, field reports' escalation, the province's own open data) run once per period across
//! every server and every restart, not once per server start: their last start is stored
//! (platform: schedule) and this rule says, from it, whether to run now.

use chrono::{DateTime, Duration, Utc};

/// `None` when a job that runs every `every` and last started at `last` is due at `now`;
/// otherwise the instant it falls due. A job never run is due; so is one whose last start lies
/// in the future (a clock set back must not silence a job for as long as it was wrong).
pub fn due_at(last: Option<DateTime<Utc>>, every: Duration, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let last = last?;
    if last > now {
        return None;
    }
    // A period too long to add is never over.
    let next = last.checked_add_signed(every).unwrap_or(DateTime::<Utc>::MAX_UTC);
    (next > now).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, h, m, 0).single().expect("valid instant")
    }

    #[test]
    fn a_job_never_run_is_due() {
        assert_eq!(due_at(None, Duration::minutes(15), at(8, 0)), None);
    }

    #[test]
    fn a_job_is_due_a_period_after_its_last_start_and_not_before() {
        let every = Duration::minutes(15);
        assert_eq!(due_at(Some(at(8, 0)), every, at(8, 14)), Some(at(8, 15)));
        assert_eq!(due_at(Some(at(8, 0)), every, at(8, 15)), None);
        assert_eq!(due_at(Some(at(8, 0)), every, at(9, 40)), None);
    }

    #[test]
    fn a_period_too_long_to_count_never_ends() {
        assert_eq!(due_at(Some(at(8, 0)), Duration::MAX, at(9, 0)), Some(DateTime::<Utc>::MAX_UTC));
    }

    #[test]
    fn a_start_recorded_in_the_future_does_not_hold_the_job_back() {
        assert_eq!(due_at(Some(at(10, 0)), Duration::hours(24), at(8, 0)), None);
    }
}
