//! JSON API for the dossier lifecycle and API sessions. Same service, same authorization as
//! the pages. Writes need the session's CSRF token in `X-CSRF-Token`.

use crate::api::json_bytes;
use crate::auth::{self, cookie, session_cookie, token_hash};
use crate::dossier_json;
use crate::dossiers::{self, SubmitInput};
use crate::error::{ApiError, ApiResult, AppError};
use crate::form::{ApiJson, ApiQuery};
use crate::openapi::{Csrf, DossierCode};
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::Value;
use std::net::SocketAddr;
use tinhso_api::dossiers::{
    AttachedFileItem, AttachedFilePage, DocumentItem, DocumentPage, DossierPage, DossierView, EventItem, EventPage,
    ListQuery, LookupAnswer, LookupQuery, NotificationItem, NotificationPage, StoredFileAnswer,
};
use tinhso_api::session::{AccountBrief, LoginAnswer, LoginInput};
use tinhso_api::ErrorBody;
use tinhso_dossier::{Command, Dossier, DossierState};
use tinhso_kernel::ids::Login;
use tinhso_store::{Account, DossierQuery, Session};

/// The logged-in caller of an API route.
pub struct ApiUser {
    pub account: Account,
    pub session: Session,
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token =
            cookie(&parts.headers, session_cookie(state.config.secure_cookies)).ok_or(AppError::Unauthenticated)?;
        let (session, account) = state.session(&token_hash(&token)).await?.ok_or(AppError::Unauthenticated)?;
        if parts.method != Method::GET && parts.method != Method::HEAD {
            let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
            if sent.is_empty() || sent != session.csrf_token {
                return Err(AppError::Csrf.into());
            }
        }
        Ok(ApiUser { account, session })
    }
}

/// Log in: sets the session cookie and answers the CSRF token to send with writes.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginInput,
    responses((status = 200, body = LoginAnswer), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(input): ApiJson<LoginInput>,
) -> ApiResult<Response> {
    let login = Login::parse("login", &input.login).map_err(|e| AppError::Invalid(vec![e]))?;
    let (login_key, addr_key) = (format!("login:{}", login.as_str()), format!("addr:{}", addr.ip()));
    if state.throttle.blocked(&login_key, 5) || state.throttle.blocked(&addr_key, 50) {
        return Err(AppError::Throttled.into());
    }
    let account = state.store.identity.account_by_login(login.as_str()).await?;
    let hash = account.as_ref().map(|a| a.password_hash.clone()).unwrap_or_else(|| auth::DUMMY_HASH.to_owned());
    let password = input.password;
    let ok = auth::verify_password_bounded(hash, password).await?;
    let Some(account) = account.filter(|a| ok && !a.disabled) else {
        state.throttle.fail(&login_key);
        state.throttle.fail(&addr_key);
        return Err(AppError::bad_request(
            "login_failed",
            "Số điện thoại, thư điện tử hoặc mật khẩu không đúng",
            "Wrong login or password",
        )
        .into());
    };
    state.throttle.clear(&login_key);
    let token = auth::start_session(&state, &account).await?;
    let session =
        state.store.identity.session(&token_hash(&token), Utc::now()).await?.ok_or(AppError::Unauthenticated)?.0;
    let answer = LoginAnswer {
        csrf_token: &session.csrf_token,
        account: AccountBrief {
            id: account.id,
            full_name: &account.full_name,
            role: account.role,
            agency: account.agency.as_ref(),
        },
    };
    let mut resp = json_bytes(StatusCode::OK, &answer)?;
    if let Ok(v) = HeaderValue::from_str(&auth::set_session_cookie(&token, state.config.secure_cookies)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// Log out: ends the session.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", params(Csrf),
    responses((status = 204, description = "Logged out"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("session" = [])))]
pub async fn logout(State(state): State<AppState>, user: ApiUser) -> ApiResult<StatusCode> {
    state.end_session(&user.session.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn dossier_view<'a>(state: &AppState, d: &'a Dossier) -> DossierView<'a> {
    let status = dossier_json::standing(state, d.state, d.due_on, d.apology_due_on, d.paused_on);
    DossierView {
        dossier: d,
        state_code: d.state.code(),
        state_label: d.state.label_vi(),
        due_status: status,
        form: None,
    }
}

/// Submit a dossier (a citizen online; a receptionist at the desk, with `desk`).
#[utoipa::path(post, path = "/api/v1/dossiers", tag = "dossiers", params(Csrf), request_body = SubmitInput,
    responses((status = 201, body = DossierView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("session" = [])))]
pub async fn submit(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<SubmitInput>,
) -> ApiResult<Response> {
    let d = dossiers::submit(&state, &user.account, input).await?;
    json_bytes(StatusCode::CREATED, &dossier_view(&state, &d))
}

