//! The operations centre service shared by the API and the pages: which unit and period,
//! the Decision 766 index of each unit from the stored aggregates (O(agencies × buckets),
//! never O(dossiers)), the ranking, the trend and the dossiers behind a number.

use chrono::{Datelike, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};
use tinhso_catalogue::procedure::{CompetentAgency, Procedure};
use tinhso_catalogue_web::live;
use tinhso_dossier::deadline::local_date;
use tinhso_dossier::Dossier;
use tinhso_http::error::AppError;
use tinhso_http::i18n::Locale;
use tinhso_http::state::AppState;
use tinhso_ioc::index::{catalogue_stats, compute, Entered, IndexReport};
use tinhso_ioc::{Measure, Totals};
use tinhso_kernel::ids::AgencyCode;
use tinhso_kernel::province::{AgencyKind, AgencyLevel};
use tinhso_kernel::FieldError;

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
    // As listed (the pages' selects send it so): " 2266" is no unit, not commune 2266.
    let s = s.unwrap_or("");
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
    let date = |s: Option<&str>, field: &'static str| -> Result<Option<NaiveDate>, AppError> {
        match s.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            // People type dd/mm/yyyy; links and the API carry YYYY-MM-DD.
            Some(s) => tinhso_kernel::format::parse_date(s).map(Some).map_err(|p| {
                AppError::bad_request(
                    "invalid_date",
                    format!("Ngày \"{s}\" ({field}): {}", p.vi),
                    format!("{field} \"{s}\": {}", p.en),
                )
            }),
        }
    };
    checked_period(date(from, "from")?, date(to, "to")?)
}

/// The period two dates (either absent) give: up to today, from the first of January of the
/// last day's year, running forwards and at most five years long.
fn checked_period(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Period, AppError> {
    let to = to.unwrap_or_else(|| local_date(Utc::now()));
    let from = from.unwrap_or_else(|| NaiveDate::from_ymd_opt(to.year(), 1, 1).unwrap_or(to));
    if from > to || (to - from).num_days() > 5 * 366 {
        return Err(AppError::bad_request(
            "invalid_period",
            "Khoảng thời gian không hợp lệ: từ ngày phải trước đến ngày, tối đa 5 năm",
            "The period must run forwards and span at most five years",
        ));
    }
    Ok(Period { from, to })
}

/// A period typed in a page's form (`tu`, `den`, dd/mm/yyyy).
pub struct PeriodForm {
    /// The period typed, or this year to date while what was typed is wrong.
    pub period: Period,
    /// Every wrong date, said on its field in words.
    pub errors: Vec<FieldError>,
    /// The form's values: the period's dates, or what was typed when it was wrong, so the
    /// person corrects it where it is.
    pub from: String,
    pub to: String,
}

pub fn period_of_form(tu: Option<&str>, den: Option<&str>) -> PeriodForm {
    let mut errors = Vec::new();
    let mut date = |s: Option<&str>, field: &'static str, vi: &str, en: &str| {
        let s = s.map(str::trim).filter(|s| !s.is_empty())?;
        match tinhso_kernel::format::parse_date(s) {
            Ok(d) => Some(d),
            Err(p) => {
                errors.push(FieldError::new(
                    field,
                    "invalid_date",
                    format!("{vi}: {}", p.vi),
                    format!("{en}: {}", p.en),
                ));
                None
            }
        }
    };
    let from = date(tu, "tu", "Từ ngày", "From");
    let to = date(den, "den", "Đến ngày", "To");
    let typed = if errors.is_empty() { checked_period(from, to) } else { checked_period(None, None) };
    let checked = typed.or_else(|e| {
        errors.push(FieldError::new("den", e.code(), e.message(Locale::Vi), e.message(Locale::En)));
        checked_period(None, None)
    });
    // This year to date is always a period; today alone stands in for the impossible.
    let today = || local_date(Utc::now());
    let period = checked.unwrap_or_else(|_| Period { from: today(), to: today() });
    let shown = |d: NaiveDate, typed: Option<&str>| match errors.is_empty() {
        true => d.format("%d/%m/%Y").to_string(),
        false => typed.map(str::trim).unwrap_or_default().to_owned(),
    };
    let (from, to) = (shown(period.from, tu), shown(period.to, den));
    PeriodForm { period, errors, from, to }
}

/// Deciding agencies ranked on the dashboard: departments and commune committees.
pub fn ranked_units(state: &AppState) -> Vec<(Unit, String, bool)> {
    state
        .agencies
        .iter()
        .filter(|a| a.is_ranked_unit())
        .map(|a| (Unit::Agency(a.code.clone()), a.name.clone(), a.level == AgencyLevel::Commune))
        .collect()
}

