//! The operations centre service shared by the API and the pages: which unit and period,
//! the Decision 766 index of each unit from the stored aggregates (O(agencies × buckets),
//! never O(dossiers)), the ranking, the trend and the dossiers behind a number.

use crate::error::AppError;
use crate::state::AppState;
use chrono::{Datelike, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};
use tinhso_domain::catalogue::{CompetentAgency, Procedure};
use tinhso_domain::dossier::deadline::local_date;
use tinhso_domain::dossier::Dossier;
use tinhso_domain::ids::AgencyCode;
use tinhso_domain::ioc::index::{catalogue_stats, compute, Entered, IndexReport};
use tinhso_domain::ioc::{facts, Measure, Totals};
use tinhso_domain::province::{AgencyKind, AgencyLevel};
use tinhso_store::DossierQuery;

/// The province as a whole, or one deciding agency (a department or a commune's committee).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    Province,
    Agency(AgencyCode),
}

impl Unit {
    pub fn key(&self) -> String {
        match self {
            Self::Province => "province".into(),
            Self::Agency(a) => a.to_string(),
        }
    }
}

/// `province`, an agency code, or a commune's unit code.
pub fn parse_unit(state: &AppState, s: Option<&str>) -> Result<Unit, AppError> {
    let s = s.map(str::trim).unwrap_or("");
    if s.is_empty() || s == "province" {
        return Ok(Unit::Province);
    }
    let by_commune = s
        .parse::<u32>()
        .ok()
        .and_then(|n| state.agencies.iter().find(|a| a.level == AgencyLevel::Commune && a.unit_code == Some(n)));
    let agency = by_commune.or_else(|| state.agencies.iter().find(|a| a.code.as_str() == s));
    match agency {
        Some(a) if a.kind != AgencyKind::ServiceCentre => Ok(Unit::Agency(a.code.clone())),
        _ => Err(AppError::bad_request(
            "unknown_unit",
            "Không có cơ quan, xã hoặc phường này; dùng \"province\", mã định danh cơ quan hoặc mã xã",
            "No such unit: use \"province\", an agency identifier or a commune code",
        )),
    }
}

pub fn unit_name(state: &AppState, unit: &Unit) -> String {
    match unit {
        Unit::Province => format!("Toàn tỉnh {}", state.province.name),
        Unit::Agency(a) => state.agency_name(a.as_str()).unwrap_or(a.as_str()).to_owned(),
    }
}

/// A period `[from, to]`, at most five years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

pub fn parse_period(from: Option<&str>, to: Option<&str>) -> Result<Period, AppError> {
    let today = local_date(Utc::now());
    let date = |s: Option<&str>, field: &'static str| -> Result<Option<NaiveDate>, AppError> {
        match s.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").map(Some).map_err(|_| {
                AppError::bad_request(
                    "invalid_date",
                    format!("Ngày \"{s}\" ({field}) phải có dạng YYYY-MM-DD"),
                    format!("{field} must be a date YYYY-MM-DD"),
                )
            }),
        }
    };
    let to = date(to, "to")?.unwrap_or(today);
    let from = date(from, "from")?.unwrap_or_else(|| NaiveDate::from_ymd_opt(to.year(), 1, 1).unwrap_or(to));
    if from > to || (to - from).num_days() > 5 * 366 {
        return Err(AppError::bad_request(
            "invalid_period",
            "Khoảng thời gian không hợp lệ: từ ngày phải trước đến ngày, tối đa 5 năm",
            "The period must run forwards and span at most five years",
        ));
    }
    Ok(Period { from, to })
}

/// Deciding agencies ranked on the dashboard: departments and commune committees.
pub fn ranked_units(state: &AppState) -> Vec<(Unit, String, bool)> {
    state
        .agencies
        .iter()
        .filter(|a| {
            a.kind == AgencyKind::Department
                || (a.kind == AgencyKind::PeoplesCommittee && a.level == AgencyLevel::Commune)
        })
        .map(|a| (Unit::Agency(a.code.clone()), a.name.clone(), a.level == AgencyLevel::Commune))
        .collect()
}

fn procedures_of<'a>(state: &AppState, unit: &Unit, all: &'a [std::sync::Arc<Procedure>]) -> Vec<&'a Procedure> {
    let commune = |a: &AgencyCode| state.agencies.iter().any(|x| &x.code == a && x.level == AgencyLevel::Commune);
    all.iter()
        .map(|p| p.as_ref())
        .filter(|p| match (unit, &p.competent_agency) {
            (Unit::Province, _) => true,
            (Unit::Agency(a), CompetentAgency::Agency(c)) => a == c,
            (Unit::Agency(a), CompetentAgency::CommuneCommittee) => commune(a),
        })
        .collect()
}

