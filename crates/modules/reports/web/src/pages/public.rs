//! The public list of reports (search without diacritics, filters by category, commune, state
//! and period) and the reporting form, which offers open reports of the same category nearby
//! before a new one is made.

use crate::service;
use crate::views::{view, ReportView};
use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tinhso_http::auth::Viewer;
use tinhso_http::capability::procedures;
use tinhso_http::choices::{communes, ChoiceGroup};
use tinhso_http::error::AppError;
use tinhso_http::form::{FormData, PageQuery};
use tinhso_http::i18n::Locale;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Choice, Layout};
use tinhso_kernel::format::parse_date;
use tinhso_kernel::FieldError;
use tinhso_reports::intake::Draft;
use tinhso_reports::ReportState;
use tinhso_store::{DossierQuery, ReportQuery};

pub const PAGE_SIZE: usize = 20;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    q: Option<String>,
    #[serde(rename = "danh-muc")]
    category: Option<String>,
    xa: Option<String>,
    #[serde(rename = "trang-thai")]
    state: Option<String>,
    tu: Option<String>,
    den: Option<String>,
    /// The handling agency's code: the operations centre links a count of one agency's reports.
    #[serde(rename = "co-quan")]
    agency: Option<String>,
    /// `1`: only reports still open past their handling due date (as the centre counts them).
    #[serde(rename = "qua-han")]
    overdue: Option<String>,
    /// Paging: reports numbered below this one.
    truoc: Option<i64>,
}

#[derive(Template)]
#[template(path = "reports/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub q: String,
    pub categories: Vec<Choice>,
    pub communes: Vec<ChoiceGroup>,
    pub commune: String,
    pub states: Vec<Choice>,
    pub from: String,
    pub to: String,
    pub total: i64,
    pub results: Vec<ReportView>,
    pub next_href: Option<String>,
    pub feed_href: Option<String>,
    pub errors: Vec<FieldError>,
    /// Filters the form does not show (set by the operations centre's links): kept in the form
    /// as hidden fields, said above the count. (name, value, what it means)
    pub narrowed: Vec<(&'static str, String, String)>,
    /// Staff and leaders: a way to the reports they handle.
    pub staff: bool,
    /// Signed in and the list is one commune's: whether they are told of its new reports.
    pub subscribed: Option<bool>,
    /// The listed reports that have a point, drawn (SVG).
    pub map: Option<String>,
}

/// The state filter's value for every report but duplicates.
pub const NOT_DUPLICATES: &str = "khong-trung";

