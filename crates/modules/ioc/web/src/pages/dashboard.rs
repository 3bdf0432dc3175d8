//! Leaders' operations centre: the province's Decision 766 score and trend, the ranking of
//! agencies and communes, each indicator explained down to its dossiers, alerts; and the
//! public transparency page.

use super::figures::{points, Figures};
use crate::drill;
use crate::service::{self as ioc, parse_period, parse_unit, rates, Period, Unit};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use tinhso_dossier_web::views::{summary, DossierSummary};
use tinhso_http::auth::Viewer;
use tinhso_http::charts;
use tinhso_http::error::AppError;
use tinhso_http::export::{self, Cell, Table};
use tinhso_http::form::PageQuery;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_ioc::index::{IndicatorResult, Source};
use tinhso_ioc::Measure;
use tinhso_policy::Action;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct IocParams {
    pub(super) tu: Option<String>,
    pub(super) den: Option<String>,
    #[serde(rename = "don-vi")]
    unit: Option<String>,
    #[serde(rename = "so-lieu")]
    measure: Option<String>,
    #[serde(rename = "che-do")]
    mode: Option<String>,
    #[serde(rename = "dinh-dang")]
    pub(super) format: Option<String>,
    /// A drill-down's next page starts after this (day, code).
    sau: Option<String>,
}

/// The query string that keeps the period (and unit) in links.
fn keep(period: Period, unit: &Unit) -> String {
    format!("tu={}&den={}&don-vi={}", period.from, period.to, unit.key())
}

pub struct RankRow {
    pub rank: usize,
    pub unit: String,
    pub name: String,
    pub score: String,
    pub score_value: f64,
    pub on_time: String,
    pub online: String,
    pub satisfied: String,
    pub overdue: i64,
    pub received: i64,
}

#[derive(Template)]
#[template(path = "ioc/dashboard.html")]
pub struct DashboardPage {
    pub layout: Layout,
    /// What was wrong with the period typed (the figures are then the default period's), and
    /// the form's values: as typed when wrong, to be corrected where they are.
    pub errors: Vec<tinhso_kernel::FieldError>,
    pub form_from: String,
    pub form_to: String,
    pub wall: bool,
    /// When the figures were read, the province's time (hh:mm, dd/mm/yyyy), said on the wall.
    pub read_at: (String, String),
    pub from: String,
    pub to: String,
    pub from_iso: String,
    pub to_iso: String,
    /// This month, quarter and year, and the last twelve months: (label, link).
    pub presets: Vec<(&'static str, String)>,
    pub query: String,
    pub score: String,
    pub groups_svg: String,
    pub trend_svg: String,
    /// The tables behind the charts: (group, points, max) and (month, score).
    pub groups: Vec<(String, String, String)>,
    pub trend: Vec<(String, String)>,
    pub on_time: String,
    pub online: String,
    pub satisfied: String,
    pub overdue: i64,
    pub departments: Vec<RankRow>,
    pub communes: Vec<RankRow>,
    /// Units below the settings' minimum of dossiers received: shown apart, unranked.
    pub unranked: Vec<RankRow>,
    pub min_dossiers: i64,
}

impl DashboardPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        tinhso_http::views::error_for(&self.errors, field, self.layout.en)
    }
}

/// Links to the usual periods, ending today.
fn presets(wall: bool, f: Figures) -> Vec<(&'static str, String)> {
    use chrono::Datelike;
    let today = tinhso_dossier::deadline::local_date(chrono::Utc::now());
    let first = |m: u32| chrono::NaiveDate::from_ymd_opt(today.year(), m, 1).unwrap_or(today);
    let quarter = first((today.month() - 1) / 3 * 3 + 1);
    let year_ago = today.checked_sub_days(chrono::Days::new(364)).unwrap_or(today);
    let mode = if wall { "&che-do=tuong" } else { "" };
    [
        (f.say("Tháng này", "This month"), first(today.month())),
        (f.say("Quý này", "This quarter"), quarter),
        (f.say("Năm nay", "This year"), first(1)),
        (f.say("12 tháng qua", "Last 12 months"), year_ago),
    ]
    .into_iter()
    .map(|(label, from)| (label, format!("/dieu-hanh?tu={from}&den={today}{mode}")))
    .collect()
}

