//! A year's framework: pillars (trụ cột) of indicators (chỉ số), each with its most points.
//! It is data, not code (provinces adjust their frameworks every year), parsed and checked
//! once when a round is opened and stored with the round, so a later change of the file
//! never rescores a year already assessed.

use crate::measure::Measure;
use crate::points::Points;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The framework the demo province starts with (verify against the province's own decision).
pub const DEFAULT: &str = include_str!("framework-default.json");

/// Which ranking a unit takes part in: the province's departments, or its communes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitGroup {
    /// Sở, ban, ngành.
    Department,
    /// UBND xã, phường, đặc khu.
    Commune,
}

impl UnitGroup {
    pub const ALL: [UnitGroup; 2] = [Self::Department, Self::Commune];

    pub fn key(self) -> &'static str {
        match self {
            Self::Department => "department",
            Self::Commune => "commune",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.key() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Department => "Sở, ban, ngành",
            Self::Commune => "Xã, phường, đặc khu",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Department => "Departments",
            Self::Commune => "Communes and wards",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub key: String,
    pub name_vi: String,
    pub name_en: String,
    /// Whole points.
    pub max: u32,
    /// What counts as evidence, said to the unit filling it in.
    #[serde(default)]
    pub guide_vi: String,
    #[serde(default)]
    pub guide_en: String,
    /// Measured by the platform rather than self-assessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
}

impl Indicator {
    pub fn max_points(&self) -> Points {
        Points::whole(self.max)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pillar {
    pub key: String,
    pub name_vi: String,
    pub name_en: String,
    pub max: u32,
    pub indicators: Vec<Indicator>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    pub name_vi: String,
    pub name_en: String,
    pub pillars: Vec<Pillar>,
}

/// The most points a framework may give (the national DTI's scale).
pub const TOTAL: u32 = 1000;

impl Framework {
    /// Parses and checks a framework: keys unique and made of digits and dots, names given,
    /// each pillar's points the sum of its indicators', the whole worth [`TOTAL`].
    pub fn parse(json: &str) -> Result<Framework, String> {
        let f: Framework = serde_json::from_str(json).map_err(|e| format!("khung chỉ số không đọc được: {e}"))?;
        f.check()?;
        Ok(f)
    }

    fn check(&self) -> Result<(), String> {
        let mut keys = HashSet::new();
        let good_key = |k: &str| !k.is_empty() && k.len() <= 12 && k.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        if self.pillars.is_empty() {
            return Err("khung chỉ số không có trụ cột nào".into());
        }
        for p in &self.pillars {
            for (key, vi, en) in std::iter::once((&p.key, &p.name_vi, &p.name_en))
                .chain(p.indicators.iter().map(|i| (&i.key, &i.name_vi, &i.name_en)))
            {
                if !good_key(key) || !keys.insert(key.clone()) {
                    return Err(format!("mã \"{key}\" không hợp lệ hoặc bị trùng"));
                }
                if vi.trim().is_empty() || en.trim().is_empty() {
                    return Err(format!("mục {key} thiếu tên"));
                }
            }
            if p.indicators.is_empty() || p.indicators.iter().any(|i| i.max == 0) {
                return Err(format!("trụ cột {} cần chỉ số, mỗi chỉ số có điểm tối đa lớn hơn 0", p.key));
            }
            let sum: u32 = p.indicators.iter().map(|i| i.max).sum();
            if sum != p.max {
                return Err(format!("trụ cột {}: tổng điểm các chỉ số là {sum}, không bằng {}", p.key, p.max));
            }
            for i in &p.indicators {
                if let Some(m) = &i.measure {
                    m.check().map_err(|e| format!("chỉ số {}: {e}", i.key))?;
                }
            }
        }
        let total: u32 = self.pillars.iter().map(|p| p.max).sum();
        if total != TOTAL {
            return Err(format!("tổng điểm của khung là {total}, không bằng {TOTAL}"));
        }
        Ok(())
    }

    pub fn indicators(&self) -> impl Iterator<Item = &Indicator> {
        self.pillars.iter().flat_map(|p| p.indicators.iter())
    }

    pub fn indicator(&self, key: &str) -> Option<&Indicator> {
        self.indicators().find(|i| i.key == key)
    }

    /// The framework as stored with a round (compact JSON) and its digest (the ledger's).
    pub fn stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_framework_adds_up_to_a_thousand() {
        let f = Framework::parse(DEFAULT).expect("default");
        assert_eq!(f.pillars.len(), 8);
        assert_eq!(f.pillars.iter().map(|p| p.max).sum::<u32>(), TOTAL);
        assert!(f.indicators().any(|i| i.measure.is_some()), "some indicators are measured");
        assert_eq!(Framework::parse(&f.stored()).expect("round trip"), f);
    }

    #[test]
    fn a_framework_that_does_not_add_up_is_refused() {
        let mut f = Framework::parse(DEFAULT).expect("default");
        f.pillars[0].indicators[0].max += 1;
        assert!(Framework::parse(&f.stored()).unwrap_err().contains("tổng điểm các chỉ số"));
        f.pillars[0].max += 1;
        assert!(Framework::parse(&f.stored()).unwrap_err().contains("tổng điểm của khung"));
        let mut g = Framework::parse(DEFAULT).expect("default");
        g.pillars[1].indicators[0].key = g.pillars[0].indicators[0].key.clone();
        assert!(Framework::parse(&g.stored()).unwrap_err().contains("bị trùng"));
        let mut h = Framework::parse(DEFAULT).expect("default");
        h.pillars[2].indicators[0].name_vi = " ".into();
        assert!(Framework::parse(&h.stored()).unwrap_err().contains("thiếu tên"));
        assert!(Framework::parse("{\"name_vi\":\"x\",\"name_en\":\"x\",\"pillars\":[],\"extra\":1}").is_err());
        assert!(Framework::parse("{\"name_vi\":\"x\",\"name_en\":\"x\",\"pillars\":[]}").is_err());
    }
}