fn some(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The query a list's parameters ask for, or what is wrong with them.
fn query(state: &AppState, p: &ListParams) -> Result<ReportQuery, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut q = ReportQuery { limit: PAGE_SIZE, before_id: p.truoc, ..Default::default() };
    q.words = some(&p.q)
        .map(|s| tinhso_kernel::text::words(&tinhso_kernel::text::fold(s)).iter().map(|w| w.to_string()).collect())
        .unwrap_or_default();
    q.category = some(&p.category).map(str::to_owned);
    if let Some(x) = some(&p.xa) {
        match x.parse::<u32>().ok().filter(|c| state.units.iter().any(|u| u.code == *c)) {
            Some(c) => q.commune = Some(c),
            None => errors.push(FieldError::new(
                "xa",
                "unknown_commune",
                "Xã, phường không có trong tỉnh",
                "Unknown commune",
            )),
        }
    }
    match some(&p.state) {
        None => {}
        Some("mo") => q.open_only = true,
        Some("dong") => q.states = ReportState::ALL.into_iter().filter(|s| !s.is_open()).collect(),
        // A duplicate is the same problem as the report it points to: the operations centre
        // counts it once, there, and its totals link here. (Not the default: counting by
        // state reads every row, where the plain count reads an index.)
        Some(NOT_DUPLICATES) => {
            q.states = ReportState::ALL.into_iter().filter(|s| *s != ReportState::Duplicate).collect()
        }
        Some(s) => match ReportState::parse(s) {
            Some(s) => q.states = vec![s],
            None => {
                errors.push(FieldError::new("trang-thai", "unknown_state", "Trạng thái không hợp lệ", "Unknown state"))
            }
        },
    }
    let day = |s: Option<&str>, field: &'static str, errors: &mut Vec<FieldError>| match s {
        None => None,
        Some(s) => match parse_date(s) {
            Ok(d) => Some(tinhso_kernel::calendar::day_start(d)),
            Err(_) => {
                errors.push(FieldError::new(field, "bad_date", "Ngày theo dạng dd/mm/yyyy", "Dates as dd/mm/yyyy"));
                None
            }
        },
    };
    if let Some(a) = some(&p.agency) {
        match tinhso_kernel::ids::AgencyCode::parse("co-quan", a)
            .ok()
            .filter(|a| state.agency_name(a.as_str()).is_some())
        {
            Some(a) => q.agency = Some(a),
            None => errors.push(FieldError::new(
                "co-quan",
                "unknown_agency",
                "Cơ quan không có trong tỉnh",
                "Unknown agency",
            )),
        }
    }
    match some(&p.overdue) {
        None => {}
        Some("1") => {
            q.open_only = true;
            q.overdue_on = Some(tinhso_kernel::calendar::local_date(chrono::Utc::now()));
        }
        Some(_) => errors.push(FieldError::new(
            "qua-han",
            "bad_value",
            "Giá trị lọc quá hạn không hợp lệ",
            "Unknown overdue filter",
        )),
    }
    q.since = day(some(&p.tu), "tu", &mut errors);
    q.until = day(some(&p.den), "den", &mut errors).map(|t| t + chrono::Duration::days(1));
    if errors.is_empty() {
        Ok(q)
    } else {
        Err(errors)
    }
}

