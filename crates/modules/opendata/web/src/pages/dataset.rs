//! A dataset's page (what it is, who publishes it, its licence, coverage, resources with
//! download counts, its RDF and its kept versions) and a resource's page with a preview of
//! a CSV's first rows.

use super::views::{self, ResourceView};
use crate::service;
use askama::Template;
use axum::extract::{Path, State};
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::error::PageError;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_opendata::{licence, Dataset, State as DsState};

pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

pub struct Version {
    pub revision: i64,
    pub at: String,
}

#[derive(Template)]
#[template(path = "opendata/dataset.html")]
pub struct DatasetPage {
    pub layout: Layout,
    pub name: String,
    pub id: String,
    pub title: String,
    pub paragraphs: Vec<String>,
    pub publisher: String,
    pub publisher_name: String,
    pub licence: String,
    pub licence_url: String,
    pub open: bool,
    pub private: bool,
    pub draft: bool,
    pub tags: Vec<String>,
    pub themes: Vec<(String, String)>,
    pub facts: Vec<Fact>,
    pub resources: Vec<ResourceView>,
    pub versions: Vec<Version>,
}

/// The dataset named in the path, if this viewer may see it.
async fn visible(state: &AppState, viewer: &Viewer, key: &str) -> Result<Dataset, PageError> {
    let err = page_err(viewer);
    let d = crate::opendata_port(state)
        .map_err(|e| err(e.into()))?
        .dataset(key)
        .await
        .map_err(|e| err(e.into()))?
        .ok_or_else(|| err(AppError::NotFound))?;
    let portal = service::portal(state);
    let cat = portal.read(state).await.map_err(|e| err(e.into()))?;
    if d.state == DsState::Deleted || !service::visible(viewer.actor().as_ref(), &cat, &d) {
        return Err(err(AppError::NotFound));
    }
    Ok(d)
}

