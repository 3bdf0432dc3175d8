//! Registration with proof of the login. When the server can reach what a registrant names as
//! their login (a phone through the SMS gateway, a mailbox through the SMTP relay), the account
//! is made only when the six-digit code sent there comes back (`tinhso_store::proof`): nobody
//! takes a stranger's phone number as their login, or has the platform's texts sent to it.
//! Without a way to reach it (the demo, a province with neither), registration makes the
//! account at once, as the account pages always did.
//!
//! The code goes out at once, not through the outbox: it is worth nothing later, and the phone
//! has no account for the outbox to address. The page says it was sent only when the gateway or
//! relay took it, after the waiting registration is stored.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use tinhso_http::auth::{self, Viewer};
use tinhso_http::client::ClientAddr;
use tinhso_http::form::FormData;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{error_for, render, Layout};
use tinhso_kernel::guard::{Rule, Verdict};
use tinhso_kernel::ids::{Login, PersonalId};
use tinhso_kernel::{calendar, FieldError};
use tinhso_store::proof::{Proven, StagedRegistration, MAX_TRIES};

/// How long a code works: a text arrives in seconds; a mail may wait in a relay's retries.
const TEXT_MINUTES: i64 = 15;
const MAIL_MINUTES: i64 = 30;

/// How a login is reached.
pub enum Channel {
    Text(tinhso_notify::sms::SmsConfig),
    Mail(tinhso_notify::mail::SmtpConfig),
}

/// How `login` is reached from this server, if it is.
pub fn channel(state: &AppState, login: &Login) -> Option<Channel> {
    if login.as_str().contains('@') {
        state.config.smtp.clone().map(Channel::Mail)
    } else {
        state.config.sms.clone().map(Channel::Text)
    }
}

/// What became of a registration sent for proof.
pub enum Staged {
    /// The code went out: the page asking for it.
    Sent(Response),
    /// Too many codes for this login lately: wait this many seconds.
    Wait(i64),
    /// The gateway or relay did not take it: said on the form, nothing made.
    Undelivered(FieldError),
}

/// Who registers: what their account will be made of once the code comes back.
pub struct Registrant {
    pub login: Login,
    pub full_name: String,
    pub personal_id: PersonalId,
    pub password_hash: String,
}

/// Stores the registration to wait for its code, and sends the code.
pub async fn stage(
    state: &AppState,
    viewer: &Viewer,
    channel: Channel,
    who: Registrant,
    next: &str,
) -> Result<Staged, tinhso_http::error::AppError> {
    let now = Utc::now();
    let limit = (tinhso_identity::guard_key("signup-code", &[who.login.as_str()]), Rule::SIGNUP_CODES);
    if let Verdict::Wait(retry_after) = state.store.guard.guard_attempt(&[limit], now).await? {
        return Ok(Staged::Wait(retry_after));
    }
    let code = new_code()?;
    let until = now + chrono::Duration::minutes(minutes(&channel));
    let staged = StagedRegistration {
        login: who.login.as_str().to_owned(),
        full_name: who.full_name,
        personal_id: who.personal_id,
        password_hash: who.password_hash,
        code_sha256: tinhso_identity::claim_code_digest(&code),
        until,
    };
    state.store.login_proof.stage_registration(&staged).await?;
    if let Err(e) = deliver(state, &channel, &staged.login, &code, until).await {
        tracing::warn!(error = %e, "a registration code was not delivered");
        return Ok(Staged::Undelivered(undelivered(&channel)));
    }
    tracing::info!(by_text = matches!(channel, Channel::Text(_)), "a registration code was sent");
    let page = proof_page(state, viewer, &staged.login, next, &channel, Vec::new());
    Ok(Staged::Sent(viewer.finish(render(&ProofPage { sent_until: Some(hh_mm(until)), ..page }))))
}

/// Six digits, each equally likely: typed on a phone's number pad.
fn new_code() -> Result<String, tinhso_http::error::AppError> {
    Ok(tinhso_identity::random_chars(b"0123456789", 6)?)
}