fn groups_summary(groups: &[(String, f64, f64)], f: Figures) -> String {
    groups
        .iter()
        .map(|(n, v, m)| format!("{n}: {} {} {}", f.points(*v), f.say("trên", "of"), f.points(*m)))
        .collect::<Vec<_>>()
        .join("; ")
}

fn trend_summary(trend: &[(String, f64)], f: Figures) -> String {
    match (trend.first(), trend.last()) {
        (Some((a, x)), Some((b, y))) if f.en => {
            format!("{a}: {} points; {b}: {} points", f.points(*x), f.points(*y))
        }
        (Some((a, x)), Some((b, y))) => format!("Tháng {a}: {} điểm; tháng {b}: {} điểm", points(*x), points(*y)),
        _ => f.say("Chưa có số liệu", "No figures yet").into(),
    }
}

pub(super) fn require_ioc(viewer: &Viewer) -> Result<(), AppError> {
    viewer.require(&Action::ViewOperationsCentre).map(|_| ())
}

/// The dashboard's ranking: departments and communes apart, best first; units that received
/// fewer dossiers in the period than the settings' minimum are listed apart, unranked.
pub(super) struct Ranking {
    pub departments: Vec<RankRow>,
    pub communes: Vec<RankRow>,
    pub unranked: Vec<RankRow>,
}

async fn ranking(state: &AppState, snap: &ioc::Snapshot, f: Figures) -> Result<Ranking, AppError> {
    let overdue = ioc::overdue(state).await?;
    let weights = crate::weights(state);
    let (mut departments, mut communes, mut unranked) = (Vec::new(), Vec::new(), Vec::new());
    for (unit, name, commune) in ioc::ranked_units(state) {
        let report = snap.report(state, &unit);
        let r = rates(&snap.totals(&unit));
        let code = match &unit {
            Unit::Agency(a) => a.clone(),
            Unit::Province => continue,
        };
        let row = RankRow {
            rank: 0,
            unit: unit.key(),
            name,
            score: f.points(report.total),
            score_value: report.total,
            on_time: f.pct(r.on_time),
            online: f.pct(r.online),
            satisfied: f.pct(r.satisfied),
            overdue: overdue.get(&code).copied().unwrap_or(0),
            received: r.received,
        };
        if !weights.ranks(r.received) {
            unranked.push(row);
        } else if commune {
            communes.push(row);
        } else {
            departments.push(row);
        }
    }
    for list in [&mut departments, &mut communes] {
        list.sort_by(|a, b| {
            b.score_value.total_cmp(&a.score_value).then_with(|| tinhso_kernel::text::vi_cmp(&a.name, &b.name))
        });
        for (i, r) in list.iter_mut().enumerate() {
            r.rank = i + 1;
        }
    }
    unranked.sort_by(|a, b| b.received.cmp(&a.received).then_with(|| tinhso_kernel::text::vi_cmp(&a.name, &b.name)));
    Ok(Ranking { departments, communes, unranked })
}