/// List dossiers, newest first: citizens their own; staff their agency's; leaders and auditors
/// the province's.
#[utoipa::path(get, path = "/api/v1/dossiers", tag = "dossiers", params(ListQuery),
    responses((status = 200, body = DossierPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    let states = match q.state.as_deref().filter(|s| !s.is_empty()) {
        None => Vec::new(),
        Some(s) => vec![DossierState::parse(s).ok_or_else(|| {
            AppError::bad_request("invalid_state", "Trạng thái hồ sơ không hợp lệ", "Unknown dossier state")
        })?],
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::bad_request("invalid_limit", "limit phải từ 1 đến 200", "limit must be 1-200").into());
    }
    let a = &user.account;
    let query = dossiers::visible(a)?;
    let q = DossierQuery { states, limit, offset: q.offset.unwrap_or(0), ..query };
    let bodies = state.store.dossiers.dossier_bodies(&q).await?;
    let mut out = String::with_capacity(bodies.iter().map(|b| b.len() + 96).sum::<usize>() + 16);
    out.push_str("{\"items\":[");
    for (i, body) in bodies.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        dossier_json::append_view(&mut out, &state, body, &dossier_json::Head::parse(body)?, None)?;
    }
    out.push_str("]}");
    Ok(dossier_json::json_response(out))
}

/// One dossier with its e-form, for its applicant and the staff who may see it; "not found"
/// for anyone else, so codes cannot be probed.
#[utoipa::path(get, path = "/api/v1/dossiers/{code}", tag = "dossiers", params(DossierCode),
    responses((status = 200, body = DossierView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = [])))]
pub async fn get(State(state): State<AppState>, user: ApiUser, Path(code): Path<String>) -> ApiResult<Response> {
    let raw = state.store.dossiers.dossier_raw(&dossiers::code_of(&code)?).await?.ok_or(AppError::NotFound)?;
    let head = dossier_json::Head::parse(&raw.body)?;
    if !dossiers::may_view(&user.account, head.applicant, &head.receiving_agency, &head.competent_agency) {
        return Err(AppError::NotFound.into());
    }
    let mut out = String::with_capacity(raw.body.len() + raw.form.len() + 128);
    dossier_json::append_view(&mut out, &state, &raw.body, &head, Some(&raw.form))?;
    Ok(dossier_json::json_response(out))
}

/// The history: applicants see the public events, staff all of them.
#[utoipa::path(get, path = "/api/v1/dossiers/{code}/events", tag = "dossiers", params(DossierCode),
    responses((status = 200, body = EventPage), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = [])))]
pub async fn events(State(state): State<AppState>, user: ApiUser, Path(code): Path<String>) -> ApiResult<Response> {
    let rec = dossiers::load(&state, &user.account, &code).await?;
    let staff = user.account.id != rec.dossier.applicant;
    let stored = state.store.dossiers.dossier_events(&rec.dossier.code).await?;
    let items = stored
        .iter()
        .filter(|e| staff || e.public)
        .map(|e| EventItem { id: e.id, at: e.event.at, actor: e.event.actor, public: e.public, event: &e.event.kind })
        .collect();
    json_bytes(StatusCode::OK, &EventPage { items })
}

/// Act on a dossier: one command of the state machine. Illegal transitions answer 409 and
/// change nothing; a step held by someone else answers 409 `step_held_by_other`.
#[utoipa::path(post, path = "/api/v1/dossiers/{code}/actions", tag = "dossiers", params(DossierCode, Csrf),
    request_body = Command,
    responses((status = 200, body = DossierView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("session" = [])))]
pub async fn act(
    State(state): State<AppState>,
    user: ApiUser,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Response> {
    let cmd = Command::from_json(body).map_err(|r| AppError::BadRequest { code: r.code, vi: r.vi, en: r.en })?;
    let d = dossiers::act(&state, &user.account, &code, cmd).await?;
    json_bytes(StatusCode::OK, &dossier_view(&state, &d))
}

/// The caller's in-app inbox, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "dossiers",
    responses((status = 200, body = NotificationPage), (status = 401, body = ErrorBody)),
    security(("session" = [])))]
pub async fn notifications(State(state): State<AppState>, user: ApiUser) -> ApiResult<Response> {
    let inbox = state.store.notify.inbox(user.account.id).await?;
    let items = inbox
        .iter()
        .map(|m| NotificationItem {
            id: m.id,
            dossier: m.dossier.as_deref(),
            subject: &m.subject,
            body: &m.body,
            created_at: m.created_at,
        })
        .collect();
    json_bytes(StatusCode::OK, &NotificationPage { items })
}

