//! Who asked the population database about whom: the person's own page (their right to know
//! who processes their personal data, Decree 13/2023) and the inspectors' log, with a filter
//! by personal ID for a complaint. Both read the log newest first, a page at a time.

use askama::Template;
use axum::extract::State;
use serde::Deserialize;
use tinhso_exchange::Outcome;
use tinhso_exchange_port::{LookupFilter, ResidentLookup};
use tinhso_http::auth::Viewer;
use tinhso_http::capability::procedures;
use tinhso_http::error::AppError;
use tinhso_http::form::PageQuery;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_kernel::ids::{AccountId, PersonalId};
use tinhso_kernel::FieldError;
use tinhso_policy::Action;

const PAGE: usize = 50;

/// One lookup as a row of either page.
pub struct Row {
    /// dd/mm/yyyy hh:mm, Vietnam's time.
    pub when: String,
    pub agency: String,
    /// The procedure the person came for (its name when the catalogue holds it).
    pub purpose: String,
    pub outcome: &'static str,
    /// The inspectors' columns.
    pub officer: String,
    pub personal_id: String,
    pub message_id: String,
    pub request_hash: String,
}

fn rows(state: &AppState, en: bool, lookups: &[ResidentLookup], officers: &[(AccountId, String)]) -> Vec<Row> {
    lookups
        .iter()
        .map(|l| {
            let when = chrono::DateTime::parse_from_rfc3339(&l.looked_at)
                .map(|t| tinhso_kernel::calendar::local_time(t.to_utc()).format("%d/%m/%Y %H:%M").to_string())
                .unwrap_or_else(|_| l.looked_at.clone());
            let outcome = Outcome::parse(&l.outcome).unwrap_or(Outcome::Failed);
            Row {
                when,
                agency: state.agency_name(&l.agency).unwrap_or(&l.agency).to_owned(),
                purpose: procedures::name(state, &l.purpose).unwrap_or_else(|| l.purpose.clone()),
                outcome: if en { outcome.label_en() } else { outcome.label_vi() },
                officer: officers
                    .iter()
                    .find(|(id, _)| *id == l.officer)
                    .map_or_else(|| format!("#{}", l.officer.0), |(_, n)| n.clone()),
                personal_id: l.personal_id.clone(),
                message_id: l.message_id.clone(),
                request_hash: l.request_hash.clone().unwrap_or_default(),
            }
        })
        .collect()
}

/// The link to the page after `shown` (a full page means there may be more).
fn older(base: &str, filter: &str, shown: &[ResidentLookup]) -> Option<String> {
    let last = shown.get(PAGE.checked_sub(1)?)?;
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{sep}{filter}truoc={}", tinhso_exchange::xroad::percent(&last.message_id)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MineParams {
    truoc: Option<String>,
}

#[derive(Template)]
#[template(path = "exchange/mine.html")]
pub struct MinePage {
    pub layout: Layout,
    pub has_id: bool,
    pub rows: Vec<Row>,
    pub older: Option<String>,
}

