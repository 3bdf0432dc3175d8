//! `/can-bo/phan-anh`: the reports an agency handles, open ones first with the overdue on top;
//! province-wide roles see every agency's.

use crate::views::{view, ReportView};
use askama::Template;
use axum::extract::State;
use chrono::Utc;
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_kernel::calendar::local_date;
use tinhso_kernel::ids::AgencyCode;
use tinhso_policy::Action;
use tinhso_store::ReportQuery;

#[derive(Template)]
#[template(path = "reports/staff.html")]
pub struct StaffPage {
    pub layout: Layout,
    pub agency: String,
    pub overdue: Vec<ReportView>,
    pub open: Vec<ReportView>,
}

/// Whose reports `viewer`'s list holds: every agency's (`Some(None)`) for the province-wide
/// roles, their agency's when they handle its reports, or no list at all (`None`): a citizen, or
/// staff whose work is elsewhere (the DTI's appraisers). Pages link the list by the same rule.
pub fn scope(viewer: &Viewer) -> Option<Option<AgencyCode>> {
    if viewer.may(&Action::ViewAllDossiers) {
        return Some(None);
    }
    let agency = viewer.account.as_ref()?.agency.as_ref()?;
    viewer.may(&Action::HandleReport { agency: agency.clone() }).then(|| Some(agency.clone()))
}

pub async fn inbox(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let err = page_err(&viewer);
    viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let agency = scope(&viewer).ok_or(AppError::Forbidden).map_err(&err)?;
    let categories = state.store.reports.report_categories().await.map_err(|e| err(e.into()))?;
    let today = local_date(Utc::now());
    // Most urgent first, so a long list cuts the reports that can wait, never the late ones.
    let base =
        ReportQuery { agency: agency.clone(), open_only: true, due_first: true, limit: 200, ..Default::default() };
    let overdue = state
        .store
        .reports
        .reports(&ReportQuery { overdue_on: Some(today), ..base.clone() })
        .await
        .map_err(|e| err(e.into()))?;
    let open = state
        .store
        .reports
        .reports(&ReportQuery { due_from: Some(today), ..base.clone() })
        .await
        .map_err(|e| err(e.into()))?;
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let page = StaffPage {
        layout: Layout::new(&state, &viewer, viewer.locale.pick("Phản ánh cần xử lý", "Reports to handle")),
        agency: agency.map_or_else(
            || viewer.locale.pick("Toàn tỉnh", "The whole province").to_owned(),
            |a| crate::views::agency_name(&state, a.as_str()),
        ),
        overdue: overdue.iter().map(|r| view(&state, &categories, r, en)).collect(),
        open: open.iter().map(|r| view(&state, &categories, r, en)).collect(),
    };
    Ok(viewer.finish(render(&page)))
}
