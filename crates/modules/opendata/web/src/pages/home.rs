//! The portal's home (themes, newest datasets, publishers) and its search with facets.

use super::views::{card, DatasetCard};
use crate::service::{self, Find, FindError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::form::PageQuery;
use tinhso_http::i18n::Locale;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_opendata::query::Field;

pub const PAGE_SIZE: usize = 20;

pub struct Theme {
    pub name: String,
    pub title: String,
    pub description: String,
    pub count: usize,
}

pub struct Publisher {
    pub name: String,
    pub title: String,
    pub count: usize,
}

#[derive(Template)]
#[template(path = "opendata/home.html")]
pub struct HomePage {
    pub layout: Layout,
    pub total: usize,
    pub themes: Vec<Theme>,
    pub newest: Vec<DatasetCard>,
    pub publishers: Vec<Publisher>,
    /// The viewer publishes for some agency: a way to the publishing form.
    pub can_publish: bool,
}

fn store_err(viewer: &Viewer) -> impl Fn(FindError) -> tinhso_http::error::PageError + '_ {
    move |e| match e {
        FindError::Store(e) => page_err(viewer)(e.into()),
        FindError::Query(m) => page_err(viewer)(AppError::bad_request("invalid_query", m.clone(), m)),
    }
}

pub async fn home(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let err = store_err(&viewer);
    let f = Find {
        q: "",
        fq: "",
        sort: "metadata_modified desc",
        start: 0,
        rows: 6,
        facets: &[Field::Groups, Field::Organization],
        facet_limit: -1,
        facet_mincount: 1,
        private: false,
        drafts: false,
    };
    let found = service::find(&state, None, &f).await.map_err(&err)?;
    let portal = service::portal(&state);
    let cat = portal.read(&state).await.map_err(|e| err(FindError::Store(e)))?;
    let count = |field: Field, name: &str| {
        found
            .facets
            .iter()
            .find(|(f, _)| *f == field)
            .and_then(|(_, v)| v.iter().find(|(k, _)| k == name))
            .map_or(0, |x| x.1)
    };
    let themes = cat
        .groups
        .iter()
        .map(|g| Theme {
            name: g.name.clone(),
            title: g.title.clone(),
            description: g.description.clone(),
            count: count(Field::Groups, &g.name),
        })
        .collect();
    let mut publishers: Vec<Publisher> = cat
        .organizations
        .iter()
        .map(|o| Publisher { name: o.name.clone(), title: o.title.clone(), count: count(Field::Organization, &o.name) })
        .filter(|p| p.count > 0)
        .collect();
    publishers.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| tinhso_kernel::text::vi_cmp(&a.title, &b.title)));
    publishers.truncate(12);
    let can_publish =
        viewer.actor().is_some_and(|a| cat.organizations.iter().any(|o| crate::access::may_publish(&a, o)));
    let page = HomePage {
        can_publish,
        layout: Layout::new(&state, &viewer, if viewer.locale == Locale::En { "Open data" } else { "Dữ liệu mở" }),
        total: found.count,
        themes,
        newest: found.datasets.iter().map(|d| card(d, &cat)).collect(),
        publishers,
    };
    Ok(viewer.finish(render(&page)))
}

#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    q: Option<String>,
    #[serde(rename = "to-chuc")]
    org: Option<String>,
    #[serde(rename = "chu-de")]
    group: Option<String>,
    the: Option<String>,
    #[serde(rename = "dinh-dang")]
    format: Option<String>,
    #[serde(rename = "giay-phep")]
    licence: Option<String>,
    #[serde(rename = "sap-xep")]
    sort: Option<String>,
    trang: Option<usize>,
}

impl SearchParams {
    fn pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("q", &self.q),
            ("to-chuc", &self.org),
            ("chu-de", &self.group),
            ("the", &self.the),
            ("dinh-dang", &self.format),
            ("giay-phep", &self.licence),
            ("sap-xep", &self.sort),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().filter(|v| !v.trim().is_empty()).map(|v| (k, v.clone())))
        .collect()
    }

    /// This search's address with `key` set to `value` (or removed), back on page one.
    fn href(&self, key: &str, value: Option<&str>) -> String {
        let mut pairs: Vec<(&str, String)> = self.pairs().into_iter().filter(|(k, _)| *k != key).collect();
        if let Some(v) = value {
            pairs.push((key, v.to_owned()));
        }
        let q = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        if q.is_empty() {
            "/du-lieu/tim".into()
        } else {
            format!("/du-lieu/tim?{q}")
        }
    }

    fn page_href(&self, page: usize) -> String {
        let mut pairs = self.pairs();
        pairs.push(("trang", page.to_string()));
        format!("/du-lieu/tim?{}", form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish())
    }

    /// The filters as CKAN's `fq`.
    fn fq(&self) -> String {
        let quote = |v: &str| format!("\"{}\"", v.replace('"', ""));
        [
            ("organization", &self.org),
            ("groups", &self.group),
            ("tags", &self.the),
            ("res_format", &self.format),
            ("license_id", &self.licence),
        ]
        .into_iter()
        .filter_map(|(f, v)| v.as_ref().filter(|v| !v.trim().is_empty()).map(|v| format!("{f}:{}", quote(v))))
        .collect::<Vec<_>>()
        .join(" ")
    }
}

