//! The back office of the index: the year's rounds and every unit's standing
//! (`/quan-tri/chuyen-doi-so`), a unit's assessment with its self-assessment form for the
//! unit's admin and the appraisal form for the province (`…/{year}/{unit}`), opening a round
//! and publishing its results.

use crate::service::{self, Loaded, Read};
use crate::views::{self, PillarView, Typed};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tinhso_dti::{form as dti_form, Command, Refusal, Step, UnitGroup};
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::form::{FormData, FormWithFiles, PageQuery};
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_kernel::ids::AgencyCode;
use tinhso_kernel::FieldError;
use tinhso_policy::Action;

pub const BACK_OFFICE: &str = "/quan-tri/chuyen-doi-so";

fn pick(en: bool, vi: &str, english: &str) -> String {
    if en { english } else { vi }.to_owned()
}

pub(crate) fn date(rfc3339: Option<&str>) -> String {
    rfc3339
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| tinhso_kernel::calendar::local_time(t.with_timezone(&chrono::Utc)).format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

fn step_label(step: Step, en: bool) -> String {
    pick(en, step.label_vi(), step.label_en())
}

fn refused(r: Refusal) -> AppError {
    AppError::Conflict { code: r.code(), vi: r.vi().to_owned(), en: r.en().to_owned() }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct YearParams {
    nam: Option<String>,
    #[serde(rename = "ket-qua")]
    done: Option<String>,
}

pub struct UnitRow {
    /// Submitted and waiting for the appraisers.
    pub waiting: bool,
    pub name: String,
    pub href: String,
    pub group: String,
    pub step: String,
    pub own: String,
    pub appraised: String,
    pub submitted: String,
}

pub struct RoundLink {
    pub year: i32,
    pub href: String,
    pub current: bool,
    pub state: String,
}

#[derive(Template)]
#[template(path = "dti/index.html")]
pub struct IndexPage {
    pub layout: Layout,
    pub errors: Vec<FieldError>,
    pub rounds: Vec<RoundLink>,
    pub year: Option<i32>,
    pub framework: String,
    pub deadline: String,
    pub published: String,
    pub rows: Vec<UnitRow>,
    /// Units waiting for appraisal (publication waits for them).
    pub waiting: usize,
    /// How far the year has come: (label, units) for each step, and those not started.
    pub progress: Vec<(String, usize)>,
    pub appraises: bool,
    /// The province's own acts: opening a round, publishing, signing the decision.
    pub runs: bool,
    pub years: Vec<i32>,
    pub typed_year: String,
    pub typed_deadline: String,
    pub own_href: String,
    /// The framework a new round opens with: its name, pillars and indicators.
    pub next_framework: String,
    /// The published year's decision: its verification code and file, once signed.
    pub decision: Option<(String, String)>,
    /// The province may sign the published year's decision now.
    pub signs: bool,
    /// What the last form did (publication, signature).
    pub notice: String,
}

pub(crate) fn parse_year(s: Option<&str>) -> Result<Option<i32>, AppError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => match s.parse::<i32>() {
            Ok(y) if (2000..=2100).contains(&y) && s.len() == 4 => Ok(Some(y)),
            _ => Err(AppError::NotFound),
        },
    }
}

/// The agency an admin assesses, when it is a unit of the index.
fn own_unit(state: &AppState, viewer: &Viewer) -> Option<AgencyCode> {
    let agency = viewer.account.as_ref()?.agency.clone()?;
    let may = viewer.may(&Action::AssessDigitalTransformation { agency: agency.clone() });
    (may && service::group_of(state, &agency).is_some()).then_some(agency)
}