pub fn procedures_of<'a>(state: &AppState, unit: &Unit, all: &'a [std::sync::Arc<Procedure>]) -> Vec<&'a Procedure> {
    // Whether the unit is a commune's committee, once per unit rather than once per procedure
    // (the dashboard asks for every unit on each page).
    let commune = matches!(unit, Unit::Agency(a)
        if state.agencies.iter().any(|x| &x.code == a && x.level == AgencyLevel::Commune));
    all.iter()
        .map(|p| p.as_ref())
        .filter(|p| match (unit, &p.competent_agency) {
            (Unit::Province, _) => true,
            (Unit::Agency(a), CompetentAgency::Agency(c)) => a == c,
            (Unit::Agency(_), CompetentAgency::CommuneCommittee) => commune,
        })
        .collect()
}

/// The instants a period of local (UTC+7) days spans: `[first day 00:00, day after last 00:00)`.
pub fn period_instants(period: Period) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
    let start = tinhso_kernel::calendar::day_start;
    (start(period.from), start(period.to.succ_opt().unwrap_or(period.to)))
}

/// Each counted feedback report of the period: its handling agency and whether on time.
pub async fn feedback_reports(
    state: &AppState,
    period: Period,
) -> Result<Vec<(tinhso_reports::Report, bool)>, AppError> {
    let (since, until) = period_instants(period);
    let end = period.to.min(tinhso_kernel::calendar::local_date(chrono::Utc::now()));
    Ok(state
        .store
        .reports
        .service_feedback(since, until)
        .await?
        .into_iter()
        .filter_map(|r| tinhso_reports::indicators::feedback_766(&r, end).map(|on_time| (r, on_time)))
        .collect())
}

async fn feedback(state: &AppState, period: Period) -> Result<Vec<(AgencyCode, bool)>, AppError> {
    Ok(feedback_reports(state, period).await?.into_iter().map(|(r, on_time)| (r.agency, on_time)).collect())
}

/// Everything the index of many units needs, read once.
pub struct Snapshot {
    totals: HashMap<AgencyCode, Totals>,
    entries: Vec<tinhso_store::IocEntry>,
}

pub async fn snapshot(state: &AppState, period: Period) -> Result<Snapshot, AppError> {
    let mut totals: HashMap<AgencyCode, Totals> = HashMap::new();
    for (agency, measure, v) in state.store.ioc.ioc_totals(period.from, period.to).await? {
        *totals.entry(agency).or_default().entry(measure).or_default() += v;
    }
    // Group 5 (5.1-5.3) from the feedback on public services received in the period, as the
    // reports module judges it at the period's end (or today, for a period not over yet).
    for (agency, on_time) in feedback(state, period).await? {
        let t = totals.entry(agency).or_default();
        *t.entry(Measure::FeedbackDue).or_default() += 1;
        *t.entry(Measure::FeedbackOnTime).or_default() += i64::from(on_time);
    }
    Ok(Snapshot { totals, entries: state.store.ioc.ioc_entries().await? })
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
        let catalogue = live::index(state);
        let procedures = procedures_of(state, unit, catalogue.all());
        compute(
            &crate::weights(state),
            &self.totals(unit),
            &catalogue_stats(procedures, online_payment(state)),
            &self.entered(unit),
        )
    }
}

/// Indicator 3.5's drill-down: the unit's fee-bearing procedures (code, name, fee in đồng,
/// payable online), in the Vietnamese order of their names.
pub fn fee_procedures(state: &AppState, unit: &Unit) -> Vec<(String, String, u64, bool)> {
    let catalogue = live::index(state);
    let online = online_payment(state);
    let mut out: Vec<(String, String, u64, bool)> = procedures_of(state, unit, catalogue.all())
        .into_iter()
        .filter_map(|p| p.fee.amount_vnd.filter(|a| *a > 0).map(|a| (p.code.to_string(), p.name.clone(), a, online)))
        .collect();
    out.sort_by(|a, b| tinhso_kernel::text::vi_cmp(&a.1, &b.1));
    out
}

/// Whether fees can be paid online on this platform (the payments module's channels): the
/// fact behind indicator 3.5.
pub fn online_payment(state: &AppState) -> bool {
    state.module_state::<tinhso_payments::Channels>().online
}

/// Rates people read on the dashboard and the public page (None when nothing happened).
pub struct Rates {
    pub on_time: Option<f64>,
    pub online: Option<f64>,
    pub satisfied: Option<f64>,
    pub finished: i64,
    pub received: i64,
}