pub struct FacetItem {
    pub label: String,
    pub count: usize,
    pub href: String,
    pub active: bool,
}

pub struct Facet {
    pub title: &'static str,
    pub items: Vec<FacetItem>,
}

pub struct SortChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "opendata/search.html")]
pub struct SearchPage {
    pub layout: Layout,
    pub q: String,
    pub count: usize,
    pub results: Vec<DatasetCard>,
    pub facets: Vec<Facet>,
    pub sorts: Vec<SortChoice>,
    pub hidden: Vec<(&'static str, String)>,
    pub error: Option<String>,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub page: usize,
    pub pages: usize,
}

/// (key, label, English label, CKAN sort).
const SORTS: [(&str, &str, &str, &str); 4] = [
    ("", "Phù hợp nhất", "Best match", ""),
    ("moi", "Mới cập nhật", "Recently updated", "metadata_modified desc"),
    ("ten", "Tên (A–Z)", "Name (A–Z)", "title_string asc"),
    ("tao", "Mới công bố", "Recently published", "metadata_created desc"),
];

pub async fn search(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(p): PageQuery<SearchParams>,
) -> PageResult {
    let err = store_err(&viewer);
    let page = p.trang.unwrap_or(1).max(1);
    let sort_key = p.sort.clone().unwrap_or_default();
    let sort = SORTS.iter().find(|s| s.0 == sort_key).map_or("", |s| s.3);
    let en = viewer.locale == Locale::En;
    let fields = [Field::Groups, Field::Organization, Field::Tags, Field::ResFormat, Field::LicenseId];
    let q = p.q.clone().unwrap_or_default();
    let fq = p.fq();
    let actor = viewer.actor();
    let f = Find {
        q: &q,
        fq: &fq,
        sort,
        start: (page - 1) * PAGE_SIZE,
        rows: PAGE_SIZE,
        facets: &fields,
        facet_limit: 12,
        facet_mincount: 1,
        private: actor.is_some(),
        drafts: actor.is_some(),
    };
    let (found, error) = match service::find(&state, actor.as_ref(), &f).await {
        Ok(found) => (Some(found), None),
        Err(FindError::Query(m)) => (None, Some(m)),
        Err(e) => return Err(err(e)),
    };
    let portal = service::portal(&state);
    let cat = portal.read(&state).await.map_err(|e| err(FindError::Store(e)))?;
    let mut facets = Vec::new();
    if let Some(found) = &found {
        for (field, values) in &found.facets {
            let (title, title_en, key, current) = match field {
                Field::Groups => ("Chủ đề", "Themes", "chu-de", &p.group),
                Field::Organization => ("Cơ quan công bố", "Publishers", "to-chuc", &p.org),
                Field::Tags => ("Thẻ", "Tags", "the", &p.the),
                Field::ResFormat => ("Định dạng", "Formats", "dinh-dang", &p.format),
                _ => ("Giấy phép", "Licences", "giay-phep", &p.licence),
            };
            let title = if en { title_en } else { title };
            let items = values
                .iter()
                .map(|(v, n)| {
                    let active = current.as_deref() == Some(v.as_str());
                    let label = match field {
                        Field::Groups => cat.group(v).map_or(v.clone(), |g| g.title.clone()),
                        Field::Organization => cat.organization(v).map_or(v.clone(), |o| o.title.clone()),
                        Field::LicenseId => super::views::licence_title(v),
                        _ => v.clone(),
                    };
                    FacetItem { label, count: *n, href: p.href(key, if active { None } else { Some(v) }), active }
                })
                .collect();
            facets.push(Facet { title, items });
        }
    }
    let count = found.as_ref().map_or(0, |f| f.count);
    let pages = count.div_ceil(PAGE_SIZE).max(1);
    let results = found.as_ref().map(|f| f.datasets.iter().map(|d| card(d, &cat)).collect()).unwrap_or_default();
    let page_view = SearchPage {
        layout: Layout::new(
            &state,
            &viewer,
            match (q.is_empty(), en) {
                (true, false) => "Tìm dữ liệu".to_owned(),
                (true, true) => "Find data".to_owned(),
                (false, false) => format!("Tìm “{q}”"),
                (false, true) => format!("Find “{q}”"),
            },
        ),
        q,
        count,
        results,
        facets,
        sorts: SORTS
            .iter()
            .map(|s| SortChoice { value: s.0, label: if en { s.2 } else { s.1 }, selected: s.0 == sort_key })
            .collect(),
        hidden: p.pairs().into_iter().filter(|(k, _)| *k != "q" && *k != "sap-xep").collect(),
        error: error.clone(),
        prev_href: (page > 1).then(|| p.page_href(page - 1)),
        next_href: (page < pages).then(|| p.page_href(page + 1)),
        page,
        pages,
    };
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok(viewer.finish((status, render(&page_view)).into_response()))
}
