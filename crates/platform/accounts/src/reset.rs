//! A forgotten password, set again without help from anyone who could not check who is asking.
//!
//! - At any one-stop desk the person shows their identity card; the officer
//!   (`/can-bo/dat-lai-mat-khau`) clears the password, ends every session and stores a fresh
//!   one-time code in one transaction. The code is the claim code of a desk-made account (the
//!   same port, the same limits on guesses), so the account is claimed again by its owner, and
//!   only with the last code a desk gave.
//! - A citizen who logs in with an email address can instead have a code mailed
//!   (`/dat-lai-mat-khau/gui-ma`, when the server has a mail relay). Their password works until
//!   the code is used, so asking for one in someone else's name locks nobody out.
//!
//! Either code sets a new password at `/dat-lai-mat-khau`, from any device.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use tinhso_http::auth::{self, Viewer};
use tinhso_http::client::ClientAddr;
use tinhso_http::error::AppError;
use tinhso_http::form::FormData;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{error_for, render, Layout};
use tinhso_kernel::error::Errors;
use tinhso_kernel::guard::{Rule, Verdict};
use tinhso_kernel::ids::{Login, PersonalId};
use tinhso_kernel::{password, FieldError};
use tinhso_policy::{Action, Role};
use tinhso_store::admin::AdminAct;

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
    /// A code was asked for by email (said whether or not the login exists).
    pub mailed: bool,
    /// A code was asked for by text message.
    pub texted: bool,
    /// This server sends email, so it offers a code by email.
    pub mails: bool,
    /// This server sends texts, so it offers a code by text to a phone login.
    pub texts: bool,
    pub errors: Vec<FieldError>,
}

impl ResetPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field, self.layout.en)
    }
}

fn desk_page(state: &AppState, viewer: &Viewer, personal_id: String, errors: Vec<FieldError>) -> DeskResetPage {
    let title = if viewer.locale == tinhso_http::i18n::Locale::En {
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
    let fresh = tinhso_identity::new_claim_code().map_err(|e| err(e.into()))?;
    let by = AdminAct { actor: officer, at: chrono::Utc::now() };
    let code = state.store.identity.reset_password(citizen.id, &fresh, &by).await.map_err(|e| err(e.into()))?;
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
        tinhso_http::notices::now_vi()
    );
    let body_en = format!(
        "The one-stop desk ({}) issued a code to reset your password at {}. If you did not ask for it, contact the one-stop desk at once.",
        desk.unwrap_or("unknown"),
        tinhso_http::notices::now_en()
    );
    let note = tinhso_store::Notification::new(citizen.id, "Mật khẩu tài khoản đã được đặt lại", body)
        .with_english("Your password is being reset", body_en);
    tinhso_http::notices::tell_owner(&state, note).await.map_err(&err)?;
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
        if viewer.locale == tinhso_http::i18n::Locale::En { "Set a new password" } else { "Đặt lại mật khẩu" };
    let (login, personal_id, code) = typed;
    ResetPage {
        layout: Layout::new(state, viewer, title),
        login,
        personal_id,
        code,
        min_password: password::MIN_LEN,
        mailed: false,
        texted: false,
        mails: state.config.mails,
        texts: state.config.texts,
        errors,
    }
}

/// What the link in a reset email fills in.
#[derive(serde::Deserialize, Default)]
pub struct Prefill {
    dang_nhap: Option<String>,
    ma: Option<String>,
}

pub async fn form(State(state): State<AppState>, viewer: Viewer, Query(q): Query<Prefill>) -> PageResult {
    let typed = (q.dang_nhap.unwrap_or_default(), String::new(), q.ma.unwrap_or_default());
    let page = reset_page(&state, &viewer, typed, Vec::new());
    Ok(viewer.finish(render(&page)))
}

/// How long an emailed code works: long enough for a slow mail relay's retries.
const MAILED_CODE_MINUTES: i64 = 60;

