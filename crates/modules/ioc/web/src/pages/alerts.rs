//! Alerts (due soon, overdue without an apology, agencies under the on-time threshold) and
//! the admin's entry of the Decision 766 indicators the platform cannot measure yet.

use super::dashboard::{dossier_table, require_ioc};
use super::figures::Figures;
use crate::service::{self as ioc, parse_unit, Unit};
use askama::Template;
use axum::extract::State;
use axum::response::IntoResponse;
use serde::Deserialize;
use tinhso_dossier_web::views::{summary, DossierSummary};
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::export::{self, Cell, Table};
use tinhso_http::form::PageQuery;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_policy::Action;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AlertParams {
    ngay: Option<u32>,
    nguong: Option<f64>,
    /// Which table to export: qua-han, sap-den-han, co-quan.
    bang: Option<String>,
    #[serde(rename = "dinh-dang")]
    format: Option<String>,
    /// One deciding agency (or commune): the page lists its open overdue dossiers, exactly those
    /// its "Quá hạn" count on the dashboard counts.
    #[serde(rename = "don-vi")]
    don_vi: Option<String>,
}

#[derive(Template)]
#[template(path = "ioc/alerts.html")]
pub struct AlertsPage {
    pub layout: Layout,
    pub days: u32,
    pub threshold: String,
    pub due_soon: Vec<DossierSummary>,
    pub overdue: Vec<DossierSummary>,
    /// (name, unit key, rate, finished)
    pub slipping: Vec<(String, String, String, i64)>,
    /// One unit's open overdue dossiers, when the page was opened from its count: (name, list).
    pub unit: Option<(String, Vec<DossierSummary>)>,
    /// Whether the reader may open the dossiers listed (see `DrillPage::open_dossiers`).
    pub open_dossiers: bool,
}

/// Due soon, overdue without an apology letter, agencies under the on-time threshold.
pub async fn alerts(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<AlertParams>) -> PageResult {
    let err = page_err(&viewer);
    require_ioc(&viewer).map_err(&err)?;
    let days = q.ngay.unwrap_or(2).min(30);
    let threshold = q.nguong.unwrap_or(ioc::ON_TIME_THRESHOLD * 100.0).clamp(0.0, 100.0) / 100.0;
    let fig = Figures::of(&viewer);
    if let Some(key) = q.don_vi.as_deref().filter(|k| !k.is_empty()) {
        let unit = parse_unit(&state, Some(key)).map_err(&err)?;
        let Unit::Agency(agency) = &unit else {
            return Err(err(AppError::bad_request(
                "unit_required",
                "Chọn một cơ quan hoặc xã, phường",
                "Choose one agency or commune",
            )));
        };
        let list = unit_overdue(&state, agency).await.map_err(&err)?;
        if let Some(f) = export::format_of(q.format.as_deref()).map_err(&err)? {
            return export::download(&dossier_table("qua-han", &state, &list), f).map_err(err);
        }
        let page = AlertsPage {
            layout: Layout::new(
                &state,
                &viewer,
                format!("{}: {}", fig.say("Quá hạn", "Overdue"), fig.unit(&state, &unit)),
            ),
            days,
            threshold: fig.pct(Some(threshold)),
            due_soon: Vec::new(),
            overdue: Vec::new(),
            slipping: Vec::new(),
            unit: Some((fig.unit(&state, &unit), list.iter().map(|d| summary(&state, d, fig.en)).collect())),
            open_dossiers: viewer.may(&Action::ViewAllDossiers),
        };
        return Ok(viewer.finish(render(&page)));
    }
    let a = ioc::alerts(&state, days, threshold).await.map_err(&err)?;
    match (q.bang.as_deref(), export::format_of(q.format.as_deref()).map_err(&err)?) {
        (Some("qua-han"), Some(f)) => {
            return export::download(&dossier_table("qua-han", &state, &a.overdue_unexcused), f).map_err(err)
        }
        (Some("sap-den-han"), Some(f)) => {
            return export::download(&dossier_table("sap-den-han", &state, &a.due_soon), f).map_err(err)
        }
        (Some("co-quan"), Some(f)) => {
            let rows = a
                .slipping
                .iter()
                .map(|(ag, rate, n)| {
                    vec![
                        Cell::Text(ag.to_string()),
                        Cell::Text(state.agency_name(ag.as_str()).unwrap_or(ag.as_str()).to_owned()),
                        Cell::Number(*rate),
                        Cell::Number(*n as f64),
                    ]
                })
                .collect();
            let table = Table {
                name: "duoi-nguong",
                headers: tinhso_http::export::heads(&["Mã", "Cơ quan", "Tỷ lệ đúng hạn", "Đã giải quyết"]),
                rows,
            };
            return export::download(&table, f).map_err(err);
        }
        (_, Some(_)) => {
            return Err(err(AppError::bad_request(
                "unknown_table",
                "Chọn bảng: qua-han, sap-den-han hoặc co-quan",
                "Choose a table: qua-han, sap-den-han or co-quan",
            )))
        }
        _ => {}
    }
    let page = AlertsPage {
        layout: Layout::new(&state, &viewer, fig.say("Cảnh báo", "Alerts")),
        days,
        threshold: fig.pct(Some(threshold)),
        due_soon: a.due_soon.iter().map(|d| summary(&state, d, fig.en)).collect(),
        overdue: a.overdue_unexcused.iter().map(|d| summary(&state, d, fig.en)).collect(),
        slipping: a
            .slipping
            .iter()
            .map(|(ag, rate, n)| {
                (
                    state.agency_name(ag.as_str()).unwrap_or(ag.as_str()).to_owned(),
                    ag.to_string(),
                    fig.pct(Some(*rate)),
                    *n,
                )
            })
            .collect(),
        unit: None,
        open_dossiers: viewer.may(&Action::ViewAllDossiers),
    };
    Ok(viewer.finish(render(&page)))
}

