//! The population service through the province's X-Road security server (PR-REST 1.0):
//! `GET {security server}/r1/{service}/cong-dan/{so_dinh_danh}` with the platform's
//! `X-Road-Client`, a fresh `X-Road-Id`, the officer as `X-Road-UserId` and the procedure as
//! `X-Road-Issue`. The answer is trusted only if it echoes the message id; its
//! `X-Road-Request-Hash` is kept, tying the log here to the exchange's signed message log.

use std::time::Duration;
use tinhso_exchange::population::{self, Resident};
use tinhso_exchange::xroad::{self, header, ErrorBody, ErrorSide};
use tinhso_exchange::{ClientId, ServiceId};
use tinhso_kernel::ids::PersonalId;

/// The largest answer read: a person's record is a few hundred bytes.
const MAX_ANSWER: usize = 64 * 1024;

/// Where the population service is reached, as the operator configured it.
#[derive(Debug, Clone)]
pub struct PopulationConfig {
    /// The consumer security server's address (`https://ss.tinh.gov.vn`).
    pub security_server: String,
    pub client: ClientId,
    pub service: ServiceId,
}

/// Why no usable answer came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Nothing answered in time.
    Unreachable(String),
    /// The exchange refused our request or rights: the operator must act.
    Refused(String),
    /// The exchange or the provider failed: it may work later.
    Provider(String),
    /// An answer that cannot be trusted or read.
    Untrustworthy(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreachable(s) => write!(f, "unreachable: {s}"),
            Self::Refused(s) => write!(f, "refused: {s}"),
            Self::Provider(s) => write!(f, "provider failed: {s}"),
            Self::Untrustworthy(s) => write!(f, "untrustworthy answer: {s}"),
        }
    }
}

/// One question and its answer.
#[derive(Debug)]
pub struct Asked {
    pub message_id: String,
    pub request_hash: Option<String>,
    /// The record, `None` when no citizen holds the number.
    pub answer: Result<Option<Resident>, Failure>,
}

pub struct Population {
    pub config: PopulationConfig,
    http: reqwest::Client,
}

fn random_id() -> String {
    let mut b = [0u8; 16];
    // The system's random source; should it fail, the time keeps ids apart.
    if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).is_err() {
        let t = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default().to_be_bytes();
        b[..8].copy_from_slice(&t);
    }
    xroad::message_id(b)
}

impl Population {
    /// `ca_pem`: certificate authorities (PEM) the security server's certificate may chain to
    /// besides the public ones; `identity_pem`: this platform's client certificate (with its
    /// chain) and private key, for a security server that authenticates its information
    /// systems by certificate (PR-REST 4.7 recommends it).
    pub fn new(config: PopulationConfig, ca_pem: Option<&[u8]>, identity_pem: Option<&[u8]>) -> Result<Self, String> {
        if !tinhso_http::outbound::may_send_to(&config.security_server) {
            return Err(format!(
                "the security server must be an https:// address (or http:// on this machine): {}",
                config.security_server
            ));
        }
        // PR-REST 4.4: redirects are passed on, never followed (the builder's rule too).
        let ca = ca_pem.map(|pem| ("--exchange-ca", pem));
        let mut builder = tinhso_http::outbound::builder(ca, Duration::from_secs(3), Duration::from_secs(8))?;
        if let Some(pem) = identity_pem {
            let identity = reqwest::Identity::from_pem(pem).map_err(|e| format!("--exchange-identity: {e}"))?;
            builder = builder.identity(identity);
        }
        let http = builder.build().map_err(|e| e.to_string())?;
        Ok(Self { config, http })
    }

