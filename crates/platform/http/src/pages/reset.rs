//! A forgotten password, set again without help from anyone who could not check who is asking:
//! the person shows their identity card at any one-stop desk, the officer gives them a one-time
//! code (`/can-bo/dat-lai-mat-khau`), and they set a new password with it
//! (`/dat-lai-mat-khau`), from any device. The code is the claim code of an account the desk
//! opened (the same store port and the same limits on guesses): the reset clears the password
//! and ends every session, so the account is claimed again by its owner.

use super::{page_err, PageResult};
use crate::auth::{self, Viewer};
use crate::client::ClientAddr;
use crate::error::AppError;
use crate::form::FormData;
use crate::state::AppState;
use crate::views::{error_for, render, Layout};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use tinhso_kernel::error::Errors;
use tinhso_kernel::guard::{Rule, Verdict};
use tinhso_kernel::ids::{Login, PersonalId};
use tinhso_kernel::{password, FieldError};
use tinhso_policy::{Action, Role};

/// The desk's form: whose password to reset, and then the code to hand over.
#[derive(Template)]
#[template(path = "reset_desk.html")]
pub struct DeskResetPage {
    pub layout: Layout,
    pub personal_id: String,
    /// Once issued: the citizen's name, login and code.
    pub issued: Option<(String, String, String)>,
    pub errors: Vec<FieldError>,
}

impl DeskResetPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field, self.layout.en)
    }
}

/// The citizen's form: their login, personal id, the code and the new password.
#[derive(Template)]
#[template(path = "reset.html")]
pub struct ResetPage {
    pub layout: Layout,
    pub login: String,
    pub personal_id: String,
    pub code: String,
    pub min_password: usize,
    pub errors: Vec<FieldError>,
}

impl ResetPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field, self.layout.en)
    }
}

fn desk_page(state: &AppState, viewer: &Viewer, personal_id: String, errors: Vec<FieldError>) -> DeskResetPage {
    let title = if viewer.locale == crate::i18n::Locale::En {
        "Reset a citizen's password"
    } else {
        "Đặt lại mật khẩu cho công dân"
    };
    DeskResetPage { layout: Layout::new(state, viewer, title), personal_id, issued: None, errors }
}

pub async fn desk_form(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let err = page_err(&viewer);
    viewer.require(&Action::ResetCitizenPassword).map_err(&err)?;
    Ok(viewer.finish(render(&desk_page(&state, &viewer, String::new(), Vec::new()))))
}

/// Resets the password of the citizen holding `personal_id` and shows the code to hand over.
pub async fn desk_reset(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    let err = page_err(&viewer);
    let officer = viewer.require(&Action::ResetCitizenPassword).map_err(&err)?.id;
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["personal_id", "xac_nhan"]).map_err(&err)?;
    let raw = form.text("personal_id");
    let mut errors = Vec::new();
    let found = match PersonalId::parse("personal_id", &raw) {
        Ok(id) => state.store.identity.citizen_by_personal_id(&id).await.map_err(|e| err(e.into()))?,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if errors.is_empty() && found.is_none() {
        errors.push(FieldError::new(
            "personal_id",
            "no_account",
            "Không có tài khoản công dân nào với số định danh này; người dân có thể đăng ký tài khoản mới",
            "No citizen account has this personal id; the person may register a new one",
        ));
    }
    if form.get("xac_nhan") != Some("co") {
        errors.push(FieldError::new(
            "xac_nhan",
            "confirmation_required",
            "Đánh dấu ô xác nhận đã đối chiếu thẻ căn cước của người dân",
            "Tick the box to confirm the identity card was checked",
        ));
    }
    let (Some(citizen), true) = (found, errors.is_empty()) else {
        let page = desk_page(&state, &viewer, raw, errors);
        return Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&page))));
    };
    let cleared = state.store.identity.clear_password(citizen.id).await.map_err(|e| err(e.into()))?;
    let code = match cleared {
        true => state
            .store
            .identity
            .issue_claim_code(citizen.id, &auth::new_claim_code().map_err(&err)?)
            .await
            .map_err(|e| err(e.into()))?,
        false => None,
    };
    let Some(code) = code else {
        return Err(err(AppError::Conflict {
            code: "not_resettable",
            vi: "Tài khoản này không đặt lại mật khẩu tại quầy được".into(),
            en: "This account cannot be reset at the desk".into(),
        }));
    };
    state.forget_sessions_of(citizen.id);
    tracing::info!(officer = officer.0, account = citizen.id.0, "a citizen's password was reset at the desk");
    // The owner hears of it, in case it was not them.
    let desk = viewer.account.as_ref().and_then(|a| a.agency.as_ref()).and_then(|c| state.agency_name(c.as_str()));
    let body = format!(
        "Bộ phận Một cửa ({}) đã cấp mã đặt lại mật khẩu cho tài khoản của ông/bà lúc {}. Nếu không phải ông/bà đề nghị, hãy liên hệ ngay Bộ phận Một cửa.",
        desk.unwrap_or("không rõ"),
        super::account::now_vi()
    );
    super::account::tell_owner(&state, citizen.id, "Mật khẩu tài khoản đã được đặt lại", body).await.map_err(&err)?;
    let mut page = desk_page(&state, &viewer, String::new(), Vec::new());
    page.issued = Some((citizen.full_name, citizen.login, code));
    Ok(viewer.finish(render(&page)))
}