pub async fn dashboard(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<IocParams>,
) -> PageResult {
    let err = page_err(&viewer);
    require_ioc(&viewer).map_err(&err)?;
    let form = ioc::period_of_form(q.tu.as_deref(), q.den.as_deref());
    let period = form.period;
    let snap = ioc::snapshot(&state, period).await.map_err(&err)?;
    let report = snap.report(&state, &Unit::Province);
    let r = rates(&snap.totals(&Unit::Province));
    let f = Figures::of(&viewer);
    let Ranking { departments, communes, unranked } = ranking(&state, &snap, f).await.map_err(&err)?;
    let trend = ioc::trend(&state, period.to, 12).await.map_err(&err)?;
    let groups: Vec<(String, f64, f64)> = report.groups.iter().map(|g| (f.group(g), g.points, g.max)).collect();
    let page = DashboardPage {
        layout: Layout::new(&state, &viewer, f.say("Trung tâm điều hành", "Operations centre")),
        wall: q.mode.as_deref() == Some("tuong"),
        read_at: {
            let now = tinhso_kernel::calendar::local_time(chrono::Utc::now());
            (now.format("%H:%M").to_string(), now.format("%d/%m/%Y").to_string())
        },
        form_from: form.from,
        form_to: form.to,
        errors: form.errors,
        from: period.from.format("%d/%m/%Y").to_string(),
        to: period.to.format("%d/%m/%Y").to_string(),
        from_iso: period.from.to_string(),
        to_iso: period.to.to_string(),
        presets: presets(q.mode.as_deref() == Some("tuong"), f),
        query: keep(period, &Unit::Province),
        score: f.points(report.total),
        groups_svg: charts::bars(
            f.say("Điểm theo nhóm chỉ số", "Points by group of indicators"),
            &groups_summary(&groups, f),
            f.say("điểm", "points"),
            &groups,
            f.en,
        ),
        trend_svg: charts::line(
            f.say("Điểm toàn tỉnh 12 tháng gần nhất", "The province's score over the last 12 months"),
            &trend_summary(&trend, f),
            f.say("Điểm (trên 100)", "Points (of 100)"),
            &trend,
            100.0,
            f.en,
        ),
        groups: groups.iter().map(|(n, v, m)| (n.clone(), f.points(*v), f.points(*m))).collect(),
        trend: trend.iter().map(|(m, v)| (m.clone(), f.points(*v))).collect(),
        on_time: f.pct(r.on_time),
        online: f.pct(r.online),
        satisfied: f.pct(r.satisfied),
        overdue: departments.iter().chain(&communes).chain(&unranked).map(|r| r.overdue).sum(),
        min_dossiers: crate::weights(&state).min_dossiers,
        departments,
        communes,
        unranked,
    };
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    Ok(viewer.finish((status, render(&page))))
}

/// The ranking as CSV or XLSX.
pub async fn ranking_export(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<IocParams>,
) -> PageResult {
    let err = page_err(&viewer);
    require_ioc(&viewer).map_err(&err)?;
    let period = parse_period(q.tu.as_deref(), q.den.as_deref()).map_err(&err)?;
    let format = export::format_of(q.format.as_deref()).map_err(&err)?.unwrap_or(export::Format::Csv);
    let snap = ioc::snapshot(&state, period).await.map_err(&err)?;
    let Ranking { departments, communes, unranked } =
        ranking(&state, &snap, Figures { en: false }).await.map_err(&err)?;
    let rows = departments
        .iter()
        .map(|r| ("Sở, ngành", r))
        .chain(communes.iter().map(|r| ("Xã, phường", r)))
        .chain(unranked.iter().map(|r| ("Chưa đủ dữ liệu", r)))
        .map(|(kind, r)| {
            vec![
                Cell::Text(kind.into()),
                if r.rank > 0 { Cell::Number(r.rank as f64) } else { Cell::Empty },
                Cell::Text(r.unit.clone()),
                Cell::Text(r.name.clone()),
                Cell::Number(r.score_value),
                Cell::Text(r.on_time.clone()),
                Cell::Text(r.online.clone()),
                Cell::Text(r.satisfied.clone()),
                Cell::Number(r.overdue as f64),
                Cell::Number(r.received as f64),
            ]
        })
        .collect();
    let table = Table {
        name: "xep-hang-766",
        headers: tinhso_http::export::heads(&[
            "Loại",
            "Hạng",
            "Mã",
            "Đơn vị",
            "Điểm 766",
            "Đúng hạn",
            "Trực tuyến",
            "Hài lòng",
            "Quá hạn đang mở",
            "Hồ sơ tiếp nhận",
        ]),
        rows,
    };
    export::download(&table, format).map_err(err)
}

pub struct IndicatorRow {
    pub key: String,
    pub name: &'static str,
    pub rate: String,
    pub points: String,
    pub max: String,
    pub source: String,
}

pub struct GroupView {
    pub name: String,
    pub points: String,
    pub max: String,
    pub indicators: Vec<IndicatorRow>,
}

#[derive(Template)]
#[template(path = "ioc/unit.html")]
pub struct UnitPage {
    pub layout: Layout,
    pub unit_name: String,
    pub period: String,
    pub query: String,
    pub total: String,
    pub groups: Vec<GroupView>,
}