async fn index_page(
    state: &AppState,
    viewer: &Viewer,
    year: Option<i32>,
    errors: Vec<FieldError>,
    typed: (String, String),
) -> Result<IndexPage, AppError> {
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let reads_all = viewer.may(&Action::ViewDigitalTransformation);
    let own = own_unit(state, viewer);
    if !reads_all && own.is_none() {
        return Err(viewer.require(&Action::ViewDigitalTransformation).err().unwrap_or(AppError::Forbidden));
    }
    let rounds = crate::dti_port(state)?.rounds().await?;
    let year = year.or_else(|| rounds.first().map(|r| r.year));
    let chosen = rounds.iter().find(|r| Some(r.year) == year).cloned().map(service::load).transpose()?;
    if year.is_some() && chosen.is_none() && !rounds.is_empty() {
        return Err(AppError::NotFound);
    }
    let state_of = |r: &tinhso_dti_port::DtiRound| match &r.published_at {
        Some(at) => format!("{} {}", pick(en, "công bố", "published"), date(Some(at))),
        None => pick(en, "đang đánh giá", "in progress"),
    };
    let links = rounds
        .iter()
        .map(|r| RoundLink {
            year: r.year,
            href: format!("{BACK_OFFICE}?nam={}", r.year),
            current: Some(r.year) == year,
            state: state_of(r),
        })
        .collect();
    let mut rows = Vec::new();
    let mut waiting = 0;
    let mut counts: std::collections::BTreeMap<Option<Step>, usize> = Default::default();
    if let Some(loaded) = &chosen {
        let stored = crate::dti_port(state)?.assessments(loaded.round.year).await?;
        for (code, name, group) in service::units(state) {
            if !reads_all && Some(&code) != own.as_ref() {
                continue;
            }
            let read = stored.iter().find(|a| a.unit == code.as_str()).cloned().map(service::read).transpose()?;
            let step = read.as_ref().map(|r| r.assessment.step);
            waiting += usize::from(step == Some(Step::Submitted));
            *counts.entry(step).or_default() += 1;
            // A draft is the unit's own until it is submitted.
            let shown =
                read.as_ref().filter(|r| r.assessment.step != Step::Draft || !reads_all || own.as_ref() == Some(&code));
            rows.push(UnitRow {
                waiting: step == Some(Step::Submitted),
                href: format!("{BACK_OFFICE}/{}/{code}", loaded.round.year),
                name,
                group: pick(en, group.label_vi(), group.label_en()),
                step: step.map_or_else(|| pick(en, "Chưa bắt đầu", "Not started"), |s| step_label(s, en)),
                own: shown.map(|r| r.assessment.scores.total().shown(en)).unwrap_or_default(),
                appraised: read
                    .as_ref()
                    .and_then(|r| r.assessment.final_total())
                    .map(|t| t.shown(en))
                    .unwrap_or_default(),
                submitted: date(read.as_ref().and_then(|r| r.row.submitted_at.as_deref())),
            });
        }
        // Waiting units first, for the appraisers; the rest in the order of names.
        rows.sort_by_key(|r| !r.waiting);
    }
    let deadline = chosen.as_ref().and_then(Loaded::deadline).map(tinhso_kernel::format::date_vi).unwrap_or_default();
    let decision = match chosen.as_ref().filter(|l| l.published()) {
        Some(l) => crate::decision::issued(state, l.round.year).await?,
        None => None,
    };
    let signs = chosen.as_ref().is_some_and(Loaded::published)
        && decision.is_none()
        && viewer.may(&Action::RunDigitalTransformation)
        && state.capabilities.documents.get().is_some();
    let title = pick(en, "Đánh giá chuyển đổi số (DTI)", "Digital-transformation index (DTI)");
    let own_href = match (&own, &chosen) {
        (Some(code), Some(l)) => format!("{BACK_OFFICE}/{}/{code}", l.round.year),
        _ => String::new(),
    };
    Ok(IndexPage {
        layout: Layout::new(state, viewer, title),
        errors,
        rounds: links,
        year: chosen.as_ref().map(|l| l.round.year),
        framework: chosen.as_ref().map(|l| l.frameworks.name(en)).unwrap_or_default(),
        deadline,
        published: date(chosen.as_ref().and_then(|l| l.round.published_at.as_deref())),
        rows,
        waiting,
        progress: std::iter::once(None)
            .chain(Step::ALL.into_iter().map(Some))
            .filter_map(|step| {
                let n = counts.get(&step).copied().unwrap_or(0);
                let label = step.map_or_else(|| pick(en, "Chưa bắt đầu", "Not started"), |s| step_label(s, en));
                (n > 0).then_some((label, n))
            })
            .collect(),
        appraises: viewer.may(&Action::AppraiseDigitalTransformation),
        runs: viewer.may(&Action::RunDigitalTransformation),
        years: service::openable_years().into_iter().filter(|y| !rounds.iter().any(|r| r.year == *y)).collect(),
        typed_year: typed.0,
        typed_deadline: typed.1,
        own_href,
        next_framework: state.module_state::<crate::Dti>().frameworks().map(|f| describe(&f, en)).unwrap_or_default(),
        decision: decision.map(|d| (d.code, crate::decision::file_href(d.year))),
        signs,
        notice: String::new(),
    })
}

