//! Province admin: each year's working-day calendar, which every deadline counts on.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::form::{FormData, PageQuery};
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{error_for, render, Layout};
use tinhso_kernel::calendar::{CalendarSource, NamedDay, YearCalendar};
use tinhso_kernel::error::Errors;
use tinhso_kernel::FieldError;
use tinhso_policy::Action;
use tinhso_store::admin::{AdminAct, Basis};
use tinhso_store::StoreError;

#[derive(Template)]
#[template(path = "admin/calendar.html")]
pub struct CalendarForm {
    pub layout: Layout,
    pub year: i32,
    pub source: &'static str,
    pub days_off: String,
    pub swap_days: String,
    pub errors: Vec<FieldError>,
    /// Just saved: the page says so.
    pub saved: bool,
    /// What the page began from ([`Basis::token`]).
    pub revision: String,
}

impl CalendarForm {
    pub fn err(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field, self.layout.en)
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CalendarParams {
    #[serde(rename = "da-luu")]
    saved: Option<u8>,
}

fn days_text(days: &[NamedDay]) -> String {
    days.iter().map(|d| format!("{} | {}", d.date.format("%d/%m/%Y"), d.name)).collect::<Vec<_>>().join("\n")
}

fn source_label(s: CalendarSource, en: bool) -> &'static str {
    match (s, en) {
        (CalendarSource::Official, false) => "Lịch chính thức do Chính phủ công bố",
        (CalendarSource::Official, true) => "The official calendar the Government published",
        (CalendarSource::Rules, false) => {
            "Tính theo quy định (Bộ luật Lao động, âm lịch) – cần đối chiếu thông báo chính thức"
        }
        (CalendarSource::Rules, true) => {
            "Computed from the rules (Labour Code, lunar calendar): check it against the official notice"
        }
        (CalendarSource::Edited, false) => "Đã được quản trị tỉnh chỉnh sửa",
        (CalendarSource::Edited, true) => "Edited by the province's admin",
    }
}

fn calendar_title(year: i32, viewer: &Viewer) -> String {
    match viewer.locale {
        tinhso_http::i18n::Locale::Vi => format!("Lịch làm việc năm {year}"),
        tinhso_http::i18n::Locale::En => format!("Working calendar {year}"),
    }
}

fn year_of(s: &str, viewer: &Viewer) -> Result<i32, tinhso_http::error::PageError> {
    s.parse::<i32>().ok().filter(|y| (2000..=2100).contains(y)).ok_or_else(|| {
        page_err(viewer)(AppError::bad_request(
            "invalid_year",
            "Năm phải từ 2000 đến 2100",
            "The year must be between 2000 and 2100",
        ))
    })
}

pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(year): Path<String>,
    PageQuery(q): PageQuery<CalendarParams>,
) -> PageResult {
    viewer.require(&Action::ManageCalendar).map_err(page_err(&viewer))?;
    let year = year_of(&year, &viewer)?;
    let y = state.calendar().year(year);
    let revision = calendar_basis(&state, year).await.map_err(page_err(&viewer))?;
    let page = CalendarForm {
        layout: Layout::new(&state, &viewer, calendar_title(year, &viewer)),
        year,
        source: source_label(y.source, viewer.locale == tinhso_http::i18n::Locale::En),
        days_off: days_text(&y.days_off),
        swap_days: days_text(&y.swap_workdays),
        errors: Vec::new(),
        saved: q.saved == Some(1),
        revision: revision.token().to_owned(),
    };
    Ok(viewer.finish(render(&page)))
}

/// What a calendar page begins from: the year as stored, if it is (a year the rules compute
/// is not stored until saved).
async fn calendar_basis(state: &AppState, year: i32) -> Result<Basis, AppError> {
    let years = state.store.catalogue.calendar_years().await?;
    Ok(Basis::of(years.iter().find(|y| y.year == year))?)
}

/// `dd/mm/yyyy | tên` (or ISO dates), one per line.
fn parse_days(field: &str, text: &str, errs: &mut Errors) -> Vec<NamedDay> {
    let mut out = Vec::new();
    for (i, line) in text.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let (date, name) = line.split_once('|').map(|(d, n)| (d.trim(), n.trim())).unwrap_or((line, ""));
        match tinhso_kernel::format::parse_date(date) {
            Ok(date) => out.push(NamedDay { date, name: tinhso_kernel::text::clean(name) }),
            Err(p) => errs.push(FieldError::new(
                field,
                "invalid_date",
                format!("Dòng {}: {}", i + 1, p.vi),
                format!("Line {}: {}", i + 1, p.en),
            )),
        }
    }
    out.sort_by_key(|d| d.date);
    out
}

pub async fn save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(year): Path<String>,
    form: FormData,
) -> PageResult {
    let err = page_err(&viewer);
    viewer.require(&Action::ManageCalendar).map_err(&err)?;
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["days_off", "swap_days", "revision"]).map_err(&err)?;
    let year = year_of(&year, &viewer)?;
    let mut errs = Errors::default();
    let days_off = parse_days("days_off", &form.text("days_off"), &mut errs);
    let swap_workdays = parse_days("swap_days", &form.text("swap_days"), &mut errs);
    let cal = YearCalendar {
        year,
        source: CalendarSource::Edited,
        basis: "Quản trị tỉnh chỉnh sửa".into(),
        days_off,
        swap_workdays,
    };
    if errs.is_empty() {
        // The rule speaks of the data's field; the form calls the make-up days `swap_days`.
        errs.take(cal.validate().map_err(|e| if e.field == "swap_workdays" { e.at("swap_days") } else { e }));
    }
    // A page without a token, or a forged one, began from no stored year (see `save`).
    let mut basis = Basis::from_token(&form.text("revision")).unwrap_or(Basis::Absent);
    let mut status = StatusCode::BAD_REQUEST;
    if errs.is_empty() {
        let admin = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?.id;
        let by = AdminAct { actor: admin, at: chrono::Utc::now() };
        match state.store.catalogue.put_calendar_year(&cal, &basis, &by).await {
            Ok(()) => {
                state.reload_calendar().await.map_err(|e| err(e.into()))?;
                return Ok(Redirect::to(&format!("/quan-tri/lich/{year}?da-luu=1")).into_response());
            }
            // As a procedure's editor does: theirs kept, what was typed here shown again.
            Err(StoreError::Conflict(_)) => {
                state.reload_calendar().await.map_err(|e| err(e.into()))?;
                basis = calendar_basis(&state, year).await.map_err(&err)?;
                status = StatusCode::CONFLICT;
                errs.push(FieldError::new(
                    "revision",
                    "changed_meanwhile",
                    format!(
                        "Trong lúc bạn sửa, lịch năm {year} đã được lưu với nội dung khác. Nội dung bạn nhập vẫn còn \
                         dưới đây và chưa được lưu; nếu vẫn muốn thay bằng nội dung của bạn, bấm lưu lần nữa."
                    ),
                    format!(
                        "While you were editing, the calendar for {year} was saved by someone else. What you typed \
                         is still below and has not been saved; to replace it with yours, save again."
                    ),
                ));
            }
            Err(e) => return Err(err(e.into())),
        }
    }
    let page = CalendarForm {
        layout: Layout::new(&state, &viewer, calendar_title(year, &viewer)),
        year,
        source: source_label(CalendarSource::Edited, viewer.locale == tinhso_http::i18n::Locale::En),
        days_off: form.text("days_off"),
        swap_days: form.text("swap_days"),
        errors: errs.0,
        saved: false,
        revision: basis.token().to_owned(),
    };
    Ok(viewer.finish((status, render(&page))))
}