fn minutes(channel: &Channel) -> i64 {
    match channel {
        Channel::Text(_) => TEXT_MINUTES,
        Channel::Mail(_) => MAIL_MINUTES,
    }
}

fn hh_mm(at: DateTime<Utc>) -> String {
    calendar::local_time(at).format("%H:%M").to_string()
}

/// Sends `code` to `login`; the gateway's or relay's refusal as text. Texts count in the
/// metrics with the outbox's (operators watch what the gateway does, whatever was sent).
async fn deliver(
    state: &AppState,
    channel: &Channel,
    login: &str,
    code: &str,
    until: DateTime<Utc>,
) -> Result<(), String> {
    let until_vi = calendar::local_time(until).format("%H:%M ngày %d/%m/%Y").to_string();
    match channel {
        Channel::Text(cfg) => {
            // Without marks: a text with one holds 70 characters, not 160.
            let text = format!(
                "Ma xac nhan dang ky tai khoan Cong DVC: {code}. Dung den {}. Khong dua ma nay cho ai.",
                hh_mm(until)
            );
            let outcome = tinhso_notify::sms::send_now(cfg, login, &text).await;
            state.metrics.text_attempted(&outcome);
            match outcome {
                tinhso_notify::sms::Outcome::Sent => Ok(()),
                tinhso_notify::sms::Outcome::Later { error, .. } | tinhso_notify::sms::Outcome::Refused(error) => {
                    Err(error)
                }
            }
        }
        Channel::Mail(cfg) => {
            let body = format!(
                "Mã xác nhận đăng ký tài khoản: {code}\n\nNhập mã này trên trang đăng ký của Cổng dịch vụ công để hoàn tất tài khoản {login}. Mã dùng được đến {until_vi}.\n\nNếu không phải ông/bà đăng ký, hãy bỏ qua thư này: chưa có tài khoản nào được tạo.\n\n(English)\nYour registration code: {code}\n\nEnter it on the portal's registration page to finish the account {login}. It works until {until_vi}. If you did not register, ignore this mail: no account was made.\n\n-- \nCổng Dịch vụ công. Thư tự động, vui lòng không trả lời.\nPublic Services Portal. An automatic message: please do not reply."
            );
            tinhso_notify::mail::send_now(cfg, login, "Mã xác nhận đăng ký tài khoản Cổng dịch vụ công", &body).await
        }
    }
}

fn undelivered(channel: &Channel) -> FieldError {
    match channel {
        Channel::Text(_) => FieldError::new(
            "login",
            "code_not_sent",
            "Chưa gửi được tin nhắn mã xác nhận tới số điện thoại này. Kiểm tra lại số, hoặc thử lại sau ít phút",
            "The confirmation code could not be texted to this number. Check the number, or try again in a few minutes",
        ),
        Channel::Mail(_) => FieldError::new(
            "login",
            "code_not_sent",
            "Chưa gửi được thư mã xác nhận tới địa chỉ này. Kiểm tra lại địa chỉ, hoặc thử lại sau ít phút",
            "The confirmation code could not be mailed to this address. Check the address, or try again in a few minutes",
        ),
    }
}

/// The page asking for the code.
#[derive(Template)]
#[template(path = "register_proof.html")]
pub struct ProofPage {
    pub layout: Layout,
    pub login: String,
    pub next: String,
    /// The login is a phone (the code came by text), else a mailbox.
    pub by_text: bool,
    /// Just sent (or sent again): until when it works, "HH:MM".
    pub sent_until: Option<String>,
    pub minutes: i64,
    pub errors: Vec<FieldError>,
}

impl ProofPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field, self.layout.en)
    }
}

