//! The province model: units of the two-tier local government and the agencies in them.

use crate::ids::AgencyCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The day the two-tier local government took effect.
pub fn reform_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or_default()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DivisionType {
    Commune,
    Ward,
    SpecialZone,
}

impl DivisionType {
    /// Reads the national list's labels ("xã", "phường", "đặc khu").
    pub fn from_label(s: &str) -> Option<Self> {
        match s {
            "xã" => Some(Self::Commune),
            "phường" => Some(Self::Ward),
            "đặc khu" => Some(Self::SpecialZone),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::Commune => "commune",
            Self::Ward => "ward",
            Self::SpecialZone => "special_zone",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Commune, Self::Ward, Self::SpecialZone].into_iter().find(|d| d.key() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Commune => "xã",
            Self::Ward => "phường",
            Self::SpecialZone => "đặc khu",
        }
    }
}

/// A commune, ward or special zone, valid over a period. A later change closes the period
/// (`valid_to`) and adds a new row; history is never rewritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Unit {
    /// Code in the national statistics list.
    pub code: u32,
    pub name: String,
    pub division_type: DivisionType,
    pub province_code: u32,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

impl Unit {
    pub fn valid_on(&self, d: NaiveDate) -> bool {
        self.valid_from <= d && self.valid_to.is_none_or(|to| d < to)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Province {
    pub code: u32,
    pub name: String,
    /// "tỉnh" or "thành phố trung ương".
    pub division_type: String,
    /// Prefix of the province's agency identifier codes (e.g. `H59`).
    pub agency_code_suffix: String,
}

impl Province {
    /// "UBND TỈNH TUYÊN QUANG": the superior body above a department's name on its documents.
    pub fn committee_heading(&self) -> String {
        format!("UBND {} {}", self.division_type, self.name).to_uppercase()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgencyLevel {
    Province,
    Commune,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// UBND tỉnh or UBND xã.
    PeoplesCommittee,
    /// A provincial department (Sở) or a body treated as one.
    Department,
    /// Trung tâm Phục vụ hành chính công: receives and returns, decides nothing.
    ServiceCentre,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agency {
    pub code: AgencyCode,
    pub name: String,
    pub level: AgencyLevel,
    pub kind: AgencyKind,
    pub parent: Option<AgencyCode>,
    /// The commune a commune-level agency serves.
    pub unit_code: Option<u32>,
}

impl Agency {
    /// Every service centre and commune desk receives any procedure (Decree 118/2025).
    pub fn receives_dossiers(&self) -> bool {
        matches!(self.kind, AgencyKind::ServiceCentre) || self.level == AgencyLevel::Commune
    }

    /// A department or a commune's people's committee: the units that decide dossiers, ranked
    /// by the Decision 766 index and assessed by the digital-transformation index (service
    /// centres decide nothing; the province's committee steers them).
    pub fn is_ranked_unit(&self) -> bool {
        self.kind == AgencyKind::Department
            || (self.kind == AgencyKind::PeoplesCommittee && self.level == AgencyLevel::Commune)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_period_is_half_open() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let u = Unit {
            code: 1,
            name: "Xã A".into(),
            division_type: DivisionType::Commune,
            province_code: 8,
            valid_from: d(1, 1),
            valid_to: Some(d(6, 1)),
        };
        assert!(u.valid_on(d(1, 1)) && u.valid_on(d(5, 31)));
        assert!(!u.valid_on(d(6, 1)));
    }
}