/// What the index says after publishing or signing.
fn index_notice(done: Option<&str>, en: bool) -> String {
    let (vi, english) = match done {
        Some("da-cong-bo-va-ky") => {
            ("Đã công bố kết quả và ký số quyết định công bố.", "Results published and the decision signed.")
        }
        // A platform without signing keys publishes the ranking alone.
        Some("da-cong-bo") => ("Đã công bố kết quả.", "Results published."),
        Some("chua-ky") => (
            "Đã công bố kết quả. Chưa ký số được quyết định công bố (khóa ký số hoặc máy chủ cấp dấu thời gian chưa sẵn sàng); ký lại bằng nút bên dưới.",
            "Results published. The decision could not be signed yet (signing key or timestamp authority unavailable); sign it with the button below.",
        ),
        Some("da-ky") => ("Đã ký số và phát hành quyết định công bố kết quả.", "The decision has been signed and issued."),
        _ => return String::new(),
    };
    pick(en, vi, english)
}

pub async fn index(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<YearParams>) -> PageResult {
    let err = page_err(&viewer);
    let year = parse_year(q.nam.as_deref()).map_err(&err)?;
    let mut page = index_page(&state, &viewer, year, Vec::new(), Default::default()).await.map_err(&err)?;
    page.notice = index_notice(q.done.as_deref(), viewer.locale == tinhso_http::i18n::Locale::En);
    Ok(viewer.finish(render(&page)))
}

/// Opens a year's round with the province's framework and a deadline.
pub async fn open(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    let err = page_err(&viewer);
    let account = viewer.require(&Action::RunDigitalTransformation).map_err(&err)?.clone();
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["csrf", "nam", "han-nop"]).map_err(&err)?;
    let mut errors = Vec::new();
    let typed = (form.text("nam"), form.text("han-nop"));
    let year = typed.0.trim().parse::<i32>().ok().filter(|y| service::openable_years().contains(y));
    if year.is_none() {
        errors.push(FieldError::new("nam", "invalid_year", "Chọn năm đánh giá", "Choose the year assessed"));
    }
    let today = service::today();
    let deadline = match tinhso_kernel::format::parse_date(&typed.1) {
        Ok(d) if d < today => {
            errors.push(FieldError::new(
                "han-nop",
                "deadline_past",
                "Hạn nộp phải từ hôm nay trở đi",
                "The deadline must be today or later",
            ));
            None
        }
        Ok(d) if d > today + chrono::Duration::days(366) => {
            errors.push(FieldError::new(
                "han-nop",
                "deadline_far",
                "Hạn nộp không quá một năm kể từ hôm nay",
                "The deadline must be within a year from today",
            ));
            None
        }
        Ok(d) => Some(d),
        Err(p) => {
            errors.push(FieldError::new(
                "han-nop",
                "invalid_date",
                format!("Hạn nộp: {}", p.vi),
                format!("Deadline: {}", p.en),
            ));
            None
        }
    };
    let frameworks = state.module_state::<crate::Dti>().frameworks().map_err(|e| err(AppError::Internal(e)))?;
    match (year, deadline, errors.is_empty()) {
        (Some(y), Some(d), true) => {
            service::open(&state, &account, y, d, &frameworks).await.map_err(&err)?;
            Ok(Redirect::to(&format!("{BACK_OFFICE}?nam={y}")).into_response())
        }
        _ => {
            let page = index_page(&state, &viewer, None, errors, typed).await.map_err(&err)?;
            Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&page))))
        }
    }
}