/// The open dossiers `agency` decides that were due before today, by their original due date:
/// what the dashboard's "Quá hạn" of that unit counts (the open_due stock before today).
async fn unit_overdue(
    state: &AppState,
    agency: &tinhso_kernel::ids::AgencyCode,
) -> Result<Vec<tinhso_dossier::Dossier>, AppError> {
    let today = tinhso_dossier::deadline::local_date(chrono::Utc::now());
    let yesterday = today.pred_opt().unwrap_or(today);
    let mut list = state.store.dossiers.open_dossiers_of(agency, yesterday, 10_000).await?;
    list.retain(|d| &d.competent_agency == agency);
    Ok(list)
}

#[derive(Template)]
#[template(path = "ioc/entries.html")]
pub struct EntriesPage {
    pub layout: Layout,
    /// (indicator, unit, rate, evidence, by, at)
    pub entries: Vec<(String, String, String, String, String, String)>,
    pub indicators: Vec<tinhso_http::views::Choice>,
    pub units: Vec<tinhso_http::views::Choice>,
    pub errors: Vec<tinhso_kernel::FieldError>,
}

async fn entries_page(
    state: &AppState,
    viewer: &Viewer,
    errors: Vec<tinhso_kernel::FieldError>,
) -> Result<EntriesPage, AppError> {
    use tinhso_http::views::Choice;
    let entries = state.store.ioc.ioc_entries().await?;
    let fig = Figures::of(viewer);
    let name_of = |key: &str| match parse_unit(state, Some(key)) {
        Ok(u) => fig.unit(state, &u),
        Err(_) => key.to_owned(),
    };
    let mut units = vec![Choice { value: "province".into(), label: fig.unit(state, &Unit::Province), selected: false }];
    units.extend(ioc::ranked_units(state).into_iter().map(|(u, name, _)| Choice {
        value: u.key(),
        label: name,
        selected: false,
    }));
    Ok(EntriesPage {
        layout: Layout::new(
            state,
            viewer,
            fig.say("Nhập chỉ số chưa đo được", "Enter the indicators not measured yet"),
        ),
        entries: entries
            .into_iter()
            .map(|e| {
                (
                    e.indicator,
                    name_of(&e.unit),
                    fig.pct(Some(e.rate)),
                    e.evidence,
                    e.entered_by,
                    tinhso_kernel::calendar::local_time(e.entered_at).format("%d/%m/%Y %H:%M").to_string(),
                )
            })
            .collect(),
        indicators: tinhso_ioc::index::entered_indicators()
            .into_iter()
            .map(|(k, n)| {
                let name = if fig.en { tinhso_ioc::english::indicator(k).map_or(n, |(english, _)| english) } else { n };
                Choice { value: k.into(), label: format!("{k} {name}"), selected: false }
            })
            .collect(),
        units,
        errors,
    })
}