fn reset_page(
    state: &AppState,
    viewer: &Viewer,
    typed: (String, String, String),
    errors: Vec<FieldError>,
) -> ResetPage {
    let title =
        if viewer.locale == crate::i18n::Locale::En { "Set a new password" } else { "Đặt lại mật khẩu" };
    let (login, personal_id, code) = typed;
    ResetPage {
        layout: Layout::new(state, viewer, title),
        login,
        personal_id,
        code,
        min_password: password::MIN_LEN,
        errors,
    }
}

pub async fn form(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let page = reset_page(&state, &viewer, Default::default(), Vec::new());
    Ok(viewer.finish(render(&page)))
}

/// Sets the new password when the login, the personal id and the desk's code agree; guesses
/// count against the login at this address as password guesses do.
pub async fn reset(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientAddr(client): ClientAddr,
    form: FormData,
) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["login", "personal_id", "ma", "password"]).map_err(&err)?;
    let (raw_login, raw_id) = (form.text("login"), form.text("personal_id"));
    let code = auth::normalise_claim_code(&form.text("ma"));
    let new = form.get("password").unwrap_or_default().to_owned();
    let mut errs = Errors::default();
    let login = errs.take(Login::parse("login", &raw_login));
    let personal_id = errs.take(PersonalId::parse("personal_id", &raw_id));
    if code.is_empty() {
        errs.push(FieldError::new(
            "ma",
            "required",
            "Nhập mã đặt lại mật khẩu Bộ phận Một cửa đã cấp",
            "Enter the code the one-stop desk gave you",
        ));
    }
    errs.take(password::check("password", &new, &[raw_login.as_str(), raw_id.as_str()]));
    let typed = (raw_login, raw_id, form.text("ma"));
    let (Some(login), Some(personal_id), true) = (login, personal_id, errs.is_empty()) else {
        return Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&reset_page(&state, &viewer, typed, errs.0)))));
    };
    let address = client.to_string();
    let key = auth::guard_key("claim-at", &[login.as_str(), &address]);
    let from = auth::guard_key("address", &[&address]);
    let now = chrono::Utc::now();
    // As for logins: the address's failures (a spray over many logins), then this login's attempts.
    if let Verdict::Wait(retry_after) = state.store.guard.guard_check(&from, now).await.map_err(|e| err(e.into()))? {
        return Err(err(AppError::Throttled { retry_after }));
    }
    let verdict = state.store.guard.guard_attempt(&[(key, Rule::LOGIN_AT_ADDRESS)], now).await;
    if let Verdict::Wait(retry_after) = verdict.map_err(|e| err(e.into()))? {
        return Err(err(AppError::Throttled { retry_after }));
    }
    let account = state.store.identity.account_by_login(login.as_str()).await.map_err(|e| err(e.into()))?;
    let hash = auth::hash_password_bounded(new).await.map_err(&err)?;
    let claimed = match account {
        Some(a) if a.role == Role::Citizen && a.personal_id.as_ref() == Some(&personal_id) => {
            let done = state.store.identity.claim_account(a.id, &code, &hash, &a.full_name).await;
            done.map_err(|e| err(e.into()))?.then_some(a)
        }
        _ => None,
    };
    let Some(account) = claimed else {
        state.store.guard.guard_fail(&from, Rule::ADDRESS, now).await.map_err(|e| err(e.into()))?;
        let wrong = FieldError::new(
            "ma",
            "reset_code_wrong",
            "Số điện thoại (thư điện tử), số định danh và mã không khớp nhau; kiểm tra mã trên giấy Bộ phận Một cửa đã đưa",
            "The login, personal id and code do not match; check the code on the desk's slip",
        );
        return Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&reset_page(&state, &viewer, typed, vec![wrong])))));
    };
    state.store.guard.guard_settle(&[key], &[], now).await.map_err(|e| err(e.into()))?;
    let token = auth::start_session(&state, &account).await.map_err(&err)?;
    let mut resp = Redirect::to("/tai-khoan?da-doi=1").into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&auth::set_session_cookie(&token, state.config.secure_cookies)) {
        resp.headers_mut().append(axum::http::header::SET_COOKIE, v);
    }
    Ok(resp)
}
