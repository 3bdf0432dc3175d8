//! Log in, log out, create a citizen account, see one's account.

use crate::signup::{Registrant, Staged};
use crate::views::{AccountPage, LoginPage, NotificationsPage, Proves, RegisterPage};
use crate::Offered;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use serde::Deserialize;
use tinhso_http::auth::{self, LoginRefused, Viewer};
use tinhso_http::client::ClientAddr;
use tinhso_http::error::AppError;
use tinhso_http::form::{FormData, PageQuery};
use tinhso_http::nav::{safe_next, with_cookie};
use tinhso_http::notices::{now_en, now_vi};
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_http::AccountLinks;
use tinhso_kernel::error::Errors;
use tinhso_kernel::guard::{Rule, Verdict};
use tinhso_kernel::ids::{Login, PersonalId};
use tinhso_kernel::{calendar, password, text, FieldError};
use tinhso_policy::Role;
use tinhso_store::{NewAccount, Notification, StoreError};

/// Where a login or registration form returns to: `tiep`, a path of this site.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextParams {
    tiep: Option<String>,
}

/// The login page, headed "Đăng nhập để nộp hồ sơ: <thủ tục>" when the visitor came from a
/// procedure's form, so they know why and that they will be taken back.
fn login_page(state: &AppState, viewer: &Viewer, next: String, login: String, errors: Vec<FieldError>) -> LoginPage {
    let code = next.strip_prefix("/thu-tuc/").and_then(|r| r.strip_suffix("/nop"));
    let procedure = code.and_then(|code| tinhso_http::capability::procedures::name(state, code));
    let (heading, title) = match &procedure {
        Some(name) => {
            let words = viewer.locale.pick("Đăng nhập để nộp hồ sơ", "Log in to apply for");
            (words.to_owned(), format!("{words}: {name}"))
        }
        None => (viewer.locale.texts().login_title.to_owned(), viewer.locale.texts().login_title.to_owned()),
    };
    LoginPage { layout: Layout::new(state, viewer, title), heading, procedure, login, next, errors }
}

pub async fn login_form(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<NextParams>,
) -> PageResult {
    let next = q.tiep.as_deref().and_then(safe_next).unwrap_or_default().to_owned();
    if viewer.account.is_some() {
        return Ok(Redirect::to(if next.is_empty() { "/tai-khoan" } else { &next }).into_response());
    }
    Ok(viewer.finish(render(&login_page(&state, &viewer, next, String::new(), Vec::new()))))
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    viewer: Viewer,
    form: FormData,
) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["login", "password", "tiep"]).map_err(&err)?;
    let next = safe_next(&form.text("tiep")).unwrap_or_default().to_owned();
    let raw_login = form.text("login");
    let password = form.get("password").unwrap_or_default().to_owned();
    // An unparseable login is checked (and counted) as typed, so it answers like any other.
    let login = Login::parse("login", &raw_login).map(|l| l.as_str().to_owned()).unwrap_or(raw_login.clone());
    let checked = auth::check_login(&state, client, &login, password).await.map_err(&err)?;
    match checked {
        Err(LoginRefused::Wait(retry_after)) => {
            // Said on the form, the login still typed in, so that trying later is one tap.
            let e = tinhso_http::error::wait_error("login", retry_after);
            let page = login_page(&state, &viewer, next, raw_login, vec![e]);
            Ok(viewer.finish_waiting(retry_after, render(&page)))
        }
        Ok(account) => {
            let token = auth::start_session(&state, &account).await.map_err(&err)?;
            let target = if next.is_empty() { tinhso_http::views::landing(account.role) } else { next.as_str() };
            Ok(with_cookie(
                Redirect::to(target).into_response(),
                &auth::set_session_cookie(&token, state.config.secure_cookies),
            ))
        }
        Err(LoginRefused::Wrong) => {
            let e = FieldError::new(
                "login",
                "login_failed",
                "Số điện thoại, thư điện tử hoặc mật khẩu không đúng",
                "The phone number, email or password is not correct",
            );
            let page = login_page(&state, &viewer, next, raw_login, vec![e]);
            Ok(viewer.finish((StatusCode::UNAUTHORIZED, render(&page))))
        }
    }
}