pub fn rates(t: &Totals) -> Rates {
    let get = |m| t.get(&m).copied().unwrap_or(0);
    let ratio = |n: i64, d: i64| (d > 0).then(|| n as f64 / d as f64);
    Rates {
        on_time: ratio(get(Measure::OnTime), get(Measure::Finished)),
        online: ratio(get(Measure::Online), get(Measure::Received)),
        satisfied: ratio(get(Measure::Rated) - get(Measure::Dissatisfied), get(Measure::Rated)),
        finished: get(Measure::Finished),
        received: get(Measure::Received),
    }
}

/// The province's score month by month, for the trend chart: one query over month buckets.
pub async fn trend(state: &AppState, to: NaiveDate, months: u32) -> Result<Vec<(String, f64)>, AppError> {
    let last = NaiveDate::from_ymd_opt(to.year(), to.month(), 1).unwrap_or(to);
    let first = last.checked_sub_months(chrono::Months::new(months.saturating_sub(1))).unwrap_or(last);
    let mut per_month: BTreeMap<String, Totals> = BTreeMap::new();
    for (month, measure, v) in state.store.ioc.ioc_monthly(first, to).await? {
        *per_month.entry(month).or_default().entry(measure).or_default() += v;
    }
    let snap = Snapshot { totals: HashMap::new(), entries: state.store.ioc.ioc_entries().await? };
    let catalogue = live::index(state);
    let stats = catalogue_stats(procedures_of(state, &Unit::Province, catalogue.all()), online_payment(state));
    let entered = snap.entered(&Unit::Province);
    let weights = crate::weights(state);
    let mut out = Vec::new();
    for back in (0..months).rev() {
        let Some(start) = last.checked_sub_months(chrono::Months::new(back)) else { continue };
        let totals = per_month.remove(&start.format("%Y-%m").to_string()).unwrap_or_default();
        out.push((start.format("%m/%Y").to_string(), compute(&weights, &totals, &stats, &entered).total));
    }
    Ok(out)
}

/// Open dossiers past their due date, per deciding agency.
pub async fn overdue(state: &AppState) -> Result<BTreeMap<AgencyCode, i64>, AppError> {
    Ok(state.store.ioc.overdue_counts(local_date(Utc::now())).await?.into_iter().collect())
}

/// The open dossiers a leader should act on today.
pub struct Alerts {
    /// Due within the next `days` working days (today included), not yet overdue.
    pub due_soon: Vec<Dossier>,
    /// Past their due date with no apology letter sent before it.
    pub overdue_unexcused: Vec<Dossier>,
    /// Deciding agencies whose on-time rate over the last 30 days is under the threshold:
    /// (agency, rate, finished).
    pub slipping: Vec<(AgencyCode, f64, i64)>,
}

/// How many open dossiers the alert lists read at most.
pub const ALERT_LIMIT: usize = 5_000;

pub async fn alerts(state: &AppState, days: u32, threshold: f64) -> Result<Alerts, AppError> {
    let today = local_date(Utc::now());
    let cal = state.calendar();
    let horizon = cal.due_date(today, days).unwrap_or(today);
    let open = state.store.dossiers.open_dossiers_due(horizon, ALERT_LIMIT).await?;
    let (overdue, soon): (Vec<Dossier>, Vec<Dossier>) =
        open.into_iter().partition(|d| d.due_on.is_some_and(|due| due < today));
    let overdue_unexcused = overdue.into_iter().filter(|d| d.apology_due_on.is_none()).collect();
    let from = today.checked_sub_days(chrono::Days::new(30)).unwrap_or(today);
    let snap = snapshot(state, Period { from, to: today }).await?;
    let mut slipping: Vec<(AgencyCode, f64, i64)> = ranked_units(state)
        .into_iter()
        .filter_map(|(unit, _, _)| {
            let r = rates(&snap.totals(&unit));
            match (unit, r.on_time) {
                (Unit::Agency(a), Some(rate)) if rate < threshold => Some((a, rate, r.finished)),
                _ => None,
            }
        })
        .collect();
    slipping.sort_by(|a, b| a.1.total_cmp(&b.1));
    Ok(Alerts { due_soon: soon, overdue_unexcused, slipping })
}

/// Working days ahead a dossier's holder is reminded of its due date.
pub const DUE_SOON_DAYS: u32 = 2;