pub async fn entries(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let err = page_err(&viewer);
    viewer.require(&Action::ManageProvince).map_err(&err)?;
    let page = entries_page(&state, &viewer, Vec::new()).await.map_err(&err)?;
    Ok(viewer.finish(render(&page)))
}

/// Saves an admin's value for an indicator the platform cannot measure, with its evidence.
pub async fn save_entry(
    State(state): State<AppState>,
    viewer: Viewer,
    form: tinhso_http::form::FormData,
) -> PageResult {
    use tinhso_kernel::FieldError;
    let err = page_err(&viewer);
    let account = viewer.require(&Action::ManageProvince).map_err(&err)?.clone();
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["indicator", "unit", "rate", "evidence"]).map_err(&err)?;
    let mut errors = Vec::new();
    let indicator = form.text("indicator");
    if !tinhso_ioc::index::entered_indicators().iter().any(|(k, _)| *k == indicator) {
        errors.push(FieldError::new("indicator", "required", "Chọn chỉ số cần nhập", "Choose an indicator"));
    }
    let unit = parse_unit(&state, Some(&form.text("unit")));
    if unit.is_err() {
        errors.push(FieldError::new("unit", "unknown_unit", "Chọn đơn vị trong danh sách", "Choose a unit"));
    }
    let rate = form.text("rate").replace(',', ".").trim_end_matches('%').trim().parse::<f64>().ok();
    let rate = rate.filter(|r| (0.0..=100.0).contains(r));
    if rate.is_none() {
        errors.push(FieldError::new(
            "rate",
            "out_of_range",
            "Nhập tỷ lệ từ 0 đến 100 (%)",
            "Enter a rate from 0 to 100",
        ));
    }
    let evidence = tinhso_kernel::text::clean(&form.text("evidence"));
    if evidence.is_empty() || evidence.chars().count() > 2000 {
        errors.push(FieldError::new(
            "evidence",
            "required",
            "Nêu minh chứng: văn bản, số liệu hoặc đường dẫn (tối đa 2.000 ký tự)",
            "Give the evidence (at most 2,000 characters)",
        ));
    }
    match (unit, rate, errors.is_empty()) {
        (Ok(unit), Some(rate), true) => {
            let entry = tinhso_store::IocEntry {
                indicator,
                unit: unit.key(),
                rate: rate / 100.0,
                evidence,
                entered_by: account.full_name.clone(),
                entered_at: chrono::Utc::now(),
            };
            let by = tinhso_store::admin::AdminAct { actor: account.id, at: entry.entered_at };
            state.store.ioc.put_ioc_entry(&entry, &by).await.map_err(|e| err(e.into()))?;
            Ok(axum::response::Redirect::to("/dieu-hanh/nhap-chi-so").into_response())
        }
        _ => {
            let page = entries_page(&state, &viewer, errors).await.map_err(&err)?;
            Ok(viewer.finish((axum::http::StatusCode::BAD_REQUEST, render(&page))))
        }
    }
}
