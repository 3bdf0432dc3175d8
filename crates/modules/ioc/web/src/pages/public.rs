//! The public transparency page (`/minh-bach`): on-time rate, online share and satisfaction
//! of the province and of each agency and commune, for everyone, with its downloads.

use super::dashboard::IocParams;
use super::figures::{pct, Figures};
use crate::service::{self as ioc, period_of_form, rates, Unit};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use tinhso_http::auth::Viewer;
use tinhso_http::export::{self, Cell, Table};
use tinhso_http::form::PageQuery;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_kernel::FieldError;

#[derive(Template)]
#[template(path = "ioc/public.html")]
pub struct PublicPage {
    pub layout: Layout,
    pub period: String,
    pub query: String,
    pub province: (String, String, String, i64),
    /// Departments, then communes: the rows of those that received dossiers in the period.
    pub departments: Vec<Row>,
    pub communes: Vec<Row>,
    /// The names of those that received none, listed apart (all of them are in the downloads).
    pub idle: Vec<String>,
    /// The period as typed in the form (dd/mm/yyyy).
    pub from: String,
    pub to: String,
    /// What was wrong with the period typed; the figures are then the default period's.
    pub errors: Vec<FieldError>,
}

impl PublicPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        tinhso_http::views::error_for(&self.errors, field, self.layout.en)
    }
}

/// One agency's or commune's figures as shown: name, on time, online, satisfied, received.
pub type Row = (String, String, String, String, i64);

/// On-time rate, online share and satisfaction by agency and commune, for everyone.
pub async fn public(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<IocParams>) -> PageResult {
    let err = page_err(&viewer);
    let form = period_of_form(q.tu.as_deref(), q.den.as_deref());
    let period = form.period;
    let snap = ioc::snapshot(&state, period).await.map_err(&err)?;
    let f = Figures::of(&viewer);
    // The page's language writes the decimal point; the downloads keep the Vietnamese form.
    let shown = |r: Option<f64>| f.pct(r);
    let units: Vec<_> = ioc::ranked_units(&state)
        .into_iter()
        .map(|(unit, name, commune)| (name, rates(&snap.totals(&unit)), commune))
        .collect();
    let table = |shown: &dyn Fn(Option<f64>) -> String| -> Vec<(Row, bool)> {
        units
            .iter()
            .map(|(n, r, c)| ((n.clone(), shown(r.on_time), shown(r.online), shown(r.satisfied), r.received), *c))
            .collect()
    };
    if let Some(format) = export::format_of(q.format.as_deref()).map_err(&err)? {
        let rows: Vec<Row> = table(&pct).into_iter().map(|(row, _)| row).collect();
        let table = Table {
            name: "minh-bach",
            headers: tinhso_http::export::heads(&["Đơn vị", "Đúng hạn", "Trực tuyến", "Hài lòng", "Hồ sơ tiếp nhận"]),
            rows: rows
                .iter()
                .map(|(n, a, b, c, s)| {
                    vec![
                        Cell::Text(n.clone()),
                        Cell::Text(a.clone()),
                        Cell::Text(b.clone()),
                        Cell::Text(c.clone()),
                        Cell::Number(*s as f64),
                    ]
                })
                .collect(),
        };
        return Ok(export::download(&table, format).map_err(&err)?.into_response());
    }
    let p = rates(&snap.totals(&Unit::Province));
    let rows = table(&shown);
    let en = f.en;
    let page = PublicPage {
        layout: Layout::new(
            &state,
            &viewer,
            if en { "How procedures are handled, in public" } else { "Công khai kết quả giải quyết hồ sơ" },
        ),
        // The page's lead sentence starts with it.
        period: if en {
            format!("From {} to {}", period.from.format("%d/%m/%Y"), period.to.format("%d/%m/%Y"))
        } else {
            format!("Từ {} đến {}", period.from.format("%d/%m/%Y"), period.to.format("%d/%m/%Y"))
        },
        query: format!("tu={}&den={}", period.from, period.to),
        province: (shown(p.on_time), shown(p.online), shown(p.satisfied), p.received),
        departments: rows.iter().filter(|(r, c)| !c && r.4 > 0).map(|(r, _)| r.clone()).collect(),
        communes: rows.iter().filter(|(r, c)| *c && r.4 > 0).map(|(r, _)| r.clone()).collect(),
        idle: rows.iter().filter(|(r, _)| r.4 == 0).map(|(r, _)| r.0.clone()).collect(),
        from: form.from,
        to: form.to,
        errors: form.errors,
    };
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    Ok(viewer.finish((status, render(&page))))
}
