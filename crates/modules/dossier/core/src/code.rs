//! Dossier codes: `{receiving agency unit code}-{yymmdd}-{4-digit daily sequence}`.

use chrono::NaiveDate;
use tinhso_kernel::ids::{AgencyCode, DossierCode};

/// The code of the `seq`-th dossier (from 1) received by `agency` on `day`.
pub fn dossier_code(agency: &AgencyCode, day: NaiveDate, seq: u32) -> Option<DossierCode> {
    DossierCode::new(agency, day, seq)
}

/// Splits a dossier code into agency, day and sequence; `None` if it has another shape.
pub fn parse(code: &str) -> Option<(AgencyCode, NaiveDate, u32)> {
    let mut parts = code.rsplitn(3, '-');
    let seq = parts.next()?;
    let day = parts.next()?;
    let agency = parts.next()?;
    if seq.len() != 4 || day.len() != 6 {
        return None;
    }
    let seq: u32 = seq.parse().ok().filter(|s| *s >= 1)?;
    let day = NaiveDate::parse_from_str(&format!("20{day}"), "%Y%m%d").ok()?;
    Some((AgencyCode::parse("code", agency).ok()?, day, seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_and_parse() {
        let a = AgencyCode::parse("a", "H15.50.05.13").unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 10, 8).unwrap();
        let code = dossier_code(&a, d, 975).unwrap();
        assert_eq!(code.as_str(), "H15.50.05.13-261008-0975");
        assert_eq!(parse(code.as_str()), Some((a.clone(), d, 975)));
        assert!(dossier_code(&a, d, 0).is_none() && dossier_code(&a, d, 10_000).is_none());
        assert!(parse("H15-2610-0001").is_none() && parse("x").is_none() && parse("H15-261008-0000").is_none());
    }
}