/// Publishes a year's results.
pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(year): Path<String>,
    form: FormData,
) -> PageResult {
    let err = page_err(&viewer);
    let account = viewer.require(&Action::RunDigitalTransformation).map_err(&err)?.clone();
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["csrf"]).map_err(&err)?;
    let year = parse_year(Some(&year)).map_err(&err)?.ok_or(AppError::NotFound).map_err(&err)?;
    service::round(&state, year).await.map_err(&err)?.ok_or(AppError::NotFound).map_err(&err)?;
    service::publish(&state, &account, year).await.map_err(&err)?;
    // The results stand once published; the decision follows, or is signed again later.
    let said = match crate::decision::after_publication(&state, &account, year).await {
        Some(true) => "da-cong-bo-va-ky",
        Some(false) => "chua-ky",
        None => "da-cong-bo",
    };
    Ok(Redirect::to(&format!("{BACK_OFFICE}?nam={year}&ket-qua={said}")).into_response())
}

#[derive(Template)]
#[template(path = "dti/assessment.html")]
pub struct AssessmentPage {
    pub layout: Layout,
    pub errors: Vec<FieldError>,
    pub year: i32,
    pub unit: String,
    pub unit_name: String,
    pub group: String,
    pub action: String,
    pub back: String,
    pub step: String,
    pub started: bool,
    pub reason: String,
    pub deadline: String,
    pub published: bool,
    pub own_total: String,
    pub appraised_total: String,
    pub version: String,
    /// The unit's admin may change the figures now.
    pub edits: bool,
    /// The unit's admin, past the deadline with nothing returned.
    pub closed: bool,
    /// The province may appraise or return it now.
    pub appraises: bool,
    /// The figures are shown (a draft is the unit's own).
    pub shows: bool,
    pub pillars: Vec<PillarView>,
    pub notice: String,
    pub max_files: usize,
}

/// The assessment a page or download is about, and what the viewer may do with it.
pub(crate) struct Target {
    pub loaded: Loaded,
    pub unit: AgencyCode,
    pub group: UnitGroup,
    pub read: Option<Read>,
    /// The unit's own admin.
    pub assesses: bool,
    pub appraises: bool,
}

pub(crate) async fn target(state: &AppState, viewer: &Viewer, year: &str, unit: &str) -> Result<Target, AppError> {
    let year = parse_year(Some(year))?.ok_or(AppError::NotFound)?;
    let unit = AgencyCode::parse("unit", unit).map_err(|_| AppError::NotFound)?;
    let group = service::group_of(state, &unit).ok_or(AppError::NotFound)?;
    let assesses = viewer.may(&Action::AssessDigitalTransformation { agency: unit.clone() });
    if !assesses {
        viewer.require(&Action::ViewDigitalTransformation)?;
    }
    let loaded = service::round(state, year).await?.ok_or(AppError::NotFound)?;
    let read = service::assessment(state, year, &unit).await?;
    Ok(Target { loaded, unit, group, read, assesses, appraises: viewer.may(&Action::AppraiseDigitalTransformation) })
}

