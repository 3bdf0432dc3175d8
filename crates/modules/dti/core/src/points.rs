//! Points as people write them (`12`, `12,5`, `12.25`), held as hundredths so that sums
//! are exact and shown the way they were entered.

use serde::{Deserialize, Serialize};

/// Points in hundredths: 12.5 points is `Points(1250)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Points(pub u32);

impl Points {
    pub const ZERO: Points = Points(0);

    /// Whole points.
    pub const fn whole(n: u32) -> Points {
        Points(n * 100)
    }

    /// Parses what a person typed: digits, then `,` or `.` and at most two decimals. A
    /// negative number, a third decimal, a thousands separator or anything else is `None`.
    pub fn parse(s: &str) -> Option<Points> {
        let s = s.trim();
        let (int, frac) = match s.find([',', '.']) {
            Some(i) => (&s[..i], &s[i + 1..]),
            None => (s, ""),
        };
        let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || int.len() > 6 || !digits(int) || frac.len() > 2 || !digits(frac) {
            return None;
        }
        if s.len() > int.len() && frac.is_empty() {
            return None;
        }
        let whole: u32 = int.parse().ok()?;
        let hundredths: u32 = match frac.len() {
            0 => 0,
            1 => frac.parse::<u32>().ok()? * 10,
            _ => frac.parse().ok()?,
        };
        whole.checked_mul(100)?.checked_add(hundredths).map(Points)
    }

    /// Vietnamese writing: `12,5`, `12,25`, `12` (the form's value reads back as typed).
    pub fn vi(self) -> String {
        self.with(',')
    }

    /// English writing: `12.5`.
    pub fn en(self) -> String {
        self.with('.')
    }

    fn with(self, sep: char) -> String {
        let (w, h) = (self.0 / 100, self.0 % 100);
        match h {
            0 => w.to_string(),
            h if h % 10 == 0 => format!("{w}{sep}{}", h / 10),
            h => format!("{w}{sep}{h:02}"),
        }
    }

    /// In the reader's writing: English or Vietnamese.
    pub fn shown(self, en: bool) -> String {
        if en {
            self.en()
        } else {
            self.vi()
        }
    }

    /// As a number, for JSON.
    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 100.0
    }
}

impl std::iter::Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        Points(iter.map(|p| p.0).fold(0u32, u32::saturating_add))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn points_are_read_as_people_write_them() {
        assert_eq!(Points::parse("12"), Some(Points(1200)));
        assert_eq!(Points::parse(" 12,5 "), Some(Points(1250)));
        assert_eq!(Points::parse("12.25"), Some(Points(1225)));
        assert_eq!(Points::parse("0,05"), Some(Points(5)));
        for bad in ["", "-1", "1,234", "12,", ",5", "1.2.3", "abc", "1e3", "1 000", "+3", "１２"] {
            assert_eq!(Points::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Points(1250).vi(), "12,5");
        assert_eq!(Points(1205).en(), "12.05");
        assert_eq!(Points(4000).vi(), "40");
    }

    proptest! {
        #[test]
        fn what_is_written_reads_back(h in 0u32..100_000_000) {
            prop_assert_eq!(Points::parse(&Points(h).vi()), Some(Points(h)));
            prop_assert_eq!(Points::parse(&Points(h).en()), Some(Points(h)));
        }
    }
}