pub async fn logout(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    if let Some(s) = &viewer.session {
        state.end_session(&s.token_hash).await.map_err(|e| err(e.into()))?;
    }
    Ok(with_cookie(Redirect::to("/").into_response(), &auth::clear_session_cookie(state.config.secure_cookies)))
}

pub async fn register_form(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<NextParams>,
) -> PageResult {
    let layout = Layout::new(&state, &viewer, viewer.locale.texts().register_title);
    let page = RegisterPage {
        layout,
        full_name: String::new(),
        login: String::new(),
        personal_id: String::new(),
        next: q.tiep.as_deref().and_then(safe_next).unwrap_or_default().to_owned(),
        errors: Vec::new(),
        claim: String::new(),
        proves: Proves::of(&state),
    };
    Ok(viewer.finish(render(&page)))
}

pub async fn register(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    viewer: Viewer,
    form: FormData,
) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["full_name", "login", "personal_id", "password", "tiep", "ma_kich_hoat"]).map_err(&err)?;
    let claim = tinhso_identity::normalise_claim_code(&form.text("ma_kich_hoat"));
    let next = safe_next(&form.text("tiep")).unwrap_or_default().to_owned();
    let full_name = text::clean(&form.text("full_name"));
    let raw_login = form.text("login");
    let raw_id = form.text("personal_id");
    let password = form.get("password").unwrap_or_default().to_owned();

    let mut errs = Errors::default();
    if full_name.is_empty() || full_name.chars().count() > 200 {
        errs.push(FieldError::new(
            "full_name",
            "required",
            "Nhập họ và tên như trên thẻ căn cước",
            "Enter your full name as on your ID card",
        ));
    }
    let login = errs.take(Login::parse("login", &raw_login));
    let personal_id = errs.take(PersonalId::parse("personal_id", &raw_id));
    let personal: Vec<&str> = [raw_login.as_str(), raw_id.as_str()].into_iter().collect();
    errs.take(password::check("password", &password, &personal));

    let result = match (login, errs.is_empty()) {
        (Some(login), true) => {
            // Counted before the account is made (and before the costly hash), so that a burst
            // sent at once is counted one by one; a form refused as invalid is not counted.
            let key = tinhso_identity::guard_key("register", &[&tinhso_http::client::limit_key(client)]);
            if let Verdict::Wait(retry_after) = state
                .store
                .guard
                .guard_attempt(&[(key, Rule::REGISTRATIONS)], chrono::Utc::now())
                .await
                .map_err(|e| err(e.into()))?
            {
                let typed = [&full_name, &raw_login, &raw_id, &next, &claim].map(|t| t.to_string());
                return Ok(register_wait(&state, &viewer, "login", typed, retry_after));
            }
            let hash = tinhso_identity::hash_password_bounded(password).await.map_err(|e| err(e.into()))?;
            // A login this server can reach is proven before the account is made (signup.rs);
            // one that has an account already goes on below (a desk account's claim, or taken).
            if let (Some(channel), Some(personal_id)) = (crate::signup::channel(&state, &login), &personal_id) {
                if state.store.identity.account_by_login(login.as_str()).await.map_err(|e| err(e.into()))?.is_none() {
                    let who = Registrant {
                        login: login.clone(),
                        full_name: full_name.clone(),
                        personal_id: personal_id.clone(),
                        password_hash: hash.clone(),
                    };
                    let typed = [&full_name, &raw_login, &raw_id, &next, &claim].map(|t| t.to_string());
                    return match crate::signup::stage(&state, &viewer, channel, who, &next).await.map_err(&err)? {
                        Staged::Sent(page) => Ok(page),
                        Staged::Wait(retry_after) => Ok(register_wait(&state, &viewer, "login", typed, retry_after)),
                        Staged::Undelivered(problem) => {
                            let page = register_again(&state, &viewer, typed, vec![problem]);
                            Ok(viewer.finish((StatusCode::SERVICE_UNAVAILABLE, render(&page))))
                        }
                    };
                }
            }
            let new = NewAccount {
                login: login.as_str().to_owned(),
                full_name: full_name.clone(),
                password_hash: hash,
                role: Role::Citizen,
                agency: None,
                personal_id,
            };
            let taken = || {
                vec![FieldError::new(
                    "login",
                    "login_taken",
                    "Số điện thoại hoặc thư điện tử này đã có tài khoản. Hãy đăng nhập.",
                    "This phone number or email already has an account. Please log in.",
                )]
            };
            match state.store.identity.create_account(&new).await {
                Ok(_) => Ok(new.login),
                Err(StoreError::Conflict(_)) => {
                    // An account the one-stop desk opened for this person (same phone and
                    // personal ID, no password yet) becomes theirs, with its dossiers.
                    let existing =
                        state.store.identity.account_by_login(&new.login).await.map_err(|e| err(e.into()))?;
                    match existing {
                        Some(a)
                            if a.password_hash.is_empty()
                                && a.role == Role::Citizen
                                && a.personal_id.is_some()
                                && a.personal_id == new.personal_id =>
                        {
                            // Only the holder of the receipt: the claim code printed on it. Guesses
                            // count as password guesses do: this login at this address, this
                            // login from anywhere, and the address's failures.
                            let keys = auth::guess_keys("claim", &new.login, client);
                            let attempt = match auth::Attempt::begin(&state, client, &keys).await.map_err(&err)? {
                                Ok(a) => a,
                                Err(retry_after) => {
                                    let typed = [&full_name, &raw_login, &raw_id, &next, &claim].map(|t| t.to_string());
                                    return Ok(register_wait(&state, &viewer, "ma_kich_hoat", typed, retry_after));
                                }
                            };
                            let claimed = !claim.is_empty()
                                && state
                                    .store
                                    .identity
                                    .claim_account(a.id, &claim, &new.password_hash, &new.full_name)
                                    .await
                                    .map_err(|e| err(e.into()))?;
                            if claimed {
                                attempt.succeeded(&state).await.map_err(&err)?;
                                Ok(new.login)
                            } else {
                                if let Err(retry_after) = attempt.failed(&state).await.map_err(&err)? {
                                    let typed = [&full_name, &raw_login, &raw_id, &next, &claim].map(|t| t.to_string());
                                    return Ok(register_wait(&state, &viewer, "ma_kich_hoat", typed, retry_after));
                                }
                                Err(vec![claim_needed(claim.is_empty())])
                            }
                        }
                        _ => Err(taken()),
                    }
                }
                Err(e) => {
                    // Nothing was made: the attempt does not count against the address.
                    state.store.guard.guard_settle(&[], &[key], chrono::Utc::now()).await.map_err(|e| err(e.into()))?;
                    return Err(err(e.into()));
                }
            }
        }
        _ => Err(errs.0),
    };
    match result {
        Ok(login) => {
            let account = state
                .store
                .identity
                .account_by_login(&login)
                .await
                .map_err(|e| err(e.into()))?
                .ok_or_else(|| err(AppError::Internal("account vanished after insert".into())))?;
            let token = auth::start_session(&state, &account).await.map_err(&err)?;
            Ok(with_cookie(
                Redirect::to(if next.is_empty() { "/tai-khoan" } else { &next }).into_response(),
                &auth::set_session_cookie(&token, state.config.secure_cookies),
            ))
        }
        Err(errors) => {
            let page = register_again(&state, &viewer, [full_name, raw_login, raw_id, next, claim], errors);
            Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&page))))
        }
    }
}

