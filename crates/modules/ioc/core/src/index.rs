//! Decision 766's service index: 100 points in six groups, each indicator computed by its
//! rule from the totals and the catalogue, or entered by an admin with evidence when the
//! platform cannot measure it yet. Point splits and thresholds come from a data file.

use super::{Measure, Totals};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tinhso_catalogue::procedure::{OnlineLevel, Procedure};

/// The editable data file: groups, their indicators' points and the rate that earns full points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    #[serde(default)]
    pub basis: String,
    /// Dossiers a unit must have received in the period to be ranked: below it a unit's index
    /// rests on too little (an idle unit would otherwise rank on "not applicable" full points).
    #[serde(default = "default_min_dossiers")]
    pub min_dossiers: i64,
    pub groups: Vec<GroupWeights>,
}

fn default_min_dossiers() -> i64 {
    10
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupWeights {
    pub key: String,
    pub name: String,
    pub points: f64,
    pub indicators: Vec<IndicatorWeight>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorWeight {
    pub key: String,
    pub points: f64,
    /// The rate at or above which the indicator earns all its points (0.8 = 80%).
    pub full_at: f64,
}

pub const DEFAULT_WEIGHTS: &str = include_str!("weights-766.json");

impl Weights {
    /// Parses and checks a weights file: known indicators, each once, groups adding up.
    pub fn parse(json: &str) -> Result<Self, String> {
        let w: Weights = serde_json::from_str(json).map_err(|e| format!("tệp trọng số không hợp lệ: {e}"))?;
        let mut seen = Vec::new();
        for g in &w.groups {
            let sum: f64 = g.indicators.iter().map(|i| i.points).sum();
            if (sum - g.points).abs() > 1e-6 {
                return Err(format!("nhóm {}: tổng điểm các chỉ số {sum} khác điểm nhóm {}", g.key, g.points));
            }
            for i in &g.indicators {
                if definition(&i.key).is_none() {
                    return Err(format!("chỉ số {} không có trong Quyết định 766", i.key));
                }
                if !(i.full_at > 0.0 && i.full_at <= 1.0) || i.points < 0.0 {
                    return Err(format!("chỉ số {}: full_at trong (0, 1], điểm không âm", i.key));
                }
                if seen.contains(&i.key) {
                    return Err(format!("chỉ số {} xuất hiện hai lần", i.key));
                }
                seen.push(i.key.clone());
            }
        }
        let total: f64 = w.groups.iter().map(|g| g.points).sum();
        if (total - 100.0).abs() > 1e-6 {
            return Err(format!("tổng điểm các nhóm là {total}, phải là 100"));
        }
        if w.min_dossiers < 0 {
            return Err("min_dossiers không được âm".into());
        }
        Ok(w)
    }

    pub fn default_766() -> Self {
        // The shipped file is checked by a test; an invalid edit of it cannot build silently.
        Self::parse(DEFAULT_WEIGHTS).unwrap_or(Weights { basis: String::new(), min_dossiers: 0, groups: Vec::new() })
    }

    /// Whether a unit that received `received` dossiers in the period is ranked.
    pub fn ranks(&self, received: i64) -> bool {
        received >= self.min_dossiers
    }
}

/// How an indicator is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// numerator / denominator of two measures.
    Ratio(Measure, Measure),
    /// allowed / used days: at or under the legal time earns full points.
    Speed,
    /// 1 - (late + dissatisfied) / finished.
    Satisfaction,
    /// From the catalogue.
    Complete,
    OfferedOnline,
    /// Fee-bearing procedures whose fee can be paid online / fee-bearing procedures.
    PayableOnline,
    /// Not measurable by the platform yet.
    Entered,
}

struct Definition {
    key: &'static str,
    name: &'static str,
    formula: &'static str,
    rule: Rule,
}

const DEFINITIONS: [Definition; 14] = [
    Definition { key: "1.1", name: "Thủ tục công khai đầy đủ", formula: "Thủ tục công khai đủ 7 bộ phận / tổng số thủ tục", rule: Rule::Complete },
    Definition { key: "1.2", name: "Đồng bộ hồ sơ lên Cổng Dịch vụ công quốc gia", formula: "Hồ sơ đồng bộ / hồ sơ phát sinh (nhập kèm minh chứng)", rule: Rule::Entered },
    Definition { key: "2.1", name: "Giải quyết đúng hạn", formula: "Hồ sơ giải quyết đúng hoặc trước hạn / hồ sơ đã giải quyết (không tính thời gian bổ sung; bổ sung quá một lần tính trễ hạn)", rule: Rule::Ratio(Measure::OnTime, Measure::Finished) },
    Definition { key: "2.2", name: "Thời gian giải quyết trung bình", formula: "Tổng ngày theo quy định / tổng ngày thực tế (không quá 100%)", rule: Rule::Speed },
    Definition { key: "3.1", name: "Thủ tục cung cấp trực tuyến", formula: "Thủ tục trực tuyến toàn trình hoặc một phần / tổng số thủ tục (đủ điểm từ ngưỡng)", rule: Rule::OfferedOnline },
    Definition { key: "3.2", name: "Dịch vụ công trực tuyến có phát sinh hồ sơ", formula: "Dịch vụ trực tuyến có hồ sơ / dịch vụ trực tuyến (nhập kèm minh chứng)", rule: Rule::Entered },
    Definition { key: "3.3", name: "Hồ sơ nộp trực tuyến", formula: "Hồ sơ nộp trực tuyến / hồ sơ tiếp nhận (đủ điểm từ ngưỡng)", rule: Rule::Ratio(Measure::Online, Measure::Received) },
    Definition { key: "3.5", name: "Thủ tục có phí thanh toán trực tuyến được", formula: "Thủ tục có phí, lệ phí thanh toán trực tuyến được (qua cổng thanh toán hoặc VietQR của tỉnh) / thủ tục có phí, lệ phí", rule: Rule::PayableOnline },
    Definition { key: "3.6", name: "Hồ sơ thanh toán trực tuyến", formula: "Hồ sơ nộp phí trực tuyến / hồ sơ đã nộp phí", rule: Rule::Ratio(Measure::PaidOnline, Measure::Paid) },
    Definition { key: "4.1", name: "Kết quả giải quyết điện tử", formula: "Hồ sơ có kết quả điện tử / hồ sơ đã giải quyết", rule: Rule::Ratio(Measure::ElectronicResult, Measure::Finished) },
    Definition { key: "4.2", name: "Số hóa hồ sơ", formula: "Hồ sơ có thành phần là tệp số hóa / hồ sơ tiếp nhận", rule: Rule::Ratio(Measure::Digitised, Measure::Received) },
    Definition { key: "4.3", name: "Tái sử dụng dữ liệu số hóa", formula: "Hồ sơ dùng lại giấy tờ đã có trong kho dữ liệu (tải lên trước hơn 1 giờ) / hồ sơ tiếp nhận", rule: Rule::Ratio(Measure::Reused, Measure::Received) },
    Definition { key: "5.1-5.3", name: "Tiếp nhận, xử lý phản ánh, kiến nghị", formula: "Phản ánh, kiến nghị về thủ tục, dịch vụ công xử lý đúng hạn / phản ánh đã xử lý hoặc đã đến hạn (không tính phản ánh trùng)", rule: Rule::Ratio(Measure::FeedbackOnTime, Measure::FeedbackDue) },
    Definition { key: "5.4", name: "Mức độ hài lòng", formula: "100% − (tỷ lệ trễ hạn + tỷ lệ không hài lòng), trên hồ sơ đã giải quyết", rule: Rule::Satisfaction },
];

fn definition(key: &str) -> Option<&'static Definition> {
    DEFINITIONS.iter().find(|d| d.key == key)
}

