//! The sign-in's steps (start, the provider's redirect back) and the account's e-ID page.
//! Every way a sign-in can end short says what happened and what to do next, in the person's
//! language, and ends the sign-in's cookie.

use crate::flow::{self, Flow, Purpose};
use crate::provider::{Fault, Provider};
use crate::{Eid, ACCOUNT, START};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;
use tinhso_eid::resolve::{self, Facts, Holder, JoinCheck, SignIn};
use tinhso_eid::Person;
use tinhso_eid_port::{EidLink, Joined};
use tinhso_http::auth::{self, Viewer};
use tinhso_http::error::AppError;
use tinhso_http::form::{FormData, PageQuery};
use tinhso_http::nav::{safe_next, with_cookie, with_next};
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_kernel::ids::AccountId;
use tinhso_ledger::chain::Link;
use tinhso_policy::Role;
use tinhso_store::{Account, NewAccount, StoreError};

fn provider(state: &AppState) -> Result<Arc<Provider>, AppError> {
    state.module_state::<Eid>().provider.clone().ok_or(AppError::NotFound)
}

/// How a sign-in ended short.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    Cancelled,
    /// The sign-in's cookie is gone or is not for this redirect, or the provider refused the
    /// code (used, expired): start again.
    Expired,
    Unreachable,
    /// The provider's answer did not pass our checks.
    Untrusted,
    PasswordFirst(String),
    NoLogin,
    Locked,
    OtherAccount,
    OtherPerson,
    AccountHasOne,
}

#[derive(Template)]
#[template(path = "eid/problem.html")]
pub struct ProblemPage {
    pub layout: Layout,
    pub heading: String,
    pub message: String,
    /// Where "try again" starts a new sign-in, when trying again can help.
    pub retry: Option<String>,
    /// The password login (`/dang-nhap`, back to where the person was going).
    pub login: String,
    pub register: bool,
    pub forgot: bool,
    pub error: bool,
}

impl Problem {
    fn status(&self) -> StatusCode {
        match self {
            Problem::Cancelled => StatusCode::OK,
            Problem::Expired => StatusCode::BAD_REQUEST,
            Problem::Unreachable => StatusCode::SERVICE_UNAVAILABLE,
            Problem::Untrusted => StatusCode::BAD_GATEWAY,
            Problem::Locked => StatusCode::FORBIDDEN,
            Problem::PasswordFirst(_)
            | Problem::NoLogin
            | Problem::OtherAccount
            | Problem::OtherPerson
            | Problem::AccountHasOne => StatusCode::CONFLICT,
        }
    }

