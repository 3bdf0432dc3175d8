//! A year's days off from the Labour Code 2019 (art. 112) when no official calendar is loaded.
//! The Tết break follows how the Government has set it in recent years: five weekdays around
//! lunar new year, joined to the weekends on either side.

use super::{is_weekend, lunar, CalendarSource, NamedDay, YearCalendar};
use chrono::{Datelike, Days, NaiveDate, Weekday};

fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn next(d: NaiveDate) -> Option<NaiveDate> {
    d.checked_add_days(Days::new(1))
}

fn prev(d: NaiveDate) -> Option<NaiveDate> {
    d.checked_sub_days(Days::new(1))
}

/// The Tết break of lunar year `year`, weekends included.
fn tet_break(year: i32) -> Vec<NaiveDate> {
    let Some(ny) = lunar::new_year(year) else {
        return Vec::new();
    };
    // First weekday of the break: Monday of the new year's week when it falls early in the
    // week, otherwise two days before new year's day (2018, 2020, 2021, 2023, 2024 practice).
    let start = match ny.weekday() {
        Weekday::Mon | Weekday::Tue | Weekday::Wed => {
            ny.checked_sub_days(Days::new(u64::from(ny.weekday().num_days_from_monday())))
        }
        _ => ny.checked_sub_days(Days::new(2)),
    };
    let Some(mut d) = start else {
        return Vec::new();
    };
    let mut days = Vec::new();
    let mut weekdays = 0;
    while weekdays < 5 {
        if !is_weekend(d) {
            weekdays += 1;
        }
        days.push(d);
        let Some(n) = next(d) else { break };
        d = n;
    }
    // Join the weekend before a Monday start and after a Friday end.
    if let Some(first) = days.first().copied().filter(|f| f.weekday() == Weekday::Mon) {
        let before: Vec<NaiveDate> = [prev(first).and_then(prev), prev(first)].into_iter().flatten().collect();
        days.splice(0..0, before);
    }
    if let Some(last) = days.last().copied().filter(|l| l.weekday() == Weekday::Fri) {
        days.extend([next(last), next(last).and_then(next)].into_iter().flatten());
    }
    days
}

pub fn year_from_rules(year: i32) -> YearCalendar {
    let mut off: Vec<NamedDay> = Vec::new();
    let named = |d: NaiveDate, name: &str| NamedDay { date: d, name: name.to_owned() };

    // Tết of this solar year; a late-January new year can pull the break back into December
    // of the previous year, so the next lunar year is checked too.
    for ly in [year, year + 1] {
        for d in tet_break(ly).into_iter().filter(|d| d.year() == year) {
            off.push(named(d, "Tết Nguyên đán"));
        }
    }

    let mut single: Vec<NamedDay> = Vec::new();
    single.extend(day(year, 1, 1).map(|d| named(d, "Tết Dương lịch")));
    single.extend(lunar::to_solar(10, 3, year).map(|d| named(d, "Giỗ Tổ Hùng Vương")));
    single.extend(day(year, 4, 30).map(|d| named(d, "Ngày Chiến thắng")));
    single.extend(day(year, 5, 1).map(|d| named(d, "Ngày Quốc tế Lao động")));
    if let Some(sep2) = day(year, 9, 2) {
        single.push(named(sep2, "Quốc khánh"));
        // The extra National Day holiday: the day that makes the longer break with a weekend.
        let adjacent = if matches!(sep2.weekday(), Weekday::Mon | Weekday::Thu) { next(sep2) } else { prev(sep2) };
        single.extend(adjacent.map(|d| named(d, "Quốc khánh (ngày liền kề)")));
    }
    single.sort_by_key(|d| d.date);
    off.extend(single.iter().cloned());

    // A holiday on a weekend gives the next working day off (Labour Code art. 112.3).
    for h in single.iter().filter(|h| is_weekend(h.date)) {
        let mut d = h.date;
        while let Some(n) = next(d) {
            d = n;
            if !is_weekend(d) && !off.iter().any(|o| o.date == d) {
                off.push(named(d, &format!("Nghỉ bù {}", h.name)));
                break;
            }
        }
    }
    off.sort_by_key(|d| d.date);
    off.dedup_by_key(|d| d.date);
    off.retain(|d| d.date.year() == year);
    YearCalendar {
        year,
        source: CalendarSource::Rules,
        basis: "Bộ luật Lao động 2019, Điều 112; âm lịch tính theo múi giờ UTC+7".to_owned(),
        days_off: off,
        swap_workdays: Vec::new(),
    }
}
