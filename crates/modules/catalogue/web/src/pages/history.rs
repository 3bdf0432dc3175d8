//! `/quan-tri/thu-tuc/{code}/lich-su`: a procedure's saved versions, newest first, each with
//! when, by whom, and what it changed in words (`tinhso_catalogue::history`), for the province's
//! admins and its auditors (who reach it from the administrators' log).

use askama::Template;
use axum::extract::{Path, State};
use std::collections::HashMap;
use tinhso_catalogue::history::{changes, Change};
use tinhso_catalogue::procedure::CompetentAgency;
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_kernel::ids::AccountId;
use tinhso_policy::Action;

#[derive(Template)]
#[template(path = "admin/history.html")]
pub struct HistoryPage {
    pub layout: Layout,
    pub code: String,
    pub name: String,
    /// The editor's address, for those who may edit.
    pub edit: Option<String>,
    pub versions: Vec<VersionView>,
}

pub struct VersionView {
    /// dd/mm/yyyy HH:MM, Vietnam time.
    pub when: String,
    pub who: String,
    /// What this save changed, in the page's language; `None` for the first version kept.
    pub changes: Option<Vec<String>>,
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(code): Path<String>) -> PageResult {
    let err = page_err(&viewer);
    if viewer.account.is_none() {
        return Err(err(AppError::Unauthenticated));
    }
    let edits = viewer.may(&Action::ManageCatalogue);
    if !edits && !viewer.may(&Action::ViewAuditLog) {
        return Err(err(AppError::Forbidden));
    }
    let versions = state.store.catalogue.procedure_history(Some(&code)).await.map_err(|e| err(e.into()))?;
    let current = crate::live::index(&state).get(&code).map(|p| p.name.clone());
    let name = current.or_else(|| versions.last().map(|v| v.procedure.name.clone()));
    let name = name.ok_or(AppError::NotFound).map_err(&err)?;
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let agency = |c: &CompetentAgency, en: bool| match c {
        CompetentAgency::CommuneCommittee if en => "The commune's People's Committee".to_owned(),
        CompetentAgency::CommuneCommittee => "UBND xã, phường, đặc khu".to_owned(),
        CompetentAgency::Agency(a) => state.agency_name(a.as_str()).map_or_else(|| a.to_string(), str::to_owned),
    };
    let mut names: HashMap<AccountId, String> = HashMap::new();
    let mut out = Vec::with_capacity(versions.len());
    for (i, v) in versions.iter().enumerate() {
        let who = match names.get(&v.actor) {
            Some(n) => n.clone(),
            None => {
                let n = who(&state, v.actor, en).await.map_err(&err)?;
                names.insert(v.actor, n.clone());
                n
            }
        };
        let said = |c: Change| if en { c.en } else { c.vi };
        out.push(VersionView {
            when: tinhso_kernel::calendar::local_time(v.at).format("%d/%m/%Y %H:%M").to_string(),
            who,
            changes: i
                .checked_sub(1)
                .map(|p| changes(&versions[p].procedure, &v.procedure, &agency).into_iter().map(said).collect()),
        });
    }
    out.reverse();
    let title = match en {
        true => format!("History of procedure {code}"),
        false => format!("Lịch sử thay đổi thủ tục {code}"),
    };
    let page = HistoryPage {
        layout: Layout::new(&state, &viewer, title),
        edit: edits.then(|| format!("/quan-tri/thu-tuc/{code}")),
        code,
        name,
        versions: out,
    };
    Ok(viewer.finish(render(&page)))
}

/// How the page names a save's maker: the platform itself (set-up, imports, an upgrade), or
/// the account's holder.
async fn who(state: &AppState, id: AccountId, en: bool) -> Result<String, AppError> {
    if id == tinhso_store::admin::CONSOLE {
        return Ok(if en {
            "The platform (set-up or import)"
        } else {
            "Hệ thống (khởi tạo hoặc nạp danh mục)"
        }
        .into());
    }
    Ok(match state.store.identity.account(id).await? {
        Some(a) => a.full_name,
        None => format!("#{}", id.0),
    })
}
