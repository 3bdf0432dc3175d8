//! The e-ID provider as this server talks to it: its discovery document and signing keys
//! (fetched when first needed, so the platform starts while the provider is down, and kept: the
//! keys fetched again when a token names one we do not have), the sign-in address, and a
//! returned code redeemed for the person it vouches for.

use std::time::{Duration, Instant};
use tinhso_eid::jose::{self, JoseError, KeySet};
use tinhso_eid::token::{self, ClaimNames, Expect, Person};
use tokio::sync::RwLock;

/// How the operator configured the provider (`--eid-*`). Not `Debug`: it holds the client
/// secret, which no log line may carry.
#[derive(Clone)]
pub struct EidConfig {
    /// The provider's name as people know it, on buttons and messages ("VNeID").
    pub name: String,
    /// The provider's issuer identifier (its discovery document is under it).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Where the provider sends the browser back: `<public url>/dang-nhap/vneid/ve`, registered
    /// with the provider.
    pub redirect_uri: String,
    pub claims: ClaimNames,
    /// What the sign-in asks for (`openid` and the scopes that carry the claims).
    pub scope: String,
    /// Ask the provider to have the person sign in again every time (`prompt=login`), even if
    /// the browser is still signed in there: on a commune hall's shared computer, the next
    /// person's "Đăng nhập bằng VNeID" must not open the previous person's account.
    pub ask_every_time: bool,
}

/// Something the provider did not do, logged in full; the person is told only what to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Not reached, or answered with something that is not its protocol.
    Unreachable(String),
    /// It refused to redeem the code (`invalid_grant`: used, expired, or not for this sign-in).
    Refused(String),
    /// Its token did not pass our checks (signature, issuer, audience, time, nonce, claims).
    Token(String),
}

#[derive(Debug, Clone)]
struct Meta {
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    userinfo_endpoint: Option<String>,
    /// Client authentication by form fields instead of HTTP Basic (the provider supports only that).
    secret_in_form: bool,
}

/// How long a discovery document is kept before it is read again.
const META_FOR: Duration = Duration::from_secs(3600);

pub struct Provider {
    pub config: EidConfig,
    http: reqwest::Client,
    meta: RwLock<Option<(Meta, Instant)>>,
    /// The keys as last fetched (None: not yet).
    keys: RwLock<Option<KeySet>>,
}