/// `/phan-anh`: every report, newest first, with the filters.
pub async fn list(State(state): State<AppState>, viewer: Viewer, PageQuery(p): PageQuery<ListParams>) -> PageResult {
    let err = page_err(&viewer);
    let categories = state.store.reports.report_categories().await.map_err(|e| err(e.into()))?;
    let (results, total, errors, next_href) = match query(&state, &p) {
        Ok(q) => {
            let list = state.store.reports.reports(&q).await.map_err(|e| err(e.into()))?;
            let total = state
                .store
                .reports
                .report_count(&ReportQuery { before_id: None, ..q.clone() })
                .await
                .map_err(|e| err(e.into()))?;
            let next = (list.len() == PAGE_SIZE).then(|| list.last().map(|r| next_page(&p, r.id))).flatten();
            (list, total, Vec::new(), next)
        }
        Err(errors) => (Vec::new(), 0, errors, None),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let chosen_state = some(&p.state).unwrap_or("");
    let en = viewer.locale == Locale::En;
    let mut states = vec![
        Choice {
            value: "mo".into(),
            label: if en { "Being handled" } else { "Đang xử lý" }.into(),
            selected: chosen_state == "mo",
        },
        Choice {
            value: "dong".into(),
            label: if en { "Handled" } else { "Đã xử lý xong" }.into(),
            selected: chosen_state == "dong",
        },
        Choice {
            value: NOT_DUPLICATES.into(),
            label: if en { "All but duplicates" } else { "Tất cả, không tính phản ánh trùng" }.into(),
            selected: chosen_state == NOT_DUPLICATES,
        },
    ];
    states.extend(ReportState::ALL.iter().map(|s| Choice {
        value: s.key().into(),
        label: if en { s.label_en() } else { s.label_vi() }.into(),
        selected: chosen_state == s.key(),
    }));
    let mut narrowed = Vec::new();
    if let Some(a) = some(&p.agency) {
        let name = state.agency_name(a).unwrap_or(a);
        narrowed.push((
            "co-quan",
            a.to_owned(),
            format!("{}: {name}", if en { "Handled by" } else { "Cơ quan xử lý" }),
        ));
    }
    if some(&p.overdue).is_some() {
        let what = if en { "Only those overdue today" } else { "Chỉ các phản ánh đang quá hạn" };
        narrowed.push(("qua-han", "1".to_owned(), what.to_owned()));
    }
    let commune = some(&p.xa).unwrap_or("").to_owned();
    let subscribed = match (viewer.account.as_ref(), commune.parse::<u32>().ok().filter(|_| errors.is_empty())) {
        (Some(a), Some(c)) => {
            Some(state.store.reports.commune_subscribers(c).await.map_err(|e| err(e.into()))?.contains(&a.id))
        }
        _ => None,
    };
    let points: Vec<(i64, String, tinhso_reports::geo::Point)> = results
        .iter()
        .filter_map(|r| {
            Some((
                r.id,
                format!(
                    "{}: {}",
                    tinhso_reports::public_id(r.id),
                    crate::views::category_name(&categories, &r.category)
                ),
                r.point?,
            ))
        })
        .collect();
    let boundaries = crate::service::boundaries(&state).await.map_err(&err)?;
    let mut shown: Vec<u32> = results.iter().filter_map(|r| r.commune).collect();
    shown.sort_unstable();
    shown.dedup();
    let areas: Vec<&tinhso_reports::geo::Territory> =
        boundaries.iter().filter(|(c, _)| shown.contains(c)).map(|(_, t)| t).collect();
    let map = crate::map::svg(&points, &areas);
    let page = ListPage {
        map,
        layout: Layout::new(&state, &viewer, if en { "Feedback and reports" } else { "Phản ánh, kiến nghị" }),
        q: p.q.clone().unwrap_or_default(),
        categories: categories
            .iter()
            .map(|c| Choice {
                value: c.code.clone(),
                label: crate::views::category_label(c, en),
                selected: some(&p.category) == Some(c.code.as_str()),
            })
            .collect(),
        communes: communes(&state),
        feed_href: (!commune.is_empty() && errors.is_empty()).then(|| format!("/phan-anh/xa/{commune}/atom")),
        commune,
        states,
        from: p.tu.clone().unwrap_or_default(),
        to: p.den.clone().unwrap_or_default(),
        total,
        results: results.iter().map(|r| view(&state, &categories, r, en)).collect(),
        next_href,
        errors,
        narrowed,
        staff: super::staff::scope(&viewer).is_some(),
        subscribed,
    };
    Ok(viewer.finish((status, render(&page))))
}

fn next_page(p: &ListParams, before: i64) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("q", &p.q),
        ("danh-muc", &p.category),
        ("xa", &p.xa),
        ("trang-thai", &p.state),
        ("tu", &p.tu),
        ("den", &p.den),
        ("co-quan", &p.agency),
        ("qua-han", &p.overdue),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            s.append_pair(k, v);
        }
    }
    s.append_pair("truoc", &before.to_string());
    format!("/phan-anh?{}", s.finish())
}

#[derive(Template)]
#[template(path = "reports/new.html")]
pub struct NewPage {
    pub layout: Layout,
    pub d: Draft,
    pub categories: Vec<Choice>,
    pub communes: Vec<ChoiceGroup>,
    /// Open reports of the same category nearby: offered before a new one is made.
    pub nearby: Vec<(ReportView, String)>,
    pub errors: Vec<FieldError>,
    pub signed_in: bool,
    /// Photos already received (kept across a second post of the form).
    pub photos: Vec<String>,
    pub max_photos: usize,
    /// The signed-in person's latest dossiers, offered for the dossier code (code, what it
    /// is), so that a code is chosen rather than copied from a slip.
    pub own_dossiers: Vec<(String, String)>,
}

/// How many of a person's dossiers the form offers (the newest).
const OFFERED_DOSSIERS: usize = 20;

/// The person's newest dossiers as the form offers them: "procedure · submitted dd/mm/yyyy".
async fn own_dossiers(state: &AppState, viewer: &Viewer) -> Result<Vec<(String, String)>, AppError> {
    let Some(account) = viewer.account.as_ref() else { return Ok(Vec::new()) };
    let query = DossierQuery { applicant: Some(account.id), limit: OFFERED_DOSSIERS, ..Default::default() };
    let en = viewer.locale == Locale::En;
    Ok(state
        .store
        .dossiers
        .dossiers(&query)
        .await?
        .into_iter()
        .map(|d| {
            let name = procedures::name(state, d.procedure.as_str()).unwrap_or_else(|| d.procedure.to_string());
            let on = tinhso_kernel::format::date_vi(d.submitted_on);
            let what = tinhso_kernel::text::excerpt(&name, 90);
            (d.code.to_string(), if en { format!("{what} · submitted {on}") } else { format!("{what} · nộp {on}") })
        })
        .collect())
}