/// The signed-in person's lookups.
pub async fn mine(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<MineParams>) -> PageResult {
    let err = page_err(&viewer);
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let (lookups, has_id) = match &account.personal_id {
        Some(id) => (
            crate::exchange_port(&state)
                .map_err(|e| err(e.into()))?
                .resident_lookups(
                    &LookupFilter { personal_id: Some(id.as_str().to_owned()), officer: None },
                    q.truoc.as_deref(),
                    PAGE,
                )
                .await
                .map_err(|e| err(e.into()))?,
            true,
        ),
        None => (Vec::new(), false),
    };
    let view = MinePage {
        layout: Layout::new(
            &state,
            &viewer,
            viewer.locale.pick("Ai đã tra cứu thông tin của tôi", "Who looked up my details"),
        ),
        has_id,
        rows: rows(&state, en, &lookups, &[]),
        older: older(crate::MINE, "", &lookups),
    };
    Ok(viewer.finish(render(&view)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectorParams {
    #[serde(rename = "so-dinh-danh")]
    personal_id: Option<String>,
    /// An officer by their login, as typed.
    #[serde(rename = "can-bo")]
    officer: Option<String>,
    truoc: Option<String>,
}

/// An officer who asked often lately, with a link to their lookups.
pub struct Busiest {
    pub officer: String,
    pub agency: String,
    pub lookups: i64,
    pub href: String,
}

#[derive(Template)]
#[template(path = "exchange/inspectors.html")]
pub struct InspectorsPage {
    pub layout: Layout,
    pub personal_id: String,
    pub officer: String,
    pub filtered: bool,
    pub busiest: Vec<Busiest>,
    pub rows: Vec<Row>,
    pub older: Option<String>,
    pub errors: Vec<FieldError>,
}

/// The filter as typed: a personal ID, an officer's login; each error said beside its field.
/// Also the officer's login as stored, for the links that keep the filter.
async fn filter_of(
    state: &AppState,
    q: &InspectorParams,
) -> Result<(LookupFilter, Option<String>, Vec<FieldError>), AppError> {
    let mut errors = Vec::new();
    let mut filter = LookupFilter::default();
    let mut officer_login = None;
    if let Some(typed) = q.personal_id.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        match PersonalId::parse("so-dinh-danh", typed) {
            Ok(id) => filter.personal_id = Some(id.as_str().to_owned()),
            Err(e) => errors.push(e),
        }
    }
    if let Some(typed) = q.officer.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let found = match tinhso_kernel::ids::Login::parse("can-bo", typed) {
            Ok(login) => state.store.identity.account_by_login(login.as_str()).await?,
            Err(_) => None,
        };
        match found {
            Some(a) => {
                filter.officer = Some(a.id);
                officer_login = Some(a.login);
            }
            None => errors.push(FieldError::new(
                "can-bo",
                "unknown_login",
                format!("Không có tài khoản nào đăng nhập bằng {typed}"),
                format!("No account logs in with {typed}"),
            )),
        }
    }
    Ok((filter, officer_login, errors))
}

/// Every lookup, or one person's or one officer's, for inspectors; and who asked most in the
/// last day (the abuse watch says an officer was slowed, not which: this says who).
pub async fn inspectors(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<InspectorParams>,
) -> PageResult {
    let err = page_err(&viewer);
    viewer.require(&Action::ViewResidentLookups).map_err(&err)?;
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let (filter, officer_login, errors) = filter_of(&state, &q).await.map_err(&err)?;
    let lookups = if errors.is_empty() {
        crate::exchange_port(&state)
            .map_err(|e| err(e.into()))?
            .resident_lookups(&filter, q.truoc.as_deref(), PAGE)
            .await
            .map_err(|e| err(e.into()))?
    } else {
        Vec::new()
    };
    let since = (chrono::Utc::now() - chrono::Duration::hours(24)).to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let busiest = crate::exchange_port(&state)
        .map_err(|e| err(e.into()))?
        .busiest_officers(&since, 10)
        .await
        .map_err(|e| err(e.into()))?;
    let mut ids: Vec<AccountId> = lookups.iter().map(|l| l.officer).collect();
    ids.sort_by_key(|a| a.0);
    ids.dedup();
    let officers = state.store.identity.account_names(&ids).await.map_err(|e| err(e.into()))?;
    let mut carried = String::new();
    if let Some(id) = &filter.personal_id {
        carried.push_str(&format!("so-dinh-danh={id}&"));
    }
    if let Some(login) = &officer_login {
        carried.push_str(&format!("can-bo={}&", tinhso_exchange::xroad::percent(login)));
    }
    let mut busiest_rows = Vec::new();
    // At most ten officers: each read once, for the name shown and the login the link filters by.
    for (id, agency, n) in &busiest {
        let who = state.store.identity.account(*id).await.map_err(|e| err(e.into()))?;
        busiest_rows.push(Busiest {
            officer: who.as_ref().map_or_else(|| format!("#{}", id.0), |a| a.full_name.clone()),
            agency: state.agency_name(agency).unwrap_or(agency).to_owned(),
            lookups: *n,
            href: who.map_or_else(String::new, |a| {
                format!("{}?can-bo={}", crate::INSPECTORS, tinhso_exchange::xroad::percent(&a.login))
            }),
        });
    }
    let view = InspectorsPage {
        layout: Layout::new(
            &state,
            &viewer,
            viewer.locale.pick("Nhật ký tra cứu CSDLQG về dân cư", "Population database lookups"),
        ),
        personal_id: q.personal_id.as_deref().map(str::trim).unwrap_or_default().to_owned(),
        officer: q.officer.as_deref().map(str::trim).unwrap_or_default().to_owned(),
        filtered: filter != LookupFilter::default() || !errors.is_empty(),
        busiest: busiest_rows,
        rows: rows(&state, en, &lookups, &officers),
        older: older(crate::INSPECTORS, &carried, &lookups),
        errors,
    };
    let status = if view.errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::BAD_REQUEST };
    Ok(viewer.finish((status, render(&view))))
}