fn proof_page(
    state: &AppState,
    viewer: &Viewer,
    login: &str,
    next: &str,
    channel: &Channel,
    errors: Vec<FieldError>,
) -> ProofPage {
    let by_text = matches!(channel, Channel::Text(_));
    let title = match (viewer.locale == tinhso_http::i18n::Locale::En, by_text) {
        (true, true) => "Confirm your phone number",
        (true, false) => "Confirm your email address",
        (false, true) => "Xác nhận số điện thoại",
        (false, false) => "Xác nhận địa chỉ thư điện tử",
    };
    ProofPage {
        layout: Layout::new(state, viewer, title),
        login: login.to_owned(),
        next: next.to_owned(),
        by_text,
        sent_until: None,
        minutes: minutes(channel),
        errors,
    }
}

/// The login named by a proof form, if this server reaches it; else back to the registration.
fn reached(state: &AppState, raw: &str) -> Option<(Login, Channel)> {
    let login = Login::parse("login", raw).ok()?;
    let channel = channel(state, &login)?;
    Some((login, channel))
}

#[derive(serde::Deserialize, Default)]
pub struct ProofQuery {
    #[serde(rename = "dang-nhap")]
    dang_nhap: Option<String>,
    tiep: Option<String>,
}

/// The code's form again (a reload, the back button).
pub async fn form(State(state): State<AppState>, viewer: Viewer, Query(q): Query<ProofQuery>) -> PageResult {
    let next = q.tiep.as_deref().and_then(tinhso_http::nav::safe_next).unwrap_or_default().to_owned();
    let Some((login, channel)) = reached(&state, q.dang_nhap.as_deref().unwrap_or_default()) else {
        return Ok(viewer.finish(Redirect::to("/dang-ky").into_response()));
    };
    Ok(viewer.finish(render(&proof_page(&state, &viewer, login.as_str(), &next, &channel, Vec::new()))))
}

/// The code typed: the account is made and its owner signed in, or the form again saying why
/// not. Guesses count as password guesses do (this login at this address, and from anywhere).
pub async fn prove(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientAddr(client): ClientAddr,
    form: FormData,
) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["login", "ma", "tiep"]).map_err(&err)?;
    let next = tinhso_http::nav::safe_next(&form.text("tiep")).unwrap_or_default().to_owned();
    let Some((login, channel)) = reached(&state, &form.text("login")) else {
        return Ok(viewer.finish(Redirect::to("/dang-ky").into_response()));
    };
    let again = |errors: Vec<FieldError>| proof_page(&state, &viewer, login.as_str(), &next, &channel, errors);
    let code: String = form.text("ma").chars().filter(char::is_ascii_digit).collect();
    if code.len() != 6 {
        let e = FieldError::new(
            "ma",
            "code_format",
            "Nhập mã xác nhận gồm 6 chữ số đã được gửi tới ông/bà",
            "Enter the 6-digit confirmation code you were sent",
        );
        return Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&again(vec![e])))));
    }
    let keys = auth::guess_keys("signup-proof", login.as_str(), client);
    let attempt = match auth::Attempt::begin(&state, client, &keys).await.map_err(&err)? {
        Ok(a) => a,
        Err(retry_after) => {
            let page = again(vec![tinhso_http::error::wait_error("ma", retry_after)]);
            return Ok(viewer.finish_waiting(retry_after, render(&page)));
        }
    };
    let proven = state
        .store
        .login_proof
        .prove_registration(login.as_str(), &tinhso_identity::claim_code_digest(&code), Utc::now())
        .await
        .map_err(|e| err(e.into()))?;
    // What went wrong, and whether it counts as a guess.
    let (problem, guess) = match proven {
        Proven::Made(id) => {
            attempt.succeeded(&state).await.map_err(&err)?;
            let account = state.store.identity.account(id).await.map_err(|e| err(e.into()))?;
            let account = account.ok_or_else(|| err(tinhso_http::error::AppError::Internal("account vanished".into())))?;
            tracing::info!(account = id.0, "an account was registered with its login proven");
            let token = auth::start_session(&state, &account).await.map_err(&err)?;
            let to = if next.is_empty() { "/tai-khoan" } else { next.as_str() };
            return Ok(tinhso_http::nav::with_cookie(
                Redirect::to(to).into_response(),
                &auth::set_session_cookie(&token, state.config.secure_cookies),
            ));
        }
        Proven::Taken => (
            FieldError::new(
                "ma",
                "login_taken",
                "Số điện thoại hoặc thư điện tử này đã có tài khoản. Hãy đăng nhập.",
                "This phone number or email already has an account. Please log in.",
            ),
            false,
        ),
        Proven::Wrong { left: 0 } => (
            FieldError::new(
                "ma",
                "code_void",
                format!("Đã nhập sai mã {MAX_TRIES} lần nên mã này không còn dùng được. Bấm «Gửi lại mã» để nhận mã mới"),
                format!("A wrong code was entered {MAX_TRIES} times, so this code no longer works. Press “Send the code again” for a new one"),
            ),
            true,
        ),
        Proven::Wrong { left } => (
            FieldError::new(
                "ma",
                "code_wrong",
                format!("Mã xác nhận không đúng. Kiểm tra lại mã vừa nhận; còn {left} lần nhập"),
                format!("The confirmation code is wrong. Check the code you received; {left} tries left"),
            ),
            true,
        ),
        Proven::Gone => (
            FieldError::new(
                "ma",
                "code_gone",
                "Mã xác nhận đã hết hạn hoặc không còn dùng được. Bấm «Gửi lại mã», hoặc đăng ký lại",
                "The confirmation code has expired or no longer works. Press “Send the code again”, or register again",
            ),
            true,
        ),
    };
    if !guess {
        attempt.succeeded(&state).await.map_err(&err)?;
    } else if let Err(retry_after) = attempt.failed(&state).await.map_err(&err)? {
        let page = again(vec![tinhso_http::error::wait_error("ma", retry_after)]);
        return Ok(viewer.finish_waiting(retry_after, render(&page)));
    }
    Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&again(vec![problem])))))
}

