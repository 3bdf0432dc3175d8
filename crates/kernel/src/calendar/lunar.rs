//! The Vietnamese lunisolar calendar, computed astronomically for UTC+7
//! (Hồ Ngọc Đức's algorithm: mean new moons with periodic terms, sun longitude by sector).
//! Good to the day for 1900-2100, which is all a working-day calendar needs.

// Julian day numbers and new-moon indices (millions at most) floored from the formulas' f64:
// far inside i64, so the float-to-integer casts below cannot truncate.
#![allow(clippy::cast_possible_truncation)]

use chrono::NaiveDate;
use std::f64::consts::PI;

const TIME_ZONE: f64 = 7.0;
/// Julian day number of 0001-01-01 minus one, to convert chrono's day count.
const JDN_OFFSET: i64 = 1_721_425;

fn jdn(d: NaiveDate) -> i64 {
    i64::from(chrono::Datelike::num_days_from_ce(&d)) + JDN_OFFSET
}

fn from_jdn(j: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(j - JDN_OFFSET).ok()?)
}

/// Julian day (local) of the k-th new moon after 1900-01-01.
fn new_moon_day(k: i64) -> i64 {
    let k = k as f64;
    let t = k / 1236.85;
    let (t2, t3) = (t * t, t * t * t);
    let dr = PI / 180.0;
    let mut jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3;
    jd1 += 0.00033 * ((166.56 + 132.87 * t - 0.009173 * t2) * dr).sin();
    let m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3;
    let mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3;
    let f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3;
    let mut c1 = (0.1734 - 0.000393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 = c1 - 0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let delta_t = if t < -11.0 {
        0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    } else {
        -0.000278 + 0.000265 * t + 0.000262 * t2
    };
    (jd1 + c1 - delta_t + 0.5 + TIME_ZONE / 24.0).floor() as i64
}

/// The sun's longitude at local midnight of day `jdn`, as one of 12 sectors of 30 degrees.
fn sun_sector(jdn: i64) -> i64 {
    let t = (jdn as f64 - 2451545.5 - TIME_ZONE / 24.0) / 36525.0;
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2;
    let l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
    let dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * (dr * m).sin()
        + (0.019993 - 0.000101 * t) * (dr * 2.0 * m).sin()
        + 0.000290 * (dr * 3.0 * m).sin();
    let mut l = (l0 + dl) * dr;
    l -= 2.0 * PI * (l / (2.0 * PI)).floor();
    (l / PI * 6.0).floor() as i64
}

/// First day of the 11th lunar month (the one holding the winter solstice) of solar year `year`.
fn lunar_month_11(year: i32) -> Option<i64> {
    let off = jdn(NaiveDate::from_ymd_opt(year, 12, 31)?) - 2415021;
    let k = (off as f64 / 29.530588853).floor() as i64;
    let nm = new_moon_day(k);
    Some(if sun_sector(nm) >= 9 { new_moon_day(k - 1) } else { nm })
}

/// Index of the leap month after month 11 starting at `a11`.
fn leap_month_offset(a11: i64) -> i64 {
    let k = ((a11 as f64 - 2415021.076998695) / 29.530588853 + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_sector(new_moon_day(k + i));
    loop {
        let last = arc;
        i += 1;
        arc = sun_sector(new_moon_day(k + i));
        if arc == last || i >= 14 {
            break;
        }
    }
    i - 1
}

/// The solar date of lunar `day`/`month` in lunar year `year` (non-leap month).
pub fn to_solar(day: u32, month: u32, year: i32) -> Option<NaiveDate> {
    let (a11, b11) = if month < 11 {
        (lunar_month_11(year - 1)?, lunar_month_11(year)?)
    } else {
        (lunar_month_11(year)?, lunar_month_11(year + 1)?)
    };
    let k = (0.5 + (a11 as f64 - 2415021.076998695) / 29.530588853).floor() as i64;
    let mut off = i64::from(month) - 11;
    if off < 0 {
        off += 12;
    }
    if b11 - a11 > 365 && off >= leap_month_offset(a11) {
        off += 1;
    }
    from_jdn(new_moon_day(k + off) + i64::from(day) - 1)
}

/// Lunar new year's day (mùng 1 Tết) of lunar year `year`.
pub fn new_year(year: i32) -> Option<NaiveDate> {
    to_solar(1, 1, year)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn lunar_new_years_match_published_dates() {
        assert_eq!(new_year(2024), d(2024, 2, 10));
        assert_eq!(new_year(2025), d(2025, 1, 29));
        assert_eq!(new_year(2026), d(2026, 2, 17));
        assert_eq!(new_year(2027), d(2027, 2, 6));
        assert_eq!(new_year(2028), d(2028, 1, 26));
        // 2007 and 1985 are the classic cases where UTC+7 and UTC+8 calendars differ.
        assert_eq!(new_year(2007), d(2007, 2, 17));
        assert_eq!(new_year(1985), d(1985, 1, 21));
    }

    #[test]
    fn hung_kings_day() {
        assert_eq!(to_solar(10, 3, 2024), d(2024, 4, 18));
        assert_eq!(to_solar(10, 3, 2025), d(2025, 4, 7));
        assert_eq!(to_solar(10, 3, 2026), d(2026, 4, 26));
    }
}
