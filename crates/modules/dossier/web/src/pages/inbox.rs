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
use tinhso_store::{DossierOrder, DossierQuery};

/// Most dossiers one inbox page lists.
const PAGE: usize = 200;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    #[serde(rename = "trang-thai")]
    state: Option<String>,
    han: Option<String>,
    /// `toi`: the dossiers whose current step the officer holds.
    giao: Option<String>,
    /// Staff search: a dossier code, the applicant's personal id number or phone number.
    tim: Option<String>,
    /// Page of a list by state, of everything or of one's own work, from 1.
    trang: Option<String>,
    /// `han`: a list by state sorted by due date, earliest first (default newest first).
    #[serde(rename = "sap-xep")]
    sort: Option<String>,
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
    /// What was searched for, and what the search says when it cannot be one.
    pub search: String,
    pub errors: Vec<tinhso_kernel::FieldError>,
    /// Links to the previous and next pages of the list, when there are any.
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    /// At a desk: how many results wait to be handed over (state 9), prompted at the top.
    pub to_hand_over: i64,
    /// What waits on the applicant (documents to add, fees to pay): a link to those dossiers
    /// and its sentence, first on their list.
    pub waiting_on_me: Vec<(String, String)>,
    /// On a list by state: links to sort it newest first and by due date, and which is on.
    pub sorts: Option<(String, String, bool)>,
    /// The applicant's saved applications, not yet sent.
    pub drafts: Vec<super::draft::DraftRow>,
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
    /// The dossiers whose current step the officer holds, earliest due first.
    Mine,
}