/// The registration form again, with what was typed (name, login, personal id, where to go
/// next, claim code), saying beside `field` how long to wait (429, `Retry-After`): the claim
/// code's guesses, or an address's registrations.
fn register_wait(state: &AppState, viewer: &Viewer, field: &str, typed: [String; 5], retry_after: i64) -> Response {
    let page = register_again(state, viewer, typed, vec![tinhso_http::error::wait_error(field, retry_after)]);
    viewer.finish_waiting(retry_after, render(&page))
}

/// The registration form again with what was typed (name, login, personal id, where to go
/// next, claim code) and what is wrong.
fn register_again(state: &AppState, viewer: &Viewer, typed: [String; 5], errors: Vec<FieldError>) -> RegisterPage {
    let [full_name, login, personal_id, next, claim] = typed;
    let layout = Layout::new(state, viewer, viewer.locale.texts().register_title);
    RegisterPage { layout, full_name, login, personal_id, next, errors, claim, proves: Proves::of(state) }
}

/// Why registering with the phone of an account the desk opened needs the claim code.
fn claim_needed(missing: bool) -> FieldError {
    if missing {
        FieldError::new(
            "ma_kich_hoat",
            "claim_code_required",
            "Bộ phận Một cửa đã mở tài khoản cho số điện thoại này khi ông/bà nộp hồ sơ. Nhập mã kích hoạt in trên phiếu tiếp nhận hồ sơ.",
            "The one-stop desk opened an account for this phone number. Enter the activation code printed on your receipt.",
        )
    } else {
        FieldError::new(
            "ma_kich_hoat",
            "claim_code_wrong",
            "Mã kích hoạt không đúng. Kiểm tra lại mã in trên phiếu tiếp nhận hồ sơ.",
            "The activation code is not correct. Check the code printed on your receipt.",
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountParams {
    /// Set by the redirect after a password change.
    #[serde(rename = "da-doi")]
    changed: Option<String>,
    /// Set by the redirect after texts were turned off (`tat`) or on (`bat`).
    #[serde(rename = "tin-nhan")]
    texts: Option<String>,
}

/// Turns the account's texts (SMS) off or on (`bat`: "on"); its notices stay in the inbox
/// either way.
pub async fn set_texts(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["bat"]).map_err(&err)?;
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let on = match form.text("bat").as_str() {
        "1" => true,
        "0" => false,
        _ => return Err(err(AppError::bad_request("invalid_choice", "Lựa chọn không hợp lệ", "Invalid choice"))),
    };
    state.store.notify.set_texts_wanted(account.id, on).await.map_err(|e| err(e.into()))?;
    let to = if on { "/tai-khoan?tin-nhan=bat" } else { "/tai-khoan?tin-nhan=tat" };
    Ok(viewer.finish(axum::response::Redirect::to(to)))
}

async fn account_page(
    state: &AppState,
    viewer: &Viewer,
    offered: &[AccountLinks],
    changed: bool,
    errors: Vec<FieldError>,
) -> Result<AccountPage, AppError> {
    let a = viewer.account.as_ref().ok_or(AppError::Unauthenticated)?;
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    // Texts go to phone logins, where the server sends them.
    let texts = if state.config.texts && !a.login.contains('@') {
        Some(state.store.notify.texts_wanted(a.id).await?)
    } else {
        None
    };
    Ok(AccountPage {
        texts,
        texts_changed: None,
        layout: Layout::new(state, viewer, viewer.locale.texts().account_title),
        full_name: a.full_name.clone(),
        login: a.login.clone(),
        role: if en { a.role.label_en() } else { a.role.label_vi() }.to_owned(),
        agency: a.agency.as_ref().and_then(|c| state.agency_name(c.as_str())).unwrap_or_default().to_owned(),
        reads_audit_log: viewer.may(&tinhso_policy::Action::ViewAuditLog),
        must_change: a.must_change_password,
        manages_staff: a
            .agency
            .as_ref()
            .is_some_and(|c| viewer.may(&tinhso_policy::Action::ManageStaff { agency: c.clone() })),
        changed,
        min_password: password::MIN_LEN,
        errors,
        has_password: !a.password_hash.is_empty(),
        links: offered.iter().flat_map(|links| links(state, viewer)).collect(),
    })
}

pub async fn account(
    State(state): State<AppState>,
    Extension(offered): Extension<Offered>,
    viewer: Viewer,
    PageQuery(q): PageQuery<AccountParams>,
) -> PageResult {
    let mut page =
        account_page(&state, &viewer, &offered.0, q.changed.is_some(), Vec::new()).await.map_err(page_err(&viewer))?;
    page.texts_changed = q.texts.as_deref().and_then(|t| match t {
        "tat" => Some(false),
        "bat" => Some(true),
        _ => None,
    });
    Ok(viewer.finish(render(&page)))
}

/// Changes the password: the current one is checked as a login is (counted against the same
/// limits, so a borrowed session cannot guess it), the new one as at registration; every other
/// session of the account ends (on other servers within the session cache's ten seconds).
pub async fn change_password(
    State(state): State<AppState>,
    Extension(offered): Extension<Offered>,
    viewer: Viewer,
    ClientAddr(client): ClientAddr,
    form: FormData,
) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["current", "new"]).map_err(&err)?;
    let (Some(account), Some(session)) = (viewer.account.as_ref(), viewer.session.as_ref()) else {
        return Err(err(AppError::Unauthenticated));
    };
    let (current, new) = (form.get("current").unwrap_or_default().to_owned(), form.get("new").unwrap_or_default());
    let mut errs = Errors::default();
    let personal_id = account.personal_id.as_ref().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let personal = [account.login.as_str(), account.full_name.as_str(), personal_id.as_str()];
    errs.take(password::check("new", new, &personal));
    if !new.is_empty() && new == current {
        errs.push(FieldError::new(
            "new",
            "password_unchanged",
            "Mật khẩu mới phải khác mật khẩu đang dùng",
            "The new password must differ from the current one",
        ));
    }
    match auth::check_login(&state, client, &account.login, current).await.map_err(&err)? {
        Ok(_) => {}
        Err(LoginRefused::Wait(retry_after)) => return Err(err(AppError::Throttled { retry_after })),
        Err(LoginRefused::Wrong) => errs.push(FieldError::new(
            "current",
            "wrong_password",
            "Mật khẩu đang dùng không đúng",
            "The current password is not right",
        )),
    }
    let errors = errs.0;
    if !errors.is_empty() {
        let page = account_page(&state, &viewer, &offered.0, false, errors).await.map_err(&err)?;
        return Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&page))));
    }
    let hash = tinhso_identity::hash_password_bounded(new.to_owned()).await.map_err(|e| err(e.into()))?;
    if !state.store.identity.change_password(account.id, &hash, &session.token_hash).await.map_err(|e| err(e.into()))? {
        return Err(err(AppError::Unauthenticated));
    }
    state.forget_sessions_of(account.id);
    let body = format!(
        "Mật khẩu tài khoản của ông/bà đã được đổi lúc {}; các phiên đăng nhập khác đã kết thúc. Nếu không phải ông/bà đổi, hãy đến Bộ phận Một cửa để đặt lại mật khẩu.",
        now_vi()
    );
    let body_en = format!(
        "Your account's password was changed at {}; your other sessions ended. If it was not you, go to the one-stop desk to reset it.",
        now_en()
    );
    let note = Notification::new(account.id, "Mật khẩu tài khoản đã được đổi", body)
        .with_english("Your password was changed", body_en);
    tinhso_http::notices::tell_owner(&state, note).await.map_err(&err)?;
    Ok(Redirect::to("/tai-khoan?da-doi=1").into_response())
}