    /// Asks about the holder of `id` for `user` (the officer, as X-Road names users) because of
    /// `issue`.
    pub async fn ask(&self, id: &PersonalId, user: &str, issue: &str) -> Asked {
        let message_id = random_id();
        let url = format!(
            "{}{}",
            self.config.security_server.trim_end_matches('/'),
            self.config.service.path(&["cong-dan", id.as_str()])
        );
        let sent = self
            .http
            .get(&url)
            .header("accept", "application/json")
            .header(header::CLIENT, self.config.client.header())
            .header(header::ID, &message_id)
            .header(header::USER_ID, xroad::percent(user))
            .header(header::ISSUE, xroad::percent(issue))
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                return Asked { message_id, request_hash: None, answer: Err(Failure::Unreachable(e.to_string())) }
            }
        };
        let text = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let request_hash = text(header::REQUEST_HASH);
        let (echoed, xroad_error, status) = (text(header::ID), text(header::ERROR), resp.status());
        let body = match read_capped(resp).await {
            Ok(b) => b,
            Err(f) => return Asked { message_id, request_hash, answer: Err(f) },
        };
        let answer = judge(&message_id, id, status.as_u16(), echoed.as_deref(), xroad_error.as_deref(), &body);
        Asked { message_id, request_hash, answer }
    }
}

async fn read_capped(mut resp: reqwest::Response) -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(c)) if body.len() + c.len() <= MAX_ANSWER => body.extend_from_slice(&c),
            Ok(Some(_)) => return Err(Failure::Untrustworthy(format!("an answer over {MAX_ANSWER} bytes"))),
            Ok(None) => return Ok(body),
            Err(e) => return Err(Failure::Unreachable(e.to_string())),
        }
    }
}

/// What an answer means (pure, so every case is tested alone).
fn judge(
    message_id: &str,
    asked: &PersonalId,
    status: u16,
    echoed: Option<&str>,
    xroad_error: Option<&str>,
    body: &[u8],
) -> Result<Option<Resident>, Failure> {
    // PR-REST 4.6: an error of X-Road itself carries the header; its body says whose it is.
    if let Some(kind) = xroad_error {
        let e = ErrorBody::parse(body).unwrap_or(ErrorBody {
            kind: kind.to_owned(),
            message: String::new(),
            detail: String::new(),
        });
        let said = format!("{} {}", e.kind, e.message);
        return Err(match e.side() {
            ErrorSide::Ours => Failure::Refused(said),
            ErrorSide::Theirs => Failure::Provider(said),
        });
    }
    // The provider's own answer passes through with the message's id; without it, it did not
    // come through the exchange for this question.
    if echoed != Some(message_id) {
        return Err(Failure::Untrustworthy(format!("X-Road-Id {echoed:?} is not this message's")));
    }
    match status {
        200 => population::resident(body, asked)
            .map(Some)
            .map_err(|b| Failure::Untrustworthy(format!("the record: {}", b.as_str()))),
        404 => Ok(None),
        s => Err(Failure::Provider(format!("the population service answered HTTP {s}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_judged_by_where_they_come_from() {
        let id = PersonalId::parse("id", "008090001234").unwrap();
        let record = r#"{"so_dinh_danh":"008090001234","ho_ten":"Nguyễn Văn An"}"#.as_bytes();
        let m = "m-1";
        assert_eq!(judge(m, &id, 200, Some(m), None, record).unwrap().unwrap().full_name, "Nguyễn Văn An");
        assert_eq!(judge(m, &id, 404, Some(m), None, b"{}"), Ok(None));
        assert!(matches!(judge(m, &id, 200, Some("m-2"), None, record), Err(Failure::Untrustworthy(_))));
        assert!(matches!(judge(m, &id, 200, None, None, record), Err(Failure::Untrustworthy(_))));
        let other = br#"{"so_dinh_danh":"008090009999","ho_ten":"B"}"#;
        assert!(matches!(judge(m, &id, 200, Some(m), None, other), Err(Failure::Untrustworthy(_))));
        assert!(matches!(judge(m, &id, 503, Some(m), None, b""), Err(Failure::Provider(_))));
        let denied = br#"{"type":"Server.ServerProxy.AccessDenied","message":"no rights"}"#;
        assert!(matches!(
            judge(m, &id, 500, None, Some("Server.ServerProxy.AccessDenied"), denied),
            Err(Failure::Refused(_))
        ));
        let down = br#"{"type":"Server.ServerProxy.ServiceFailed","message":"timeout"}"#;
        assert!(matches!(
            judge(m, &id, 500, None, Some("Server.ServerProxy.ServiceFailed"), down),
            Err(Failure::Provider(_))
        ));
        // An error header without a readable body is still the exchange's error.
        assert!(matches!(judge(m, &id, 500, None, Some("Client.BadRequest"), b"?"), Err(Failure::Refused(_))));
    }
}
