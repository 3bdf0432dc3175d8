//! When a periodic job falls due. Jobs that sweep the whole province (the operations centre's
//! alerts, field reports' escalation, the province's own open data) run once per period across
//! every server and every restart, not once per server start: their last run is stored
//! (platform: schedule) and this rule says, from it, whether to run now.

use chrono::{DateTime, Duration, Utc};

/// A job's last run as stored: when it started, and whether it finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LastRun {
    pub started_at: DateTime<Utc>,
    pub finished: bool,
}

/// How long an unfinished run holds its job: a server that died mid-run (a daily publication cut
/// by a crash) leaves the job due again after this, not after a whole period.
pub const LEASE: Duration = Duration::hours(1);

/// `None` when a job that runs every `every` and last ran as `last` is due at `now`; otherwise
/// the instant it falls due. A job never run is due; so is one whose last start lies in the
/// future (a clock set back must not silence a job for as long as it was wrong). A run that
/// never finished holds the job for the shorter of the period and [`LEASE`].
pub fn due_at(last: Option<LastRun>, every: Duration, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let last = last?;
    if last.started_at > now {
        return None;
    }
    let hold = if last.finished { every } else { every.min(LEASE) };
    // A period too long to add is never over.
    let next = last.started_at.checked_add_signed(hold).unwrap_or(DateTime::<Utc>::MAX_UTC);
    (next > now).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, h, m, 0).single().expect("valid instant")
    }

    fn done(started_at: DateTime<Utc>) -> Option<LastRun> {
        Some(LastRun { started_at, finished: true })
    }

    #[test]
    fn a_job_never_run_is_due() {
        assert_eq!(due_at(None, Duration::minutes(15), at(8, 0)), None);
    }

    #[test]
    fn a_job_is_due_a_period_after_its_last_start_and_not_before() {
        let every = Duration::minutes(15);
        assert_eq!(due_at(done(at(8, 0)), every, at(8, 14)), Some(at(8, 15)));
        assert_eq!(due_at(done(at(8, 0)), every, at(8, 15)), None);
        assert_eq!(due_at(done(at(8, 0)), every, at(9, 40)), None);
    }

    #[test]
    fn a_run_that_never_finished_holds_a_daily_job_for_an_hour_only() {
        let cut = Some(LastRun { started_at: at(2, 0), finished: false });
        let day = Duration::hours(24);
        assert_eq!(due_at(cut, day, at(2, 59)), Some(at(3, 0)));
        assert_eq!(due_at(cut, day, at(3, 0)), None);
        // A job shorter than the lease keeps its own period.
        let cut = Some(LastRun { started_at: at(8, 0), finished: false });
        assert_eq!(due_at(cut, Duration::minutes(15), at(8, 10)), Some(at(8, 15)));
    }

    #[test]
    fn a_period_too_long_to_count_never_ends() {
        assert_eq!(due_at(done(at(8, 0)), Duration::MAX, at(9, 0)), Some(DateTime::<Utc>::MAX_UTC));
    }

    #[test]
    fn a_start_recorded_in_the_future_does_not_hold_the_job_back() {
        assert_eq!(due_at(done(at(10, 0)), Duration::hours(24), at(8, 0)), None);
    }
}