/// Where an indicator's figure comes from, and whether estimates fed it.
fn source_of(i: &tinhso_ioc::index::IndicatorResult, f: Figures) -> String {
    let source = match i.source {
        Source::Computed => f.say("Tính từ dữ liệu", "Computed from the data"),
        Source::NotApplicable => f.say("Không phát sinh (đủ điểm)", "Nothing to count (full points)"),
        Source::Entered => f.say("Quản trị nhập, có minh chứng", "Entered by an admin, with evidence"),
        Source::Missing => f.say("Chưa nhập", "Not entered yet"),
    };
    if i.estimated {
        let why = f.say(
            "một phần dựa trên mức độ trực tuyến ước tính của danh mục mẫu",
            "partly from the sample catalogue's estimated online levels",
        );
        format!("{source} ({why})")
    } else {
        source.to_owned()
    }
}

/// The whole index of one unit: every group and indicator, each linking to its explanation.
pub async fn unit(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<IocParams>) -> PageResult {
    let err = page_err(&viewer);
    require_ioc(&viewer).map_err(&err)?;
    let unit = parse_unit(&state, q.unit.as_deref()).map_err(&err)?;
    let period = parse_period(q.tu.as_deref(), q.den.as_deref()).map_err(&err)?;
    let report = ioc::snapshot(&state, period).await.map_err(&err)?.report(&state, &unit);
    if let Some(format) = export::format_of(q.format.as_deref()).map_err(&err)? {
        let rows = report
            .groups
            .iter()
            .flat_map(|g| g.indicators.iter().map(move |i| (g, i)))
            .map(|(g, i)| {
                vec![
                    Cell::Text(g.name.clone()),
                    Cell::Text(i.key.clone()),
                    Cell::Text(i.name.into()),
                    i.rate.map(Cell::Number).unwrap_or(Cell::Empty),
                    Cell::Number(i.points),
                    Cell::Number(i.max),
                    Cell::Text(source_of(i, Figures { en: false })),
                ]
            })
            .collect();
        let table = Table {
            name: "chi-so-766",
            headers: tinhso_http::export::heads(&["Nhóm", "Chỉ số", "Tên", "Tỷ lệ", "Điểm", "Điểm tối đa", "Nguồn"]),
            rows,
        };
        return export::download(&table, format).map_err(err);
    }
    let f = Figures::of(&viewer);
    let page = UnitPage {
        layout: Layout::new(
            &state,
            &viewer,
            format!("{}: {}", f.say("Chỉ số 766", "Index 766"), f.unit(&state, &unit)),
        ),
        unit_name: f.unit(&state, &unit),
        period: f.period(period),
        query: keep(period, &unit),
        total: f.points(report.total),
        groups: report
            .groups
            .iter()
            .map(|g| GroupView {
                name: f.group(g),
                points: f.points(g.points),
                max: f.points(g.max),
                indicators: g
                    .indicators
                    .iter()
                    .map(|i| IndicatorRow {
                        key: i.key.clone(),
                        name: f.indicator(i).0,
                        rate: f.pct(i.rate),
                        points: f.points(i.points),
                        max: f.points(i.max),
                        source: source_of(i, f),
                    })
                    .collect(),
            })
            .collect(),
    };
    Ok(viewer.finish(render(&page)))
}