/// Mails a one-time code to a citizen who logs in with an email address. The answer is the
/// same whether or not such an account exists; mails to one login are limited
/// (`Rule::RESET_MAILS`), and so are an address's tries.
pub async fn mail_code(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientAddr(client): ClientAddr,
    form: FormData,
) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["login"]).map_err(&err)?;
    if !state.config.mails && !state.config.texts {
        // Nothing would go out: say so rather than promise a mail.
        return Err(err(AppError::Unavailable {
            code: "no_email",
            vi: "Máy chủ này chưa gửi được thư điện tử; hãy mang thẻ căn cước đến Bộ phận Một cửa để được cấp mã"
                .into(),
            en: "This server does not send email; bring your identity card to a one-stop desk for a code".into(),
        }));
    }
    let raw = form.text("login");
    // The form a code goes out by: a phone login's by text, an email login's by email.
    let by_text = !raw.contains('@');
    let field = if by_text { "text-login" } else { "mail-login" };
    let refuse = |e: FieldError| {
        let page = reset_page(&state, &viewer, (raw.clone(), String::new(), String::new()), vec![e]);
        Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&page))))
    };
    let login = match Login::parse(field, &raw) {
        Ok(l) if by_text && state.config.texts => l,
        Ok(l) if !by_text && state.config.mails => l,
        Ok(_) if !by_text => {
            // Only the text form is on the page: the error goes where it can be read.
            let none = FieldError::new(
                "text-login",
                "no_email",
                "Máy chủ này chưa gửi được thư điện tử: nhận mã qua tin nhắn nếu đăng nhập bằng số điện thoại, hoặc mang thẻ căn cước đến Bộ phận Một cửa",
                "This server does not send email: get a code by text if you log in with a phone, or go to a one-stop desk",
            );
            return refuse(none);
        }
        Ok(_) => {
            let phone = FieldError::new(
                "mail-login",
                "not_an_email",
                "Chỉ tài khoản đăng nhập bằng thư điện tử nhận được mã qua thư; tài khoản đăng nhập bằng số điện thoại đặt lại mật khẩu tại Bộ phận Một cửa",
                "Only accounts that log in with an email address get a code by email; for a phone login, go to a one-stop desk",
            );
            return refuse(phone);
        }
        Err(e) => return refuse(e),
    };
    let now = chrono::Utc::now();
    let limits = [
        // One budget per login, whichever way its codes go.
        (tinhso_identity::guard_key("reset-mail", &[login.as_str()]), Rule::RESET_MAILS),
        (tinhso_identity::guard_key("reset-mail-from", &[&tinhso_http::client::limit_key(client)]), Rule::ADDRESS),
    ];
    if let Verdict::Wait(retry_after) =
        state.store.guard.guard_attempt(&limits, now).await.map_err(|e| err(e.into()))?
    {
        let errors = vec![tinhso_http::error::wait_error(field, retry_after)];
        let page = reset_page(&state, &viewer, (raw, String::new(), String::new()), errors);
        return Ok(viewer.finish_waiting(retry_after, render(&page)));
    }
    let account = state.store.identity.account_by_login(login.as_str()).await.map_err(|e| err(e.into()))?;
    if let Some(a) = account.filter(|a| a.role == Role::Citizen && a.personal_id.is_some()) {
        let code = tinhso_identity::new_claim_code().map_err(|e| err(e.into()))?;
        let until = now + chrono::Duration::minutes(MAILED_CODE_MINUTES);
        let message = if by_text {
            // A text holds 160 characters: the code first, the rest in a few words.
            let until = tinhso_kernel::calendar::local_time(until).format("%H:%M ngày %d/%m/%Y");
            tinhso_store::Notification::new(
                a.id,
                format!("Mã đặt lại mật khẩu Cổng DVC: {code}"),
                format!("Dùng một lần, đến {until}. Không đưa mã này cho ai."),
            )
        } else {
            tinhso_store::Notification::new(
                a.id,
                "Mã đặt lại mật khẩu Cổng dịch vụ công",
                reset_mail(&state, &a.login, &code, until),
            )
        };
        let digest = tinhso_identity::claim_code_digest(&code);
        state.store.identity.issue_email_reset(a.id, &digest, until, &message).await.map_err(|e| err(e.into()))?;
        tracing::info!(account = a.id.0, by_text, "a password reset code was sent");
    }
    let mut page = reset_page(&state, &viewer, (login.as_str().to_owned(), String::new(), String::new()), Vec::new());
    page.mailed = !by_text;
    page.texted = by_text;
    Ok(viewer.finish(render(&page)))
}