/// Sends today's alerts through the outbox, once per recipient and day whatever the number of
/// servers: whoever holds a dossier due within two working days (its agency's leaders when
/// nobody holds it) gets a reminder; each deciding agency's leaders get its overdue dossiers
/// without an apology; the province's leaders get the agencies under the on-time threshold.
pub async fn send_alerts(state: &AppState, threshold: f64) -> Result<usize, AppError> {
    use tinhso_policy::Role;
    use tinhso_store::Notification;
    let today = local_date(Utc::now());
    let a = alerts(state, DUE_SOON_DAYS, threshold).await?;
    let mut leaders_of: HashMap<AgencyCode, Vec<tinhso_kernel::ids::AccountId>> = HashMap::new();
    let mut reminders: BTreeMap<tinhso_kernel::ids::AccountId, Vec<&Dossier>> = BTreeMap::new();
    for d in &a.due_soon {
        let to = match d.assignee {
            Some(holder) => vec![holder],
            None => {
                if !leaders_of.contains_key(&d.competent_agency) {
                    let staff = state.store.identity.staff(&d.competent_agency).await?;
                    let ids = staff
                        .iter()
                        .filter(|l| matches!(l.role, Role::Approver | Role::AgencyAdmin) && !l.disabled)
                        .map(|l| l.id)
                        .collect();
                    leaders_of.insert(d.competent_agency.clone(), ids);
                }
                leaders_of.get(&d.competent_agency).cloned().unwrap_or_default()
            }
        };
        for id in to {
            reminders.entry(id).or_default().push(d);
        }
    }
    let mut sent = 0;
    for (account_id, list) in reminders {
        let listed = |due: &str| {
            list.iter()
                .take(20)
                .map(|d| {
                    format!("{} ({due} {})", d.code, d.due_on.map(tinhso_kernel::format::date_vi).unwrap_or_default())
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let note = Notification::new(
            account_id,
            format!("Nhắc việc: {} hồ sơ đến hạn trong {DUE_SOON_DAYS} ngày làm việc", list.len()),
            listed("hẹn"),
        )
        .with_english(
            format!("Reminder: {} dossiers due within {DUE_SOON_DAYS} working days", list.len()),
            listed("due"),
        );
        if state.store.notify.send_alert(&format!("due:{account_id}:{today}"), std::slice::from_ref(&note)).await? {
            sent += 1;
        }
    }
    let mut per_agency: BTreeMap<AgencyCode, Vec<&Dossier>> = BTreeMap::new();
    for d in &a.overdue_unexcused {
        per_agency.entry(d.competent_agency.clone()).or_default().push(d);
    }
    for (agency, list) in per_agency {
        let leaders = state.store.identity.staff(&agency).await?;
        let notes: Vec<Notification> = leaders
            .iter()
            .filter(|l| matches!(l.role, Role::Approver | Role::AgencyAdmin) && !l.disabled)
            .map(|l| {
                let codes = list.iter().take(20).map(|d| d.code.as_str()).collect::<Vec<_>>().join(", ");
                Notification::new(
                    l.id,
                    format!("Cảnh báo: {} hồ sơ quá hạn chưa có phiếu xin lỗi", list.len()),
                    codes.clone(),
                )
                .with_english(format!("Alert: {} dossiers overdue without an apology", list.len()), codes)
            })
            .collect();
        if state.store.notify.send_alert(&format!("overdue:{agency}:{today}"), &notes).await? {
            sent += notes.len();
        }
    }
    if !a.slipping.is_empty() {
        let lines = |en: bool| -> Vec<String> {
            a.slipping
                .iter()
                .map(|(ag, rate, n)| {
                    let name = state.agency_name(ag.as_str()).unwrap_or(ag.as_str());
                    let rate = rate * 100.0;
                    if en {
                        format!("{name}: {rate:.1}% on time ({n} dossiers)")
                    } else {
                        format!("{name}: {rate:.1}% đúng hạn ({n} hồ sơ)")
                    }
                })
                .collect()
        };
        let (lines, lines_en) = (lines(false), lines(true));
        let leaders = state.store.identity.staff_with_role(Role::Leader).await?;
        let notes: Vec<Notification> = leaders
            .iter()
            .filter(|l| !l.disabled)
            .map(|l| {
                Notification::new(
                    l.id,
                    format!("Cảnh báo: {} cơ quan dưới ngưỡng đúng hạn 30 ngày qua", lines.len()),
                    lines.join("; "),
                )
                .with_english(
                    format!("Alert: {} agencies below the on-time threshold over the last 30 days", lines.len()),
                    lines_en.join("; "),
                )
            })
            .collect();
        if state.store.notify.send_alert(&format!("slipping:{today}"), &notes).await? {
            sent += notes.len();
        }
    }
    Ok(sent)
}

/// The on-time rate under which an agency is flagged.
pub const ON_TIME_THRESHOLD: f64 = 0.8;

/// Checks for alerts every `every`, forever, once per period across all servers and restarts.
pub async fn alert_loop(state: AppState, every: std::time::Duration) {
    let s = &state;
    tinhso_http::schedule::every(state.store.schedule.clone(), "ioc.alerts", every, || async move {
        match send_alerts(s, ON_TIME_THRESHOLD).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(notifications = n, "operations centre alerts sent"),
            Err(e) => tracing::warn!(error = %e, "operations centre alerts failed"),
        }
    })
    .await;
}
