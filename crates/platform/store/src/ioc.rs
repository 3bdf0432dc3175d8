//! The operations centre's storage vocabulary (module: ioc): the day and month buckets its
//! aggregates are kept in and the ranges a period reads, typed rows of stored totals, and the
//! figures an admin enters by hand.

use crate::{admin, Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use tinhso_ioc::Measure;
use tinhso_kernel::ids::AgencyCode;

/// Aggregate buckets: days, and months kept alongside so that long periods sum few rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grain {
    Day,
    Month,
}

impl Grain {
    pub fn key(self) -> &'static str {
        match self {
            Self::Day => "d",
            Self::Month => "m",
        }
    }

    pub fn bucket(self, day: NaiveDate) -> String {
        match self {
            Self::Day => day.format("%Y-%m-%d").to_string(),
            Self::Month => day.format("%Y-%m").to_string(),
        }
    }
}

/// The buckets that cover `[from, to]`: whole months as one month range, the rest as day
/// ranges. Each range is inclusive, as bucket strings.
pub fn period_ranges(from: NaiveDate, to: NaiveDate) -> Vec<(Grain, String, String)> {
    use chrono::Datelike;
    let mut out = Vec::new();
    if from > to {
        return out;
    }
    let first_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let next_month = |d: NaiveDate| first_of(d).checked_add_months(chrono::Months::new(1));
    // The first whole month starts at `from` if it is the 1st, else the next month.
    let whole_start = if from.day() == 1 { Some(from) } else { next_month(from) };
    let last_of_to_month = next_month(to).and_then(|n| n.pred_opt());
    let whole_end = if Some(to) == last_of_to_month {
        Some(first_of(to))
    } else {
        first_of(to).checked_sub_months(chrono::Months::new(1))
    };
    match (whole_start, whole_end) {
        (Some(ws), Some(we)) if ws <= we => {
            if from < ws {
                out.push((Grain::Day, Grain::Day.bucket(from), Grain::Day.bucket(ws.pred_opt().unwrap_or(ws))));
            }
            out.push((Grain::Month, Grain::Month.bucket(ws), Grain::Month.bucket(we)));
            let after = we.checked_add_months(chrono::Months::new(1));
            if let Some(a) = after.filter(|a| *a <= to) {
                out.push((Grain::Day, Grain::Day.bucket(a), Grain::Day.bucket(to)));
            }
        }
        _ => out.push((Grain::Day, Grain::Day.bucket(from), Grain::Day.bucket(to))),
    }
    out
}

/// Typed monthly rows.
pub fn monthly_rows(rows: Vec<(String, String, i64)>) -> Result<Vec<(String, Measure, i64)>> {
    rows.into_iter()
        .map(|(month, m, v)| {
            let m = Measure::parse(&m).ok_or_else(|| StoreError::Corrupt(format!("unknown measure {m}")))?;
            Ok((month, m, v))
        })
        .collect()
}

/// Parses a stored (agency, measure) pair.
pub fn ioc_key(agency: &str, measure: &str) -> Result<(AgencyCode, Measure)> {
    let a = AgencyCode::parse("agency", agency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let m = Measure::parse(measure).ok_or_else(|| StoreError::Corrupt(format!("unknown measure {measure}")))?;
    Ok((a, m))
}

/// Stored totals rows as typed triples, summing rows that name the same pair.
pub fn ioc_rows(rows: Vec<(String, String, i64)>) -> Result<Vec<(AgencyCode, Measure, i64)>> {
    let mut sums: std::collections::BTreeMap<(AgencyCode, Measure), i64> = std::collections::BTreeMap::new();
    for (a, m, v) in rows {
        *sums.entry(ioc_key(&a, &m)?).or_default() += v;
    }
    Ok(sums.into_iter().map(|((a, m), v)| (a, m, v)).collect())
}

/// An admin's value for an indicator the platform cannot measure, for a unit (an agency
/// code or `province`), with evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct IocEntry {
    pub indicator: String,
    pub unit: String,
    pub rate: f64,
    pub evidence: String,
    pub entered_by: String,
    pub entered_at: DateTime<Utc>,
}

impl IocEntry {
    /// How the administrators' log records it.
    pub fn change(&self) -> admin::AdminChange {
        admin::AdminChange::IndicatorEntered {
            indicator: self.indicator.clone(),
            unit: self.unit.clone(),
            rate: self.rate.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn ranges(from: NaiveDate, to: NaiveDate) -> Vec<(&'static str, String, String)> {
        period_ranges(from, to).into_iter().map(|(g, a, b)| (g.key(), a, b)).collect()
    }

    #[test]
    fn periods_split_into_whole_months_and_edge_days() {
        let s = |x: &str| x.to_owned();
        assert_eq!(ranges(d(2025, 1, 1), d(2025, 12, 31)), vec![("m", s("2025-01"), s("2025-12"))]);
        assert_eq!(
            ranges(d(2025, 1, 15), d(2025, 4, 10)),
            vec![
                ("d", s("2025-01-15"), s("2025-01-31")),
                ("m", s("2025-02"), s("2025-03")),
                ("d", s("2025-04-01"), s("2025-04-10"))
            ]
        );
        assert_eq!(ranges(d(2025, 2, 3), d(2025, 2, 20)), vec![("d", s("2025-02-03"), s("2025-02-20"))]);
        assert_eq!(ranges(d(2024, 2, 1), d(2024, 2, 29)), vec![("m", s("2024-02"), s("2024-02"))]);
        assert_eq!(
            ranges(d(2025, 3, 31), d(2025, 4, 30)),
            vec![("d", s("2025-03-31"), s("2025-03-31")), ("m", s("2025-04"), s("2025-04"))]
        );
        assert!(ranges(d(2025, 3, 2), d(2025, 3, 1)).is_empty());
    }
}
