//! The dossier lifecycle over JSON: submit, list, read, act, look up, attached files. Same
//! service, same authorization as the pages. Writes need the session's CSRF token in
//! `X-CSRF-Token` (checked by the platform's `ApiUser`).

use crate::json as dossier_json;
use crate::service::{self as dossiers, SubmitInput};
use crate::DossierCode;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use tinhso_api::dossiers::{
    AttachedFileItem, AttachedFilePage, DossierPage, DossierView, EventItem, EventPage, ListQuery, LookupAnswer,
    LookupInput,
};
use tinhso_api::ErrorBody;
use tinhso_dossier::{Command, Dossier, DossierState};
use tinhso_http::api::json_bytes;
use tinhso_http::api_session::ApiUser;
use tinhso_http::client::ClientAddr;
use tinhso_http::error::{ApiResult, AppError};
use tinhso_http::form::{ApiJson, ApiQuery};
use tinhso_http::openapi::Csrf;
use tinhso_http::state::AppState;
use tinhso_store::{Account, DossierOrder, DossierQuery};

pub fn dossier_view<'a>(state: &AppState, d: &'a Dossier) -> DossierView<'a> {
    let status = dossier_json::standing(state, d.state, d.due_on, d.apology_due_on, d.paused_on);
    DossierView {
        dossier: d,
        state_code: d.state.code(),
        state_label: d.state.label_vi(),
        due_status: status,
        working_days_late: crate::views::late_by(state, status, d.apology_due_on.or(d.due_on)),
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
/// the province's. With `held=true`, the caller's own work: the open dossiers whose current
/// step they hold, earliest due first.
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
    let offset = q.offset.unwrap_or(0) as usize;
    let q = if q.held == Some(true) {
        let states = if states.is_empty() { DossierState::unfinished() } else { states };
        DossierQuery { states, limit, offset, assignee: Some(a.id), order: DossierOrder::DueFirst, ..query }
    } else {
        DossierQuery { states, limit, offset, ..query }
    };
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

/// Public lookup by code and phone, no login: where the dossier stands, what is expected of the
/// applicant, the due date and where the result is handed over; nothing more personal. The
/// phone travels in the body. Lookups that find nothing are limited per address
/// (`too_many_attempts`) and per dossier code, wherever they come from (`lookup_paused`): 429
/// with `Retry-After`.
#[utoipa::path(post, path = "/api/v1/lookup", tag = "dossiers", request_body = LookupInput,
    responses((status = 200, body = LookupAnswer), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn lookup(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(q): ApiJson<LookupInput>,
) -> ApiResult<Response> {
    let phone = tinhso_kernel::ids::Phone::parse("phone", &q.phone).map_err(|e| AppError::Invalid(vec![e]))?;
    let d = dossiers::look_up(&state, client, &q.code, &phone).await?.ok_or(AppError::NotFound)?;
    let (status, next_step, due) = dossiers::lookup_words(&state, &d, false);
    let collect_at = dossiers::collect_at(&state, &d);
    let answer = LookupAnswer {
        code: d.code.as_str(),
        state: d.state,
        state_code: d.state.code(),
        state_label: d.state.label_vi(),
        status,
        next_step,
        due_on: d.apology_due_on.or(d.due_on),
        due_status: due,
        working_days_late: crate::views::late_by(&state, due, d.apology_due_on.or(d.due_on)),
        collect_at,
    };
    json_bytes(StatusCode::OK, &answer)
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
/// A file from `account`'s own document store (results and receipts issued to them among
/// them), as a download.
pub async fn own_document(state: &AppState, account: &Account, sha256: &str) -> Result<Response, AppError> {
    let sha256 = tinhso_kernel::ids::Sha256::parse("sha256", sha256).map_err(|_| AppError::NotFound)?;
    let doc = state
        .store
        .documents
        .documents_named(account.id, std::slice::from_ref(&sha256))
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    let bytes = state.files.read(&sha256).await?;
    Ok(tinhso_http::files::download(bytes, &doc.name, doc.kind))
}

/// One file of the caller's document store, as a download.
#[utoipa::path(get, path = "/api/v1/documents/{sha256}", tag = "files",
    params(("sha256" = tinhso_kernel::ids::Sha256, Path, description = "SHA-256 of the file, hex")),
    responses((status = 200, description = "The file", content(
            (Vec<u8> = "application/pdf"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"))),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = [])))]
pub async fn document_download(
    State(state): State<AppState>,
    user: ApiUser,
    Path(sha256): Path<String>,
) -> ApiResult<Response> {
    Ok(own_document(&state, &user.account, &sha256).await?)
}

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
    Ok(tinhso_http::files::download(bytes, &file.attachment.name, file.kind))
}

/// One attached file, as a download.
#[utoipa::path(get, path = "/api/v1/dossiers/{code}/files/{sha256}", tag = "files",
    params(DossierCode, ("sha256" = tinhso_kernel::ids::Sha256, Path, description = "SHA-256 of the file, hex")),
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
