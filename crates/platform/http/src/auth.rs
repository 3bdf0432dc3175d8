//! Sessions, CSRF tokens and the login check with its throttles (passwords and secrets
//! themselves: `tinhso_identity`).

use crate::error::AppError;
use crate::i18n::Locale;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{Duration, Utc};
use tinhso_identity::{guard_key, random_token, token_hash, verify_password_bounded, DUMMY_HASH};
use tinhso_kernel::guard::{Rule, Verdict};
use tinhso_policy::{decide, Action, Actor, Decision};
use tinhso_store::{Account, GuardKey, Session};

pub const SESSION_DAYS: i64 = 7;

/// The value of cookie `name`, if the request sent it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The CSRF token as a page carries it: a fresh random mask and the token XORed with it, so
/// that no two pages carry the same bytes and a compressed page's length tells nothing about
/// the token (BREACH; `compress.rs`). Any masked form of the token is accepted, as is the
/// token itself (API clients send what `POST /api/v1/session` gave them).
pub fn mask_csrf(token: &str) -> String {
    let t = token.as_bytes();
    let mut mask = vec![0u8; t.len()];
    if getrandom::getrandom(&mut mask).is_err() {
        // Without randomness the token goes unmasked: still checked, only not hidden.
        return token.to_owned();
    }
    let mut out = mask.clone();
    out.extend(t.iter().zip(&mask).map(|(b, m)| b ^ m));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(out)
}

/// Whether `sent` is `token`, plain or masked (`mask_csrf`), in constant time for a given length.
pub(crate) fn csrf_matches(sent: &str, token: &str) -> bool {
    if token.is_empty() {
        return false;
    }
    if sent.len() == token.len() {
        return tinhso_kernel::secret::same(sent.as_bytes(), token.as_bytes());
    }
    match base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sent) {
        Ok(b) if b.len() == 2 * token.len() => {
            let (mask, masked) = b.split_at(token.len());
            let plain: Vec<u8> = masked.iter().zip(mask).map(|(x, m)| x ^ m).collect();
            tinhso_kernel::secret::same(&plain, token.as_bytes())
        }
        _ => false,
    }
}

/// Why a login did not go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefused {
    /// Too many recent failures: not before this many seconds.
    Wait(i64),
    /// Unknown login, wrong password, disabled account, or an account with no password yet:
    /// one answer for all, so none can be told apart.
    Wrong,
}

/// The tallies a guess at a secret of `login` counts in (its password, a desk account's claim
/// code, a registration's proof code; `kind` keeps each secret's apart): this login at this
/// address, and this login from anywhere. With the address's own failures, which
/// [`Attempt::begin`] adds, one guesser waits long and the owner elsewhere at most a minute.
pub fn guess_keys(kind: &str, login: &str, client: std::net::IpAddr) -> [(GuardKey, Rule); 2] {
    [
        (guard_key(&format!("{kind}-at"), &[login, &crate::client::limit_key(client)]), Rule::LOGIN_AT_ADDRESS),
        (guard_key(kind, &[login]), Rule::LOGIN),
    ]
}