impl Provider {
    /// The provider of `config`; `ca_pem`: certificate authorities (PEM) its TLS certificate
    /// may chain to besides the public ones.
    pub fn new(config: EidConfig, ca_pem: Option<&[u8]>) -> Result<Self, String> {
        if !tinhso_http::outbound::may_send_to(&config.issuer) {
            return Err(format!("the e-ID issuer must be an https:// address: {}", config.issuer));
        }
        let ca = ca_pem.map(|pem| ("--eid-ca", pem));
        let http = tinhso_http::outbound::builder(ca, Duration::from_secs(5), Duration::from_secs(10))?
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { config, http, meta: RwLock::new(None), keys: RwLock::new(None) })
    }

    async fn get_json(&self, url: &str, bearer: Option<&str>) -> Result<(serde_json::Value, Vec<u8>), Fault> {
        let mut req = self.http.get(url).header("accept", "application/json");
        if let Some(token) = bearer {
            req = req.bearer_auth(token);
        }
        let resp = req.send().await.map_err(|e| Fault::Unreachable(format!("{url}: {e}")))?;
        if !resp.status().is_success() {
            return Err(Fault::Unreachable(format!("{url}: HTTP {}", resp.status())));
        }
        let body = resp.bytes().await.map_err(|e| Fault::Unreachable(format!("{url}: {e}")))?.to_vec();
        let json = serde_json::from_slice(&body).map_err(|_| Fault::Unreachable(format!("{url}: not JSON")))?;
        Ok((json, body))
    }

    async fn meta(&self) -> Result<Meta, Fault> {
        if let Some((m, at)) = self.meta.read().await.as_ref() {
            if at.elapsed() < META_FOR {
                return Ok(m.clone());
            }
        }
        let url = format!("{}/.well-known/openid-configuration", self.config.issuer.trim_end_matches('/'));
        let (doc, _) = self.get_json(&url, None).await?;
        let text = |k: &str| doc.get(k).and_then(serde_json::Value::as_str).map(str::to_owned);
        // OpenID Connect Discovery §4.3: the document must name the issuer we asked.
        if text("issuer").as_deref() != Some(self.config.issuer.as_str()) {
            return Err(Fault::Unreachable(format!("{url}: names another issuer: {:?}", text("issuer"))));
        }
        let endpoint = |k: &str| {
            text(k)
                .filter(|u| tinhso_http::outbound::may_send_to(u))
                .ok_or_else(|| Fault::Unreachable(format!("{url}: no usable {k}")))
        };
        let methods: Vec<String> = doc
            .get("token_endpoint_auth_methods_supported")
            .and_then(serde_json::Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        let meta = Meta {
            authorization_endpoint: endpoint("authorization_endpoint")?,
            token_endpoint: endpoint("token_endpoint")?,
            jwks_uri: endpoint("jwks_uri")?,
            userinfo_endpoint: text("userinfo_endpoint").filter(|u| tinhso_http::outbound::may_send_to(u)),
            secret_in_form: !methods.is_empty()
                && !methods.iter().any(|m| m == "client_secret_basic")
                && methods.iter().any(|m| m == "client_secret_post"),
        };
        *self.meta.write().await = Some((meta.clone(), Instant::now()));
        Ok(meta)
    }

    /// The provider's keys: the ones held, or fetched when there are none or `again` (a token
    /// named a key we do not have: the provider rotated its keys). Only a token from the
    /// provider's own token endpoint, over TLS, can ask for that, so a stranger cannot make us
    /// fetch them over and over.
    async fn keys(&self, meta: &Meta, again: bool) -> Result<KeySet, Fault> {
        if !again {
            if let Some(held) = self.keys.read().await.as_ref() {
                return Ok(held.clone());
            }
        }
        let (_, body) = self.get_json(&meta.jwks_uri, None).await?;
        let set = KeySet::parse(&body).map_err(|_| Fault::Unreachable(format!("{}: not a JWK Set", meta.jwks_uri)))?;
        *self.keys.write().await = Some(set.clone());
        Ok(set)
    }

    /// The origin (scheme, host and port) of the provider's sign-in page, which a form whose
    /// answer redirects there must be allowed to reach (CSP `form-action` holds redirects too):
    /// from the discovery document when one is held, else the issuer's (where providers serve
    /// it). Never fetched for this, so a page offering the form does not wait on the provider.
    pub fn sign_in_origin(&self) -> String {
        let held = self.meta.try_read().ok().and_then(|m| m.as_ref().map(|(m, _)| m.authorization_endpoint.clone()));
        let url = held.unwrap_or_else(|| self.config.issuer.clone());
        let (scheme, rest) = url.split_once("://").unwrap_or(("https", url.as_str()));
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        format!("{scheme}://{host}")
    }

    /// Where the browser goes to sign in: the provider's authorization endpoint with this
    /// sign-in's state, nonce and PKCE challenge.
    pub async fn sign_in_url(&self, state: &str, nonce: &str, verifier: &str, lang: &str) -> Result<String, Fault> {
        let meta = self.meta().await?;
        let challenge = token::pkce_challenge(verifier);
        let mut query = form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", &self.config.redirect_uri)
            .append_pair("scope", &self.config.scope)
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("ui_locales", lang);
        if self.config.ask_every_time {
            query.append_pair("prompt", "login");
        }
        let query = query.finish();
        let sep = if meta.authorization_endpoint.contains('?') { '&' } else { '?' };
        Ok(format!("{}{sep}{query}", meta.authorization_endpoint))
    }

    /// Redeems the code the browser brought back for the person the provider vouches for:
    /// the token's signature and claims checked, the person's details from the token or, when
    /// it carries too few, from the user-info endpoint (whose `sub` must be the token's).
    pub async fn redeem(&self, code: &str, verifier: &str, nonce: &str) -> Result<Person, Fault> {
        let meta = self.meta().await?;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.config.redirect_uri.as_str()),
            ("code_verifier", verifier),
        ];
        let mut req = self.http.post(&meta.token_endpoint).header("accept", "application/json");
        if meta.secret_in_form {
            form.push(("client_id", &self.config.client_id));
            form.push(("client_secret", &self.config.client_secret));
        } else {
            // RFC 6749 §2.3.1: each part form-encoded before Basic.
            let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            req = req.basic_auth(enc(&self.config.client_id), Some(enc(&self.config.client_secret)));
        }
        let resp = req.form(&form).send().await.map_err(|e| Fault::Unreachable(format!("token endpoint: {e}")))?;
        let status = resp.status();
        let body: serde_json::Value =
            resp.json().await.map_err(|_| Fault::Unreachable(format!("token endpoint: HTTP {status}, not JSON")))?;
        if status.is_client_error() {
            let error = body.get("error").and_then(serde_json::Value::as_str).unwrap_or("?");
            // RFC 6749 §5.2: only `invalid_grant` is about this code (used, expired, not this
            // sign-in's); the rest (`invalid_client`: our secret) is the portal's set-up, which
            // trying again will not mend.
            return Err(if error == "invalid_grant" {
                Fault::Refused(format!("token endpoint: HTTP {status}: {error}"))
            } else {
                Fault::Unreachable(format!("token endpoint: HTTP {status}: {error}"))
            });
        }
        if !status.is_success() {
            return Err(Fault::Unreachable(format!("token endpoint: HTTP {status}")));
        }
        let id_token = body
            .get("id_token")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| Fault::Token("no id_token".into()))?;
        let claims = match jose::verify(id_token, &self.keys(&meta, false).await?) {
            Err(JoseError::UnknownKey) => jose::verify(id_token, &self.keys(&meta, true).await?),
            other => other,
        }
        .map_err(|e| Fault::Token(format!("signature: {e:?}")))?;
        let expect =
            Expect { issuer: &self.config.issuer, client_id: &self.config.client_id, nonce, now: chrono::Utc::now() };
        let subject = token::check(&claims, &expect).map_err(|e| Fault::Token(format!("claims: {e:?}")))?;
        match token::person(&subject, &claims, &self.config.claims) {
            Ok(person) => Ok(person),
            Err(missing) => {
                let (Some(url), Some(access)) =
                    (&meta.userinfo_endpoint, body.get("access_token").and_then(serde_json::Value::as_str))
                else {
                    return Err(Fault::Token(format!("claims: {missing:?}")));
                };
                let (info, _) = self.get_json(url, Some(access)).await?;
                // OpenID Connect Core §5.3.2: the answer is about the token's subject, or ignored.
                if info.get("sub").and_then(serde_json::Value::as_str) != Some(subject.as_str()) {
                    return Err(Fault::Token("user info is about another subject".into()));
                }
                let mut merged = claims;
                if let (Some(m), Some(i)) = (merged.as_object_mut(), info.as_object()) {
                    for (k, v) in i {
                        m.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
                token::person(&subject, &merged, &self.config.claims)
                    .map_err(|e| Fault::Token(format!("claims: {e:?}")))
            }
        }
    }
}
