//! Vietnamese display conventions: "1.234.567", dates dd/mm/yyyy.

use chrono::{Datelike, NaiveDate, Weekday};

/// A count held as a float (an indicator's input), shown whole with thousands separators;
/// negative or non-finite values show as 0.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped to [0, u64::MAX] first; `as` saturates
pub fn count(x: f64) -> String {
    let x = if x.is_finite() { x.max(0.0).round() } else { 0.0 };
    thousands(x as u64)
}

pub fn thousands(n: u64) -> String {
    grouped(n, '.')
}

/// A whole number in groups of three: `'.'` between them in Vietnamese, `','` in English.
pub fn grouped(n: u64, separator: char) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// An amount of money in the page's language: "135.000 đồng", "135,000 VND".
pub fn money(vnd: u64, en: bool) -> String {
    if en {
        format!("{} VND", grouped(vnd, ','))
    } else {
        format!("{} đồng", thousands(vnd))
    }
}

pub fn date_vi(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

pub fn weekday_vi(d: NaiveDate) -> &'static str {
    match d.weekday() {
        Weekday::Mon => "Thứ Hai",
        Weekday::Tue => "Thứ Ba",
        Weekday::Wed => "Thứ Tư",
        Weekday::Thu => "Thứ Năm",
        Weekday::Fri => "Thứ Sáu",
        Weekday::Sat => "Thứ Bảy",
        Weekday::Sun => "Chủ nhật",
    }
}

/// Why a typed date is not one, in the person's words (Vietnamese, English).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateProblem {
    pub vi: String,
    pub en: String,
}

/// A date as people type it (dd/mm/yyyy, also d/m/yyyy and dd-mm-yyyy) or as links carry it
/// (YYYY-MM-DD). When it is not a date, says what is wrong: the shape, the month, or a day the
/// month does not have (31/02), rather than only "invalid".
pub fn parse_date(input: &str) -> Result<NaiveDate, DateProblem> {
    let s = input.trim();
    let problem = |vi: String, en: String| DateProblem { vi, en };
    let shape = || {
        problem(
            "nhập ngày dạng ngày/tháng/năm, ví dụ 05/03/2025".into(),
            "enter the date as day/month/year, e.g. 05/03/2025".into(),
        )
    };
    let parts: Vec<&str> = if s.contains('/') { s.split('/').collect() } else { s.split('-').collect() };
    let numbers: Option<Vec<u32>> = parts
        .iter()
        .map(|p| {
            (!p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit())).then(|| p.parse().ok()).flatten()
        })
        .collect();
    let (day, month, year) = match (numbers.as_deref(), parts.first().map(|p| p.len())) {
        (Some(&[y, m, d]), Some(4)) => (d, m, y),
        (Some(&[d, m, y]), _) if parts.get(2).is_some_and(|p| p.len() == 4) => (d, m, y),
        _ => return Err(shape()),
    };
    if !(1..=12).contains(&month) {
        return Err(problem(
            format!("tháng phải từ 1 đến 12 (đã nhập {month})"),
            format!("the month must be 1 to 12 (got {month})"),
        ));
    }
    if !(1900..=2100).contains(&year) {
        return Err(problem(
            format!("năm {year} không hợp lệ, nhập đủ 4 chữ số, ví dụ 2025"),
            format!("year {year} is not valid; enter four digits, e.g. 2025"),
        ));
    }
    let year = i32::try_from(year).map_err(|_| shape())?;
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        problem(format!("tháng {month}/{year} không có ngày {day}"), format!("{month}/{year} has no day {day}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_typed_and_what_is_wrong_with_them() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(parse_date("05/03/2025"), Ok(d(2025, 3, 5)));
        assert_eq!(parse_date(" 5/3/2025 "), Ok(d(2025, 3, 5)));
        assert_eq!(parse_date("05-03-2025"), Ok(d(2025, 3, 5)));
        assert_eq!(parse_date("2025-03-05"), Ok(d(2025, 3, 5)));
        assert_eq!(parse_date("29/02/2024"), Ok(d(2024, 2, 29)));
        assert_eq!(parse_date("31/02/2026").unwrap_err().vi, "tháng 2/2026 không có ngày 31");
        assert_eq!(parse_date("29/02/2025").unwrap_err().vi, "tháng 2/2025 không có ngày 29");
        assert_eq!(parse_date("05/13/2025").unwrap_err().vi, "tháng phải từ 1 đến 12 (đã nhập 13)");
        assert!(parse_date("05/03/25").unwrap_err().vi.starts_with("nhập ngày dạng"));
        assert!(parse_date("5 tháng 3").unwrap_err().vi.starts_with("nhập ngày dạng"));
        assert!(parse_date("").is_err());
        assert!(parse_date("05/03/0025").unwrap_err().vi.starts_with("năm 25 không hợp lệ"));
    }

    #[test]
    fn thousands() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(135000), "135.000");
        assert_eq!(super::thousands(1234567), "1.234.567");
        assert_eq!(super::grouped(1234567, ','), "1,234,567");
        assert_eq!(super::grouped(999, ','), "999");
        assert_eq!(super::grouped(1000, ','), "1,000");
        assert_eq!(super::money(1_500_000, false), "1.500.000 đồng");
        assert_eq!(super::money(1_500_000, true), "1,500,000 VND");
    }
}