/// The account's in-app inbox: every notice the platform sent them (the newest 200).
pub async fn notifications(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let err = page_err(&viewer);
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let inbox = state.store.notify.inbox(account.id).await.map_err(|e| err(e.into()))?;
    // Newest first: the first `unread` are the ones not read before this visit, which reads them
    // (a write only when there were some).
    if let Some(newest) = inbox.first().filter(|_| viewer.unread > 0) {
        state.store.notify.mark_read(account.id, newest.id).await.map_err(|e| err(e.into()))?;
    }
    let fresh = usize::try_from(viewer.unread).unwrap_or(usize::MAX);
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let title = viewer.locale.texts().nav_notifications;
    let mut layout = Layout::new(&state, &viewer, title);
    layout.unread = 0;
    let items = inbox
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let local = calendar::local_time(m.created_at);
            let (subject, body) = if en { m.in_english() } else { (m.subject.as_str(), m.body.as_str()) };
            // Codes link to their dossiers for readers who have a dossier list to open them in.
            let body = crate::views::notice_pieces(body, layout.has_dossiers);
            let subject = subject.to_owned();
            crate::views::NoticeView {
                when: local.format("%d/%m/%Y %H:%M").to_string(),
                subject,
                body,
                dossier: m.dossier,
                fresh: i < fresh,
            }
        })
        .collect();
    Ok(viewer.finish(render(&NotificationsPage { layout, items })))
}
