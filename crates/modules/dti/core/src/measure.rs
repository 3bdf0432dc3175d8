//! Indicators the platform measures itself from the unit's own dossiers over the year, so a
//! unit never grades the service it gives: the Decision 766 index, the online share of the
//! dossiers it received, the share it settled on time. Points follow the 766 convention:
//! full points from `full_at`, in proportion below it, and full points when nothing
//! happened to measure (a unit with no dossier is not marked down for it).

use crate::points::Points;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Measure {
    /// The unit's Decision 766 index over the year, out of 100.
    Index766,
    /// Dossiers received online ÷ dossiers received.
    Online { full_at: f64 },
    /// Dossiers settled on time ÷ dossiers settled.
    OnTime { full_at: f64 },
}

impl Measure {
    pub(crate) fn check(&self) -> Result<(), String> {
        match self {
            Self::Index766 => Ok(()),
            Self::Online { full_at } | Self::OnTime { full_at } => {
                if *full_at > 0.0 && *full_at <= 1.0 {
                    Ok(())
                } else {
                    Err("full_at phải lớn hơn 0 và không quá 1".into())
                }
            }
        }
    }

    fn full_at(&self) -> f64 {
        match self {
            Self::Index766 => 1.0,
            Self::Online { full_at } | Self::OnTime { full_at } => *full_at,
        }
    }

    pub fn label_vi(&self) -> &'static str {
        match self {
            Self::Index766 => "Chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766) của đơn vị trong năm",
            Self::Online { .. } => "Tỷ lệ hồ sơ tiếp nhận trực tuyến của đơn vị trong năm",
            Self::OnTime { .. } => "Tỷ lệ hồ sơ giải quyết đúng hạn của đơn vị trong năm",
        }
    }

    pub fn label_en(&self) -> &'static str {
        match self {
            Self::Index766 => "The unit's Decision 766 service index over the year",
            Self::Online { .. } => "Share of the unit's dossiers received online over the year",
            Self::OnTime { .. } => "Share of the unit's dossiers settled on time over the year",
        }
    }
}

/// What the platform read for one measured indicator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// The rate (0..=1), or `None` when nothing happened to measure.
    pub rate: Option<f64>,
    /// How many dossiers it is over (0 for the 766 index, which has its own inputs).
    pub over: i64,
}

/// The points a reading earns on an indicator worth `max`, rounded half up to hundredths.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "share is in [0, 1], so the product lies in 0..=max"
)]
pub fn points(m: &Measure, max: Points, reading: Reading) -> Points {
    let Some(rate) = reading.rate.filter(|r| r.is_finite()) else { return max };
    let share = (rate.clamp(0.0, 1.0) / m.full_at()).min(1.0);
    let earned = (f64::from(max.0) * share + 0.5).floor();
    Points((earned as u32).min(max.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn measured_points_follow_the_766_convention() {
        let online = Measure::Online { full_at: 0.5 };
        let max = Points::whole(50);
        assert_eq!(points(&online, max, Reading { rate: Some(0.25), over: 8 }), Points::whole(25));
        assert_eq!(points(&online, max, Reading { rate: Some(0.8), over: 10 }), max, "full from full_at");
        assert_eq!(points(&online, max, Reading { rate: None, over: 0 }), max, "nothing to measure");
        assert_eq!(
            points(&Measure::Index766, Points::whole(60), Reading { rate: Some(0.8734), over: 0 }),
            Points(5240)
        );
        assert_eq!(
            points(&Measure::OnTime { full_at: 1.0 }, Points::whole(40), Reading { rate: Some(0.0), over: 3 }),
            Points::ZERO
        );
        assert!(Measure::Online { full_at: 0.0 }.check().is_err());
        assert!(Measure::OnTime { full_at: 1.5 }.check().is_err());
    }

    proptest! {
        #[test]
        fn measured_points_never_pass_the_indicator(rate in -1.0f64..2.0, full in 0.01f64..=1.0, max in 0u32..100_000) {
            let p = points(&Measure::Online { full_at: full }, Points(max), Reading { rate: Some(rate), over: 1 });
            prop_assert!(p.0 <= max);
            let q = points(&Measure::Online { full_at: full }, Points(max), Reading { rate: Some((rate + 0.05).min(1.0)), over: 1 });
            prop_assert!(q >= p, "more of the rate never earns less");
        }
    }
}