#[derive(Template)]
#[template(path = "ioc/indicator.html")]
pub struct IndicatorPage {
    pub layout: Layout,
    pub unit_name: String,
    pub period: String,
    pub query: String,
    pub i: IndicatorResult,
    pub rate: String,
    pub full_at: String,
    pub points: String,
    pub source: String,
    /// The indicator's name and formula in the viewer's language.
    pub name: &'static str,
    pub formula: &'static str,
    /// (label, value, drill-down link when the input counts dossiers).
    pub inputs: Vec<(&'static str, String, Option<String>)>,
    /// For 3.5: the fee-bearing procedures (code, name, fee, payable online).
    pub fee_procedures: Vec<(String, String, String, bool)>,
}

/// One indicator explained: formula, inputs (each count links to its dossiers), value, points.
pub async fn indicator(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(key): Path<String>,
    PageQuery(q): PageQuery<IocParams>,
) -> PageResult {
    let err = page_err(&viewer);
    require_ioc(&viewer).map_err(&err)?;
    let unit = parse_unit(&state, q.unit.as_deref()).map_err(&err)?;
    let period = parse_period(q.tu.as_deref(), q.den.as_deref()).map_err(&err)?;
    let report = ioc::snapshot(&state, period).await.map_err(&err)?.report(&state, &unit);
    let i = report
        .groups
        .into_iter()
        .flat_map(|g| g.indicators)
        .find(|i| i.key == key)
        .ok_or(AppError::NotFound)
        .map_err(&err)?;
    let query = keep(period, &unit);
    let f = Figures::of(&viewer);
    let (name, formula) = f.indicator(&i);
    let page = IndicatorPage {
        layout: Layout::new(&state, &viewer, format!("{} {}: {name}", f.say("Chỉ số", "Indicator"), i.key)),
        unit_name: f.unit(&state, &unit),
        period: f.period(period),
        rate: f.pct(i.rate),
        full_at: f.pct(Some(i.full_at)),
        points: format!("{} / {}", f.points(i.points), f.points(i.max)),
        source: source_of(&i, f),
        name,
        formula,
        inputs: i
            .inputs
            .iter()
            .map(|x| {
                let value = tinhso_kernel::format::count(x.value);
                let value = if f.en { value.replace('.', ",") } else { value };
                (f.input(x), value, x.measure.map(|m| format!("/dieu-hanh/ho-so?{query}&so-lieu={m}")))
            })
            .collect(),
        fee_procedures: if i.key == "3.5" {
            ioc::fee_procedures(&state, &unit)
                .into_iter()
                .map(|(c, n, fee, online)| (c, n, tinhso_kernel::format::money(fee, f.en), online))
                .collect()
        } else {
            Vec::new()
        },
        query,
        i,
    };
    Ok(viewer.finish(render(&page)))
}

#[derive(Template)]
#[template(path = "ioc/dossiers.html")]
pub struct DrillPage {
    pub layout: Layout,
    pub unit_name: String,
    pub period: String,
    pub measure: &'static str,
    pub measure_key: &'static str,
    pub query: String,
    pub items: Vec<DossierSummary>,
    /// Dossiers behind the number in all, written the Vietnamese way.
    pub total: String,
    pub paged: bool,
    /// The next page's link parameter, if there is one.
    pub next: Option<String>,
    pub export_limit: String,
    /// For a sum of working days (not a count): the sum, and each dossier's part of it.
    pub sum: Option<String>,
    pub days: Vec<u16>,
    /// Whether the reader may open the dossiers listed (a province admin sees the operations
    /// centre but not people's dossiers: the codes are then not links to a page it cannot open).
    pub open_dossiers: bool,
}

impl DrillPage {
    /// The `i`th listed dossier's days, on a sum's list.
    fn day(&self, i: impl std::borrow::Borrow<usize>) -> Option<u16> {
        self.days.get(*i.borrow()).copied()
    }
}

/// The dossiers behind one number.
pub async fn dossiers(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<IocParams>) -> PageResult {
    let err = page_err(&viewer);
    require_ioc(&viewer).map_err(&err)?;
    let unit = parse_unit(&state, q.unit.as_deref()).map_err(&err)?;
    let period = parse_period(q.tu.as_deref(), q.den.as_deref()).map_err(&err)?;
    let measure = q
        .measure
        .as_deref()
        .and_then(Measure::parse)
        .ok_or_else(|| AppError::bad_request("unknown_measure", "Không có số liệu này", "No such measure"))
        .map_err(&err)?;
    if measure.of_reports() {
        return reports_behind(&state, &viewer, &unit, period, measure).await.map_err(err);
    }
    let after = drill::parse_after(q.sau.as_deref()).map_err(&err)?;
    if let Some(format) = export::format_of(q.format.as_deref()).map_err(&err)? {
        let all = drill::behind(&state, &unit, period, measure, None, drill::EXPORT).await.map_err(&err)?;
        return export::download(&dossier_table("ho-so", &state, &all.dossiers), format).map_err(err);
    }
    let paged = after.is_some();
    let behind = drill::behind(&state, &unit, period, measure, after, drill::PAGE).await.map_err(&err)?;
    // A sum of days lists its dossiers with each one's days, so the figure can be added up.
    let (sum, days) = match measure {
        Measure::WorkingDays | Measure::AllowedDays => {
            let snap = ioc::snapshot(&state, period).await.map_err(&err)?;
            let sum = snap.totals(&unit).get(&measure).copied().unwrap_or(0);
            let part = |d: &tinhso_dossier::Dossier| match measure {
                Measure::WorkingDays => d.working_days.unwrap_or(0),
                _ => d.processing_days,
            };
            (Some(tinhso_kernel::format::thousands(sum.max(0) as u64)), behind.dossiers.iter().map(part).collect())
        }
        _ => (None, Vec::new()),
    };
    let f = Figures::of(&viewer);
    let page = DrillPage {
        layout: Layout::new(&state, &viewer, format!("{}: {}", f.measure(measure), f.unit(&state, &unit))),
        unit_name: f.unit(&state, &unit),
        period: f.period(period),
        measure: f.measure(measure),
        measure_key: measure.key(),
        query: keep(period, &unit),
        items: behind.dossiers.iter().map(|d| summary(&state, d, f.en)).collect(),
        total: tinhso_kernel::format::thousands(behind.total.max(0) as u64),
        paged,
        next: behind.next.as_ref().map(drill::cursor_param),
        export_limit: tinhso_kernel::format::thousands(drill::EXPORT as u64),
        sum,
        days,
        open_dossiers: viewer.may(&Action::ViewAllDossiers),
    };
    Ok(viewer.finish(render(&page)))
}

#[derive(Template)]
#[template(path = "ioc/reports.html")]
pub struct ReportsBehindPage {
    pub layout: Layout,
    pub unit_name: String,
    pub period: String,
    pub measure: &'static str,
    /// (id, public id, agency, state, received, due, on time)
    pub items: Vec<(i64, String, String, &'static str, String, String, bool)>,
}

/// The reports behind a feedback count (Decision 766 group 5): exactly those it counts.
async fn reports_behind(
    state: &AppState,
    viewer: &Viewer,
    unit: &Unit,
    period: crate::service::Period,
    measure: Measure,
) -> Result<axum::response::Response, AppError> {
    let f = Figures::of(viewer);
    let items = ioc::feedback_reports(state, period)
        .await?
        .into_iter()
        .filter(|(r, on_time)| {
            (measure == Measure::FeedbackDue || *on_time)
                && match unit {
                    Unit::Agency(a) => &r.agency == a,
                    Unit::Province => true,
                }
        })
        .map(|(r, on_time)| {
            let received = tinhso_kernel::format::date_vi(tinhso_kernel::calendar::local_date(r.received_at));
            (
                r.id,
                tinhso_reports::public_id(r.id),
                state.agency_name(r.agency.as_str()).unwrap_or(r.agency.as_str()).to_owned(),
                f.say(r.state.label_vi(), r.state.label_en()),
                received,
                tinhso_kernel::format::date_vi(r.deadlines.handle_due),
                on_time,
            )
        })
        .collect();
    let page = ReportsBehindPage {
        layout: Layout::new(state, viewer, format!("{}: {}", f.measure(measure), f.unit(state, unit))),
        unit_name: f.unit(state, unit),
        period: f.period(period),
        measure: f.measure(measure),
        items,
    };
    Ok(viewer.finish(render(&page)))
}

/// A list of dossiers as an export table.
pub(super) fn dossier_table(name: &'static str, state: &AppState, items: &[tinhso_dossier::Dossier]) -> Table {
    let rows = items
        .iter()
        .map(|d| {
            let s = summary(state, d, false);
            vec![
                Cell::Text(s.code),
                Cell::Text(s.procedure),
                Cell::Text(s.competent),
                Cell::Text(s.state.into()),
                Cell::Text(d.submitted_on.to_string()),
                d.due_on.map(|x| Cell::Text(x.to_string())).unwrap_or(Cell::Empty),
                d.finished_on.map(|x| Cell::Text(x.to_string())).unwrap_or(Cell::Empty),
                Cell::Number(f64::from(s.working_days_late)),
            ]
        })
        .collect();
    Table {
        name,
        headers: tinhso_http::export::heads(&[
            "Mã hồ sơ",
            "Thủ tục",
            "Cơ quan giải quyết",
            "Trạng thái",
            "Ngày nộp",
            "Hẹn trả",
            "Có kết quả",
            "Số ngày làm việc quá hạn",
        ]),
        rows,
    }
}