/// A login as every login path checks it. The attempt is counted before the password is
/// checked (per login at this address, and per login), so a burst of concurrent guesses cannot
/// outrun the limit; failures also count per address. Only the address that guesses waits
/// long, the owner elsewhere at most a minute. Unknown logins and accounts without a password (made at the
/// desk, not yet claimed) verify the dummy hash: every refusal costs the same time.
pub async fn check_login(
    state: &AppState,
    client: std::net::IpAddr,
    login: &str,
    password: String,
) -> Result<Result<Account, LoginRefused>, AppError> {
    let keys = guess_keys("login", login, client);
    let attempt = match Attempt::begin(state, client, &keys).await? {
        Ok(a) => a,
        Err(s) => return Ok(Err(LoginRefused::Wait(s))),
    };
    let account = state.store.identity.account_by_login(login).await?;
    let hash = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| DUMMY_HASH.to_owned());
    let ok = verify_password_bounded(hash, password).await?;
    let Some(a) = account.filter(|a| ok && !a.disabled && !a.password_hash.is_empty()) else {
        state.metrics.login_failed();
        return Ok(Err(match attempt.failed(state).await? {
            Ok(()) => LoginRefused::Wrong,
            Err(wait) => LoginRefused::Wait(wait),
        }));
    };
    if let Some(wait) = attempt.waiting(state) {
        // Refused as a failure would be, and with no more work: the attempt stays counted as it
        // was before the check, so a right guess cannot be told from a wrong one by its time.
        return Ok(Err(LoginRefused::Wait(wait)));
    }
    // The login's tally (from any address) counts this attempt too until it is settled.
    let wrong = state.store.guard.guard_tally(&keys[1].0).await?.map_or(0, |t| t.failures.saturating_sub(1));
    attempt.succeeded(state).await?;
    if wrong >= WRONG_TRIES_TOLD {
        // The login stands even if the notice cannot be written now.
        if let Err(e) = tell_of_wrong_tries(state, &a, wrong).await {
            tracing::warn!(error = %e.message(crate::i18n::Locale::En), "cannot tell an owner of wrong passwords");
        }
    }
    Ok(Ok(a))
}

/// Wrong passwords before a login from which its owner is told: more than a few typos.
const WRONG_TRIES_TOLD: u32 = 5;

/// Tells the owner of an account just logged into that its password had been entered wrong
/// `wrong` times before (from anywhere, within the tally's memory): if it was not them,
/// someone is guessing it, and they are the one who can choose a harder password.
async fn tell_of_wrong_tries(state: &AppState, account: &Account, wrong: u32) -> Result<(), AppError> {
    use crate::notices::{now_en, now_vi, tell_owner};
    let body = format!(
        "Trước lần đăng nhập lúc {}, mật khẩu tài khoản của ông/bà đã bị nhập sai {wrong} lần. Nếu đó không phải \
         ông/bà, có thể có người đang dò mật khẩu: hãy đổi mật khẩu tại /tai-khoan và chọn một cụm từ khó đoán.",
        now_vi()
    );
    let body_en = format!(
        "Before the login at {}, your account's password had been entered wrong {wrong} times. If that was not \
         you, someone may be guessing it: change your password at /tai-khoan and choose a hard-to-guess phrase.",
        now_en()
    );
    let note = tinhso_store::Notification::new(account.id, "Mật khẩu tài khoản của ông/bà bị nhập sai nhiều lần", body)
        .with_english("Your password was entered wrong several times", body_en);
    tell_owner(state, note).await
}

/// An attempt at a secret (a password, a reset code) counted before its outcome is known, so a
/// burst cannot slip through: counted under `keys` (a login, a login at this address); the
/// address counts failures only (an office behind one NAT logs in all at once at opening time),
/// decided after the outcome with the failures this server has decided since the address's
/// tally was read (`crate::unsettled`), so a spray over many logins at once is limited too.
pub struct Attempt {
    from: (GuardKey, Option<tinhso_kernel::guard::Tally>),
    read: crate::unsettled::ReadStart,
    keys: Vec<GuardKey>,
}

impl Attempt {
    /// Counts the attempt; `Err(seconds)` to wait instead, nothing counted.
    pub async fn begin(
        state: &AppState,
        client: std::net::IpAddr,
        keys: &[(GuardKey, Rule)],
    ) -> Result<Result<Attempt, i64>, AppError> {
        let now = chrono::Utc::now();
        let from = guard_key("address", &[&crate::client::limit_key(client)]);
        let read = crate::unsettled::ReadStart::now();
        let tally = state.store.guard.guard_tally(&from).await?;
        if let Verdict::Wait(s) = tinhso_kernel::guard::check(tally.as_ref(), now) {
            return Ok(Err(s));
        }
        if let Verdict::Wait(s) = state.store.guard.guard_attempt(keys, now).await? {
            return Ok(Err(s));
        }
        Ok(Ok(Attempt { from: (from, tally), read, keys: keys.iter().map(|(k, _)| *k).collect() }))
    }

