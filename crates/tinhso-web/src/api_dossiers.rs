//! JSON API for the dossier lifecycle and API sessions. Same service, same authorization as
//! the pages. Writes need the session's CSRF token in `X-CSRF-Token`.

use crate::auth::{self, cookie, session_cookie, token_hash};
use crate::dossier_json;
use crate::dossiers::{self, SubmitInput};
use crate::error::{ApiError, ApiResult, AppError};
use crate::form::{ApiJson, ApiQuery};
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::net::SocketAddr;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    login: String,
    password: String,
}

/// `POST /api/v1/session`: logs in; answers the CSRF token to send with writes.
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
    let mut resp = Json(json!({
        "csrf_token": session.csrf_token,
        "account": { "id": account.id, "full_name": account.full_name, "role": account.role, "agency": account.agency },
    }))
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::set_session_cookie(&token, state.config.secure_cookies)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// `DELETE /api/v1/session`.
pub async fn logout(State(state): State<AppState>, user: ApiUser) -> ApiResult<StatusCode> {
    state.end_session(&user.session.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A dossier as the API shows it, with where it stands today.
/// A dossier as the API shows it: its folded state plus the national code, the label and the
/// due status; serialised straight to the response (no intermediate JSON tree: lookups and
/// inbox pages are the hottest reads).
#[derive(Serialize)]
pub struct DossierView<'a> {
    #[serde(flatten)]
    dossier: &'a Dossier,
    state_code: u8,
    state_label: &'static str,
    due_status: tinhso_dossier::deadline::DueStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    form: Option<&'a Value>,
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

pub async fn submit(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<SubmitInput>,
) -> ApiResult<Response> {
    let d = dossiers::submit(&state, &user.account, input).await?;
    Ok((StatusCode::CREATED, Json(dossier_view(&state, &d))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    state: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

/// Citizens list their own dossiers; staff their agency's; leaders and auditors name none and
/// see the province's.
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
pub async fn get(State(state): State<AppState>, user: ApiUser, Path(code): Path<String>) -> ApiResult<Response> {
    let raw = state.store.dossiers.dossier_raw(&code).await?.ok_or(AppError::NotFound)?;
    let head = dossier_json::Head::parse(&raw.body)?;
    if !dossiers::may_view(&user.account, head.applicant, &head.receiving_agency, &head.competent_agency) {
        return Err(AppError::NotFound.into());
    }
    let mut out = String::with_capacity(raw.body.len() + raw.form.len() + 128);
    dossier_json::append_view(&mut out, &state, &raw.body, &head, Some(&raw.form))?;
    Ok(dossier_json::json_response(out))
}

/// The history: applicants see the public events, staff all of them.
pub async fn events(State(state): State<AppState>, user: ApiUser, Path(code): Path<String>) -> ApiResult<Json<Value>> {
    let rec = dossiers::load(&state, &user.account, &code).await?;
    let staff = user.account.id != rec.dossier.applicant;
    let items: Vec<Value> = state
        .store
        .dossiers
        .dossier_events(&code)
        .await?
        .into_iter()
        .filter(|e| staff || e.public)
        .map(|e| json!({ "id": e.id, "at": e.event.at, "actor": e.event.actor, "public": e.public, "event": e.event.kind }))
        .collect();
    Ok(Json(json!({ "items": items })))
}

pub async fn act(
    State(state): State<AppState>,
    user: ApiUser,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Response> {
    let cmd = Command::from_json(body).map_err(|r| AppError::BadRequest { code: r.code, vi: r.vi, en: r.en })?;
    let d = dossiers::act(&state, &user.account, &code, cmd).await?;
    Ok(Json(dossier_view(&state, &d)).into_response())
}

/// `GET /api/v1/notifications`: the caller's in-app inbox, newest first.
pub async fn notifications(State(state): State<AppState>, user: ApiUser) -> ApiResult<Json<Value>> {
    let items: Vec<Value> = state
        .store
        .notify
        .inbox(user.account.id)
        .await?
        .into_iter()
        .map(|m| json!({ "id": m.id, "dossier": m.dossier, "subject": m.subject, "body": m.body, "created_at": m.created_at }))
        .collect();
    Ok(Json(json!({ "items": items })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupQuery {
    code: String,
    phone: String,
}

/// Public lookup by code and phone, no login: state and due date only; rate-limited per address.
pub async fn lookup(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiQuery(q): ApiQuery<LookupQuery>,
) -> ApiResult<Json<Value>> {
    let key = format!("lookup:{}", addr.ip());
    if state.throttle.blocked(&key, 30) {
        return Err(AppError::Throttled.into());
    }
    state.throttle.fail(&key);
    let phone = tinhso_kernel::ids::Phone::parse("phone", &q.phone).map_err(|e| AppError::Invalid(vec![e]))?;
    let rec = state
        .store
        .dossiers
        .dossier(q.code.trim())
        .await?
        .filter(|r| r.applicant_phone.as_deref() == Some(phone.as_str()));
    let rec = rec.ok_or(AppError::NotFound)?;
    let d = rec.dossier;
    Ok(Json(json!({
        "code": d.code,
        "state": d.state,
        "state_code": d.state.code(),
        "state_label": d.state.label_vi(),
        "due_on": d.apology_due_on.or(d.due_on),
    })))
}

/// `POST /api/v1/files`: the body is the file itself; `X-File-Name` (percent-encoded) names it.
/// The type is judged from the content. The file joins the caller's document store.
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
    let body = json!({ "sha256": stored.sha256, "size": stored.size, "kind": stored.kind, "name": name });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

fn percent_decode(s: &str) -> String {
    form_urlencoded::parse(format!("n={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

/// `GET /api/v1/documents`: the caller's document store.
pub async fn documents(State(state): State<AppState>, user: ApiUser) -> ApiResult<Json<Value>> {
    let items: Vec<Value> = state
        .store
        .documents
        .documents(user.account.id)
        .await?
        .into_iter()
        .map(|d| json!({ "sha256": d.sha256, "name": d.name, "size": d.size, "kind": d.kind, "created_at": d.created_at }))
        .collect();
    Ok(Json(json!({ "items": items })))
}

/// `GET /api/v1/dossiers/{code}/files`.
pub async fn dossier_files(
    State(state): State<AppState>,
    user: ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
    dossiers::load(&state, &user.account, &code).await?;
    let items: Vec<Value> = state
        .store
        .dossiers
        .dossier_files(&code)
        .await?
        .into_iter()
        .map(|f| {
            json!({
                "sha256": f.attachment.sha256, "name": f.attachment.name, "purpose": f.attachment.purpose,
                "component": f.attachment.component, "size": f.size, "kind": f.kind, "created_at": f.created_at,
            })
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

/// A file attached to a dossier the account may see, as a download.
pub async fn attached_file(
    state: &AppState,
    account: &Account,
    code: &str,
    sha256: &str,
) -> Result<Response, AppError> {
    dossiers::load(state, account, code).await?;
    let file = state
        .store
        .dossiers
        .dossier_files(code)
        .await?
        .into_iter()
        .find(|f| f.attachment.sha256 == sha256)
        .ok_or(AppError::NotFound)?;
    let bytes = state.files.read(sha256).await?;
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

/// `GET /api/v1/dossiers/{code}/files/{sha256}`.
pub async fn download(
    State(state): State<AppState>,
    user: ApiUser,
    Path((code, sha256)): Path<(String, String)>,
) -> ApiResult<Response> {
    Ok(attached_file(&state, &user.account, &code, &sha256).await?)
}
