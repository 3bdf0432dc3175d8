//! Sessions, CSRF tokens, password hashing and login throttling.

use crate::error::AppError;
use crate::i18n::Locale;
use crate::state::AppState;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{Duration, Utc};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;
use tinhso_policy::{decide, Action, Actor, Decision};
use tinhso_store::{Account, Session};

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

pub fn random_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| AppError::Internal(format!("randomness: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes): run it off the async threads.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| AppError::Internal(format!("randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(e.to_string()))
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Each argon2 run holds 19 MiB. Unbounded, a burst of 32 logins held ~600 MB (and glibc kept
/// it afterwards); one run per core keeps the peak near 40 MB and throttles login floods.
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2))
});

async fn with_hashing_permit<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    let _permit = HASHING.acquire().await.map_err(|e| AppError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(f).await.map_err(|e| AppError::Internal(e.to_string()))
}

/// `verify_password` off the async threads, at most one per core at a time.
pub async fn verify_password_bounded(hash: String, password: String) -> Result<bool, AppError> {
    with_hashing_permit(move || verify_password(&hash, &password)).await
}

/// `hash_password` off the async threads, at most one per core at a time.
pub async fn hash_password_bounded(password: String) -> Result<String, AppError> {
    with_hashing_permit(move || hash_password(&password)).await?
}

/// A hash of a password nobody has, verified when the login is unknown so that the answer
/// takes as long as for a real account.
pub static DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0V0i2Iqt7D3I3w5pWJ6d0S1z6kYJjvC8s3M0l0J8Jm8";

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Counts failed logins per key (login name, client address) in a sliding window.
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    pub const WINDOW_SECS: u64 = 15 * 60;

    /// Whether `key` is locked out (`limit` failures inside the window).
    pub fn blocked(&self, key: &str, limit: u32) -> bool {
        let Ok(map) = self.failures.lock() else {
            return true;
        };
        map.get(key).is_some_and(|(n, since)| *n >= limit && since.elapsed().as_secs() < Self::WINDOW_SECS)
    }

    pub fn fail(&self, key: &str) {
        if let Ok(mut map) = self.failures.lock() {
            if map.len() > 100_000 {
                map.retain(|_, (_, since)| since.elapsed().as_secs() < Self::WINDOW_SECS);
            }
            let e = map.entry(key.to_owned()).or_insert((0, Instant::now()));
            if e.1.elapsed().as_secs() >= Self::WINDOW_SECS {
                *e = (0, Instant::now());
            }
            e.0 += 1;
        }
    }

    pub fn clear(&self, key: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(key);
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
            Some(s) if constant_time_eq(s.as_bytes(), self.csrf.as_bytes()) => Ok(()),
            _ => Err(AppError::Csrf),
        }
    }

    /// Adds the CSRF cookie to a response when this visit created it.
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

impl FromRequestParts<AppState> for Viewer {
    type Rejection = crate::error::PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let locale = Locale::from_headers(&parts.headers);
        let secure = state.config.secure_cookies;
        let found = match cookie(&parts.headers, session_cookie(secure)) {
            Some(token) => state
                .session(&token_hash(&token))
                .await
                .map_err(|e| crate::error::PageError { error: e.into(), locale })?,
            None => None,
        };
        let (account, session) = match found {
            Some((s, a)) => (Some(a), Some(s)),
            None => (None, None),
        };
        let (csrf, new_csrf_cookie) = match (&session, cookie(&parts.headers, csrf_cookie(secure))) {
            (Some(s), _) => (s.csrf_token.clone(), false),
            (None, Some(c)) if c.len() >= 32 => (c, false),
            (None, _) => (random_token().map_err(|error| crate::error::PageError { error, locale })?, true),
        };
        Ok(Viewer { account, session, locale, csrf, new_csrf_cookie, secure })
    }
}