    /// Heading and message, in Vietnamese or English; `n` is the provider's name.
    fn text(&self, en: bool, n: &str) -> (String, String) {
        let pick = |vi: String, en_text: String| if en { en_text } else { vi };
        let heading = match self {
            Problem::Cancelled => pick(format!("Đã dừng đăng nhập bằng {n}"), format!("Signing in with {n} stopped")),
            Problem::OtherAccount | Problem::OtherPerson | Problem::AccountHasOne => {
                pick(format!("Chưa liên kết được với {n}"), format!("Not joined to {n}"))
            }
            _ => pick(format!("Chưa đăng nhập được bằng {n}"), format!("Could not sign in with {n}")),
        };
        let message = match self {
            Problem::Cancelled => pick(
                format!("Ông/bà đã dừng lại trên {n}, nên chưa đăng nhập. Có thể thử lại, hoặc đăng nhập bằng mật khẩu."),
                format!("You stopped at {n}, so you are not signed in. You can try again, or log in with your password."),
            ),
            Problem::Expired => pick(
                format!("Lượt đăng nhập bằng {n} này đã hết hạn hoặc đã dùng. Bấm \"Thử lại\" để bắt đầu lượt mới."),
                format!("This sign-in with {n} has expired or was already used. Press \"Try again\" to start a new one."),
            ),
            Problem::Unreachable => pick(
                format!("Chưa kết nối được với {n}. Ông/bà thử lại sau ít phút, hoặc đăng nhập bằng mật khẩu."),
                format!("{n} cannot be reached right now. Try again in a few minutes, or log in with your password."),
            ),
            Problem::Untrusted => pick(
                format!("Thông tin {n} gửi về không kiểm tra được, nên Cổng chưa cho đăng nhập. Ông/bà thử lại sau, hoặc đăng nhập bằng mật khẩu."),
                format!("What {n} sent back could not be checked, so you are not signed in. Try again later, or log in with your password."),
            ),
            Problem::PasswordFirst(login) => pick(
                format!("Số định danh cá nhân của ông/bà đã có tài khoản trên Cổng, đăng nhập bằng {login}. Hãy đăng nhập tài khoản đó bằng mật khẩu, rồi chọn \"Liên kết với {n}\" ở trang Tài khoản. Nếu quên mật khẩu, chọn \"Quên mật khẩu?\"."),
                format!("Your personal ID number already has an account here, which logs in with {login}. Log in to it with its password, then choose \"Join to {n}\" on your account page. If you forgot the password, choose \"Forgot your password?\"."),
            ),
            Problem::NoLogin => pick(
                format!("{n} không gửi số điện thoại hoặc thư điện tử đã xác thực nào còn dùng được để mở tài khoản. Hãy đăng ký bằng số điện thoại hoặc thư điện tử của ông/bà, rồi liên kết với {n} ở trang Tài khoản."),
                format!("{n} sent no verified phone number or email that can still open an account. Register with your phone number or email, then join it to {n} on your account page."),
            ),
            Problem::Locked => pick(
                "Tài khoản của ông/bà đang bị khoá. Ông/bà liên hệ Bộ phận Một cửa để được hỗ trợ.".to_owned(),
                "Your account is locked. Please contact the one-stop desk.".to_owned(),
            ),
            Problem::OtherAccount => pick(
                format!("Tài khoản {n} này đã liên kết với một tài khoản khác trên Cổng. Đăng xuất, rồi chọn \"Đăng nhập bằng {n}\" để vào tài khoản đó."),
                format!("This {n} account is already joined to another account here. Log out, then choose \"Sign in with {n}\" to open that one."),
            ),
            Problem::OtherPerson => pick(
                format!("Số định danh cá nhân trên {n} khác số định danh của tài khoản này, nên không liên kết được."),
                format!("The personal ID number on {n} is not this account's, so they cannot be joined."),
            ),
            Problem::AccountHasOne => pick(
                format!("Tài khoản này đã liên kết với một tài khoản {n} khác."),
                format!("This account is already joined to another {n} account."),
            ),
        };
        (heading, message)
    }
}

fn problem(state: &AppState, viewer: &Viewer, p: &Provider, what: Problem, next: &str) -> Response {
    let (heading, message) = what.text(viewer.locale == tinhso_http::i18n::Locale::En, &p.config.name);
    let retry = matches!(what, Problem::Cancelled | Problem::Expired | Problem::Unreachable | Problem::Untrusted)
        .then(|| with_next(START, next));
    let signed_in = viewer.account.is_some();
    let page = ProblemPage {
        layout: Layout::new(state, viewer, heading.clone()),
        heading,
        message,
        retry: retry.filter(|_| !signed_in),
        login: if signed_in { String::new() } else { with_next("/dang-nhap", next) },
        register: what == Problem::NoLogin && !signed_in,
        forgot: matches!(what, Problem::PasswordFirst(_)),
        error: what != Problem::Cancelled,
    };
    let resp = viewer.finish((what.status(), render(&page)));
    with_cookie(resp, &flow::clear(state.config.secure_cookies))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartParams {
    tiep: Option<String>,
}

/// `GET /dang-nhap/vneid`: off to the provider.
pub async fn start(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<StartParams>) -> PageResult {
    let err = page_err(&viewer);
    let p = provider(&state).map_err(&err)?;
    let next = q.tiep.as_deref().and_then(safe_next).unwrap_or_default().to_owned();
    if viewer.account.is_some() {
        return Ok(Redirect::to(if next.is_empty() { "/tai-khoan" } else { &next }).into_response());
    }
    let flow = Flow::new(Purpose::SignIn, next).map_err(&err)?;
    Ok(go(&state, &viewer, &p, flow).await)
}

/// `POST /tai-khoan/vneid`: a signed-in citizen joins their account to the provider.
pub async fn start_join(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    let err = page_err(&viewer);
    let p = provider(&state).map_err(&err)?;
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&[]).map_err(&err)?;
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    if account.role != Role::Citizen {
        return Err(err(AppError::Forbidden));
    }
    let flow = Flow::new(Purpose::Join(account.id), String::new()).map_err(&err)?;
    Ok(go(&state, &viewer, &p, flow).await)
}

