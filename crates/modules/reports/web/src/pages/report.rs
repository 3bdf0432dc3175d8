//! A report's page: what was reported, where it stands against its deadline, the agency's
//! answer and the public history; the reporter's forms (add information, reopen, rate); the
//! handling agencies' forms and their internal notes; following it.

use crate::service;
use crate::views::{history, view, HistoryItem, ReportView};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tinhso_http::auth::Viewer;
use tinhso_http::choices::{agencies, ChoiceGroup};
use tinhso_http::error::AppError;
use tinhso_http::form::{FormData, PageQuery};
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_kernel::ids::AgencyCode;
use tinhso_kernel::FieldError;
use tinhso_reports::{Command, CommandKind, Report};

#[derive(Template)]
#[template(path = "reports/report.html")]
pub struct ReportPage {
    pub layout: Layout,
    pub r: ReportView,
    pub history: Vec<HistoryItem>,
    pub just_sent: bool,
    /// The reporter's own report: their forms.
    pub mine: bool,
    pub may_rate: bool,
    pub may_reopen: bool,
    /// Handled by the viewer's agency (or the viewer steers the province).
    pub handling: bool,
    pub may_moderate: bool,
    pub contact: String,
    pub reporter_name: String,
    pub contributors: Vec<String>,
    pub agencies: Vec<ChoiceGroup>,
    pub text_commands: Vec<(&'static str, &'static str)>,
    pub answers: Vec<(&'static str, &'static str)>,
    pub signed_in: bool,
    pub following: bool,
    /// The place on the configured tile server (none without `--map-tiles`).
    pub tiles: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ShowParams {
    moi: Option<u8>,
}

/// The report a path names (`12` or `PA-12`), or 404.
pub async fn by_path(state: &AppState, id: &str) -> Result<Report, AppError> {
    let id = tinhso_reports::parse_public_id(id).ok_or(AppError::NotFound)?;
    service::load(state, id).await
}

/// Commands that take one text (an answer, a reason, a note), in the order staff meet them.
const TEXT_COMMANDS: [CommandKind; 10] = [
    CommandKind::Update,
    CommandKind::Note,
    CommandKind::RequestInfo,
    CommandKind::Schedule,
    CommandKind::Fix,
    CommandKind::NoFurtherAction,
    CommandKind::UnableToFix,
    CommandKind::InternalReferral,
    CommandKind::Refuse,
    CommandKind::Close,
];

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    PageQuery(p): PageQuery<ShowParams>,
) -> PageResult {
    let err = page_err(&viewer);
    let r = by_path(&state, &id).await.map_err(&err)?;
    let page = page(&state, &viewer, &r, p.moi == Some(1)).await.map_err(&err)?;
    Ok(viewer.finish(render(&page)))
}

async fn page(state: &AppState, viewer: &Viewer, r: &Report, just_sent: bool) -> Result<ReportPage, AppError> {
    let categories = state.store.reports.report_categories().await?;
    let account = viewer.account.as_ref();
    let handling = service::handles(account, r);
    let events = state.store.reports.report_history(r.id).await?;
    let mine = account.is_some_and(|a| r.reporter == Some(a.id));
    let following = match account {
        Some(a) => state.store.reports.report_followers(r.id).await?.contains(&a.id),
        None => false,
    };
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let v = view(state, &categories, r, en);
    let closed = !r.state.is_open();
    Ok(ReportPage {
        layout: Layout::new(state, viewer, format!("{} {}", if en { "Report" } else { "Phản ánh" }, v.public_id)),
        history: history(state, &events, handling, en),
        just_sent,
        mine,
        may_rate: mine && closed && r.rating.is_none(),
        may_reopen: mine && closed && r.state != tinhso_reports::ReportState::Duplicate,
        handling,
        may_moderate: viewer.may(&tinhso_policy::Action::ModerateReport { agency: r.agency.clone() }),
        contact: if handling { r.reporter_contact.clone() } else { String::new() },
        reporter_name: if handling { r.reporter_name.clone() } else { String::new() },
        contributors: r.contributors.iter().map(|a| crate::views::agency_name(state, a.as_str())).collect(),
        agencies: if handling { agencies(state, |_| true, "") } else { Vec::new() },
        text_commands: TEXT_COMMANDS.iter().map(|k| (k.key(), if en { k.label_en() } else { k.label_vi() })).collect(),
        answers: tinhso_reports::answers::ANSWERS
            .iter()
            .zip(tinhso_reports::answers::LABELS_EN)
            .map(|((k, vi, _), english)| (*k, if en { english } else { *vi }))
            .collect(),
        signed_in: account.is_some(),
        following,
        tiles: state
            .config
            .map_tiles
            .as_ref()
            .zip(r.point)
            .map(|(t, p)| crate::map::tiles_svg(t, p, &tinhso_reports::public_id(r.id))),
        r: v,
    })
}