/// Indicators an admin enters (the platform cannot measure them yet): key and name.
pub fn entered_indicators() -> Vec<(&'static str, &'static str)> {
    DEFINITIONS.iter().filter(|d| d.rule == Rule::Entered).map(|d| (d.key, d.name)).collect()
}

/// What the catalogue says, for the publication and online-service indicators.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CatalogueStats {
    pub procedures: u64,
    /// Procedures published with all seven parts (name, sequence, method, components,
    /// official time limit, applicant, agency). The applicant part is always stated: a
    /// catalogue that does not say whom a procedure is for admits anyone.
    pub complete: u64,
    pub offered_online: u64,
    /// Of `offered_online`, those whose online level is an estimate, not the province's word.
    pub offered_online_estimated: u64,
    /// Procedures with a fee or charge (lệ phí) above zero.
    pub fee_bearing: u64,
    /// Of those, payable online: the province has a payment channel (a gateway or VietQR).
    pub payable_online: u64,
}

/// What the catalogue says; `online_payment`: whether the platform takes fees online.
pub fn catalogue_stats<'a>(
    procedures: impl IntoIterator<Item = &'a Procedure>,
    online_payment: bool,
) -> CatalogueStats {
    let mut s = CatalogueStats::default();
    for p in procedures {
        let fee = p.fee.amount_vnd.is_some_and(|a| a > 0);
        s.fee_bearing += u64::from(fee);
        s.payable_online += u64::from(fee && online_payment);
        s.procedures += 1;
        let complete = !p.name.is_empty()
            && !p.workflow().is_empty()
            && !p.components.is_empty()
            && p.processing_time.is_some()
            && !p.processing_time_estimated
            && !p.levels.is_empty();
        s.complete += u64::from(complete);
        let online = p.online_level != OnlineLevel::InPerson;
        s.offered_online += u64::from(online);
        s.offered_online_estimated += u64::from(online && p.online_level_estimated);
    }
    s
}