async fn go(state: &AppState, viewer: &Viewer, p: &Provider, flow: Flow) -> Response {
    match p.sign_in_url(&flow.state, &flow.nonce, &flow.verifier, viewer.locale.code()).await {
        Ok(url) => with_cookie(Redirect::to(&url).into_response(), &flow.cookie(state.config.secure_cookies)),
        Err(fault) => {
            tracing::warn!(?fault, "e-ID provider not reached for a sign-in");
            problem(state, viewer, p, Problem::Unreachable, &flow.next)
        }
    }
}

/// What the provider sends the browser back with (OpenID Connect Core §3.1.2.5–6, RFC 9207's
/// `iss`); providers add more (`session_state`, `error_description`), which are not read.
#[derive(Deserialize)]
pub struct BackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

/// `GET /dang-nhap/vneid/ve`: the provider's redirect back.
pub async fn back(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    PageQuery(q): PageQuery<BackParams>,
) -> PageResult {
    let err = page_err(&viewer);
    let p = provider(&state).map_err(&err)?;
    let flow = Flow::from_headers(&headers, state.config.secure_cookies)
        .filter(|f| q.state.as_deref().is_some_and(|s| f.is_for(s)));
    // No sign-in of this browser's is waiting for this answer: a stale tab, a link replayed,
    // or someone trying to log this browser into their own account (login CSRF).
    let Some(flow) = flow else { return Ok(problem(&state, &viewer, &p, Problem::Expired, "")) };
    let next = flow.next.clone();
    if q.iss.as_deref().is_some_and(|iss| iss != p.config.issuer) {
        return Ok(problem(&state, &viewer, &p, Problem::Expired, &next));
    }
    if let Some(error) = &q.error {
        if error == "access_denied" {
            return Ok(problem(&state, &viewer, &p, Problem::Cancelled, &next));
        }
        tracing::warn!(error = %error.chars().take(64).collect::<String>(), "e-ID provider answered an error");
        return Ok(problem(&state, &viewer, &p, Problem::Unreachable, &next));
    }
    let Some(code) = q.code.filter(|c| !c.is_empty() && c.len() <= 4096) else {
        return Ok(problem(&state, &viewer, &p, Problem::Expired, &next));
    };
    let person = match p.redeem(&code, &flow.verifier, &flow.nonce).await {
        Ok(person) => person,
        Err(fault) => {
            tracing::warn!(?fault, "e-ID sign-in not completed");
            let what = match fault {
                Fault::Unreachable(_) => Problem::Unreachable,
                Fault::Refused(_) => Problem::Expired,
                Fault::Token(_) => Problem::Untrusted,
            };
            return Ok(problem(&state, &viewer, &p, what, &next));
        }
    };
    let done = match flow.purpose {
        Purpose::SignIn => sign_in(&state, &p, &person).await,
        Purpose::Join(id) => join(&state, &viewer, &p, &person, id).await,
    };
    match done.map_err(&err)? {
        Err(what) => Ok(problem(&state, &viewer, &p, what, &next)),
        Ok(Done::SignedIn(account)) => {
            let token = auth::start_session(&state, &account).await.map_err(&err)?;
            let secure = state.config.secure_cookies;
            let target = if next.is_empty() { tinhso_http::views::landing(account.role) } else { next.as_str() };
            let resp = with_cookie(Redirect::to(target).into_response(), &auth::set_session_cookie(&token, secure));
            Ok(with_cookie(resp, &flow::clear(secure)))
        }
        Ok(Done::Joined) => Ok(with_cookie(
            Redirect::to(&format!("{ACCOUNT}?da-lien-ket=1")).into_response(),
            &flow::clear(state.config.secure_cookies),
        )),
    }
}

