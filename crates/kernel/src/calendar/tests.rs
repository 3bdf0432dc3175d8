use super::*;
use proptest::prelude::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

/// Built once: a calendar covers a century of years.
fn shared() -> &'static WorkingCalendar {
    static CAL: std::sync::LazyLock<WorkingCalendar> = std::sync::LazyLock::new(|| WorkingCalendar::new(official()));
    &CAL
}

fn official() -> Vec<YearCalendar> {
    let y2025 = YearCalendar {
        year: 2025,
        source: CalendarSource::Official,
        basis: String::new(),
        days_off: [
            (1, 1),
            (1, 25),
            (1, 27),
            (1, 28),
            (1, 29),
            (1, 30),
            (1, 31),
            (4, 7),
            (4, 30),
            (5, 1),
            (5, 2),
            (9, 1),
            (9, 2),
        ]
        .iter()
        .map(|&(m, dd)| NamedDay { date: d(2025, m, dd), name: String::new() })
        .collect(),
        swap_workdays: vec![NamedDay { date: d(2025, 4, 26), name: String::new() }],
    };
    vec![y2025]
}

#[test]
fn counting_starts_the_next_working_day() {
    let cal = WorkingCalendar::new(official());
    // Received Friday 24 Jan 2025, the last day before Tết: 3 working days end Wed 5 Feb.
    assert_eq!(cal.due_date(d(2025, 1, 24), 3), Some(d(2025, 2, 5)));
    // Received Thursday 24 Apr: Fri 25, Sat 26 (swap day worked) are days 1 and 2.
    assert_eq!(cal.due_date(d(2025, 4, 24), 2), Some(d(2025, 4, 26)));
    // Received Tuesday 29 Apr: Wed 30, Thu 1, Fri 2 off, then Mon 5 May.
    assert_eq!(cal.due_date(d(2025, 4, 29), 1), Some(d(2025, 5, 5)));
    assert_eq!(cal.due_date(d(2025, 3, 3), 0), Some(d(2025, 3, 3)));
}

#[test]
fn rules_reproduce_recent_official_tet_breaks() {
    let days = |y: i32| -> Vec<NaiveDate> {
        year_from_rules(y).days_off.into_iter().filter(|n| n.name == "Tết Nguyên đán").map(|n| n.date).collect()
    };
    let span = |a: NaiveDate, b: NaiveDate| -> Vec<NaiveDate> { a.iter_days().take_while(|x| *x <= b).collect() };
    assert_eq!(days(2024), span(d(2024, 2, 8), d(2024, 2, 14)));
    assert_eq!(days(2025), span(d(2025, 1, 25), d(2025, 2, 2)));
    assert_eq!(days(2026), span(d(2026, 2, 14), d(2026, 2, 22)));
}

#[test]
fn rules_give_compensatory_days() {
    let off: Vec<NaiveDate> = year_from_rules(2026).days_off.into_iter().map(|n| n.date).collect();
    // Hùng Kings day 2026 is Sunday 26 April: Monday 27 April is off instead.
    assert!(off.contains(&d(2026, 4, 26)) && off.contains(&d(2026, 4, 27)));
    let y2024: Vec<NaiveDate> = year_from_rules(2024).days_off.into_iter().map(|n| n.date).collect();
    // 2 Sep 2024 is a Monday: 3 Sep joins it, as the official calendar had.
    assert!(y2024.contains(&d(2024, 9, 2)) && y2024.contains(&d(2024, 9, 3)));
    let y2025: Vec<NaiveDate> = year_from_rules(2025).days_off.into_iter().map(|n| n.date).collect();
    assert!(y2025.contains(&d(2025, 9, 1)) && y2025.contains(&d(2025, 9, 2)));
}

#[test]
fn validate_rejects_weekday_swap_and_wrong_year() {
    let mut y = official().remove(0);
    assert!(y.validate().is_ok());
    y.swap_workdays.push(NamedDay { date: d(2025, 4, 28), name: String::new() });
    assert!(y.validate().is_err());
    let mut y = official().remove(0);
    y.days_off.push(NamedDay { date: d(2024, 4, 28), name: String::new() });
    assert!(y.validate().is_err());
}

