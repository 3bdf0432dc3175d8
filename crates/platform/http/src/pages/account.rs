//! Log in, log out, create a citizen account, see one's account.

use super::{page_err, PageResult};
use crate::auth::{self, Viewer};
use crate::error::AppError;
use crate::form::FormData;
use crate::state::AppState;
use crate::views::{render, AccountPage, Layout, LoginPage, RegisterPage};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;
use tinhso_kernel::error::Errors;
use tinhso_kernel::ids::{Login, PersonalId};
use tinhso_kernel::{password, text, FieldError};
use tinhso_policy::Role;
use tinhso_store::{NewAccount, StoreError};

const LOGIN_LIMIT: u32 = 5;
const ADDRESS_LIMIT: u32 = 50;

fn with_cookie(mut resp: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

pub async fn login_form(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    if viewer.account.is_some() {
        return Ok(Redirect::to("/tai-khoan").into_response());
    }
    let layout = Layout::new(&state, &viewer, viewer.locale.texts().login_title);
    Ok(viewer.finish(render(&LoginPage { layout, login: String::new(), errors: Vec::new() })))
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    viewer: Viewer,
    form: FormData,
) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["login", "password"]).map_err(&err)?;
    let raw_login = form.text("login");
    let password = form.get("password").unwrap_or_default().to_owned();
    let login = Login::parse("login", &raw_login);
    let login_key = format!("login:{}", login.as_ref().map(|l| l.as_str().to_owned()).unwrap_or(raw_login.clone()));
    let addr_key = format!("addr:{}", addr.ip());
    if state.throttle.blocked(&login_key, LOGIN_LIMIT) || state.throttle.blocked(&addr_key, ADDRESS_LIMIT) {
        return Err(err(AppError::Throttled));
    }
    let account = match &login {
        Ok(l) => state.store.identity.account_by_login(l.as_str()).await.map_err(|e| err(e.into()))?,
        Err(_) => None,
    };
    let hash = account.as_ref().map(|a| a.password_hash.clone()).unwrap_or_else(|| auth::DUMMY_HASH.to_owned());
    let ok = auth::verify_password_bounded(hash, password).await.map_err(&err)?;
    match account.filter(|a| ok && !a.disabled) {
        Some(account) => {
            state.throttle.clear(&login_key);
            let token = auth::start_session(&state, &account).await.map_err(&err)?;
            let target = match account.role {
                Role::ProvinceAdmin => "/quan-tri",
                Role::AgencyAdmin => "/quan-tri/tai-khoan",
                _ => "/ho-so",
            };
            Ok(with_cookie(
                Redirect::to(target).into_response(),
                &auth::set_session_cookie(&token, state.config.secure_cookies),
            ))
        }
        None => {
            state.throttle.fail(&login_key);
            state.throttle.fail(&addr_key);
            let e = FieldError::new(
                "login",
                "login_failed",
                "Số điện thoại, thư điện tử hoặc mật khẩu không đúng",
                "The phone number, email or password is not correct",
            );
            let layout = Layout::new(&state, &viewer, viewer.locale.texts().login_title);
            let page = LoginPage { layout, login: raw_login, errors: vec![e] };
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

pub async fn register_form(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let layout = Layout::new(&state, &viewer, viewer.locale.texts().register_title);
    let page = RegisterPage {
        layout,
        full_name: String::new(),
        login: String::new(),
        personal_id: String::new(),
        errors: Vec::new(),
    };
    Ok(viewer.finish(render(&page)))
}

pub async fn register(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["full_name", "login", "personal_id", "password"]).map_err(&err)?;
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
            let hash = auth::hash_password_bounded(password).await.map_err(&err)?;
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
                            let claimed = state
                                .store
                                .identity
                                .claim_account(a.id, &new.password_hash, &new.full_name)
                                .await
                                .map_err(|e| err(e.into()))?;
                            if claimed {
                                Ok(new.login)
                            } else {
                                Err(taken())
                            }
                        }
                        _ => Err(taken()),
                    }
                }
                Err(e) => return Err(err(e.into())),
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
                Redirect::to("/tai-khoan").into_response(),
                &auth::set_session_cookie(&token, state.config.secure_cookies),
            ))
        }
        Err(errors) => {
            let layout = Layout::new(&state, &viewer, viewer.locale.texts().register_title);
            let page = RegisterPage { layout, full_name, login: raw_login, personal_id: raw_id, errors };
            Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&page))))
        }
    }
}

pub async fn account(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let a = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(page_err(&viewer))?;
    let en = viewer.locale == crate::i18n::Locale::En;
    let page = AccountPage {
        layout: Layout::new(&state, &viewer, viewer.locale.texts().account_title),
        full_name: a.full_name.clone(),
        login: a.login.clone(),
        role: if en { a.role.label_en() } else { a.role.label_vi() }.to_owned(),
        agency: a.agency.as_ref().and_then(|c| state.agency_name(c.as_str())).unwrap_or_default().to_owned(),
    };
    Ok(viewer.finish(render(&page)))
}