/// Public lookup by code and phone, no login: state and due date only; rate-limited per address.
#[utoipa::path(get, path = "/api/v1/lookup", tag = "dossiers", params(LookupQuery),
    responses((status = 200, body = LookupAnswer), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn lookup(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiQuery(q): ApiQuery<LookupQuery>,
) -> ApiResult<Response> {
    let key = format!("lookup:{}", addr.ip());
    if state.throttle.blocked(&key, 30) {
        return Err(AppError::Throttled.into());
    }
    state.throttle.fail(&key);
    let phone = tinhso_kernel::ids::Phone::parse("phone", &q.phone).map_err(|e| AppError::Invalid(vec![e]))?;
    let rec = state
        .store
        .dossiers
        .dossier(&dossiers::code_of(&q.code)?)
        .await?
        .filter(|r| r.applicant_phone.as_ref() == Some(&phone));
    let rec = rec.ok_or(AppError::NotFound)?;
    let d = rec.dossier;
    let answer = LookupAnswer {
        code: d.code.as_str(),
        state: d.state,
        state_code: d.state.code(),
        state_label: d.state.label_vi(),
        due_on: d.apology_due_on.or(d.due_on),
    };
    json_bytes(StatusCode::OK, &answer)
}

/// Upload a file: the body is the file itself; `X-File-Name` (percent-encoded) names it. The
/// type is judged from the content (PDF, JPEG, PNG). The file joins the caller's document store.
#[utoipa::path(post, path = "/api/v1/files", tag = "files", params(Csrf,
        ("X-File-Name" = Option<String>, Header, description = "The file's name, percent-encoded")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = StoredFileAnswer), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("session" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    user: ApiUser,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> ApiResult<Response> {
    let raw_name = headers.get("x-file-name").and_then(|v| v.to_str().ok()).unwrap_or("tep");
    let name = tinhso_kernel::files::clean_name(&percent_decode(raw_name));
    let stored = state.files.put_stream(body).await?;
    state.store.documents.add_document(user.account.id, &stored, &name).await?;
    let answer = StoredFileAnswer { sha256: stored.sha256.as_str(), size: stored.size, kind: stored.kind, name: &name };
    json_bytes(StatusCode::CREATED, &answer)
}

fn percent_decode(s: &str) -> String {
    form_urlencoded::parse(format!("n={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

/// The caller's document store, newest first.
#[utoipa::path(get, path = "/api/v1/documents", tag = "files",
    responses((status = 200, body = DocumentPage), (status = 401, body = ErrorBody)),
    security(("session" = [])))]
pub async fn documents(State(state): State<AppState>, user: ApiUser) -> ApiResult<Response> {
    let docs = state.store.documents.documents(user.account.id).await?;
    let items = docs
        .iter()
        .map(|d| DocumentItem {
            sha256: d.sha256.as_str(),
            name: &d.name,
            size: d.size,
            kind: d.kind,
            created_at: d.created_at,
        })
        .collect();
    json_bytes(StatusCode::OK, &DocumentPage { items })
}

/// The files attached to a dossier.
#[utoipa::path(get, path = "/api/v1/dossiers/{code}/files", tag = "files", params(DossierCode),
    responses((status = 200, body = AttachedFilePage), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = [])))]
pub async fn dossier_files(
    State(state): State<AppState>,
    user: ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Response> {
    let rec = dossiers::load(&state, &user.account, &code).await?;
    let files = state.store.dossiers.dossier_files(&rec.dossier.code).await?;
    let items = files
        .iter()
        .map(|f| AttachedFileItem {
            sha256: f.attachment.sha256.as_str(),
            name: &f.attachment.name,
            purpose: f.attachment.purpose,
            component: f.attachment.component,
            size: f.size,
            kind: f.kind,
            created_at: f.created_at,
        })
        .collect();
    json_bytes(StatusCode::OK, &AttachedFilePage { items })
}

/// A file attached to a dossier the account may see, as a download.
pub async fn attached_file(
    state: &AppState,
    account: &Account,
    code: &str,
    sha256: &str,
) -> Result<Response, AppError> {
    let rec = dossiers::load(state, account, code).await?;
    let sha256 = tinhso_kernel::ids::Sha256::parse("sha256", sha256).map_err(|_| AppError::NotFound)?;
    let file = state
        .store
        .dossiers
        .dossier_files(&rec.dossier.code)
        .await?
        .into_iter()
        .find(|f| f.attachment.sha256 == sha256)
        .ok_or(AppError::NotFound)?;
    let bytes = state.files.read(&sha256).await?;
    let ascii: String =
        file.attachment.name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '_' }).collect();
    let utf8: String =
        form_urlencoded::byte_serialize(file.attachment.name.as_bytes()).collect::<String>().replace('+', "%20");
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{utf8}");
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(file.kind.mime()));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(resp)
}

/// One attached file, as a download.
#[utoipa::path(get, path = "/api/v1/dossiers/{code}/files/{sha256}", tag = "files",
    params(DossierCode, ("sha256" = String, Path, description = "SHA-256 of the file, hex")),
    responses((status = 200, description = "The file", content(
            (Vec<u8> = "application/pdf"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"))),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = [])))]
pub async fn download(
    State(state): State<AppState>,
    user: ApiUser,
    Path((code, sha256)): Path<(String, String)>,
) -> ApiResult<Response> {
    Ok(attached_file(&state, &user.account, &code, &sha256).await?)
}
