//! `/ho-so`: a citizen's own dossiers, or a staff member's inbox: the agency's open work, most
//! urgent first, with counters by state, overdue and due soon. The counters come from the
//! tally the store keeps in every event's transaction, so they are exact at any volume; the
//! lists are index reads of at most a few hundred dossiers.

use crate::service as dossiers;
use crate::views::{status_of, summary, DossierSummary};
use askama::Template;
use axum::extract::State;
use chrono::Utc;
use serde::Deserialize;
use tinhso_dossier::deadline::{due_soon_until, local_date, DueStatus};
use tinhso_dossier::tally::InboxCounts;
use tinhso_dossier::{Dossier, DossierState};
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::form::PageQuery;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_policy::Role;
use tinhso_store::DossierQuery;

/// Most dossiers one inbox page lists.
const PAGE: usize = 200;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    #[serde(rename = "trang-thai")]
    state: Option<String>,
    han: Option<String>,
}

#[derive(Template)]
#[template(path = "dossier/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub staff: bool,
    /// A one-stop receptionist: the list links to the desk screen.
    pub desk: bool,
    pub items: Vec<DossierSummary>,
    /// (link, label, count, selected).
    pub counters: Vec<(String, &'static str, i64, bool)>,
}

/// Which slice of the inbox the page shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slice {
    /// Staff default: what still needs someone.
    OpenWork,
    Everything,
    State(DossierState),
    Overdue,
    DueSoon,
}

impl Slice {
    fn of(q: &ListParams) -> Self {
        match (q.state.as_deref().filter(|s| !s.is_empty()), q.han.as_deref()) {
            (_, Some("qua-han")) => Self::Overdue,
            (_, Some("sap-den-han")) => Self::DueSoon,
            (Some("tat-ca"), _) => Self::Everything,
            (Some(s), _) => DossierState::parse(s).map(Self::State).unwrap_or(Self::OpenWork),
            (None, _) => Self::OpenWork,
        }
    }
}

pub async fn list(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<ListParams>) -> PageResult {
    let err = page_err(&viewer);
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let staff = account.role != Role::Citizen;
    let visible = dossiers::visible(account).map_err(&err)?;
    let slice = Slice::of(&q);
    let today = local_date(Utc::now());
    let soon = due_soon_until(&state.calendar(), today);
    let (items, counts) = if staff {
        let rows = state.store.dossiers.inbox_counts(visible.agency.as_ref()).await.map_err(|e| err(e.into()))?;
        let items = staff_items(&state, &visible, slice, today, soon).await.map_err(&err)?;
        (items, InboxCounts::from_rows(rows, today, soon))
    } else {
        // A citizen has few dossiers: all of them, counted here.
        let all =
            state.store.dossiers.dossiers(&DossierQuery { limit: 500, ..visible }).await.map_err(|e| err(e.into()))?;
        let counts = own_counts(&state, &all);
        let items = all.into_iter().filter(|d| in_slice(&state, d, slice)).collect();
        (items, counts)
    };
    let mut counters: Vec<(String, &'static str, i64, bool)> = counts
        .by_state
        .iter()
        .map(|(s, n)| (format!("/ho-so?trang-thai={}", s.key()), s.label_vi(), *n, slice == Slice::State(*s)))
        .collect();
    counters.push(("/ho-so?han=qua-han".into(), "Quá hạn", counts.overdue, slice == Slice::Overdue));
    counters.push(("/ho-so?han=sap-den-han".into(), "Sắp đến hạn", counts.due_soon, slice == Slice::DueSoon));
    let page = ListPage {
        layout: Layout::new(&state, &viewer, if staff { "Hồ sơ của cơ quan" } else { "Hồ sơ của tôi" }),
        staff,
        desk: account.role == Role::Receptionist,
        items: items.iter().map(|d| summary(&state, d)).collect(),
        counters,
    };
    Ok(viewer.finish(render(&page)))
}

/// The dossiers of a staff inbox's slice, most urgent first.
async fn staff_items(
    state: &AppState,
    visible: &DossierQuery,
    slice: Slice,
    today: chrono::NaiveDate,
    soon: chrono::NaiveDate,
) -> Result<Vec<Dossier>, AppError> {
    let newest = |states: Vec<DossierState>| DossierQuery { states, limit: PAGE, ..visible.clone() };
    let open_until = |until| async move {
        match &visible.agency {
            Some(a) => state.store.dossiers.open_dossiers_of(a, until, PAGE).await,
            None => state.store.dossiers.open_dossiers_due(until, PAGE).await,
        }
    };
    let mut items = match slice {
        Slice::Everything => return Ok(state.store.dossiers.dossiers(&newest(Vec::new())).await?),
        Slice::State(s) => return Ok(state.store.dossiers.dossiers(&newest(vec![s])).await?),
        // By the original due date, then judged with any apology's new one.
        Slice::Overdue => open_until(today.pred_opt().unwrap_or(today)).await?,
        Slice::DueSoon => open_until(soon).await?,
        Slice::OpenWork => {
            // Waiting at the desk (to receive, for the applicant, to hand back), then the
            // open work by due date.
            let waiting = vec![DossierState::Submitted, DossierState::SupplementRequested, DossierState::ResultReady];
            let mut items = state.store.dossiers.dossiers(&newest(waiting)).await?;
            items.extend(open_until(chrono::NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(today)).await?);
            items
        }
    };
    items.retain(|d| in_slice(state, d, slice));
    // Oldest due first; dossiers without a due date (not yet received) lead.
    items.sort_by_key(|d| (d.state.is_final(), d.apology_due_on.or(d.due_on)));
    Ok(items)
}

fn in_slice(state: &AppState, d: &Dossier, slice: Slice) -> bool {
    match slice {
        Slice::OpenWork | Slice::Everything => true,
        Slice::State(s) => d.state == s,
        Slice::Overdue => status_of(state, d) == DueStatus::Overdue,
        Slice::DueSoon => status_of(state, d) == DueStatus::DueSoon,
    }
}

fn own_counts(state: &AppState, all: &[Dossier]) -> InboxCounts {
    let mut c = InboxCounts::default();
    for d in all {
        *c.by_state.entry(d.state).or_default() += 1;
        match status_of(state, d) {
            DueStatus::Overdue => c.overdue += 1,
            DueStatus::DueSoon => c.due_soon += 1,
            _ => {}
        }
    }
    c
}
