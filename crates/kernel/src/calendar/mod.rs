//! Working days: weekends off, public holidays off, official swap Saturdays worked.
//! Years come from official data when the province has it, otherwise from the rules.

pub mod lunar;
mod rules;

use crate::error::FieldError;
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

pub use rules::year_from_rules;

/// Vietnam's civil time is UTC+7 all year (no daylight saving).
const UTC_OFFSET: chrono::TimeDelta = chrono::TimeDelta::hours(7);

/// The date an instant belongs to in Vietnam, the one every deadline counts from.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    local_time(at).date()
}

/// The wall-clock time of an instant in Vietnam, the one people read on a page or a paper.
pub fn local_time(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc() + UTC_OFFSET
}

/// The instant a wall-clock time in Vietnam names.
pub fn from_local(t: NaiveDateTime) -> DateTime<Utc> {
    (t - UTC_OFFSET).and_utc()
}

/// The instant a day begins in Vietnam (its 00:00), where a period of local days starts.
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    from_local(day.and_time(NaiveTime::MIN))
}

/// Where a year's days off come from; shown to people so an estimate is never mistaken for law.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalendarSource {
    /// Published by the Government / Ministry of Home Affairs for civil servants.
    Official,
    /// Computed from the Labour Code rules and the lunar calendar.
    Rules,
    /// Edited by a province admin.
    Edited,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedDay {
    pub date: NaiveDate,
    pub name: String,
}

/// One year's exceptions to the Monday-to-Friday week. This is the shape of the data files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearCalendar {
    pub year: i32,
    pub source: CalendarSource,
    #[serde(default)]
    pub basis: String,
    pub days_off: Vec<NamedDay>,
    #[serde(default)]
    pub swap_workdays: Vec<NamedDay>,
}

impl YearCalendar {
    /// Checks that every date lies in the year, that swap days are weekend days, and that no
    /// holiday of the Labour Code is a working day (an edit that emptied the list by mistake
    /// would otherwise move every deadline of the year).
    pub fn validate(&self) -> Result<(), FieldError> {
        let wrong_year = self.days_off.iter().chain(&self.swap_workdays).find(|d| d.date.year() != self.year);
        if let Some(d) = wrong_year {
            return Err(FieldError::new(
                "days_off",
                "calendar_wrong_year",
                format!("Ngày {} không thuộc năm {}", d.date.format("%d/%m/%Y"), self.year),
                format!("{} is not in {}", d.date, self.year),
            ));
        }
        if let Some(d) = self.swap_workdays.iter().find(|d| !is_weekend(d.date)) {
            return Err(FieldError::new(
                "swap_workdays",
                "calendar_swap_not_weekend",
                format!("Ngày làm bù {} phải là thứ Bảy hoặc Chủ nhật", d.date.format("%d/%m/%Y")),
                format!("swap working day {} must be a Saturday or Sunday", d.date),
            ));
        }
        let off: HashSet<NaiveDate> = self.days_off.iter().map(|d| d.date).collect();
        let swap: HashSet<NaiveDate> = self.swap_workdays.iter().map(|d| d.date).collect();
        let worked: Vec<(NaiveDate, &str, &str)> = statutory_holidays(self.year)
            .into_iter()
            .filter(|(d, ..)| swap.contains(d) || !(is_weekend(*d) || off.contains(d)))
            .collect();
        if !worked.is_empty() {
            let list = |en: bool| {
                let days = worked.iter().map(|(d, vi, e)| {
                    if en {
                        format!("{d} ({e})")
                    } else {
                        format!("{} ({vi})", d.format("%d/%m/%Y"))
                    }
                });
                days.collect::<Vec<_>>().join(", ")
            };
            return Err(FieldError::new(
                "days_off",
                "calendar_holiday_worked",
                format!(
                    "Ngày nghỉ lễ theo Bộ luật Lao động (Điều 112) không thể là ngày làm việc: {}. Thêm vào danh sách ngày nghỉ (và bỏ khỏi ngày làm bù).",
                    list(false)
                ),
                format!(
                    "Holidays of the Labour Code (article 112) cannot be working days: {}. Add them to the days off (and remove them from the make-up days).",
                    list(true)
                ),
            ));
        }
        Ok(())
    }
}