/// The reset email: the code, until when it works, and a link that fills it in when the
/// server knows its public address (never one taken from the request, which an attacker sets).
fn reset_mail(state: &AppState, login: &str, code: &str, until: chrono::DateTime<chrono::Utc>) -> String {
    let until = tinhso_kernel::calendar::local_time(until).format("%H:%M ngày %d/%m/%Y");
    let page = match state.config.public_url.as_deref() {
        Some(base) => {
            let q: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("dang_nhap", login)
                .append_pair("ma", code)
                .finish();
            format!("Mở {}/dat-lai-mat-khau?{q}", base.trim_end_matches('/'))
        }
        None => "Trên Cổng dịch vụ công, mở \"Quên mật khẩu?\" ở trang đăng nhập".to_owned(),
    };
    format!(
        "Có đề nghị đặt lại mật khẩu cho tài khoản {login} lúc {}.\n\nMã đặt lại mật khẩu: {code}\n\n{page}, nhập số định danh cá nhân, mã này và mật khẩu mới. Mã dùng được một lần, đến {until}.\n\nNếu không phải ông/bà đề nghị, hãy bỏ qua thư này: mật khẩu hiện tại vẫn dùng được.",
        tinhso_http::notices::now_vi()
    )
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
    let code = tinhso_identity::normalise_claim_code(&form.text("ma"));
    let new = form.get("password").unwrap_or_default().to_owned();
    let mut errs = Errors::default();
    let login = errs.take(Login::parse("login", &raw_login));
    let personal_id = errs.take(PersonalId::parse("personal_id", &raw_id));
    if code.is_empty() {
        errs.push(FieldError::new(
            "ma",
            "required",
            "Nhập mã đặt lại mật khẩu (trong thư, hoặc do Bộ phận Một cửa cấp)",
            "Enter the reset code (from the email, or from the one-stop desk)",
        ));
    }
    errs.take(password::check("password", &new, &[raw_login.as_str(), raw_id.as_str()]));
    let typed = (raw_login, raw_id, form.text("ma"));
    let (Some(login), Some(personal_id), true) = (login, personal_id, errs.is_empty()) else {
        return Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&reset_page(&state, &viewer, typed, errs.0)))));
    };
    // As for logins: the address's failures (a spray over many logins), then this login's
    // attempts at this address and from anywhere (shared with the registration's claim code).
    let keys = auth::guess_keys("claim", login.as_str(), client);
    let attempt = match auth::Attempt::begin(&state, client, &keys).await.map_err(&err)? {
        Ok(a) => a,
        Err(retry_after) => {
            let page = reset_page(&state, &viewer, typed, vec![tinhso_http::error::wait_error("login", retry_after)]);
            return Ok(viewer.finish_waiting(retry_after, render(&page)));
        }
    };
    let now = chrono::Utc::now();
    let account = state.store.identity.account_by_login(login.as_str()).await.map_err(|e| err(e.into()))?;
    let hash = tinhso_identity::hash_password_bounded(new).await.map_err(|e| err(e.into()))?;
    // The code is either the desk's (the password was cleared there) or one mailed on request.
    let claimed = match account {
        Some(a) if a.role == Role::Citizen && a.personal_id.as_ref() == Some(&personal_id) => {
            let identity = &state.store.identity;
            let by_desk = identity.claim_account(a.id, &code, &hash, &a.full_name).await.map_err(|e| err(e.into()))?;
            let by_mail = !by_desk
                && identity
                    .redeem_email_reset(a.id, &tinhso_identity::claim_code_digest(&code), now, &hash)
                    .await
                    .map_err(|e| err(e.into()))?;
            (by_desk || by_mail).then_some((a, by_mail))
        }
        _ => None,
    };
    let Some((account, by_mail)) = claimed else {
        if let Err(retry_after) = attempt.failed(&state).await.map_err(&err)? {
            let page = reset_page(&state, &viewer, typed, vec![tinhso_http::error::wait_error("login", retry_after)]);
            return Ok(viewer.finish_waiting(retry_after, render(&page)));
        }
        let wrong = FieldError::new(
            "ma",
            "reset_code_wrong",
            "Số điện thoại (thư điện tử), số định danh và mã không khớp nhau, hoặc mã đã hết hạn; kiểm tra mã trong thư hoặc trên giấy Bộ phận Một cửa đã đưa",
            "The login, personal id and code do not match, or the code has expired; check the code in the email or on the desk's slip",
        );
        return Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&reset_page(&state, &viewer, typed, vec![wrong])))));
    };
    attempt.succeeded(&state).await.map_err(&err)?;
    if by_mail {
        // Sessions that a thief of the old password may hold are over, here at once.
        state.forget_sessions_of(account.id);
        let body = format!(
            "Mật khẩu tài khoản của ông/bà đã được đặt lại bằng mã gửi qua thư điện tử lúc {}. Nếu không phải ông/bà làm, hãy liên hệ ngay Bộ phận Một cửa.",
            tinhso_http::notices::now_vi()
        );
        let body_en = format!(
            "Your password was reset with a code sent by email at {}. If it was not you, contact the one-stop desk at once.",
            tinhso_http::notices::now_en()
        );
        let note = tinhso_store::Notification::new(account.id, "Mật khẩu tài khoản đã được đặt lại", body)
            .with_english("Your password was reset", body_en);
        tinhso_http::notices::tell_owner(&state, note).await.map_err(&err)?;
    }
    let token = auth::start_session(&state, &account).await.map_err(&err)?;
    let mut resp = Redirect::to("/tai-khoan?da-doi=1").into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&auth::set_session_cookie(&token, state.config.secure_cookies)) {
        resp.headers_mut().append(axum::http::header::SET_COOKIE, v);
    }
    Ok(resp)
}