fn agency(form: &FormData) -> Result<AgencyCode, AppError> {
    AgencyCode::parse("co-quan", &form.text("co-quan")).map_err(|_| {
        AppError::Invalid(vec![FieldError::new("co-quan", "agency_required", "Chọn cơ quan", "Choose an agency")])
    })
}

/// The command a form posts; `photos` (already stored) go with a fix or an update.
pub fn command(form: &FormData, photos: Vec<String>) -> Result<Command, AppError> {
    let kind = CommandKind::parse(&form.text("lenh"))
        .ok_or_else(|| AppError::bad_request("unknown_command", "Thao tác không hợp lệ", "Unknown command"))?;
    // An empty text with a standard answer chosen takes the standard answer's words.
    let mut text = form.text("noi-dung");
    if text.is_empty() {
        if let Some(t) = tinhso_reports::answers::answer(&form.text("mau")) {
            text = t.to_owned();
        }
    }
    use CommandKind as K;
    Ok(match kind {
        K::Accept => Command::Accept,
        K::Investigate => Command::Investigate,
        K::StartWork => Command::StartWork,
        K::Refuse => Command::Refuse { answer: text },
        K::Forward => Command::Forward { to: agency(form)?, reason: text },
        K::AddContributor => Command::AddContributor { agency: agency(form)? },
        K::Escalate => Command::Escalate { to: agency(form)? },
        K::RequestInfo => Command::RequestInfo { question: text },
        K::Schedule => Command::Schedule { note: text },
        K::Fix => Command::Fix { answer: text, photos },
        K::NoFurtherAction => Command::NoFurtherAction { answer: text },
        K::UnableToFix => Command::UnableToFix { answer: text },
        K::InternalReferral => Command::InternalReferral { answer: text },
        K::Close => Command::Close { answer: text },
        K::Update => Command::Update { text, photos },
        K::Note => Command::Note { text },
        K::MarkDuplicate => Command::MarkDuplicate {
            of: tinhso_reports::parse_public_id(&form.text("so")).ok_or_else(|| {
                AppError::Invalid(vec![FieldError::new(
                    "so",
                    "no_such_report",
                    "Ghi số phản ánh gốc, ví dụ PA-12",
                    "Give the original's number",
                )])
            })?,
        },
        K::Hide => Command::Hide { photo: form.get("anh").filter(|s| !s.is_empty()).map(str::to_owned), reason: text },
        K::ProvideInfo => Command::ProvideInfo { text },
        K::Reopen => Command::Reopen { reason: text },
        K::Rate => Command::Rate {
            satisfied: match form.get("hai-long") {
                Some("1") => true,
                Some("0") => false,
                _ => {
                    return Err(AppError::Invalid(vec![FieldError::new(
                        "hai-long",
                        "choose",
                        "Chọn hài lòng hoặc không hài lòng",
                        "Choose satisfied or not",
                    )]))
                }
            },
            comment: text,
        },
    })
}

