//! The published results, for everyone: the page `/chi-so-chuyen-doi-so` and
//! `/api/v1/dti/results`. Nothing of a year shows before the province publishes it.

use crate::service::{self, Loaded};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tinhso_api::dti::{DecisionRef, DtiResults, GroupResults, PillarHead, ResultsQuery, UnitResult};
use tinhso_api::ErrorBody;
use tinhso_dti::ranking::{self, Ranked};
use tinhso_dti::{Points, UnitGroup};
use tinhso_http::api::json_bytes;
use tinhso_http::auth::Viewer;
use tinhso_http::error::{ApiResult, AppError};
use tinhso_http::form::{ApiQuery, PageQuery};
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_kernel::ids::AgencyCode;

pub const PUBLIC: &str = "/chi-so-chuyen-doi-so";

/// A group's units in published order, with their points by pillar.
pub(crate) type GroupRanking = (UnitGroup, Vec<Ranked<(AgencyCode, Vec<Points>)>>);

async fn published(state: &AppState, year: Option<i32>) -> Result<(Vec<i32>, Option<Loaded>), AppError> {
    let rounds: Vec<_> =
        crate::dti_port(state)?.rounds().await?.into_iter().filter(|r| r.published_at.is_some()).collect();
    let years = rounds.iter().map(|r| r.year).collect();
    let chosen = match year {
        Some(y) => rounds.into_iter().find(|r| r.year == y),
        None => rounds.into_iter().next(),
    };
    Ok((years, chosen.map(service::load).transpose()?))
}

pub(crate) async fn rankings(state: &AppState, loaded: &Loaded) -> Result<Vec<GroupRanking>, AppError> {
    let stored = crate::dti_port(state)?.assessments(loaded.round.year).await?;
    let mut out = Vec::new();
    for group in UnitGroup::ALL {
        let mut units = Vec::new();
        for (code, name, g) in service::units(state) {
            if g != group {
                continue;
            }
            let read = stored.iter().find(|a| a.unit == code.as_str()).cloned().map(service::read).transpose()?;
            let appraisal = read.as_ref().and_then(|r| r.assessment.final_total().and(r.assessment.appraisal.as_ref()));
            let pillars = appraisal.map(|a| a.by_pillar(loaded.framework(group))).unwrap_or_default();
            units.push(((code, pillars), name, appraisal.map(|a| a.total())));
        }
        out.push((group, ranking::rank(units)));
    }
    Ok(out)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PublicParams {
    nam: Option<String>,
    /// `csv` or `xlsx`: the year's ranking as a spreadsheet.
    #[serde(rename = "dinh-dang")]
    format: Option<String>,
}

/// The year's ranking as a spreadsheet: group, rank, unit's code and name, points and points by
/// pillar (numbers kept numeric), in the page's order. With one framework a pillar's column is
/// named by the pillar; with one a group, by its key ("Trụ cột 1"), each group's units filling
/// the columns of their own pillars.
fn table(l: &Loaded, rankings: &[GroupRanking]) -> tinhso_http::export::Table {
    use tinhso_http::export::{Cell, Table};
    let mut headers = tinhso_http::export::heads(&["Khối", "Hạng", "Mã đơn vị", "Đơn vị", "Tổng điểm"]);
    let mut keys: Vec<String> = Vec::new();
    for g in UnitGroup::ALL {
        for p in &l.framework(g).pillars {
            if !keys.contains(&p.key) {
                keys.push(p.key.clone());
            }
        }
    }
    match l.frameworks.shared() {
        Some(f) => headers.extend(f.pillars.iter().map(|p| format!("{}. {}", p.key, p.name_vi))),
        None => headers.extend(keys.iter().map(|k| format!("Trụ cột {k}"))),
    }
    let mut rows = Vec::new();
    for (group, ranked) in rankings {
        let own: Vec<&str> = l.framework(*group).pillars.iter().map(|p| p.key.as_str()).collect();
        for r in ranked {
            let mut row = vec![
                Cell::Text(group.label_vi().to_owned()),
                r.rank.map_or(Cell::Empty, |n| Cell::Number(n as f64)),
                Cell::Text(r.unit.0.to_string()),
                Cell::Text(r.name.clone()),
                r.total.map_or(Cell::Empty, |t| Cell::Number(t.as_f64())),
            ];
            row.extend(keys.iter().map(|k| {
                own.iter()
                    .position(|o| o == k)
                    .and_then(|i| r.unit.1.get(i))
                    .map_or(Cell::Empty, |p| Cell::Number(p.as_f64()))
            }));
            rows.push(row);
        }
    }
    Table { name: "chi-so-chuyen-doi-so", headers, rows }
}

/// A framework's pillars as the page lists them: key, name, points.
fn heads(f: &tinhso_dti::Framework, en: bool) -> Vec<(String, String, u32)> {
    f.pillars.iter().map(|p| (p.key.clone(), if en { p.name_en.clone() } else { p.name_vi.clone() }, p.max)).collect()
}

pub struct Row {
    pub rank: String,
    pub name: String,
    pub total: String,
    pub pillars: Vec<String>,
}

pub struct Table {
    pub name: String,
    /// The group's own framework, named when the groups have one each (else empty).
    pub framework: String,
    /// The pillars of the group's framework: key, name, points.
    pub pillars: Vec<(String, String, u32)>,
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "dti/public.html")]
pub struct PublicPage {
    pub layout: Layout,
    pub years: Vec<(i32, bool)>,
    pub year: Option<i32>,
    pub framework: String,
    pub published: String,
    pub pillars: Vec<(String, String, u32)>,
    pub tables: Vec<Table>,
    /// The province's signed decision announcing the year's results: code and file.
    pub decision: Option<(String, String)>,
}

