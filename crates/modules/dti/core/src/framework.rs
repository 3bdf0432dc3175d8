//! A year's framework: pillars (trụ cột) of indicators (chỉ số), each with its most points;
//! one for every unit, or one for each group ([`Frameworks`]).
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

/// A year's frameworks: one every unit is scored on, or one for the departments and another
/// for the communes (provinces often score them on different indicators). The file is either a
/// framework, or `{"department": <framework>, "commune": <framework>}`.
#[derive(Debug, Clone, PartialEq)]
pub enum Frameworks {
    Shared(Framework),
    ByGroup { department: Framework, commune: Framework },
}

impl Frameworks {
    /// Parses and checks the file; a mistake in a group's framework names the group.
    pub fn parse(json: &str) -> Result<Frameworks, String> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| format!("khung chỉ số không đọc được: {e}"))?;
        let Some(object) = value.as_object() else {
            return Err("khung chỉ số phải là một đối tượng JSON".into());
        };
        if object.contains_key("pillars") {
            return Framework::parse(json).map(Frameworks::Shared);
        }
        let keys: Vec<&str> = object.keys().map(String::as_str).collect();
        if keys.len() != 2 || !UnitGroup::ALL.iter().all(|g| object.contains_key(g.key())) {
            return Err(format!(
                "khung chỉ số cần \"pillars\" (một khung cho mọi đơn vị) hoặc đúng hai khung \"department\" và \"commune\", không phải {keys:?}"
            ));
        }
        let group = |g: UnitGroup| {
            Framework::parse(&object[g.key()].to_string()).map_err(|e| format!("khung của khối {}: {e}", g.label_vi()))
        };
        Ok(Frameworks::ByGroup { department: group(UnitGroup::Department)?, commune: group(UnitGroup::Commune)? })
    }

    /// The framework `group`'s units are scored on.
    pub fn of(&self, group: UnitGroup) -> &Framework {
        match (self, group) {
            (Self::Shared(f), _) => f,
            (Self::ByGroup { department, .. }, UnitGroup::Department) => department,
            (Self::ByGroup { commune, .. }, UnitGroup::Commune) => commune,
        }
    }

    /// The one framework, when every unit shares it.
    pub fn shared(&self) -> Option<&Framework> {
        match self {
            Self::Shared(f) => Some(f),
            Self::ByGroup { .. } => None,
        }
    }

    /// Its name as a decision cites it: the one, or the two joined.
    pub fn name(&self, en: bool) -> String {
        let name = |f: &Framework| if en { f.name_en.clone() } else { f.name_vi.clone() };
        match self {
            Self::Shared(f) => name(f),
            Self::ByGroup { department, commune } => {
                format!("{} {} {}", name(department), if en { "and" } else { "và" }, name(commune))
            }
        }
    }

    /// As stored with a round (compact JSON).
    pub fn stored(&self) -> String {
        match self {
            Self::Shared(f) => f.stored(),
            Self::ByGroup { department, commune } => {
                serde_json::json!({ "department": department, "commune": commune }).to_string()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frameworks_are_one_for_all_or_one_a_group() {
        let shared = Frameworks::parse(DEFAULT).expect("default");
        assert_eq!(shared.of(UnitGroup::Commune), shared.of(UnitGroup::Department));
        assert_eq!(Frameworks::parse(&shared.stored()).expect("round trip"), shared);
        let dept = Framework::parse(DEFAULT).expect("default");
        let mut commune = dept.clone();
        commune.name_vi = "Bộ chỉ số cấp xã".into();
        commune.pillars.swap(0, 1);
        let text = serde_json::json!({ "department": dept, "commune": commune }).to_string();
        let by_group = Frameworks::parse(&text).expect("two frameworks");
        assert_eq!(by_group.of(UnitGroup::Commune).name_vi, "Bộ chỉ số cấp xã");
        assert_eq!(by_group.of(UnitGroup::Department), &dept);
        assert!(by_group.shared().is_none());
        assert!(by_group.name(false).ends_with(" và Bộ chỉ số cấp xã"), "{}", by_group.name(false));
        assert_eq!(Frameworks::parse(&by_group.stored()).expect("round trip"), by_group);
        // A mistake names its group; a missing or extra group is refused.
        commune.pillars[0].max += 1;
        let bad = serde_json::json!({ "department": dept, "commune": commune }).to_string();
        let e = Frameworks::parse(&bad).unwrap_err();
        assert!(e.starts_with("khung của khối Xã, phường, đặc khu: ") && e.contains("tổng điểm"), "{e}");
        let one = serde_json::json!({ "department": dept }).to_string();
        assert!(Frameworks::parse(&one).unwrap_err().contains("\"department\" và \"commune\""));
        let three = serde_json::json!({ "department": dept, "commune": dept, "ward": dept }).to_string();
        assert!(Frameworks::parse(&three).is_err());
        assert!(Frameworks::parse("[]").unwrap_err().contains("đối tượng"));
    }

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