enum Done {
    SignedIn(Account),
    Joined,
}

fn holder(a: &Account) -> Holder {
    Holder {
        id: a.id,
        login: a.login.clone(),
        has_password: !a.password_hash.is_empty(),
        citizen: a.role == Role::Citizen,
        disabled: a.disabled,
        personal_id: a.personal_id.as_ref().map(|p| p.as_str().to_owned()),
    }
}

/// What the store knows of `person` for [`resolve::sign_in`].
async fn facts(state: &AppState, p: &Provider, person: &Person) -> Result<Facts, AppError> {
    let ids = &state.store.identity;
    let linked = match crate::eid_port(state)?.eid_account(&p.config.issuer, &person.subject).await? {
        Some(id) => ids.account(id).await?.as_ref().map(holder),
        None => None,
    };
    let by_login = |login: Option<String>| async move {
        match login {
            Some(l) => ids.account_by_login(&l).await.map(|a| a.as_ref().map(holder)),
            None => Ok(None),
        }
    };
    let phone_holder = by_login(person.phone.as_ref().map(|x| x.as_str().to_owned())).await?;
    let email_holder = by_login(person.email.as_ref().map(|x| x.as_str().to_owned())).await?;
    // The citizen account the one-stop desk finds for this id, and any account under the
    // person's verified phone or email that holds it.
    let mut same_id: Vec<Holder> =
        ids.citizen_by_personal_id(&person.personal_id).await?.as_ref().map(holder).into_iter().collect();
    for h in [&phone_holder, &email_holder].into_iter().flatten() {
        if h.personal_id.as_deref() == Some(person.personal_id.as_str()) && !same_id.iter().any(|x| x.id == h.id) {
            same_id.push(h.clone());
        }
    }
    Ok(Facts { linked, same_id, phone_holder, email_holder })
}

async fn sign_in(state: &AppState, p: &Provider, person: &Person) -> Result<Result<Done, Problem>, AppError> {
    let ids = &state.store.identity;
    let id = match resolve::sign_in(person, &facts(state, p, person).await?) {
        SignIn::Open(id) => id,
        SignIn::Join(id) => match join_now(state, p, person, id, false).await? {
            Joined::Made | Joined::Already => id,
            Joined::OtherAccount => return Ok(Err(Problem::OtherAccount)),
            Joined::AccountHasOne => return Ok(Err(Problem::AccountHasOne)),
        },
        SignIn::Create { login } => {
            // No password: the account opens with the e-ID (a password can be set later
            // through "Quên mật khẩu?" with a code sent to the login).
            let new = NewAccount {
                login,
                full_name: person.full_name.clone(),
                password_hash: String::new(),
                role: Role::Citizen,
                agency: None,
                personal_id: Some(person.personal_id.clone()),
            };
            let id = match ids.create_account(&new).await {
                Ok(id) => id,
                // Taken between the decision and the insert (a second sign-in at once).
                Err(StoreError::Conflict(_)) => return Ok(Err(Problem::Expired)),
                Err(e) => return Err(e.into()),
            };
            match join_now(state, p, person, id, true).await? {
                Joined::Made | Joined::Already => id,
                Joined::OtherAccount | Joined::AccountHasOne => return Ok(Err(Problem::OtherAccount)),
            }
        }
        SignIn::PasswordFirst { login } => return Ok(Err(Problem::PasswordFirst(login))),
        SignIn::NoLogin => return Ok(Err(Problem::NoLogin)),
        SignIn::Locked => return Ok(Err(Problem::Locked)),
    };
    match ids.account(id).await? {
        Some(a) if !a.disabled => Ok(Ok(Done::SignedIn(a))),
        _ => Ok(Err(Problem::Locked)),
    }
}

