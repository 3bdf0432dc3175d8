//! The administrators' log (`/quan-tri/nhat-ky`), for province admins and auditors
//! (`Action::ViewAuditLog`): each change an admin or a desk officer made to accounts (staff
//! added, locked, unlocked, given a new password; a citizen's password reset at a desk), to the
//! catalogue and the working calendar, to upload limits, hand-entered index figures and the
//! field reports' categories and routing, newest first. Read from the ledger, where each was
//! written in its change's own transaction.

use super::{page_err, PageResult};
use crate::auth::Viewer;
use crate::form::PageQuery;
use crate::state::AppState;
use crate::views::{render, Layout};
use askama::Template;
use axum::extract::State;
use std::collections::HashMap;
use tinhso_policy::Action;
use tinhso_store::admin::{self, AdminChange};

/// Entries a page shows; older ones are a link away.
const SHOWN: usize = 200;

/// `?truoc=<id>`: the page of entries older than that one.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogParams {
    truoc: Option<i64>,
}

pub struct LogRow {
    /// dd/mm/yyyy HH:MM, Vietnam time.
    pub when: String,
    pub who: String,
    pub what: &'static str,
    pub whom: String,
    /// The role and agency a new staff account was given.
    pub detail: String,
}

#[derive(Template)]
#[template(path = "admin/log.html")]
pub struct LogPage {
    pub layout: Layout,
    pub rows: Vec<LogRow>,
    /// The id to ask older entries before, when there may be some.
    pub older: Option<i64>,
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<LogParams>) -> PageResult {
    let err = page_err(&viewer);
    viewer.require(&Action::ViewAuditLog).map_err(&err)?;
    let en = viewer.locale == crate::i18n::Locale::En;
    let entries = state.store.ledger.admin_log(q.truoc, SHOWN).await.map_err(|e| err(e.into()))?;
    let older = entries.last().filter(|_| entries.len() == SHOWN).map(|e| e.id);
    let mut ids: Vec<_> = entries.iter().flat_map(|e| [Some(e.actor), e.change.account()]).flatten().collect();
    ids.sort_unstable_by_key(|a| a.0);
    ids.dedup();
    let names: HashMap<_, _> =
        state.store.identity.account_names(&ids).await.map_err(|e| err(e.into()))?.into_iter().collect();
    let name = |id: &tinhso_kernel::ids::AccountId| match names.get(id) {
        Some(n) => n.clone(),
        None if *id == admin::CONSOLE => if en { "The console" } else { "Dòng lệnh trên máy chủ" }.to_owned(),
        None => format!("#{}", id.0),
    };
    let rows = entries
        .iter()
        .map(|e| LogRow {
            when: (e.at + chrono::Duration::hours(7)).format("%d/%m/%Y %H:%M").to_string(),
            who: name(&e.actor),
            what: e.change.describe(en),
            whom: match &e.change {
                AdminChange::ProcedureSaved { code, .. } => {
                    let title = state.catalogue().get(code).map(|p| p.name.clone()).unwrap_or_default();
                    format!("{} {code} {title}", if en { "Procedure" } else { "Thủ tục" })
                }
                AdminChange::StaffImported { accounts } => {
                    format!("{} {}", accounts.len(), if en { "accounts" } else { "tài khoản" })
                }
                AdminChange::ProceduresImported { digests } => {
                    format!("{} {}", digests.len(), if en { "procedures" } else { "thủ tục" })
                }
                AdminChange::CalendarSaved { year, .. } => format!("{} {year}", if en { "Year" } else { "Năm" }),
                AdminChange::IndicatorEntered { indicator, unit, rate } => {
                    let percent =
                        rate.parse::<f64>().map(|r| format!("{:.1}%", r * 100.0)).unwrap_or_else(|_| rate.clone());
                    format!("{indicator} ({unit}): {percent}")
                }
                AdminChange::ReportCategorySaved { code, active, .. } => match (en, active) {
                    (false, true) => format!("Lĩnh vực {code}"),
                    (false, false) => format!("Lĩnh vực {code} (ngừng nhận)"),
                    (true, true) => format!("Category {code}"),
                    (true, false) => format!("Category {code} (closed)"),
                },
                AdminChange::ReportRoutesSet { routes } => routes.join("; "),
                AdminChange::Open311KeyIssued { client, .. } => client.clone(),
                AdminChange::Open311KeysRevoked { client, count } => format!("{client} ({count})"),
                AdminChange::ProvinceSetUp { agencies, .. } => {
                    format!("{agencies} {}", if en { "agencies" } else { "cơ quan" })
                }
                AdminChange::CommuneBoundariesSet { communes, .. } => {
                    format!("{communes} {}", if en { "communes" } else { "xã, phường" })
                }
                AdminChange::UploadLimitsSet { per_day_mb, total_mb } => match en {
                    true => format!("{per_day_mb} MB a day, {total_mb} MB in all"),
                    false => format!("{per_day_mb} MB mỗi ngày, tổng {total_mb} MB"),
                },
                _ => e.change.account().map(|a| name(&a)).unwrap_or_default(),
            },
            detail: match &e.change {
                AdminChange::StaffCreated { role, agency, .. } => {
                    let role = tinhso_policy::Role::parse(role).map(|r| r.label_vi()).unwrap_or(role.as_str());
                    let agency = agency.as_deref().and_then(|c| state.agency_name(c)).unwrap_or_default();
                    [role, agency].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(", ")
                }
                _ => String::new(),
            },
        })
        .collect();
    let title = if en { "Administrators' log" } else { "Nhật ký quản trị" };
    Ok(viewer.finish(render(&LogPage { layout: Layout::new(&state, &viewer, title), rows, older })))
}