/// An admin's value for an indicator the platform cannot measure, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Entered {
    /// 0.0 to 1.0.
    pub rate: f64,
    pub evidence: String,
    pub by: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Computed,
    /// Nothing happened in the period (no dossier finished, say): full points, as the
    /// national portal does for "không phát sinh".
    NotApplicable,
    Entered,
    Missing,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Input {
    pub label: &'static str,
    /// The same in English, for pages read in English (the API keeps its one label).
    #[serde(skip)]
    pub label_en: &'static str,
    /// The measure's key when the input is a dossier count one can drill into.
    pub measure: Option<&'static str>,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IndicatorResult {
    pub key: String,
    pub name: &'static str,
    pub formula: &'static str,
    pub inputs: Vec<Input>,
    pub rate: Option<f64>,
    pub full_at: f64,
    pub points: f64,
    pub max: f64,
    pub source: Source,
    pub evidence: Option<String>,
    /// Some of the inputs are estimates (online levels guessed for the demo catalogue, say):
    /// the figure is shown as one.
    pub estimated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct GroupResult {
    pub key: String,
    pub name: String,
    pub points: f64,
    pub max: f64,
    pub indicators: Vec<IndicatorResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IndexReport {
    pub total: f64,
    pub groups: Vec<GroupResult>,
}

fn count(t: &Totals, m: Measure) -> u64 {
    u64::try_from(t.get(&m).copied().unwrap_or(0)).unwrap_or(0)
}

fn input(t: &Totals, m: Measure) -> Input {
    Input { label: m.label_vi(), label_en: m.label_en(), measure: Some(m.key()), value: count(t, m) as f64 }
}

/// A rate kept as the fraction it is, so that points are computed exactly: 3 of 10 paid
/// online at 5 points for 80% is 5 × 3 / (10 × 0.8) = 1.875 points, shown 1.88, where
/// floating point gave 1.87.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fraction {
    num: u128,
    den: u128,
}

impl Fraction {
    /// `n / d` clamped to [0, 1]; none when nothing was counted.
    fn of(n: u64, d: u64) -> Option<Self> {
        (d > 0).then(|| Self { num: u128::from(n.min(d)), den: u128::from(d) })
    }

    /// A rate from an admin's entry, to six places.
    fn decimal(x: f64) -> Self {
        Self { num: micros(x.clamp(0.0, 1.0)), den: 1_000_000 }
    }

    fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }
}

/// A decimal of the settings file (points up to 100, thresholds up to 1) in millionths: to six
/// places is exact for the values such a file holds.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped to [0, 1e8] and rounded first
fn micros(x: f64) -> u128 {
    (x.clamp(0.0, 100.0) * 1e6).round() as u128
}

/// Hundredths of a point, rounded half up: `points × min(rate / full_at, 1)`.
fn earned_hundredths(points: f64, full_at: f64, rate: Fraction) -> u128 {
    let (p, f) = (micros(points), micros(full_at.min(1.0)).max(1));
    // rate / full_at = (num / den) / (f / 1e6); at or above 1 earns the whole.
    let (num, den) = if rate.num * 1_000_000 >= f * rate.den.max(1) {
        (p * 100, 1_000_000)
    } else {
        // (p / 1e6) × (num / den) / (f / 1e6), in hundredths.
        (p * 100 * rate.num, rate.den * f)
    };
    (2 * num + den) / (2 * den)
}