async fn join(
    state: &AppState,
    viewer: &Viewer,
    p: &Provider,
    person: &Person,
    id: AccountId,
) -> Result<Result<Done, Problem>, AppError> {
    // Signed out, or another account signed in, since the join started.
    let Some(current) = viewer.account.as_ref().filter(|a| a.id == id) else { return Ok(Err(Problem::Expired)) };
    let linked = crate::eid_port(state)?.eid_account(&p.config.issuer, &person.subject).await?;
    Ok(match resolve::join(&holder(current), linked, person) {
        JoinCheck::Join => match join_now(state, p, person, id, false).await? {
            Joined::Made | Joined::Already => Ok(Done::Joined),
            Joined::OtherAccount => Err(Problem::OtherAccount),
            Joined::AccountHasOne => Err(Problem::AccountHasOne),
        },
        JoinCheck::AlreadyYours => Ok(Done::Joined),
        JoinCheck::OtherAccount => Err(Problem::OtherAccount),
        JoinCheck::OtherPerson => Err(Problem::OtherPerson),
    })
}

/// Joins `account` to the person's e-ID, with its ledger entry.
async fn join_now(
    state: &AppState,
    p: &Provider,
    person: &Person,
    account: AccountId,
    made: bool,
) -> Result<Joined, AppError> {
    let issuer = &p.config.issuer;
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let ledger_subject = tinhso_eid::audit::subject(issuer, &person.subject);
    let link = EidLink {
        issuer: issuer.clone(),
        subject: person.subject.clone(),
        account,
        linked_at: at.clone(),
        ledger_subject: ledger_subject.clone(),
    };
    let entry = Link {
        id: 0,
        lane: tinhso_eid::audit::LANE.to_owned(),
        seq: 0,
        dossier: ledger_subject,
        at,
        actor: account.0,
        payload: tinhso_eid::audit::payload(account.0, issuer, made),
    };
    let joined = crate::eid_port(state)?.join_eid(&link, &entry).await?;
    if joined == Joined::Made {
        tracing::info!(account = account.0, made, "account joined to the e-ID");
    }
    Ok(joined)
}

#[derive(Template)]
#[template(path = "eid/account.html")]
pub struct AccountPage {
    pub layout: Layout,
    pub name: String,
    /// When each join was made, dd/mm/yyyy.
    pub joined: Vec<String>,
    pub just_joined: bool,
    pub citizen: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountParams {
    #[serde(rename = "da-lien-ket")]
    just_joined: Option<String>,
}

/// `GET /tai-khoan/vneid`: whether the account opens with the e-ID, and the button to join it.
pub async fn account(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<AccountParams>,
) -> PageResult {
    let err = page_err(&viewer);
    let p = provider(&state).map_err(&err)?;
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let links =
        crate::eid_port(&state).map_err(|e| err(e.into()))?.eid_links(account.id).await.map_err(|e| err(e.into()))?;
    let joined = links
        .iter()
        .filter(|l| l.issuer == p.config.issuer)
        .map(|l| {
            chrono::DateTime::parse_from_rfc3339(&l.linked_at)
                .map(|at| tinhso_kernel::format::date_vi(tinhso_kernel::calendar::local_date(at.to_utc())))
                .unwrap_or_default()
        })
        .collect();
    let title = if viewer.locale == tinhso_http::i18n::Locale::En {
        format!("Sign in with {}", p.config.name)
    } else {
        format!("Đăng nhập bằng {}", p.config.name)
    };
    let page = AccountPage {
        layout: Layout::new(&state, &viewer, title),
        name: p.config.name.clone(),
        joined,
        just_joined: q.just_joined.is_some(),
        citizen: account.role == Role::Citizen,
    };
    let mut resp = viewer.finish(render(&page));
    // The join form's answer is a redirect to the provider: the browser must be allowed to follow it.
    let origin = p.sign_in_origin();
    resp.headers_mut()
        .insert(axum::http::header::CONTENT_SECURITY_POLICY, tinhso_http::csp_with_form_action(&state.config, &origin));
    Ok(resp)
}