/// The Labour Code's fixed holidays (2019, article 112) that fall in `year`: New Year's Day,
/// lunar new year's day, the Hùng Kings' day, 30 April, 1 May and 2 September. The Tết break
/// around lunar new year and the days joined to them are set each year, so not checked here.
fn statutory_holidays(year: i32) -> Vec<(NaiveDate, &'static str, &'static str)> {
    let solar = |m, d| NaiveDate::from_ymd_opt(year, m, d);
    [
        (solar(1, 1), "Tết Dương lịch", "New Year's Day"),
        (lunar::new_year(year), "mùng 1 Tết Nguyên đán", "Lunar New Year's Day"),
        (lunar::to_solar(10, 3, year), "Giỗ Tổ Hùng Vương", "Hùng Kings' Day"),
        (solar(4, 30), "Ngày Chiến thắng", "Reunification Day"),
        (solar(5, 1), "Ngày Quốc tế Lao động", "International Labour Day"),
        (solar(9, 2), "Quốc khánh", "National Day"),
    ]
    .into_iter()
    .filter_map(|(d, vi, en)| d.filter(|d| d.year() == year).map(|d| (d, vi, en)))
    .collect()
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Monday-to-Friday days in `(a, b]` (`a <= b`): five in each whole week, then the rest.
fn weekdays_between(a: NaiveDate, b: NaiveDate) -> i64 {
    let weeks = (b - a).num_days() / 7;
    let rest = (a + chrono::Duration::days(7 * weeks)).iter_days().skip(1).take_while(|d| *d <= b);
    5 * weeks + rest.filter(|d| !is_weekend(*d)).count() as i64
}

/// Years covered by the rules when no data is given; outside it only weekends are off.
const RULE_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// The working-day calendar of a province.
#[derive(Debug, Clone)]
pub struct WorkingCalendar {
    years: BTreeMap<i32, YearCalendar>,
    off: HashMap<NaiveDate, usize>,
    swap: HashSet<NaiveDate>,
    /// The exceptions to "Monday to Friday", sorted, so that a count of working days over a
    /// long span (how late a dossier due two years ago is) costs two binary searches, not a
    /// walk over its days: weekdays off, and weekend days worked.
    weekdays_off: Vec<NaiveDate>,
    weekends_worked: Vec<NaiveDate>,
}

impl WorkingCalendar {
    /// Rules for every year, overridden by the given years (official data or admin edits).
    pub fn new(overrides: impl IntoIterator<Item = YearCalendar>) -> Self {
        let mut years: BTreeMap<i32, YearCalendar> = RULE_YEARS.map(|y| (y, year_from_rules(y))).collect();
        for y in overrides {
            years.insert(y.year, y);
        }
        let mut cal = Self {
            years,
            off: HashMap::new(),
            swap: HashSet::new(),
            weekdays_off: Vec::new(),
            weekends_worked: Vec::new(),
        };
        cal.reindex();
        cal
    }

    fn reindex(&mut self) {
        self.off.clear();
        self.swap.clear();
        for y in self.years.values() {
            for (i, d) in y.days_off.iter().enumerate() {
                self.off.insert(d.date, i);
            }
            self.swap.extend(y.swap_workdays.iter().map(|d| d.date));
        }
        self.weekdays_off = self.off.keys().filter(|d| !is_weekend(**d) && !self.swap.contains(d)).copied().collect();
        self.weekdays_off.sort_unstable();
        self.weekends_worked = self.swap.iter().filter(|d| is_weekend(**d)).copied().collect();
        self.weekends_worked.sort_unstable();
    }

    /// Replaces one year (an admin's edit).
    pub fn set_year(&mut self, year: YearCalendar) {
        self.years.insert(year.year, year);
        self.reindex();
    }

    pub fn year(&self, year: i32) -> YearCalendar {
        self.years.get(&year).cloned().unwrap_or_else(|| YearCalendar {
            year,
            source: CalendarSource::Rules,
            basis: String::new(),
            days_off: Vec::new(),
            swap_workdays: Vec::new(),
        })
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.swap.contains(&d) {
            return true;
        }
        !is_weekend(d) && !self.off.contains_key(&d)
    }

    /// The date `n` working days after `received`: counting starts the next working day
    /// after receipt, so `n = 1` is the first working day after it. `n = 0` is the receipt day.
    pub fn due_date(&self, received: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut d = received;
        let mut left = n;
        while left > 0 {
            d = d.checked_add_days(Days::new(1))?;
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        Some(d)
    }

    /// Working days in `(from, to]`: how far a date lies past another, in the calendar's terms.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let (a, b, sign) = if from <= to { (from, to, 1) } else { (to, from, -1) };
        let within =
            |days: &[NaiveDate]| (days.partition_point(|d| *d <= b) - days.partition_point(|d| *d <= a)) as i64;
        sign * (weekdays_between(a, b) - within(&self.weekdays_off) + within(&self.weekends_worked))
    }
}

#[cfg(test)]
mod tests;
