//! The public portal: home, procedure search with filters, procedure detail.

use crate::views::{FieldLink, HomePage, ProcedurePage, ProcedureView, SearchPage};
use axum::extract::{Path, State};
use serde::Deserialize;
use tinhso_catalogue::procedure::{Applicants, Level, OnlineLevel};
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::form::PageQuery;
use tinhso_http::i18n::Locale;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Choice, Layout};
use tinhso_policy::Action;

const PAGE_SIZE: usize = 20;

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub async fn home(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let catalogue = crate::live::index(&state);
    let fields = catalogue
        .field_counts()
        .iter()
        .map(|(name, count)| FieldLink {
            href: format!("/thu-tuc?linh-vuc={}", encode(name)),
            name: name.clone(),
            count: *count,
        })
        .collect();
    let title = viewer.locale.texts().home_title;
    let page = HomePage { layout: Layout::new(&state, &viewer, title), total: catalogue.len(), fields };
    Ok(viewer.finish(render(&page)))
}

/// The catalogue's search, as its links and form name it: in Vietnamese like every other
/// public list's (`linh-vuc`, `cap`, `co-quan`, `muc-do`, `doi-tuong`, `trang`); the English
/// names of earlier links (`field`, `level`...) still read the same.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    q: Option<String>,
    #[serde(rename = "linh-vuc", alias = "field")]
    field: Option<String>,
    #[serde(rename = "cap", alias = "level")]
    level: Option<String>,
    #[serde(rename = "co-quan", alias = "agency")]
    agency: Option<String>,
    #[serde(rename = "muc-do", alias = "online")]
    online: Option<String>,
    #[serde(rename = "doi-tuong", alias = "applicant")]
    applicant: Option<String>,
    #[serde(rename = "trang", alias = "page")]
    page: Option<usize>,
}

impl SearchParams {
    fn href(&self, page: usize) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("linh-vuc", &self.field),
            ("cap", &self.level),
            ("co-quan", &self.agency),
            ("muc-do", &self.online),
            ("doi-tuong", &self.applicant),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                s.append_pair(k, v);
            }
        }
        s.append_pair("trang", &page.to_string());
        format!("/thu-tuc?{}", s.finish())
    }
}

fn choice(value: &str, label: &str, current: &Option<String>) -> Choice {
    Choice { value: value.to_owned(), label: label.to_owned(), selected: current.as_deref() == Some(value) }
}

pub async fn search(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<SearchParams>,
) -> PageResult {
    let err = page_err(&viewer);
    let filters =
        crate::search::filters(&state, &q.field, &q.level, &q.agency, &q.online, &q.applicant).map_err(&err)?;
    let page = q.page.unwrap_or(1).max(1);
    let catalogue = crate::live::index(&state);
    let hits = catalogue.search(q.q.as_deref().unwrap_or(""), &filters, (page - 1) * PAGE_SIZE, PAGE_SIZE);
    let pages = hits.total.div_ceil(PAGE_SIZE).max(1);
    let en = viewer.locale == Locale::En;
    let t = viewer.locale.texts();
    let mut agencies = vec![choice(crate::search::COMMUNE_COMMITTEE, t.commune_committee, &q.agency)];
    agencies.extend(
        state
            .agencies
            .iter()
            .filter(|a| a.level == tinhso_kernel::province::AgencyLevel::Province)
            .map(|a| choice(a.code.as_str(), &a.name, &q.agency)),
    );
    let view = SearchPage {
        layout: Layout::new(&state, &viewer, t.results_title),
        q: q.q.clone().unwrap_or_default(),
        total: hits.total,
        results: hits.items.iter().map(|p| ProcedureView::new(&state, viewer.locale, p)).collect(),
        fields: catalogue.fields().into_iter().map(|f| choice(f, f, &q.field)).collect(),
        levels: Level::ALL
            .iter()
            .map(|l| choice(l.key(), if en { l.label_en() } else { l.label_vi() }, &q.level))
            .collect(),
        agencies,
        online: OnlineLevel::ALL
            .iter()
            .map(|o| choice(o.key(), if en { o.label_en() } else { o.label_vi() }, &q.online))
            .collect(),
        applicants: [Applicants::People, Applicants::Organizations]
            .iter()
            .map(|a| choice(a.key(), if en { a.label_en() } else { a.label_vi() }, &q.applicant))
            .collect(),
        page,
        pages,
        prev_href: (page > 1).then(|| q.href(page - 1)),
        next_href: (page < pages).then(|| q.href(page + 1)),
    };
    Ok(viewer.finish(render(&view)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcedureParams {
    /// Set by the editor's redirect after a save.
    #[serde(rename = "da-luu")]
    saved: Option<u8>,
}

pub async fn procedure(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ProcedureParams>,
) -> PageResult {
    let catalogue = crate::live::index(&state);
    let p = catalogue.get(&code).ok_or(AppError::NotFound).map_err(page_err(&viewer))?;
    let can_edit = viewer.may(&Action::ManageCatalogue);
    let view = ProcedurePage {
        layout: Layout::new(&state, &viewer, p.name.clone()),
        p: ProcedureView::new(&state, viewer.locale, p),
        can_edit,
        saved: can_edit && q.saved == Some(1),
        online_possible: p.online_level != OnlineLevel::InPerson,
        applies: viewer.account.is_none() || viewer.may(&Action::SubmitDossier),
        at_desk: viewer
            .account
            .as_ref()
            .and_then(|a| a.agency.clone())
            .is_some_and(|agency| viewer.may(&Action::ReceiveDossier { agency })),
    };
    Ok(viewer.finish(render(&view)))
}