impl NewPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        tinhso_http::views::error_for(&self.errors, field, self.layout.en)
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NewParams {
    #[serde(rename = "danh-muc")]
    category: Option<String>,
    #[serde(rename = "ma-ho-so")]
    dossier: Option<String>,
}

async fn new_page(
    state: &AppState,
    viewer: &Viewer,
    d: Draft,
    nearby: Vec<(ReportView, String)>,
    errors: Vec<FieldError>,
    photos: Vec<String>,
) -> Result<NewPage, AppError> {
    let categories = state.store.reports.report_categories().await?;
    let en = viewer.locale == Locale::En;
    Ok(NewPage {
        layout: Layout::new(state, viewer, if en { "Send feedback or a report" } else { "Gửi phản ánh, kiến nghị" }),
        categories: categories
            .iter()
            .filter(|c| c.active)
            .map(|c| Choice {
                value: c.code.clone(),
                label: crate::views::category_label(c, en),
                selected: c.code == d.category,
            })
            .collect(),
        communes: communes(state),
        d,
        nearby,
        errors,
        signed_in: viewer.account.is_some(),
        photos,
        max_photos: crate::photos::MAX_PHOTOS,
        own_dossiers: own_dossiers(state, viewer).await?,
    })
}

/// `/phan-anh/gui`: the reporting form (the category and dossier code filled in when the
/// visitor came from a dossier or a category's link).
pub async fn new_form(State(state): State<AppState>, viewer: Viewer, PageQuery(p): PageQuery<NewParams>) -> PageResult {
    let err = page_err(&viewer);
    let d = Draft {
        category: p.category.unwrap_or_default(),
        dossier_code: p.dossier.unwrap_or_default(),
        name: viewer.account.as_ref().map(|a| a.full_name.clone()).unwrap_or_default(),
        contact: viewer.account.as_ref().map(|a| a.login.clone()).unwrap_or_default(),
        ..Default::default()
    };
    let page = new_page(&state, &viewer, d, Vec::new(), Vec::new(), Vec::new()).await.map_err(&err)?;
    Ok(viewer.finish(render(&page)))
}

fn draft(form: &FormData) -> Draft {
    Draft {
        category: form.text("category"),
        description: form.text("description"),
        lat: form.text("lat"),
        lon: form.text("lon"),
        commune: form.text("commune"),
        address: form.text("address"),
        dossier_code: form.text("dossier_code"),
        name: form.text("name"),
        contact: form.text("contact"),
        show_identity: form.get("show_identity") == Some("1"),
        client_token: String::new(),
    }
}

