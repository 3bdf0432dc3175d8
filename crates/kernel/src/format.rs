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
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
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

#[cfg(test)]
mod tests {
    #[test]
    fn thousands() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(135000), "135.000");
        assert_eq!(super::thousands(1234567), "1.234.567");
    }
}
