//! One sign-in on its way through the provider, kept in the browser's cookie (never on the
//! server, so any server of several takes the browser back): the state the provider must
//! return, the nonce its token must carry, the PKCE verifier, what the sign-in is for and
//! where to go after. The cookie is `HttpOnly`, `SameSite=Lax` (sent on the provider's
//! redirect back, a top-level GET) and lives ten minutes.

use axum::http::HeaderMap;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use tinhso_http::auth;
use tinhso_http::error::AppError;
use tinhso_kernel::ids::AccountId;

const MINUTES: i64 = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    SignIn,
    /// Joining this signed-in account to the e-ID.
    Join(AccountId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub purpose: Purpose,
    /// A path of this site (already checked by `safe_next`), or empty.
    pub next: String,
}

fn name(secure: bool) -> &'static str {
    if secure {
        "__Host-tinhso_eid"
    } else {
        "tinhso_eid"
    }
}

impl Flow {
    pub fn new(purpose: Purpose, next: String) -> Result<Self, AppError> {
        Ok(Self {
            state: tinhso_identity::random_token()?,
            nonce: tinhso_identity::random_token()?,
            verifier: tinhso_identity::random_token()?,
            purpose,
            next,
        })
    }

    fn encode(&self) -> String {
        let purpose = match self.purpose {
            Purpose::SignIn => "in".to_owned(),
            Purpose::Join(id) => format!("join{}", id.0),
        };
        let next = URL_SAFE_NO_PAD.encode(self.next.as_bytes());
        format!("{}.{}.{}.{purpose}.{next}", self.state, self.nonce, self.verifier)
    }

    fn decode(value: &str) -> Option<Self> {
        let mut parts = value.split('.');
        let (state, nonce, verifier, purpose, next) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let purpose = match purpose {
            "in" => Purpose::SignIn,
            other => Purpose::Join(AccountId(other.strip_prefix("join")?.parse().ok()?)),
        };
        let next = String::from_utf8(URL_SAFE_NO_PAD.decode(next).ok()?).ok()?;
        let next = tinhso_http::nav::safe_next(&next).unwrap_or_default().to_owned();
        let ok = |s: &str| s.len() == 43 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        (ok(state) && ok(nonce) && ok(verifier)).then(|| Self {
            state: state.into(),
            nonce: nonce.into(),
            verifier: verifier.into(),
            purpose,
            next,
        })
    }

    /// The `Set-Cookie` value that keeps this sign-in in the browser.
    pub fn cookie(&self, secure: bool) -> String {
        format!(
            "{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
            name(secure),
            self.encode(),
            MINUTES * 60,
            if secure { "; Secure" } else { "" }
        )
    }

    /// The sign-in this browser started, if its cookie is still there and whole.
    pub fn from_headers(headers: &HeaderMap, secure: bool) -> Option<Self> {
        auth::cookie(headers, name(secure)).and_then(|v| Self::decode(&v))
    }

    /// Whether `state` (from the provider's redirect) is this sign-in's, compared in constant time.
    pub fn is_for(&self, state: &str) -> bool {
        tinhso_kernel::secret::same(self.state.as_bytes(), state.as_bytes())
    }
}

/// The `Set-Cookie` value that ends a sign-in: one cookie, one use.
pub fn clear(secure: bool) -> String {
    format!("{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}", name(secure), if secure { "; Secure" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flow_comes_back_from_its_cookie_and_a_tampered_one_does_not() {
        let f = Flow::new(Purpose::Join(AccountId(42)), "/thu-tuc/1.001193/nop".into()).unwrap();
        let c = f.cookie(true);
        assert!(c.starts_with("__Host-tinhso_eid=") && c.contains("HttpOnly") && c.contains("Secure"));
        let value = c.split(';').next().unwrap().split_once('=').unwrap().1;
        assert_eq!(Flow::decode(value), Some(f.clone()));
        assert!(f.is_for(&f.state) && !f.is_for("x"));
        // Somewhere else to go after: not a path of this site, so nowhere.
        let away = Flow { next: "//evil.example/".into(), ..f.clone() };
        assert_eq!(Flow::decode(&away.encode()).map(|g| g.next), Some(String::new()));
        for bad in ["", "a.b.c.d.e", &value.replace(".join42.", ".joinx."), &format!("{value}.more")] {
            assert_eq!(Flow::decode(bad), None, "{bad}");
        }
    }
}
