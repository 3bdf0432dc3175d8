//! `/dieu-hanh/phan-anh` (leaders, province admins): the reports of a period by category, by
//! handling agency and by commune (a heat table of communes by category), with open, overdue
//! and on-time handling; each number opens the reports behind it on the public list where it
//! can.

use askama::Template;
use axum::extract::State;
use chrono::Utc;
use serde::Deserialize;
use std::collections::BTreeMap;
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::form::PageQuery;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_kernel::calendar::local_date;
use tinhso_kernel::format::{date_vi, parse_date};
use tinhso_policy::Action;
use tinhso_store::ReportStat;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CentreParams {
    tu: Option<String>,
    den: Option<String>,
}

/// One line of a breakdown: its name, the public list's query for its reports in the period
/// (each count links to that list, narrowed to what it counts), and the counts.
pub struct Line {
    pub name: String,
    pub href: Option<String>,
    pub total: i64,
    pub open: i64,
    pub overdue: i64,
    pub on_time: String,
}

/// (commune, its list's address, total, cells: (count, heat level 0-4, the cell's list) per category)
pub type HeatRow = (String, String, i64, Vec<(i64, u8, String)>);

#[derive(Template)]
#[template(path = "reports/centre.html")]
pub struct CentrePage {
    pub layout: Layout,
    /// What a total's list adds to its filter: duplicates are not counted here (each counts once,
    /// under the report it repeats), so the lists the totals open leave them out too. Open and
    /// overdue reports are never duplicates.
    pub all: String,
    pub from: String,
    pub to: String,
    pub total: Line,
    pub by_category: Vec<Line>,
    pub by_agency: Vec<Line>,
    pub categories: Vec<String>,
    pub heat: Vec<HeatRow>,
}

fn add(into: &mut Line, s: &ReportStat) {
    into.total += s.total;
    into.open += s.open;
    into.overdue += s.overdue;
}

fn finish(mut l: Line, handled: i64, on_time: i64) -> Line {
    l.on_time = if handled == 0 { "—".into() } else { format!("{:.0}%", 100.0 * on_time as f64 / handled as f64) };
    l
}

fn group<K: Ord + Clone>(
    stats: &[ReportStat],
    key: impl Fn(&ReportStat) -> K,
    name: impl Fn(&K) -> (String, Option<String>),
) -> Vec<Line> {
    let mut m: BTreeMap<K, (Line, i64, i64)> = BTreeMap::new();
    for s in stats {
        let k = key(s);
        let e = m.entry(k.clone()).or_insert_with(|| {
            let (name, href) = name(&k);
            (Line { name, href, total: 0, open: 0, overdue: 0, on_time: String::new() }, 0, 0)
        });
        add(&mut e.0, s);
        e.1 += s.handled;
        e.2 += s.on_time;
    }
    let mut out: Vec<Line> = m.into_values().map(|(l, h, o)| finish(l, h, o)).collect();
    out.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| tinhso_kernel::text::vi_cmp(&a.name, &b.name)));
    out
}

pub async fn centre(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<CentreParams>,
) -> PageResult {
    let err = page_err(&viewer);
    viewer.require(&Action::ViewOperationsCentre).map_err(&err)?;
    let today = local_date(Utc::now());
    let day = |s: &Option<String>, default| match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => parse_date(s)
            .map_err(|_| AppError::bad_request("bad_date", "Ngày theo dạng dd/mm/yyyy", "Dates as dd/mm/yyyy")),
    };
    let from = day(&q.tu, today - chrono::Duration::days(29)).map_err(&err)?;
    let to = day(&q.den, today).map_err(&err)?;
    if to < from {
        return Err(err(AppError::bad_request(
            "bad_period",
            "Ngày cuối trước ngày đầu",
            "The period ends before it starts",
        )));
    }
    let start = tinhso_kernel::calendar::day_start;
    let stats = state
        .store
        .reports
        .report_stats(start(from), start(to.succ_opt().unwrap_or(to)), today)
        .await
        .map_err(|e| err(e.into()))?;
    let categories = state.store.reports.report_categories().await.map_err(|e| err(e.into()))?;
    let period = format!("tu={}&den={}", date_vi(from), date_vi(to));
    let all = format!("trang-thai={}", super::public::NOT_DUPLICATES);
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let category_name = |code: &str| {
        categories
            .iter()
            .find(|c| c.code == code)
            .map_or_else(|| code.to_owned(), |c| crate::views::category_label(c, en))
    };
    let by_category =
        group(&stats, |s| s.category.clone(), |c| (category_name(c), Some(format!("/phan-anh?danh-muc={c}&{period}"))));
    let by_agency = group(
        &stats,
        |s| s.agency.clone(),
        |a| (crate::views::agency_name(&state, a), Some(format!("/phan-anh?co-quan={a}&{period}"))),
    );
    let communes = group(
        &stats,
        |s| s.commune,
        |c| match c {
            Some(c) => (crate::views::commune_name(&state, Some(*c)), Some(format!("/phan-anh?xa={c}&{period}"))),
            None => (viewer.locale.pick("Không rõ xã, phường", "Commune not known").to_owned(), None),
        },
    );
    // The heat table: communes (busiest first) by the categories that have reports.
    let used: Vec<String> = by_category.iter().map(|l| l.name.clone()).collect();
    let code_of = |name: &str| {
        categories.iter().find(|c| category_name(&c.code) == name).map_or(name.to_owned(), |c| c.code.clone())
    };
    let max = stats.iter().map(|s| s.total).max().unwrap_or(1).max(1);
    let heat = communes
        .iter()
        .take(60)
        .map(|l| {
            let cells = used
                .iter()
                .map(|cat| {
                    let code = code_of(cat);
                    let n: i64 = stats
                        .iter()
                        .filter(|s| s.category == code && crate::views::commune_name(&state, s.commune) == l.name)
                        .map(|s| s.total)
                        .sum();
                    let level = if n == 0 { 0 } else { u8::try_from(1 + (3 * n) / max).unwrap_or(4).min(4) };
                    let href = l.href.as_ref().map(|h| format!("{h}&danh-muc={code}&{all}")).unwrap_or_default();
                    (n, level, href)
                })
                .collect();
            (l.name.clone(), l.href.clone().unwrap_or_default(), l.total, cells)
        })
        .collect();
    let mut total = Line {
        name: viewer.locale.pick("Toàn tỉnh", "The whole province").into(),
        href: Some(format!("/phan-anh?{period}")),
        total: 0,
        open: 0,
        overdue: 0,
        on_time: String::new(),
    };
    for s in &stats {
        add(&mut total, s);
    }
    let total = finish(total, stats.iter().map(|s| s.handled).sum(), stats.iter().map(|s| s.on_time).sum());
    let page = CentrePage {
        layout: Layout::new(
            &state,
            &viewer,
            viewer.locale.pick("Phản ánh, kiến nghị: điều hành", "Feedback and field reports: operations"),
        ),
        all,
        from: date_vi(from),
        to: date_vi(to),
        total,
        by_category,
        by_agency,
        categories: used,
        heat,
    };
    Ok(viewer.finish(render(&page)))
}
