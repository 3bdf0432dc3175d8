//! Email delivery of the notification outbox: rows are written with their event, leased here
//! after commit, sent through SMTP and retried with a growing delay. The in-app inbox always
//! has them, whether or not email works.

use chrono::Utc;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;
use tinhso_store::{NotifyStore, PendingEmail};

/// Attempts before a notification's email is given up (it stays in the in-app inbox).
const MAX_ATTEMPTS: u32 = 10;
/// A lease outlives any SMTP exchange, so a crashed server's claims come back.
const LEASE_SECS: i64 = 120;

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// The relay: `smtp://host:port` (plain, inside the government network),
    /// `smtp://host:port?tls=starttls` (STARTTLS required) or `smtps://host:port` (TLS from the
    /// first byte).
    pub url: url::Url,
    pub from: String,
    /// First retry delay; doubled per attempt, capped at an hour.
    pub retry_secs: u64,
    /// PEM of a certificate authority to trust besides the public ones (a provincial CA).
    pub ca_pem: Option<Vec<u8>>,
    /// The portal's public address (`--public-url`): a mail links back to what it is about.
    pub public_url: Option<String>,
}

/// The transport the URL asks for; refuses unknown schemes and `tls=` values.
pub fn transport(cfg: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
    let host = cfg.url.host_str().ok_or("the SMTP URL has no host")?.to_owned();
    let mode = cfg.url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
    let params = || -> Result<TlsParameters, String> {
        let mut b = TlsParameters::builder(host.clone());
        if let Some(pem) = &cfg.ca_pem {
            b = b.add_root_certificate(Certificate::from_pem(pem).map_err(|e| format!("CA certificate: {e}"))?);
        }
        b.build_rustls().map_err(|e| e.to_string())
    };
    let (tls, default_port) = match (cfg.url.scheme(), mode.as_deref()) {
        ("smtp", None | Some("none")) => (Tls::None, 25),
        ("smtp", Some("starttls")) => (Tls::Required(params()?), 587),
        ("smtps", None) => (Tls::Wrapper(params()?), 465),
        (scheme, mode) => {
            return Err(format!(
                "unsupported SMTP URL {scheme}:// with tls={}: use smtp://, smtp://…?tls=starttls or smtps://",
                mode.unwrap_or("")
            ))
        }
    };
    let port = cfg.url.port().unwrap_or(default_port);
    Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(port).tls(tls).build())
}

fn message(cfg: &SmtpConfig, e: &PendingEmail) -> Result<Message, String> {
    let from: Mailbox = cfg.from.parse().map_err(|err| format!("sender {}: {err}", cfg.from))?;
    let to: Mailbox = format!("{} <{}>", e.full_name.replace(['<', '>', '"'], ""), e.to)
        .parse()
        .map_err(|err| format!("recipient {}: {err}", e.to))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(&e.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(text(e, cfg.public_url.as_deref()))
        .map_err(|err| err.to_string())
}

/// One mail sent now, not through the outbox: a registration's code, which is worth nothing
/// later and goes to a mailbox that has no account yet. `body` is the whole text.
pub async fn send_now(cfg: &SmtpConfig, to: &str, subject: &str, body: &str) -> Result<(), String> {
    let from: Mailbox = cfg.from.parse().map_err(|err| format!("sender {}: {err}", cfg.from))?;
    let to: Mailbox = to.parse().map_err(|err| format!("recipient {to}: {err}"))?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_owned())
        .map_err(|err| err.to_string())?;
    transport(cfg)?.send(message).await.map(|_| ()).map_err(|err| err.to_string())
}

/// The mail's text: the message in Vietnamese, then in English when it has an English side
/// (a mailbox has no language switch), the link back to what it is about (when the portal's
/// address is known), then the signature.
fn text(e: &PendingEmail, public_url: Option<&str>) -> String {
    let mut text = format!("{}\n\n{}\n\n", e.subject, e.body);
    if !e.subject_en.is_empty() {
        text.push_str(&format!("(English)\n{}\n\n{}\n\n", e.subject_en, e.body_en));
    }
    // (A reset code's mail carries its own link, with the code filled in.)
    let label = match (&e.dossier, e.in_inbox) {
        (Some(_), _) => Some("Xem hồ sơ / View the dossier"),
        (None, true) => Some("Xem thông báo / View your notices"),
        (None, false) => None,
    };
    if let (Some(base), Some(label)) = (public_url, label) {
        let link = crate::notice_link(base, e.dossier.as_deref(), e.in_inbox);
        text.push_str(&format!("{label}: {link}\n\n"));
    }
    text.push_str("-- \nCổng Dịch vụ công. Thư tự động, vui lòng không trả lời.\nPublic Services Portal. An automatic message: please do not reply.");
    text
}

/// Delivers forever; call once per server process.
pub async fn deliver(outbox: Arc<dyn NotifyStore>, cfg: SmtpConfig) {
    let transport = match transport(&cfg) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "email delivery is off");
            return;
        }
    };
    loop {
        let now = Utc::now();
        let claimed = outbox.claim_emails(now, now + chrono::Duration::seconds(LEASE_SECS), 20).await;
        let batch = match claimed {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the outbox; will retry");
                Vec::new()
            }
        };
        let idle = batch.is_empty();
        for e in batch {
            let sent = match message(&cfg, &e) {
                Ok(m) => transport.send(m).await.map(|_| ()).map_err(|err| err.to_string()),
                Err(err) => Err(err),
            };
            let recorded = match sent {
                Ok(()) => outbox.email_sent(e.id).await,
                Err(err) => {
                    let attempt = e.attempts + 1;
                    let retry = (attempt < MAX_ATTEMPTS).then(|| {
                        let delay = cfg.retry_secs.saturating_mul(1 << attempt.min(12)).min(3600);
                        Utc::now() + chrono::Duration::seconds(delay as i64)
                    });
                    tracing::warn!(id = e.id, attempt, error = %err, "email not sent");
                    outbox.email_failed(e.id, &err, retry).await
                }
            };
            if let Err(err) = recorded {
                tracing::warn!(error = %err, "cannot record an email's delivery");
            }
        }
        if idle {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}