/// Everything the index of many units needs, read once.
pub struct Snapshot {
    totals: HashMap<AgencyCode, Totals>,
    entries: Vec<tinhso_store::IocEntry>,
}

pub async fn snapshot(state: &AppState, period: Period) -> Result<Snapshot, AppError> {
    let mut totals: HashMap<AgencyCode, Totals> = HashMap::new();
    for (agency, measure, v) in state.store.ioc_totals(period.from, period.to).await? {
        *totals.entry(agency).or_default().entry(measure).or_default() += v;
    }
    Ok(Snapshot { totals, entries: state.store.ioc_entries().await? })
}

impl Snapshot {
    pub fn totals(&self, unit: &Unit) -> Totals {
        match unit {
            Unit::Agency(a) => self.totals.get(a).cloned().unwrap_or_default(),
            Unit::Province => {
                let mut t = Totals::new();
                for per in self.totals.values() {
                    for (m, v) in per {
                        *t.entry(*m).or_default() += v;
                    }
                }
                t
            }
        }
    }

    /// Entered values for the unit, falling back to the province's.
    fn entered(&self, unit: &Unit) -> HashMap<String, Entered> {
        let mut out = HashMap::new();
        for key in ["province".to_owned(), unit.key()] {
            for e in self.entries.iter().filter(|e| e.unit == key) {
                let entered = Entered { rate: e.rate, evidence: e.evidence.clone(), by: e.entered_by.clone() };
                out.insert(e.indicator.clone(), entered);
            }
        }
        out
    }

    pub fn report(&self, state: &AppState, unit: &Unit) -> IndexReport {
        let catalogue = state.catalogue();
        let procedures = procedures_of(state, unit, catalogue.all());
        compute(&state.ioc_weights(), &self.totals(unit), &catalogue_stats(procedures), &self.entered(unit))
    }
}

/// Rates people read on the dashboard and the public page (None when nothing happened).
pub struct Rates {
    pub on_time: Option<f64>,
    pub online: Option<f64>,
    pub satisfied: Option<f64>,
    pub finished: i64,
    pub submitted: i64,
}

pub fn rates(t: &Totals) -> Rates {
    let get = |m| t.get(&m).copied().unwrap_or(0);
    let ratio = |n: i64, d: i64| (d > 0).then(|| n as f64 / d as f64);
    Rates {
        on_time: ratio(get(Measure::OnTime), get(Measure::Finished)),
        online: ratio(get(Measure::Online), get(Measure::Submitted)),
        satisfied: ratio(get(Measure::Rated) - get(Measure::Dissatisfied), get(Measure::Rated)),
        finished: get(Measure::Finished),
        submitted: get(Measure::Submitted),
    }
}

/// The province's score month by month, for the trend chart: one aggregate query a month.
pub async fn trend(state: &AppState, to: NaiveDate, months: u32) -> Result<Vec<(String, f64)>, AppError> {
    let mut out = Vec::new();
    let last = NaiveDate::from_ymd_opt(to.year(), to.month(), 1).unwrap_or(to);
    for back in (0..months).rev() {
        let Some(start) = last.checked_sub_months(chrono::Months::new(back)) else { continue };
        let end = start.checked_add_months(chrono::Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(start).min(to);
        let snap = snapshot(state, Period { from: start, to: end }).await?;
        out.push((start.format("%m/%Y").to_string(), snap.report(state, &Unit::Province).total));
    }
    Ok(out)
}

/// Open dossiers past their due date, per deciding agency.
pub async fn overdue(state: &AppState) -> Result<BTreeMap<AgencyCode, i64>, AppError> {
    Ok(state.store.overdue_counts(local_date(Utc::now())).await?.into_iter().collect())
}

/// How many dossiers a drill-down reads at most: it filters the unit's dossiers by their facts.
pub const DRILL_LIMIT: usize = 20_000;

/// The dossiers behind one number: those whose facts put `measure` in the period for the unit.
pub async fn dossiers_behind(
    state: &AppState,
    unit: &Unit,
    period: Period,
    measure: Measure,
) -> Result<(Vec<Dossier>, bool), AppError> {
    let query = match unit {
        Unit::Province => DossierQuery { limit: DRILL_LIMIT, ..Default::default() },
        Unit::Agency(a) => DossierQuery { agency: Some(a.clone()), limit: DRILL_LIMIT, ..Default::default() },
    };
    let all = state.store.dossiers(&query).await?;
    let truncated = all.len() >= DRILL_LIMIT;
    let hits = all
        .into_iter()
        .filter(|d| {
            facts(d).iter().any(|(k, v)| {
                *v > 0
                    && k.measure == measure
                    && k.day >= period.from
                    && k.day <= period.to
                    && (matches!(unit, Unit::Province) || matches!(unit, Unit::Agency(a) if *a == k.agency))
            })
        })
        .collect();
    Ok((hits, truncated))
}