/// The rate and the inputs behind one indicator.
fn evaluate(rule: Rule, t: &Totals, c: &CatalogueStats) -> (Option<Fraction>, Vec<Input>) {
    match rule {
        Rule::Ratio(n, d) => {
            let mut inputs = vec![input(t, n), input(t, d)];
            // Finished = on time + late: the late ones are shown too, each count opening its
            // dossiers.
            if n == Measure::OnTime {
                inputs.push(input(t, Measure::Late));
            }
            (Fraction::of(count(t, n), count(t, d)), inputs)
        }
        Rule::Speed => {
            let (allowed, used) = (count(t, Measure::AllowedDays), count(t, Measure::WorkingDays));
            let rate = if count(t, Measure::Finished) == 0 {
                None
            } else if used <= allowed {
                Some(Fraction { num: 1, den: 1 })
            } else {
                Fraction::of(allowed, used)
            };
            (rate, vec![input(t, Measure::AllowedDays), input(t, Measure::WorkingDays), input(t, Measure::Finished)])
        }
        Rule::Satisfaction => {
            let finished = count(t, Measure::Finished);
            let bad = count(t, Measure::Late).saturating_add(count(t, Measure::Dissatisfied));
            (
                Fraction::of(finished.saturating_sub(bad), finished),
                vec![input(t, Measure::Late), input(t, Measure::Dissatisfied), input(t, Measure::Finished)],
            )
        }
        Rule::Complete => (
            Fraction::of(c.complete, c.procedures),
            vec![
                Input {
                    label: "Thủ tục công khai đầy đủ",
                    label_en: "Procedures published in full",
                    measure: None,
                    value: c.complete as f64,
                },
                Input {
                    label: "Tổng số thủ tục",
                    label_en: "All procedures",
                    measure: None,
                    value: c.procedures as f64,
                },
            ],
        ),
        Rule::OfferedOnline => (
            Fraction::of(c.offered_online, c.procedures),
            vec![
                Input {
                    label: "Thủ tục cung cấp trực tuyến",
                    label_en: "Procedures offered online",
                    measure: None,
                    value: c.offered_online as f64,
                },
                Input {
                    label: "Tổng số thủ tục",
                    label_en: "All procedures",
                    measure: None,
                    value: c.procedures as f64,
                },
            ],
        ),
        Rule::PayableOnline => (
            Fraction::of(c.payable_online, c.fee_bearing),
            vec![
                Input {
                    label: "Thủ tục có phí thanh toán trực tuyến được",
                    label_en: "Procedures with fees payable online",
                    measure: None,
                    value: c.payable_online as f64,
                },
                Input {
                    label: "Thủ tục có phí, lệ phí",
                    label_en: "Procedures with fees",
                    measure: None,
                    value: c.fee_bearing as f64,
                },
            ],
        ),
        Rule::Entered => (None, Vec::new()),
    }
}

/// The index for one unit and period from its totals. Each indicator's points are rounded half
/// up to hundredths from the exact fraction; groups and the total add those hundredths, so the
/// figures shown add up.
pub fn compute(
    w: &Weights,
    totals: &Totals,
    catalogue: &CatalogueStats,
    entered: &HashMap<String, Entered>,
) -> IndexReport {
    let groups: Vec<(GroupResult, u128)> = w
        .groups
        .iter()
        .map(|g| {
            let indicators: Vec<(IndicatorResult, u128)> = g
                .indicators
                .iter()
                .filter_map(|iw| {
                    let def = definition(&iw.key)?;
                    let (mut rate, inputs) = evaluate(def.rule, totals, catalogue);
                    let mut evidence = None;
                    let source = match (def.rule, rate) {
                        (Rule::Entered, _) => match entered.get(def.key) {
                            Some(e) => {
                                rate = Some(Fraction::decimal(e.rate));
                                evidence = Some(format!("{} ({})", e.evidence, e.by));
                                Source::Entered
                            }
                            None => Source::Missing,
                        },
                        (_, Some(_)) => Source::Computed,
                        (_, None) => Source::NotApplicable,
                    };
                    let hundredths = match (source, rate) {
                        (Source::NotApplicable, _) => earned_hundredths(iw.points, 1.0, Fraction { num: 1, den: 1 }),
                        (_, Some(r)) => earned_hundredths(iw.points, iw.full_at, r),
                        (_, None) => 0,
                    };
                    let result = IndicatorResult {
                        key: iw.key.clone(),
                        name: def.name,
                        formula: def.formula,
                        inputs,
                        rate: rate.map(Fraction::to_f64),
                        full_at: iw.full_at,
                        points: hundredths as f64 / 100.0,
                        max: iw.points,
                        source,
                        evidence,
                        estimated: def.rule == Rule::OfferedOnline && catalogue.offered_online_estimated > 0,
                    };
                    Some((result, hundredths))
                })
                .collect();
            let sum: u128 = indicators.iter().map(|(_, h)| h).sum();
            let group = GroupResult {
                key: g.key.clone(),
                name: g.name.clone(),
                points: sum as f64 / 100.0,
                max: g.points,
                indicators: indicators.into_iter().map(|(i, _)| i).collect(),
            };
            (group, sum)
        })
        .collect();
    let total: u128 = groups.iter().map(|(_, h)| h).sum();
    IndexReport { total: total as f64 / 100.0, groups: groups.into_iter().map(|(g, _)| g).collect() }
}