#[test]
fn validate_keeps_the_labour_code_holidays_off() {
    // Emptied by mistake: every weekday holiday of 2025 is named (Tết's new year's day is a
    // Wednesday, the Hùng Kings' day a Monday; 2 September a Tuesday).
    let mut y = official().remove(0);
    y.days_off.clear();
    let e = y.validate().map_err(|e| (e.field, e.code, e.message));
    let Err((field, code, message)) = e else { panic!("an empty 2025 was accepted") };
    assert_eq!((field.as_str(), code), ("days_off", "calendar_holiday_worked"));
    for day in ["01/01/2025", "29/01/2025", "07/04/2025", "30/04/2025", "01/05/2025", "02/09/2025"] {
        assert!(message.contains(day), "{day} missing from {message}");
    }
    // One missing day is named alone.
    let mut y = official().remove(0);
    y.days_off.retain(|n| n.date != d(2025, 4, 30));
    assert!(y
        .validate()
        .is_err_and(|e| e.message.contains("30/04/2025 (Ngày Chiến thắng)") && !e.message.contains("01/05")));
    // A holiday on a weekend needs no entry (2026's Hùng Kings' day is a Sunday), but is never
    // a make-up working day.
    let mut y2026 = year_from_rules(2026);
    assert!(y2026.validate().is_ok());
    y2026.days_off.retain(|n| n.date != d(2026, 4, 26));
    assert!(y2026.validate().is_ok());
    y2026.swap_workdays.push(NamedDay { date: d(2026, 4, 26), name: String::new() });
    assert!(y2026.validate().is_err_and(|e| e.message.contains("26/04/2026")));
}

#[test]
fn rules_pass_their_own_check_for_every_year() {
    for year in 2000..=2100 {
        assert!(year_from_rules(year).validate().is_ok(), "{year}");
    }
}

#[test]
fn working_days_between_counts_like_due_date() {
    let cal = WorkingCalendar::new(official());
    let due = cal.due_date(d(2025, 1, 20), 10).unwrap_or_default();
    assert_eq!(cal.working_days_between(d(2025, 1, 20), due), 10);
    assert_eq!(cal.working_days_between(due, d(2025, 1, 20)), -10);
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    (0i64..(365 * 30)).prop_map(|n| d(2010, 1, 1) + chrono::Duration::days(n))
}

proptest! {
    #[test]
    fn due_date_is_a_working_day(start in any_date(), n in 1u32..120) {
        let cal = shared();
        let due = cal.due_date(start, n);
        prop_assert!(due.is_some_and(|x| cal.is_working_day(x) && x > start));
    }

    /// Counted with the sorted exceptions, working days are what a walk over the days finds,
    /// across official years (Tết, swapped Saturdays) and rule years, both ways round.
    #[test]
    fn working_days_between_counts_what_a_walk_finds(a in any_date(), span in 0i64..3_000) {
        let cal = shared();
        let b = a + chrono::Duration::days(span);
        let walked = a.iter_days().skip(1).take_while(|d| *d <= b).filter(|d| cal.is_working_day(*d)).count();
        prop_assert_eq!(cal.working_days_between(a, b), walked as i64);
        prop_assert_eq!(cal.working_days_between(b, a), -(walked as i64));
    }

    #[test]
    fn due_dates_grow_with_n(start in any_date(), n in 0u32..120) {
        let cal = shared();
        prop_assert!(cal.due_date(start, n) < cal.due_date(start, n + 1));
        prop_assert_eq!(cal.working_days_between(start, cal.due_date(start, n).unwrap_or(start)), i64::from(n));
    }
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}

#[test]
fn vietnam_is_seven_hours_ahead_all_year() {
    // New Year's Eve: 23:59 in Hà Nội is 16:59 in London, and midnight there is 17:00 UTC.
    assert_eq!(local_time(utc("2025-12-31T16:59:59Z")).to_string(), "2025-12-31 23:59:59");
    assert_eq!(local_date(utc("2025-12-31T17:00:00Z")), d(2026, 1, 1));
    // No daylight saving: the same offset in July as in January.
    assert_eq!(local_time(utc("2026-07-01T01:30:00Z")).to_string(), "2026-07-01 08:30:00");
    assert_eq!(day_start(d(2026, 12, 6)), utc("2026-12-05T17:00:00Z"));
}

proptest! {
    #[test]
    fn a_local_day_starts_where_the_day_before_ends(days in 0i64..80_000, secs in 0u32..86_400) {
        let day = d(1970, 1, 1) + chrono::Duration::days(days);
        let start = day_start(day);
        prop_assert_eq!(local_date(start), day);
        prop_assert_eq!(local_date(start - chrono::Duration::seconds(1)), day.pred_opt().unwrap_or(day));
        let t = day.and_time(NaiveTime::from_num_seconds_from_midnight_opt(secs, 0).unwrap_or_default());
        prop_assert_eq!(local_time(from_local(t)), t);
    }
}