    fn decide(&self, state: &AppState, failed: bool) -> Result<Option<crate::unsettled::Counted>, i64> {
        let (key, tally) = self.from;
        state.unsettled.decide(self.read, &[(key, Rule::ADDRESS, tally)], failed, chrono::Utc::now())
    }

    /// Whether the address must wait after all (failures decided since it was read, by
    /// attempts sent at the same time): then a success must not be told either.
    pub fn waiting(&self, state: &AppState) -> Option<i64> {
        self.decide(state, false).err()
    }

    /// It succeeded: the attempt no longer counts (the wait it set stays).
    pub async fn succeeded(self, state: &AppState) -> Result<(), AppError> {
        Ok(state.store.guard.guard_settle(&self.keys, &[], chrono::Utc::now()).await?)
    }

    /// It failed: one more failure from the address, or `Err(seconds)` when the address must
    /// wait after all (the failure is then not told, and not counted against the address).
    pub async fn failed(self, state: &AppState) -> Result<Result<(), i64>, AppError> {
        match self.decide(state, true) {
            Err(wait) => Ok(Err(wait)),
            Ok(counted) => {
                state.store.guard.guard_fail(&[(self.from.0, Rule::ADDRESS)], chrono::Utc::now()).await?;
                drop(counted);
                Ok(Ok(()))
            }
        }
    }
}

/// Who is looking at a page: the account if logged in, the locale, and the CSRF token to put
/// in forms (the session's, or a double-submit cookie's for visitors not logged in).
pub struct Viewer {
    pub account: Option<Account>,
    pub session: Option<Session>,
    pub locale: Locale,
    pub csrf: String,
    /// The page being read (path and query) when it is one to come back to after logging in:
    /// a GET of this site, not the login, registration or logout pages themselves.
    pub here: Option<String>,
    /// Messages in the account's inbox it has not read (counted for pages read, GET).
    pub unread: u64,
    new_csrf_cookie: bool,
    secure: bool,
}

impl Viewer {
    pub fn actor(&self) -> Option<Actor> {
        self.account.as_ref().map(|a| Actor { role: a.role, agency: a.agency.clone() })
    }

    /// Ok when logged in and the policy allows `action`.
    pub fn require(&self, action: &Action) -> Result<&Account, AppError> {
        let account = self.account.as_ref().ok_or(AppError::Unauthenticated)?;
        let actor = Actor { role: account.role, agency: account.agency.clone() };
        match decide(&actor, action) {
            Decision::Allow => Ok(account),
            Decision::Deny => Err(AppError::Forbidden),
        }
    }

    pub fn may(&self, action: &Action) -> bool {
        self.actor().is_some_and(|a| decide(&a, action) == Decision::Allow)
    }

    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), AppError> {
        match sent {
            Some(s) if csrf_matches(s, &self.csrf) => Ok(()),
            _ => Err(AppError::Csrf),
        }
    }

    /// Adds the CSRF cookie to a response when this visit created it.
    /// A page answering a wait on its own form (429 with `Retry-After`), finished as `finish`.
    pub fn finish_waiting(&self, retry_after: i64, page: impl IntoResponse) -> Response {
        crate::error::retry_after_header(retry_after, self.finish((axum::http::StatusCode::TOO_MANY_REQUESTS, page)))
    }

    pub fn finish(&self, resp: impl IntoResponse) -> Response {
        let mut resp = resp.into_response();
        if self.new_csrf_cookie {
            let c = format!(
                "{}={}; Path=/; HttpOnly; SameSite=Strict{}",
                csrf_cookie(self.secure),
                self.csrf,
                secure_attr(self.secure)
            );
            if let Ok(v) = HeaderValue::from_str(&c) {
                resp.headers_mut().append(SET_COOKIE, v);
            }
        }
        resp
    }
}

pub fn session_cookie(secure: bool) -> &'static str {
    if secure {
        "__Host-tinhso_session"
    } else {
        "tinhso_session"
    }
}

fn csrf_cookie(secure: bool) -> &'static str {
    if secure {
        "__Host-tinhso_csrf"
    } else {
        "tinhso_csrf"
    }
}