async fn resources(state: &AppState, d: &Dataset) -> Result<Vec<ResourceView>, tinhso_store::StoreError> {
    let ids: Vec<String> = d.resources.iter().map(|r| r.id.clone()).collect();
    let counts = crate::opendata_port(state)?.downloads(&ids).await?;
    let portal = service::portal(state);
    Ok(d.resources
        .iter()
        .map(|r| {
            let n = counts.iter().find(|(k, _)| *k == r.id).map_or(0, |x| x.1) + portal.pending_downloads(&r.id);
            views::resource(d, r, n)
        })
        .collect())
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(name): Path<String>) -> PageResult {
    let err = page_err(&viewer);
    let d = visible(&state, &viewer, &name).await?;
    let portal = service::portal(&state);
    let (publisher, publisher_name, themes) = {
        let cat = portal.read(&state).await.map_err(|e| err(e.into()))?;
        let org = cat.organization(&d.owner_org);
        let themes = d.groups.iter().filter_map(|g| cat.group(g)).map(|g| (g.name.clone(), g.title.clone())).collect();
        (org.map(|o| o.title.clone()).unwrap_or_default(), org.map(|o| o.name.clone()).unwrap_or_default(), themes)
    };
    let lic = licence::find(&d.license_id);
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let t = |vi: &'static str, english: &'static str| if en { english } else { vi };
    let mut facts = vec![
        Fact { label: t("Cập nhật lần cuối", "Last updated"), value: views::date(d.modified) },
        Fact { label: t("Ngày công bố", "Published"), value: views::date(d.created) },
    ];
    if let Some(f) = d.frequency {
        facts.push(Fact {
            label: t("Tần suất cập nhật", "Update frequency"),
            value: t(f.label(), f.label_en()).to_owned(),
        });
    }
    let period = t("Thời gian dữ liệu", "Period covered");
    match (d.temporal_start, d.temporal_end) {
        (Some(a), Some(b)) => {
            facts.push(Fact { label: period, value: format!("{} – {}", a.format("%d/%m/%Y"), b.format("%d/%m/%Y")) })
        }
        (Some(a), None) => {
            facts.push(Fact { label: period, value: format!("{} {}", t("Từ", "From"), a.format("%d/%m/%Y")) })
        }
        (None, Some(b)) => {
            facts.push(Fact { label: period, value: format!("{} {}", t("Đến", "Until"), b.format("%d/%m/%Y")) })
        }
        (None, None) => {}
    }
    if d.spatial.is_some() {
        facts.push(Fact {
            label: t("Phạm vi không gian", "Spatial coverage"),
            value: t("Có (GeoJSON trong siêu dữ liệu DCAT)", "Yes (GeoJSON in the DCAT metadata)").into(),
        });
    }
    if !d.contact_name.is_empty() || !d.contact_email.is_empty() {
        facts.push(Fact {
            label: t("Liên hệ", "Contact"),
            value: [d.contact_name.as_str(), d.contact_email.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" · "),
        });
    }
    if !d.version.is_empty() {
        facts.push(Fact { label: t("Phiên bản", "Version"), value: d.version.clone() });
    }
    if !d.url.is_empty() {
        facts.push(Fact { label: t("Nguồn", "Source"), value: d.url.clone() });
    }
    for e in &d.extras {
        facts.push(Fact { label: t("Thông tin thêm", "More"), value: format!("{}: {}", e.key, e.value) });
    }
    let versions = crate::opendata_port(&state)
        .map_err(|e| err(e.into()))?
        .dataset_versions(&d.id)
        .await
        .map_err(|e| err(e.into()))?
        .into_iter()
        .take(20)
        .map(|v| Version {
            revision: v.revision,
            at: chrono::DateTime::parse_from_rfc3339(&v.at).map(|t| views::date_time(t.naive_utc())).unwrap_or(v.at),
        })
        .collect();
    let page = DatasetPage {
        layout: Layout::new(&state, &viewer, d.title.clone()),
        resources: resources(&state, &d).await.map_err(|e| err(e.into()))?,
        name: d.name.clone(),
        id: d.id.clone(),
        title: d.title.clone(),
        paragraphs: d.notes.split("\n\n").map(str::to_owned).filter(|p| !p.trim().is_empty()).collect(),
        publisher,
        publisher_name,
        licence: lic.map_or_else(|| d.license_id.clone(), |l| l.title.to_owned()),
        licence_url: lic.map(|l| l.url.to_owned()).unwrap_or_default(),
        open: lic.is_some_and(|l| l.open),
        private: d.private,
        draft: d.state == DsState::Draft,
        tags: d.tags.clone(),
        themes,
        facts,
        versions,
    };
    Ok(viewer.finish(render(&page)))
}

/// The first rows of a CSV: at most this many, read from at most this many bytes.
const PREVIEW_ROWS: usize = 20;
const PREVIEW_BYTES: usize = 512 * 1024;

