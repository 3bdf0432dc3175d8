//! `/quan-tri/thu-tuc/{code}/lich-su` and `/quan-tri/lich/{year}/lich-su`: a procedure's or a
//! year's calendar's saved versions, newest first, each with when, by whom, and what it changed
//! in words (`tinhso_catalogue::history`), for the province's admins and its auditors (who
//! reach them from the administrators' log).

use crate::live;
use askama::Template;
use axum::extract::{Path, State};
use std::collections::HashMap;
use tinhso_catalogue::history::{calendar_changes, changes, Change, English, Piece};
use tinhso_catalogue::procedure::CompetentAgency;
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_kernel::ids::AccountId;
use tinhso_policy::Action;
use tinhso_store::Version;

#[derive(Template)]
#[template(path = "admin/history.html")]
pub struct HistoryPage {
    pub layout: Layout,
    /// What the history is of, as named in Vietnamese (a procedure's name).
    pub subject: Option<String>,
    /// Where to go from here: (address, label in the page's language).
    pub links: Vec<(String, &'static str)>,
    pub versions: Vec<VersionView>,
}

pub struct VersionView {
    /// dd/mm/yyyy HH:MM, Vietnam time.
    pub when: String,
    pub who: String,
    /// What this save changed, in the page's language; `None` for the first version kept.
    /// Each change said in the page's language (a Vietnamese page's in one piece).
    pub changes: Option<Vec<English>>,
}

/// Who may read a history: the catalogue's admins (who may also edit) and the auditors.
fn readers(viewer: &Viewer, edit: &Action) -> Result<bool, AppError> {
    if viewer.account.is_none() {
        return Err(AppError::Unauthenticated);
    }
    let edits = viewer.may(edit);
    if !edits && !viewer.may(&Action::ViewAuditLog) {
        return Err(AppError::Forbidden);
    }
    Ok(edits)
}

/// `/quan-tri/thu-tuc/{code}/lich-su`.
pub async fn procedure(State(state): State<AppState>, viewer: Viewer, Path(code): Path<String>) -> PageResult {
    let err = page_err(&viewer);
    let edits = readers(&viewer, &Action::ManageCatalogue).map_err(&err)?;
    let versions = state.store.catalogue.procedure_history(Some(&code)).await.map_err(|e| err(e.into()))?;
    let current = live::index(&state).get(&code).map(|p| p.name.clone());
    let name = current.or_else(|| versions.last().map(|v| v.value.name.clone()));
    let name = name.ok_or(AppError::NotFound).map_err(&err)?;
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let agency = |c: &CompetentAgency, en: bool| match c {
        CompetentAgency::CommuneCommittee if en => "The commune's People's Committee".to_owned(),
        CompetentAgency::CommuneCommittee => "UBND xã, phường, đặc khu".to_owned(),
        CompetentAgency::Agency(a) => state.agency_name(a.as_str()).map_or_else(|| a.to_string(), str::to_owned),
    };
    let versions = listed(&state, &versions, en, |b, a| changes(b, a, &agency)).await.map_err(&err)?;
    let mut links = Vec::new();
    if edits {
        links.push((format!("/quan-tri/thu-tuc/{code}"), if en { "Edit the procedure" } else { "Sửa thủ tục" }));
    }
    let public = if en { "The procedure's public page" } else { "Trang công khai của thủ tục" };
    links.push((format!("/thu-tuc/{code}"), public));
    let title =
        if en { format!("History of procedure {code}") } else { format!("Lịch sử thay đổi thủ tục {code}") };
    let page = HistoryPage { layout: Layout::new(&state, &viewer, title), subject: Some(name), links, versions };
    Ok(viewer.finish(render(&page)))
}

/// `/quan-tri/lich/{year}/lich-su`.
pub async fn calendar(State(state): State<AppState>, viewer: Viewer, Path(year): Path<String>) -> PageResult {
    let err = page_err(&viewer);
    let edits = readers(&viewer, &Action::ManageCalendar).map_err(&err)?;
    let year: i32 = year.parse().ok().filter(|y| (2000..=2100).contains(y)).ok_or(AppError::NotFound).map_err(&err)?;
    let versions = state.store.catalogue.calendar_history(Some(year)).await.map_err(|e| err(e.into()))?;
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let versions = listed(&state, &versions, en, calendar_changes).await.map_err(&err)?;
    let links = match edits {
        true => vec![(format!("/quan-tri/lich/{year}"), if en { "Edit the calendar" } else { "Sửa lịch" })],
        false => Vec::new(),
    };
    let title = if en {
        format!("History of the working calendar {year}")
    } else {
        format!("Lịch sử thay đổi lịch làm việc năm {year}")
    };
    let page = HistoryPage { layout: Layout::new(&state, &viewer, title), subject: None, links, versions };
    Ok(viewer.finish(render(&page)))
}

/// The versions as the page lists them, newest first, each with what it changed from the one
/// before (`diff`).
async fn listed<T>(
    state: &AppState,
    versions: &[Version<T>],
    en: bool,
    diff: impl Fn(&T, &T) -> Vec<Change>,
) -> Result<Vec<VersionView>, AppError> {
    // Every maker named in one read, as the administrators' log does.
    let mut ids: Vec<AccountId> = versions.iter().map(|v| v.actor).collect();
    ids.sort_unstable_by_key(|a| a.0);
    ids.dedup();
    let names: HashMap<AccountId, String> = state.store.identity.account_names(&ids).await?.into_iter().collect();
    let who = |id: AccountId| match names.get(&id) {
        Some(n) => n.clone(),
        // The console (the platform's set-up, an import, an upgrade), as the log names it.
        None if id == tinhso_store::admin::CONSOLE => if en { "The console" } else { "Dòng lệnh trên máy chủ" }.into(),
        None => format!("#{}", id.0),
    };
    let mut out = Vec::with_capacity(versions.len());
    for (i, v) in versions.iter().enumerate() {
        let said = |c: Change| if en { c.en } else { English::words(c.vi) };
        out.push(VersionView {
            when: tinhso_kernel::calendar::local_time(v.at).format("%d/%m/%Y %H:%M").to_string(),
            who: who(v.actor),
            changes: i.checked_sub(1).map(|p| diff(&versions[p].value, &v.value).into_iter().map(said).collect()),
        });
    }
    out.reverse();
    Ok(out)
}
