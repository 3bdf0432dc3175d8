//! The platform's JSON API for sessions, notifications and files: logging in and out (the
//! `ApiUser` extractor every module's API uses, with its CSRF check on writes), the caller's
//! notifications, uploads into the caller's document store and that store's list.

use crate::api::json_bytes;
use crate::auth::{self, cookie, session_cookie};
use crate::client::ClientAddr;
use crate::error::{ApiError, ApiResult, AppError};
use crate::form::ApiJson;
use crate::openapi::Csrf;
use crate::state::AppState;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use chrono::Utc;
use tinhso_api::dossiers::{DocumentItem, DocumentPage, NotificationItem, NotificationPage, StoredFileAnswer};
use tinhso_api::session::{AccountBrief, LoginAnswer, LoginInput};
use tinhso_api::ErrorBody;
use tinhso_identity::token_hash;
use tinhso_kernel::ids::Login;
use tinhso_store::{Account, Session};

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
        // Logging out stays possible; anything else waits for the password to be the owner's.
        if account.must_change_password && parts.uri.path() != "/api/v1/session" {
            return Err(AppError::PasswordChangeRequired.into());
        }
        if parts.method != Method::GET && parts.method != Method::HEAD {
            let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
            if sent.is_empty() || !crate::auth::csrf_matches(sent, &session.csrf_token) {
                return Err(AppError::Csrf.into());
            }
        }
        Ok(ApiUser { account, session })
    }
}

/// Log in: sets the session cookie and answers the CSRF token to send with writes.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginInput,
    responses((status = 200, body = LoginAnswer), (status = 400, description = "A login that is not a phone number or an email address", body = ErrorBody),
        (status = 401, description = "Wrong login or password (`login_failed`)", body = ErrorBody),
        (status = 429, description = "Too many attempts; `Retry-After` says when to try again", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(input): ApiJson<LoginInput>,
) -> ApiResult<Response> {
    let login = Login::parse("login", &input.login).map_err(|e| AppError::Invalid(vec![e]))?;
    let account = match auth::check_login(&state, client, login.as_str(), input.password).await? {
        Ok(account) => account,
        Err(auth::LoginRefused::Wait(retry_after)) => return Err(AppError::Throttled { retry_after }.into()),
        Err(auth::LoginRefused::Wrong) => return Err(AppError::WrongCredentials.into()),
    };
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
            subject_en: Some(m.subject_en.as_str()).filter(|s| !s.is_empty()),
            body_en: Some(m.body_en.as_str()).filter(|_| !m.subject_en.is_empty()),
            created_at: m.created_at,
        })
        .collect();
    json_bytes(StatusCode::OK, &NotificationPage { items })
}

/// Upload a file: the body is the file itself; `X-File-Name` (percent-encoded) names it. The
/// type is judged from the content (PDF, JPEG, PNG). The file joins the caller's document store.
/// 503 `storage_full`: the server's disk is down to the room it keeps for its database; try later.
#[utoipa::path(post, path = "/api/v1/files", tag = "files", params(Csrf,
        ("X-File-Name" = Option<String>, Header, description = "The file's name, percent-encoded")),
    request_body(content = tinhso_api::FileBytes, content_type = "application/octet-stream"),
    responses((status = 201, body = StoredFileAnswer), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 503, body = ErrorBody)),
    security(("session" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    user: ApiUser,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> ApiResult<Response> {
    if crate::form::is_multipart(&headers) {
        // The envelope would be stored as the file and refused for its type: say what to send.
        return Err(AppError::bad_request(
            "multipart_not_accepted",
            "Gửi nội dung tệp trực tiếp (application/octet-stream), tên tệp trong X-File-Name",
            "Send the file's bytes as the body (application/octet-stream), its name in X-File-Name",
        )
        .into());
    }
    let raw_name = headers.get("x-file-name").and_then(|v| v.to_str().ok()).unwrap_or("tep");
    let name = tinhso_kernel::files::clean_name(&percent_decode(raw_name));
    let stored = crate::files::put_body(&state, body).await?;
    let limits = state.upload_limits().await?;
    let quota = crate::files::quota_for(limits, &user.account);
    if let tinhso_store::Added::OverQuota { today, total } =
        state.store.documents.add_document(user.account.id, &stored, &name, quota.as_ref()).await?
    {
        return Err(crate::files::over_quota(limits, today, total).into());
    }
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