pub struct Preview {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The first rows of a CSV file (UTF-8, with or without a BOM; `,` or `;` separated).
pub fn preview(bytes: &[u8]) -> Option<Preview> {
    let bytes = &bytes[..bytes.len().min(PREVIEW_BYTES)];
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or(b"");
    let delimiter = if first.iter().filter(|b| **b == b';').count() > first.iter().filter(|b| **b == b',').count() {
        b';'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(bytes);
    let headers = rdr.headers().ok()?.iter().map(tinhso_kernel::text::clean).collect();
    let rows = rdr
        .records()
        .take(PREVIEW_ROWS)
        .filter_map(Result::ok)
        .map(|r| r.iter().map(|c| c.chars().take(200).collect()).collect())
        .collect();
    Some(Preview { headers, rows })
}

/// The resource page's filter over its data-store table (every field optional).
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TableQuery {
    cot: Option<String>,
    #[serde(rename = "gia-tri")]
    value: Option<String>,
    #[serde(rename = "tu-khoa")]
    q: Option<String>,
}

/// The data-store side of a resource's page.
pub struct TableView {
    /// One line on how loading went ("3 dòng, 5 cột", "Đang nạp: 45%"...).
    pub status: String,
    pub ready: bool,
    pub columns: Vec<(String, bool)>,
    pub value: String,
    pub q: String,
    pub total: i64,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub chart: Option<String>,
    pub downloads: Vec<(&'static str, String)>,
    pub error: Option<String>,
}

fn shown(c: &tinhso_opendata::datastore::Cell, kind: Option<tinhso_opendata::datastore::Type>) -> String {
    use tinhso_opendata::datastore::{Cell, Type};
    match (c, kind) {
        (Cell::Null, _) => String::new(),
        (Cell::Int(i), _) => i.to_string(),
        (Cell::Num(f), _) => f.to_string().replace('.', ","),
        (Cell::Text(t), Some(Type::Date)) => chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_or_else(|_| t.clone(), |d| d.format("%d/%m/%Y").to_string()),
        (Cell::Text(t), _) => t.clone(),
    }
}

async fn table_view(
    state: &AppState,
    rid: &str,
    q: &TableQuery,
    en: bool,
) -> Result<Option<TableView>, tinhso_store::StoreError> {
    use tinhso_opendata::datastore::{Cell, Type};
    let Some(t) = crate::datastore_port(state)?.datastore_table(rid).await? else { return Ok(None) };
    let pct = if t.rows_total > 0 { t.rows_loaded * 100 / t.rows_total } else { 100 };
    let count = |n: i64| {
        let n = views::number(n);
        if en {
            n.replace('.', ",")
        } else {
            n
        }
    };
    let (loaded, total) = (count(t.rows_loaded), count(t.rows_total));
    let status = match (t.state.as_str(), en) {
        ("ready", false) => format!("Đã nạp vào kho dữ liệu: {loaded} dòng, {} cột.", t.fields.len()),
        ("ready", true) => format!("In the datastore: {loaded} rows, {} columns.", t.fields.len()),
        ("loading", false) => {
            format!("Đang nạp vào kho dữ liệu: {pct}% ({loaded}/{total} dòng). Tải lại trang để xem tiến độ.")
        }
        ("loading", true) => {
            format!("Loading into the datastore: {pct}% ({loaded}/{total} rows). Reload the page to follow it.")
        }
        (_, false) => format!("Nạp vào kho dữ liệu không thành công: {}", t.error.clone().unwrap_or_default()),
        (_, true) => format!("Loading into the datastore failed: {}", t.error.clone().unwrap_or_default()),
    };
    let chosen = q.cot.clone().filter(|c| t.fields.iter().any(|f| &f.id == c));
    let value = q.value.clone().unwrap_or_default();
    let words = q.q.clone().unwrap_or_default();
    let mut view = TableView {
        status,
        ready: t.state == "ready",
        columns: t.fields.iter().map(|f| (f.id.clone(), chosen.as_deref() == Some(f.id.as_str()))).collect(),
        value: value.clone(),
        q: words.clone(),
        total: 0,
        headers: t.fields.iter().map(|f| f.id.clone()).collect(),
        rows: Vec::new(),
        chart: None,
        downloads: Vec::new(),
        error: None,
    };
    if !view.ready {
        return Ok(Some(view));
    }
    let mut params = serde_json::Map::new();
    if let (Some(c), false) = (&chosen, value.trim().is_empty()) {
        params.insert("filters".into(), serde_json::json!({ c: value.trim() }));
    }
    if !words.trim().is_empty() {
        params.insert("q".into(), serde_json::Value::String(words.clone()));
    }
    params.insert("limit".into(), serde_json::json!(20));
    let search = match tinhso_opendata::datastore::search(&t.fields, &params) {
        Ok(s) => s,
        Err(e) => {
            view.error = Some(e.into_iter().map(|(_, m)| m).collect::<Vec<_>>().join(" "));
            return Ok(Some(view));
        }
    };
    let (total, rows) = crate::datastore_port(state)?.datastore_search(&t, &search, true).await?;
    view.total = total.unwrap_or(0);
    let kinds: Vec<Option<Type>> = t.fields.iter().map(|f| Some(f.kind)).collect();
    view.rows = rows.iter().map(|r| r.iter().skip(1).zip(&kinds).map(|(c, k)| shown(c, *k)).collect()).collect();
    // A chart when there is something to draw: the first number column by the first text one.
    let label = t.fields.iter().position(|f| f.kind == Type::Text);
    let number = t.fields.iter().position(|f| matches!(f.kind, Type::Int | Type::Numeric));
    if let (Some(l), Some(n)) = (label, number) {
        let points: Vec<(String, f64)> = rows
            .iter()
            .take(12)
            .filter_map(|r| {
                let lab = shown(r.get(l + 1)?, Some(Type::Text));
                let v = match r.get(n + 1)? {
                    Cell::Int(i) => *i as f64,
                    Cell::Num(f) => *f,
                    _ => return None,
                };
                Some((lab, v))
            })
            .collect();
        let max = points.iter().map(|p| p.1).fold(0.0, f64::max);
        if points.len() >= 2 && max > 0.0 {
            let (by, first_rows) =
                if en { ("by", "first rows of the table") } else { ("theo", "dòng đầu của bảng") };
            let title = format!("{} {by} {}", t.fields[n].id, t.fields[l].id);
            let items: Vec<(String, f64, f64)> = points.into_iter().map(|(a, v)| (a, v, max)).collect();
            view.chart = Some(tinhso_http::charts::bars(
                &title,
                &format!("{title}, {} {first_rows}", items.len()),
                "",
                &items,
                en,
            ));
        }
    }
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(f) = params.get("filters") {
        query.append_pair("filters", &f.to_string());
    }
    if !words.trim().is_empty() {
        query.append_pair("q", &words);
    }
    let extra = query.finish();
    view.downloads = ["csv", "xlsx", "json"]
        .into_iter()
        .map(|f| (f, format!("/datastore/dump/{rid}?format={f}{}{extra}", if extra.is_empty() { "" } else { "&" })))
        .collect();
    Ok(Some(view))
}

#[derive(Template)]
#[template(path = "opendata/resource.html")]
pub struct ResourcePage {
    pub layout: Layout,
    pub dataset_name: String,
    pub dataset_title: String,
    pub r: ResourceView,
    pub preview: Option<Preview>,
    pub table: Option<TableView>,
}

pub async fn resource(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((name, rid)): Path<(String, String)>,
    tinhso_http::form::PageQuery(q): tinhso_http::form::PageQuery<TableQuery>,
) -> PageResult {
    let err = page_err(&viewer);
    let d = visible(&state, &viewer, &name).await?;
    let res = d.resource(&rid).ok_or_else(|| err(AppError::NotFound))?;
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let table = table_view(&state, &rid, &q, en).await.map_err(|e| err(e.into()))?;
    let preview = match &res.upload {
        Some(u) if res.format == "CSV" && !table.as_ref().is_some_and(|t| t.ready) => {
            let hash = tinhso_kernel::ids::Sha256::parse("sha256", &u.sha256).map_err(|_| err(AppError::NotFound))?;
            preview(&state.files.read(&hash).await.map_err(|e| err(e.into()))?)
        }
        _ => None,
    };
    let r = resources(&state, &d)
        .await
        .map_err(|e| err(e.into()))?
        .into_iter()
        .find(|r| r.id == rid)
        .ok_or_else(|| err(AppError::NotFound))?;
    let page = ResourcePage {
        layout: Layout::new(&state, &viewer, format!("{} – {}", r.name, d.title)),
        dataset_name: d.name.clone(),
        dataset_title: d.title.clone(),
        r,
        preview,
        table,
    };
    Ok(viewer.finish(render(&page)))
}