/// The frameworks a new round opens with, as the back office names them: each with its pillars,
/// indicators and points, and which units it scores when there are two.
fn describe(f: &tinhso_dti::Frameworks, en: bool) -> String {
    let one = |f: &tinhso_dti::Framework| {
        let n = f.indicators().count();
        if en {
            format!("{} ({} pillars, {n} indicators, 1,000 points)", f.name_en, f.pillars.len())
        } else {
            format!("{} ({} trụ cột, {n} chỉ số, 1.000 điểm)", f.name_vi, f.pillars.len())
        }
    };
    match f.shared() {
        Some(shared) => one(shared),
        None => tinhso_dti::UnitGroup::ALL
            .iter()
            .map(|g| format!("{}: {}", pick(en, g.label_vi(), g.label_en()), one(f.of(*g))))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

async fn assessment_page(
    state: &AppState,
    viewer: &Viewer,
    t: &Target,
    typed: Option<&Typed>,
    errors: Vec<FieldError>,
    notice: String,
) -> Result<AssessmentPage, AppError> {
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let rules = t.loaded.rules();
    let step = t.read.as_ref().map(|r| r.assessment.step);
    let editable = step.is_none_or(Step::editable);
    let edits = t.assesses && !rules.published && editable && (!rules.past_deadline || step == Some(Step::Returned));
    let appraises = t.appraises && !rules.published && matches!(step, Some(Step::Submitted | Step::Appraised));
    let shows = t.assesses || step.is_some_and(|s| s != Step::Draft);
    let empty = tinhso_dti::Scores::default();
    let mut scores = t.read.as_ref().map_or(empty, |r| r.assessment.scores.clone());
    if edits {
        // The platform's own figures as of now, not as of the last save.
        let measured = service::measured(state, t.loaded.framework(t.group), &t.unit, t.loaded.round.year).await?;
        scores.0.extend(measured);
    }
    let appraisal = t.read.as_ref().and_then(|r| r.assessment.appraisal.as_ref());
    let unit_name = state.agency_name(t.unit.as_str()).unwrap_or(t.unit.as_str()).to_owned();
    let year = t.loaded.round.year;
    Ok(AssessmentPage {
        layout: Layout::new(
            state,
            viewer,
            format!("{} {year}: {unit_name}", pick(en, "Chỉ số chuyển đổi số", "Digital-transformation index")),
        ),
        errors: errors.clone(),
        year,
        unit: t.unit.to_string(),
        unit_name,
        group: pick(en, t.group.label_vi(), t.group.label_en()),
        action: format!("{BACK_OFFICE}/{year}/{}", t.unit),
        back: format!("{BACK_OFFICE}?nam={year}"),
        step: step.map_or_else(|| pick(en, "Chưa bắt đầu", "Not started"), |s| step_label(s, en)),
        started: step.is_some(),
        reason: t
            .read
            .as_ref()
            .map(|r| r.assessment.reason.clone())
            .filter(|_| step == Some(Step::Returned))
            .unwrap_or_default(),
        deadline: t.loaded.deadline().map(tinhso_kernel::format::date_vi).unwrap_or_default(),
        published: rules.published,
        own_total: scores.total().shown(en),
        appraised_total: appraisal
            .filter(|_| step == Some(Step::Appraised))
            .map(|a| a.total().shown(en))
            .unwrap_or_default(),
        version: t.read.as_ref().map(|r| r.row.version.to_string()).unwrap_or_default(),
        edits,
        closed: t.assesses && !rules.published && editable && !edits,
        appraises,
        shows,
        pillars: if shows {
            views::pillars(
                t.loaded.framework(t.group),
                &scores,
                appraisal,
                typed,
                &errors,
                &format!("{BACK_OFFICE}/{year}/{}", t.unit),
                en,
            )
        } else {
            Vec::new()
        },
        notice,
        max_files: tinhso_dti::assessment::MAX_FILES,
    })
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DoneParams {
    #[serde(rename = "ket-qua")]
    done: Option<String>,
}

/// The confirmation after a form went through (the page it redirects to says it).
fn confirmation(done: Option<&str>, en: bool) -> String {
    let (vi, english) = match done {
        Some("da-luu") => (
            "Đã lưu bản nháp. Đơn vị có thể sửa tiếp trước khi nộp.",
            "Draft saved. You can keep editing before you submit.",
        ),
        Some("da-nop") => (
            "Đã nộp bản tự đánh giá. Hội đồng thẩm định sẽ xem xét; kết quả hoặc yêu cầu giải trình được báo tại đây.",
            "Self-assessment submitted. The appraisers will review it; their result or questions will show here.",
        ),
        Some("da-tra-lai") => {
            ("Đã trả lại cho đơn vị để giải trình, bổ sung.", "Returned to the unit for explanation.")
        }
        Some("da-tham-dinh") => ("Đã lưu kết quả thẩm định.", "Appraisal saved."),
        _ => return String::new(),
    };
    pick(en, vi, english)
}

pub async fn assessment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((year, unit)): Path<(String, String)>,
    PageQuery(q): PageQuery<DoneParams>,
) -> PageResult {
    let err = page_err(&viewer);
    let t = target(&state, &viewer, &year, &unit).await.map_err(&err)?;
    let notice = confirmation(q.done.as_deref(), viewer.locale == tinhso_http::i18n::Locale::En);
    let page = assessment_page(&state, &viewer, &t, None, Vec::new(), notice).await.map_err(&err)?;
    Ok(viewer.finish(render(&page)))
}

/// The forms of the assessment page: the unit saves or submits (with files of evidence); the
/// province appraises or returns.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((year, unit)): Path<(String, String)>,
    body: FormWithFiles,
) -> PageResult {
    let err = page_err(&viewer);
    let FormWithFiles { form, files: uploads } = body;
    let t = target(&state, &viewer, &year, &unit).await.map_err(&err)?;
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    let account = viewer.account.clone().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let f = t.loaded.framework(t.group);
    let lenh = form.text("lenh");
    let mut known: Vec<String> = ["csrf", "lenh", "phien-ban", "ly-do"].map(str::to_owned).to_vec();
    match lenh.as_str() {
        "luu" | "nop" if t.assesses => known.extend(dti_form::self_fields(f)),
        "tham-dinh" | "tra-lai" if t.appraises => known.extend(dti_form::appraisal_fields(f)),
        "luu" | "nop" | "tham-dinh" | "tra-lai" => return Err(err(AppError::Forbidden)),
        _ => {
            return Err(err(AppError::bad_request("unknown_command", "Thao tác không hợp lệ", "Unknown action")));
        }
    }
    let names: Vec<&str> = known.iter().map(String::as_str).collect();
    form.only(&names).map_err(&err)?;
    let seen = match form.text("phien-ban").trim() {
        "" => None,
        v => Some(v.parse::<i64>().map_err(|_| err(service::changed_meanwhile()))?),
    };
    let get = |k: &str| form.text(k);
    let stored = t.read.as_ref().map(|r| r.assessment.scores.clone()).unwrap_or_default();
    let (files, upload_errors) = match lenh.as_str() {
        "luu" | "nop" => crate::evidence::sent(&state, &account, f, &stored, &form, uploads).await.map_err(&err)?,
        _ if !uploads.is_empty() => {
            return Err(err(AppError::bad_request(
                "unknown_field",
                "Biểu mẫu thẩm định không nhận tệp",
                "The appraisal form takes no files",
            )))
        }
        _ => Default::default(),
    };
    let command = match lenh.as_str() {
        "luu" | "nop" => {
            let measured = service::measured(&state, f, &t.unit, t.loaded.round.year).await.map_err(&err)?;
            let submitting = lenh == "nop";
            match dti_form::scores(f, &measured, &get, &files, submitting) {
                // Every mistake at once: the uploads refused beside the figures'.
                Ok(_) if !upload_errors.is_empty() => Err(upload_errors),
                Ok(s) if submitting => Ok(Command::Submit(s)),
                Ok(s) => Ok(Command::Save(s)),
                Err(mut errors) => {
                    errors.extend(upload_errors);
                    Err(errors)
                }
            }
        }
        "tra-lai" => {
            let reason = tinhso_kernel::text::clean(&form.text("ly-do"));
            if reason.is_empty() || reason.chars().count() > tinhso_dti::assessment::MAX_TEXT {
                Err(vec![FieldError::new(
                    "ly-do",
                    "reason_required",
                    "Nêu nội dung đơn vị cần giải trình, bổ sung (tối đa 2.000 ký tự)",
                    "Say what the unit must explain or add (at most 2,000 characters)",
                )])
            } else {
                Ok(Command::Return { reason })
            }
        }
        _ => {
            let own = t.read.as_ref().map(|r| r.assessment.scores.clone()).unwrap_or_default();
            dti_form::appraisal(f, &own, &get).map(Command::Appraise)
        }
    };
    let command = match command {
        Ok(c) => c,
        Err(errors) => {
            let typed = Typed {
                fields: form.pairs().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
                files: matches!(lenh.as_str(), "luu" | "nop").then_some(files),
            };
            let status = tinhso_http::files::form_status(&errors);
            let page = assessment_page(&state, &viewer, &t, Some(&typed), errors, String::new()).await.map_err(&err)?;
            return Ok(viewer.finish((status, render(&page))));
        }
    };
    let done = service::apply(&state, &account, &t.loaded, &t.unit, seen, command).await.map_err(&err)?;
    done.map_err(|r| err(refused(r)))?;
    let said = match lenh.as_str() {
        "luu" => "da-luu",
        "nop" => "da-nop",
        "tra-lai" => "da-tra-lai",
        _ => "da-tham-dinh",
    };
    Ok(Redirect::to(&format!("{BACK_OFFICE}/{}/{}?ket-qua={said}", t.loaded.round.year, t.unit)).into_response())
}