/// A new code for the registration waiting for this login (the first did not come, or was
/// mistyped too often), under the same limit as the first.
pub async fn resend(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["login", "tiep"]).map_err(&err)?;
    let next = tinhso_http::nav::safe_next(&form.text("tiep")).unwrap_or_default().to_owned();
    let Some((login, channel)) = reached(&state, &form.text("login")) else {
        return Ok(viewer.finish(Redirect::to("/dang-ky").into_response()));
    };
    let now = Utc::now();
    let limit = (tinhso_identity::guard_key("signup-code", &[login.as_str()]), Rule::SIGNUP_CODES);
    if let Verdict::Wait(retry_after) =
        state.store.guard.guard_attempt(&[limit], now).await.map_err(|e| err(e.into()))?
    {
        let page = proof_page(
            &state,
            &viewer,
            login.as_str(),
            &next,
            &channel,
            vec![tinhso_http::error::wait_error("ma", retry_after)],
        );
        return Ok(viewer.finish_waiting(retry_after, render(&page)));
    }
    let code = new_code().map_err(&err)?;
    let until = now + chrono::Duration::minutes(minutes(&channel));
    let waiting = state
        .store
        .login_proof
        .restage_code(login.as_str(), &tinhso_identity::claim_code_digest(&code), until)
        .await
        .map_err(|e| err(e.into()))?;
    let problem = if !waiting {
        Some(FieldError::new(
            "ma",
            "code_gone",
            "Không còn đăng ký nào chờ xác nhận cho thông tin này (quá thời hạn). Hãy đăng ký lại",
            "No registration is waiting for this any more (its time ran out). Please register again",
        ))
    } else if let Err(e) = deliver(&state, &channel, login.as_str(), &code, until).await {
        tracing::warn!(error = %e, "a registration code was not delivered");
        Some(FieldError { field: "ma".into(), ..undelivered(&channel) })
    } else {
        None
    };
    let page = proof_page(&state, &viewer, login.as_str(), &next, &channel, problem.clone().into_iter().collect());
    match problem {
        Some(_) => Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&page)))),
        None => Ok(viewer.finish(render(&ProofPage { sent_until: Some(hh_mm(until)), ..page }))),
    }
}