impl Slice {
    fn of(q: &ListParams) -> Self {
        if q.giao.as_deref() == Some("toi") {
            return Self::Mine;
        }
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
    let search = q.tim.as_deref().map(str::trim).unwrap_or_default().to_owned();
    let page_no = match q.trang.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => 1,
        Some(t) => t.parse::<usize>().ok().filter(|n| (1..=10_000).contains(n)).ok_or_else(|| {
            err(AppError::bad_request("invalid_page", "Số trang không hợp lệ", "Invalid page number"))
        })?,
    };
    let order = match (q.sort.as_deref(), slice) {
        (Some("han"), Slice::State(_)) => DossierOrder::DueFirst,
        // One's own work is always earliest due first.
        (None | Some("") | Some("han"), Slice::Mine) => DossierOrder::DueFirst,
        (None | Some("") | Some("moi"), _) => DossierOrder::Newest,
        (Some(_), _) => {
            return Err(err(AppError::bad_request("invalid_sort", "Cách sắp xếp không hợp lệ", "Invalid sort order")))
        }
    };
    let mut errors = Vec::new();
    let (items, counts) = if staff {
        let rows = state.store.dossiers.inbox_counts(visible.agency.as_ref()).await.map_err(|e| err(e.into()))?;
        let items = if search.is_empty() {
            staff_items(&state, &visible, slice, (today, soon), (page_no, order), account.id).await.map_err(&err)?
        } else {
            match find(&state, account, &visible, &search).await.map_err(&err)? {
                Ok(found) => found,
                Err(e) => {
                    errors.push(e);
                    Vec::new()
                }
            }
        };
        (items, InboxCounts::from_rows(rows, today, soon))
    } else {
        // A citizen has few dossiers: all of them, counted here.
        let all = state
            .store
            .dossiers
            .dossiers(&DossierQuery { limit: 500, ..visible.clone() })
            .await
            .map_err(|e| err(e.into()))?;
        let counts = own_counts(&state, &all);
        let items = all.into_iter().filter(|d| in_slice(&state, d, slice)).collect();
        (items, counts)
    };
    // Lists by state, and everything, come a page at a time, newest first; one's own work
    // too, earliest due first.
    let paged = staff && search.is_empty() && matches!(slice, Slice::Everything | Slice::State(_) | Slice::Mine);
    let base = match slice {
        Slice::State(st) => format!("/ho-so?trang-thai={}", st.key()),
        Slice::Mine => "/ho-so?giao=toi".to_owned(),
        _ => "/ho-so?trang-thai=tat-ca".to_owned(),
    };
    let sorted = if order == DossierOrder::DueFirst { "&sap-xep=han" } else { "" };
    let page_href = |n: usize| format!("{base}{sorted}&trang={n}");
    let sorts = (paged && matches!(slice, Slice::State(_)))
        .then(|| (base.clone(), format!("{base}&sap-xep=han"), order == DossierOrder::DueFirst));
    let prev_href = (paged && page_no > 1).then(|| page_href(page_no - 1));
    let next_href = (paged && items.len() == PAGE).then(|| page_href(page_no + 1));
    let to_hand_over = if account.role == Role::Receptionist {
        counts.by_state.get(&DossierState::ResultReady).copied().unwrap_or(0)
    } else {
        0
    };
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let waiting_on_me = if staff { Vec::new() } else { waiting_on(&counts.by_state, en) };
    let label = |s: DossierState| match (staff, en) {
        (false, true) => tinhso_dossier::notice::for_applicant_en(s).0,
        (true, true) => s.label_en(),
        (_, false) => s.label_vi(),
    };
    let mut counters: Vec<(String, &'static str, i64, bool)> = counts
        .by_state
        .iter()
        .map(|(s, n)| (format!("/ho-so?trang-thai={}", s.key()), label(*s), *n, slice == Slice::State(*s)))
        .collect();
    // An officer's own work leads, for anyone who may be given a step (or holds one anyway).
    if staff {
        let held =
            state.store.dossiers.held_count(account.id, visible.agency.as_ref()).await.map_err(|e| err(e.into()))?;
        if held > 0 || account.role.is_agency_scoped() {
            let mine = if en { "Assigned to me" } else { "Được giao cho tôi" };
            counters.insert(0, ("/ho-so?giao=toi".into(), mine, held, slice == Slice::Mine));
        }
    }
    let (overdue, due_soon) = if en { ("Overdue", "Due soon") } else { ("Quá hạn", "Sắp đến hạn") };
    counters.push(("/ho-so?han=qua-han".into(), overdue, counts.overdue, slice == Slice::Overdue));
    counters.push(("/ho-so?han=sap-den-han".into(), due_soon, counts.due_soon, slice == Slice::DueSoon));
    let title = match (staff, en) {
        (true, false) if slice == Slice::Mine => "Hồ sơ được giao cho tôi",
        (true, true) if slice == Slice::Mine => "Dossiers assigned to me",
        (true, false) => "Hồ sơ của cơ quan",
        (true, true) => "Agency dossiers",
        (false, true) => "My dossiers",
        (false, false) => "Hồ sơ của tôi",
    };
    let drafts = if staff { Vec::new() } else { super::draft::rows(&state, account).await.map_err(&err)? };
    let page = ListPage {
        drafts,
        layout: Layout::new(&state, &viewer, title),
        staff,
        desk: account.role == Role::Receptionist,
        items: with_applicants(&state, &items, staff, en).await.map_err(&err)?,
        counters,
        search,
        errors,
        prev_href,
        next_href,
        to_hand_over,
        waiting_on_me,
        sorts,
    };
    Ok(viewer.finish(render(&page)))
}

/// The applicant's dossiers that wait on them, by what they must do.
fn waiting_on(by_state: &std::collections::BTreeMap<DossierState, i64>, en: bool) -> Vec<(String, String)> {
    let asks: [(DossierState, &str, &str); 2] = [
        (
            DossierState::SupplementRequested,
            "hồ sơ cần ông/bà bổ sung giấy tờ",
            "dossier(s) wait for documents from you",
        ),
        (DossierState::PaymentRequested, "hồ sơ cần ông/bà nộp phí, lệ phí", "dossier(s) wait for you to pay the fees"),
    ];
    asks.iter()
        .filter_map(|(state, vi, english)| {
            let n = by_state.get(state).copied().filter(|n| *n > 0)?;
            let text = if en { format!("{n} {english}") } else { format!("{n} {vi}") };
            Some((format!("/ho-so?trang-thai={}", state.key()), text))
        })
        .collect()
}

/// A staff search: a dossier code finds that dossier (if the searcher may see it), a phone
/// number the dossiers whose applicant gave it, a personal id number the dossiers of the
/// citizen holding it, a tax code those of the enterprise or household business holding it,
/// among those the searcher's agency works on. Some numbers read two ways (a tax code
/// starting 03 is also a mobile number; a household business's code is its owner's personal
/// id): every reading is searched, newest first.
async fn find(
    state: &AppState,
    account: &tinhso_store::Account,
    visible: &DossierQuery,
    search: &str,
) -> Result<Result<Vec<Dossier>, tinhso_kernel::FieldError>, AppError> {
    if let Ok(code) = tinhso_kernel::ids::DossierCode::parse("tim", search) {
        return match dossiers::load(state, account, code.as_str()).await {
            Ok(rec) => Ok(Ok(vec![rec.dossier])),
            Err(AppError::NotFound) => Ok(Ok(Vec::new())),
            Err(e) => Err(e),
        };
    }
    let mut queries = Vec::new();
    let phone = tinhso_kernel::ids::Phone::parse("tim", search).ok();
    let id = tinhso_kernel::ids::PersonalId::parse("tim", search).ok();
    let tax_code = tinhso_kernel::ids::TaxCode::parse("tim", search).ok();
    if phone.is_none() && id.is_none() && tax_code.is_none() {
        return Ok(Err(tinhso_kernel::FieldError::new(
            "tim",
            "invalid_search",
            "Nhập mã hồ sơ (in trên phiếu hẹn), số định danh cá nhân (12 số), số điện thoại của người nộp hoặc mã số doanh nghiệp",
            "Enter a dossier code, the applicant's personal id number (12 digits) or phone number, or an enterprise's tax code",
        )));
    }
    if let Some(phone) = phone {
        queries.push(DossierQuery { phone: Some(phone), limit: PAGE, ..visible.clone() });
    }
    if let Some(id) = id {
        if let Some(applicant) = state.store.identity.citizen_by_personal_id(&id).await? {
            queries.push(DossierQuery { applicant: Some(applicant.id), limit: PAGE, ..visible.clone() });
        }
    }
    if let Some(tax_code) = tax_code {
        queries.push(DossierQuery { tax_code: Some(tax_code), limit: PAGE, ..visible.clone() });
    }
    let mut found: Vec<Dossier> = Vec::new();
    for q in &queries {
        for d in state.store.dossiers.dossiers(q).await? {
            if !found.iter().any(|f| f.code == d.code) {
                found.push(d);
            }
        }
    }
    found.sort_by(|a, b| b.submitted_on.cmp(&a.submitted_on).then_with(|| b.code.as_str().cmp(a.code.as_str())));
    found.truncate(PAGE);
    Ok(Ok(found))
}

/// The dossiers of a staff inbox's slice, most urgent first; lists by state and of everything
/// newest first, page `page_no`.
async fn staff_items(
    state: &AppState,
    visible: &DossierQuery,
    slice: Slice,
    (today, soon): (chrono::NaiveDate, chrono::NaiveDate),
    (page_no, order): (usize, DossierOrder),
    me: tinhso_kernel::ids::AccountId,
) -> Result<Vec<Dossier>, AppError> {
    let newest = |states: Vec<DossierState>| DossierQuery {
        states,
        limit: PAGE,
        offset: (page_no - 1) * PAGE,
        order,
        ..visible.clone()
    };
    let open_until = |until| async move {
        match &visible.agency {
            Some(a) => state.store.dossiers.open_dossiers_of(a, until, PAGE).await,
            None => state.store.dossiers.open_dossiers_due(until, PAGE).await,
        }
    };
    let mut items = match slice {
        Slice::Everything => return Ok(state.store.dossiers.dossiers(&newest(Vec::new())).await?),
        Slice::State(s) => return Ok(state.store.dossiers.dossiers(&newest(vec![s])).await?),
        Slice::Mine => {
            let open = DossierState::unfinished();
            return Ok(state.store.dossiers.dossiers(&DossierQuery { assignee: Some(me), ..newest(open) }).await?);
        }
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

/// The list's rows; staff see who applied (names read in one query for the page). `en` for an
/// applicant's list in English.
async fn with_applicants(
    state: &AppState,
    items: &[Dossier],
    staff: bool,
    en: bool,
) -> Result<Vec<DossierSummary>, AppError> {
    let mut rows: Vec<DossierSummary> = items.iter().map(|d| summary(state, d, en)).collect();
    if staff && !items.is_empty() {
        let mut ids: Vec<_> = items.iter().map(|d| d.applicant).collect();
        ids.sort_unstable();
        ids.dedup();
        let names: std::collections::HashMap<_, _> =
            state.store.identity.account_names(&ids).await?.into_iter().collect();
        for (row, d) in rows.iter_mut().zip(items) {
            row.applicant = names.get(&d.applicant).cloned().unwrap_or_default();
        }
        mark_away(state, items, &mut rows, en).await?;
    }
    Ok(rows)
}

/// Marks the rows whose current step is held by an account now locked or gone from the
/// deciding agency, reading each agency's staff once for the page.
async fn mark_away(state: &AppState, items: &[Dossier], rows: &mut [DossierSummary], en: bool) -> Result<(), AppError> {
    use crate::views::Away;
    let mut agencies: Vec<_> = items
        .iter()
        .filter(|d| d.state == DossierState::Processing && d.assignee.is_some())
        .map(|d| d.competent_agency.clone())
        .collect();
    agencies.sort();
    agencies.dedup();
    let mut staff = std::collections::HashMap::new();
    for agency in agencies {
        let accounts = state.store.identity.staff(&agency).await?;
        staff.insert(agency, accounts.into_iter().map(|a| (a.id, a.disabled)).collect::<Vec<_>>());
    }
    for (row, d) in rows.iter_mut().zip(items) {
        let (Some(holder), Some(of_agency)) = (d.assignee, staff.get(&d.competent_agency)) else { continue };
        if d.state != DossierState::Processing {
            continue;
        }
        if let Some(away) = Away::of(holder, of_agency.iter().copied()) {
            row.away = away.tag(en);
        }
    }
    Ok(())
}

fn in_slice(state: &AppState, d: &Dossier, slice: Slice) -> bool {
    match slice {
        Slice::OpenWork | Slice::Everything | Slice::Mine => true,
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