/// A command on the report, from its page's forms (with photos of the fix, for staff); back to
/// the page once recorded.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> PageResult {
    let err = page_err(&viewer);
    let sent = crate::photos::read(&state, req).await.map_err(&err)?;
    let form = sent.form;
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["lenh", "noi-dung", "mau", "co-quan", "so", "hai-long", "anh"]).map_err(&err)?;
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let r = by_path(&state, &id).await.map_err(&err)?;
    let mut errors = sent.errors;
    let (photos, _, refused) = crate::photos::store(&state, account, sent.photos).await.map_err(&err)?;
    errors.extend(refused);
    if !errors.is_empty() {
        // Short of room is the server's trouble (503), whatever else was wrong.
        let full = tinhso_http::files::form_status(&errors) == axum::http::StatusCode::SERVICE_UNAVAILABLE;
        return Err(err(if full { tinhso_http::files::storage_full() } else { AppError::Invalid(errors) }));
    }
    let cmd = command(&form, photos).map_err(&err)?;
    service::act(&state, account, r.id, cmd).await.map_err(&err)?;
    Ok(viewer.finish(Redirect::to(&format!("/phan-anh/{}", r.id)).into_response()))
}

/// Follow a report (updates come to the inbox and by e-mail).
pub async fn follow(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let r = by_path(&state, &id).await.map_err(&err)?;
    state.store.reports.follow_report(r.id, account.id).await.map_err(|e| err(e.into()))?;
    Ok(viewer.finish(Redirect::to(&format!("/phan-anh/{}", r.id)).into_response()))
}

/// A photo of a report: shown unless moderation hid it (the handling agencies still see it).
pub async fn photo(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, sha)): Path<(String, String)>,
) -> PageResult {
    let err = page_err(&viewer);
    let (hash, _) = visible_photo(&state, &viewer, &id, &sha).await.map_err(&err)?;
    let bytes = state.files.read(&hash).await.map_err(|e| err(e.into()))?;
    Ok(image(bytes.into(), "private, no-store"))
}

/// The photo as a report page shows it: at most 480 pixels on its longer side
/// (`thumbnails.rs`); the original for one that cannot be shrunk. A photo the public sees is
/// kept a day by the browser (its address is its hash); a hidden one, seen by its handlers
/// only, is not kept.
pub async fn photo_small(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, sha)): Path<(String, String)>,
) -> PageResult {
    let err = page_err(&viewer);
    let (hash, hidden) = visible_photo(&state, &viewer, &id, &sha).await.map_err(&err)?;
    let cache = if hidden { "private, no-store" } else { "private, max-age=86400" };
    let small = crate::thumbnails::small(&sha, || state.files.read(&hash)).await.map_err(|e| err(e.into()))?;
    let bytes = match small {
        crate::thumbnails::Small::Jpeg(b) => b,
        crate::thumbnails::Small::Original => state.files.read(&hash).await.map_err(|e| err(e.into()))?.into(),
    };
    Ok(image(bytes, cache))
}

/// The stored photo `sha` of report `id`, if this viewer may see it, and whether it is hidden
/// from the public.
async fn visible_photo(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    sha: &str,
) -> Result<(tinhso_kernel::ids::Sha256, bool), AppError> {
    let r = by_path(state, id).await?;
    let handling = service::handles(viewer.account.as_ref(), &r);
    let p = r.photos.iter().find(|p| p.sha256 == sha && (p.hidden.is_none() || handling)).ok_or(AppError::NotFound)?;
    let hash = tinhso_kernel::ids::Sha256::parse("sha256", sha).map_err(|_| AppError::NotFound)?;
    Ok((hash, p.hidden.is_some()))
}

fn image(bytes: bytes::Bytes, cache: &'static str) -> axum::response::Response {
    let mime = if bytes.starts_with(&[0xff, 0xd8]) { "image/jpeg" } else { "image/png" };
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static(mime));
    h.insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static(cache));
    resp
}