fn secure_attr(secure: bool) -> &'static str {
    if secure {
        "; Secure"
    } else {
        ""
    }
}

pub fn set_session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        session_cookie(secure),
        SESSION_DAYS * 86_400,
        secure_attr(secure)
    )
}

pub fn clear_session_cookie(secure: bool) -> String {
    format!("{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}", session_cookie(secure), secure_attr(secure))
}

/// Starts a session for `account`; returns the cookie token.
pub async fn start_session(state: &AppState, account: &Account) -> Result<String, AppError> {
    let token = random_token()?;
    let now = Utc::now();
    let session = Session {
        token_hash: token_hash(&token),
        account_id: account.id,
        csrf_token: random_token()?,
        created_at: now,
        expires_at: now + Duration::days(SESSION_DAYS),
    };
    state.store.identity.create_session(&session).await?;
    Ok(token)
}

/// What an account whose password an admin chose may still reach: its account page (to change
/// it), logging out, the language switch.
pub fn while_password_must_change(path: &str) -> bool {
    matches!(path, "/tai-khoan" | "/tai-khoan/mat-khau" | "/dang-xuat") || path.starts_with("/ngon-ngu/")
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = crate::error::PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let locale = Locale::from_headers(&parts.headers);
        let secure = state.config.secure_cookies;
        let found = match cookie(&parts.headers, session_cookie(secure)) {
            Some(token) => {
                state.session(&token_hash(&token)).await.map_err(|e| crate::error::PageError::new(e.into(), locale))?
            }
            None => None,
        };
        let (account, session) = match found {
            Some((s, a)) => (Some(a), Some(s)),
            None => (None, None),
        };
        if account.as_ref().is_some_and(|a| a.must_change_password) && !while_password_must_change(parts.uri.path()) {
            return Err(crate::error::PageError::new(AppError::PasswordChangeRequired, locale));
        }
        let (csrf, new_csrf_cookie) = match (&session, cookie(&parts.headers, csrf_cookie(secure))) {
            (Some(s), _) => (s.csrf_token.clone(), false),
            (None, Some(c)) if c.len() >= 32 => (c, false),
            (None, _) => (random_token().map_err(|error| crate::error::PageError::new(error.into(), locale))?, true),
        };
        let here = (parts.method == axum::http::Method::GET)
            .then(|| parts.uri.path_and_query().map(|p| p.as_str().to_owned()))
            .flatten()
            .filter(|p| !["/dang-nhap", "/dang-ky", "/dang-xuat"].iter().any(|own| p.starts_with(own)))
            .filter(|p| crate::nav::safe_next(p).is_some());
        let unread = match (&account, parts.method == axum::http::Method::GET) {
            (Some(a), true) => {
                state.store.notify.unread(a.id).await.map_err(|e| crate::error::PageError::new(e.into(), locale))?
            }
            _ => 0,
        };
        Ok(Viewer { account, session, locale, csrf, here, unread, new_csrf_cookie, secure })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_csrf_token_differs_every_time_and_still_matches() {
        let token = random_token().unwrap();
        let (a, b) = (mask_csrf(&token), mask_csrf(&token));
        assert_ne!(a, b, "each page carries other bytes");
        assert!(!a.contains(&token));
        assert!(csrf_matches(&a, &token) && csrf_matches(&b, &token));
        assert!(csrf_matches(&token, &token), "the plain token, as API clients send it");
        let other = random_token().unwrap();
        assert!(!csrf_matches(&mask_csrf(&other), &token));
        assert!(!csrf_matches(&other, &token));
        // One bit changed anywhere in the masked form breaks it.
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&a).unwrap();
        for i in [0, raw.len() / 2, raw.len() - 1] {
            let mut bad = raw.clone();
            bad[i] ^= 1;
            assert!(!csrf_matches(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bad), &token));
        }
        assert!(!csrf_matches("", &token) && !csrf_matches("", ""));
        assert!(!csrf_matches(&a[1..], &token));
    }
}