/// Sends a report; first offers the open reports of its category within 50 m, unless the
/// reporter already saw them and chose to send anyway. Photos (signed-in reporters) are cleaned
/// of their metadata; the location their EXIF gives fills an empty one.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    tinhso_http::client::ClientAddr(client): tinhso_http::client::ClientAddr,
    req: Request,
) -> PageResult {
    let err = page_err(&viewer);
    let sent = crate::photos::read(&state, req).await.map_err(&err)?;
    let form = sent.form;
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&[
        "category",
        "description",
        "lat",
        "lon",
        "commune",
        "address",
        "dossier_code",
        "name",
        "contact",
        "show_identity",
        "send_anyway",
        "photo_sha",
    ])
    .map_err(&err)?;
    let mut d = draft(&form);
    let mut errors = sent.errors;
    let mut photos = crate::photos::kept(&state, viewer.account.as_ref(), &form).await.map_err(&err)?;
    if let Some(account) = viewer.account.as_ref() {
        let (kept, point, refused) = crate::photos::store(&state, account, sent.photos).await.map_err(&err)?;
        photos.extend(kept);
        errors.extend(refused);
        if let (Some(p), true) = (point, d.lat.is_empty() && d.lon.is_empty()) {
            d.lat = format!("{:.6}", p.lat);
            d.lon = format!("{:.6}", p.lon);
        }
    }
    photos.dedup();
    if photos.len() > crate::photos::MAX_PHOTOS {
        photos.truncate(crate::photos::MAX_PHOTOS);
        errors.push(FieldError::new("photo", "too_many_photos", "Gửi tối đa 5 ảnh", "At most 5 photos"));
    }
    // Every problem at once: the photos' and the form's.
    if !errors.is_empty() {
        let categories = state.store.reports.report_categories().await.map_err(|e| err(e.into()))?;
        if let Err(more) = tinhso_reports::intake::check(&d, &categories, &state.units, None, Vec::new()) {
            errors.extend(more);
        }
        let status = tinhso_http::files::form_status(&errors);
        let page = new_page(&state, &viewer, d, Vec::new(), errors, photos).await.map_err(&err)?;
        return Ok(viewer.finish((status, render(&page))));
    }
    if form.get("send_anyway") != Some("1") {
        if let Some(p) = service::draft_point(&d) {
            let near = service::nearby(&state, d.category.trim(), p).await.map_err(&err)?;
            if !near.is_empty() {
                let categories = state.store.reports.report_categories().await.map_err(|e| err(e.into()))?;
                let en = viewer.locale == Locale::En;
                let nearby = near.iter().map(|(r, m)| (view(&state, &categories, r, en), format!("{m:.0}"))).collect();
                let page = new_page(&state, &viewer, d, nearby, Vec::new(), photos).await.map_err(&err)?;
                return Ok(viewer.finish(render(&page)));
            }
        }
    }
    // Without an account, reports count against the sending address (behind a trusted proxy, the
    // client's), counted before the report is stored so that a burst sent at once is counted one
    // by one; a report refused as invalid is not counted.
    let guard = match viewer.account {
        Some(_) => None,
        None => {
            let key = tinhso_identity::guard_key("report-anonymous", &[&tinhso_http::client::limit_key(client)]);
            let rule = tinhso_kernel::guard::Rule::ANONYMOUS_REPORTS;
            if let tinhso_kernel::guard::Verdict::Wait(retry_after) =
                state.store.guard.guard_attempt(&[(key, rule)], chrono::Utc::now()).await.map_err(|e| err(e.into()))?
            {
                // Said on the form, with the report as written, so that nothing is typed twice.
                let e = tinhso_http::error::wait_error("send", retry_after);
                let page = new_page(&state, &viewer, d, Vec::new(), vec![e], photos).await.map_err(&err)?;
                return Ok(viewer.finish_waiting(retry_after, render(&page)));
            }
            Some(key)
        }
    };
    let sent = service::submit(&state, viewer.account.as_ref(), &d, photos.clone()).await;
    if let (Err(_), Some(key)) = (&sent, guard) {
        state.store.guard.guard_settle(&[], &[key], chrono::Utc::now()).await.map_err(|e| err(e.into()))?;
    }
    match sent {
        Ok(r) => Ok(viewer.finish(Redirect::to(&format!("/phan-anh/{}?moi=1", r.id)).into_response())),
        Err(AppError::Invalid(errors)) => {
            let page = new_page(&state, &viewer, d, Vec::new(), errors, photos).await.map_err(&err)?;
            Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&page))))
        }
        Err(e) => Err(err(e)),
    }
}

/// Starts or stops telling the signed-in person of new reports in a commune.
pub async fn subscribe(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::extract::Path(code): axum::extract::Path<String>,
    form: FormData,
) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["bat"]).map_err(&err)?;
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let commune = code
        .parse::<u32>()
        .ok()
        .filter(|c| state.units.iter().any(|u| u.code == *c))
        .ok_or(AppError::NotFound)
        .map_err(&err)?;
    let on = form.get("bat") == Some("1");
    state.store.reports.subscribe_commune(commune, account.id, on).await.map_err(|e| err(e.into()))?;
    Ok(viewer.finish(Redirect::to(&format!("/phan-anh?xa={commune}")).into_response()))
}