pub async fn page(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<PublicParams>) -> PageResult {
    let err = page_err(&viewer);
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let year = match q.nam.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(s.parse::<i32>().map_err(|_| err(AppError::NotFound))?),
    };
    let (years, loaded) = published(&state, year).await.map_err(&err)?;
    if year.is_some() && loaded.is_none() {
        return Err(err(AppError::NotFound));
    }
    let show = |p: Points| p.shown(en);
    let mut tables = Vec::new();
    if let Some(l) = &loaded {
        let ranked = rankings(&state, l).await.map_err(&err)?;
        if let Some(f) = tinhso_http::export::format_of(q.format.as_deref()).map_err(&err)? {
            return tinhso_http::export::download(&table(l, &ranked), f).map_err(err);
        }
        for (group, ranked) in ranked {
            let rows = ranked
                .into_iter()
                .map(|r| Row {
                    rank: r.rank.map(|n| n.to_string()).unwrap_or_else(|| "–".into()),
                    name: r.name,
                    total: r
                        .total
                        .map(show)
                        .unwrap_or_else(|| if en { "Not appraised" } else { "Không có kết quả" }.into()),
                    pillars: r.unit.1.into_iter().map(show).collect(),
                })
                .collect();
            let f = l.framework(group);
            tables.push(Table {
                name: if en { group.label_en() } else { group.label_vi() }.to_owned(),
                framework: match l.frameworks.shared() {
                    Some(_) => String::new(),
                    None => {
                        if en {
                            f.name_en.clone()
                        } else {
                            f.name_vi.clone()
                        }
                    }
                },
                pillars: heads(f, en),
                rows,
            });
        }
    }
    let title = if en { "Digital-transformation index" } else { "Chỉ số chuyển đổi số" };
    let decision = match &loaded {
        Some(l) => crate::decision::issued(&state, l.round.year).await.map_err(&err)?,
        None => None,
    };
    let page = PublicPage {
        decision: decision.map(|d| (d.code, crate::decision::file_href(d.year))),
        layout: Layout::new(&state, &viewer, title.to_owned()),
        years: years.iter().map(|y| (*y, loaded.as_ref().is_some_and(|l| l.round.year == *y))).collect(),
        year: loaded.as_ref().map(|l| l.round.year),
        framework: loaded.as_ref().map(|l| l.frameworks.name(en)).unwrap_or_default(),
        published: crate::pages::date(loaded.as_ref().and_then(|l| l.round.published_at.as_deref())),
        // Listed once above the tables when every unit shares the framework; else with each table.
        pillars: loaded.as_ref().and_then(|l| l.frameworks.shared()).map(|f| heads(f, en)).unwrap_or_default(),
        tables,
    };
    Ok(viewer.finish(render(&page)))
}

fn pillar_heads(f: &tinhso_dti::Framework) -> Vec<PillarHead> {
    f.pillars.iter().map(|p| PillarHead { key: p.key.clone(), name: p.name_vi.clone(), max: p.max }).collect()
}

/// A year's published results, by group, units in rank order.
#[utoipa::path(get, path = "/api/v1/dti/results", tag = "dti", params(ResultsQuery),
    responses((status = 200, body = DtiResults), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api(State(state): State<AppState>, ApiQuery(q): ApiQuery<ResultsQuery>) -> ApiResult<Response> {
    let year = match q.year.as_deref() {
        None => None,
        Some(s) => match s.parse::<i32>() {
            Ok(y) if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) => Some(y),
            _ => {
                return Err(AppError::bad_request(
                    "invalid_year",
                    "Năm viết bằng bốn chữ số, ví dụ 2025",
                    "Give the year as four digits, e.g. 2025",
                )
                .into())
            }
        },
    };
    let (_, loaded) = published(&state, year).await?;
    let Some(l) = loaded else { return Err(AppError::NotFound.into()) };
    let groups = rankings(&state, &l)
        .await?
        .into_iter()
        .map(|(group, ranked)| GroupResults {
            group: group.key().to_owned(),
            name: group.label_vi().to_owned(),
            framework: l.framework(group).name_vi.clone(),
            pillars: pillar_heads(l.framework(group)),
            units: ranked
                .into_iter()
                .map(|r| UnitResult {
                    rank: r.rank,
                    agency: r.unit.0.to_string(),
                    name: r.name,
                    total: r.total.map(Points::as_f64),
                    pillars: r.unit.1.into_iter().map(Points::as_f64).collect(),
                })
                .collect(),
        })
        .collect();
    let answer = DtiResults {
        year: l.round.year,
        framework: l.frameworks.name(false),
        published_at: l.round.published_at.clone().unwrap_or_default(),
        max: tinhso_dti::framework::TOTAL,
        pillars: l.frameworks.shared().map(pillar_heads),
        groups,
        decision: crate::decision::issued(&state, l.round.year)
            .await?
            .map(|d| DecisionRef { pdf: crate::decision::file_href(d.year), code: d.code }),
    };
    json_bytes(StatusCode::OK, &answer)
}
