//! Text-message (SMS) delivery of the notification outbox, for accounts that log in with a
//! phone (most citizens: a notice in the inbox reaches nobody who does not log in). Messages
//! are queued after commit by the store's cursor, leased, posted to the province's SMS gateway
//! and retried with a growing delay; the in-app inbox always has them.
//!
//! The gateway is spoken to in the shape the Vietnamese brand-name SMS services share: one
//! JSON `POST {"to", "text"}` with a bearer token; 2xx is accepted, 429 and 5xx (and no
//! answer) are tried again later (after `Retry-After` when it says so), any other refusal
//! (a number the network does not know, a text it will not carry) is given up and recorded.

use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use tinhso_store::{NotifyStore, PendingText};

/// Attempts before a text is given up (the message stays in the in-app inbox).
const MAX_ATTEMPTS: u32 = 8;
/// A lease outlives any gateway exchange (the client's timeout), so a crashed server's claims come back.
const LEASE_SECS: i64 = 60;
/// A text about a message older than this helps nobody: the queue passes over it.
const FRESH_HOURS: i64 = 24;
/// Outbox messages the queue passes in one step.
const SCAN: usize = 500;
/// One text: 160 characters of the GSM alphabet.
pub const TEXT_MAX: usize = 160;

#[derive(Debug, Clone)]
pub struct SmsConfig {
    /// The gateway's send address (`https://sms.tinh.gov.vn/api/send`).
    pub url: url::Url,
    /// Sent as `Authorization: Bearer …` when set.
    pub token: Option<String>,
    /// First retry delay; doubled per attempt, capped at an hour.
    pub retry_secs: u64,
    /// Where the platform is reached from outside, for the link in each text.
    pub public_url: Option<String>,
}

/// The text sent for a notice: its subject and body without Vietnamese marks (a text with one
/// mark holds 70 characters, not 160), cut to fit one text with the link to the dossier (or to
/// the inbox) kept whole.
pub fn text_of(t: &PendingText, public_url: Option<&str>) -> String {
    let link = public_url.map(|base| format!(" {}", crate::notice_link(base, t.dossier.as_deref(), t.in_inbox)));
    let link = link.unwrap_or_default();
    let words = tinhso_kernel::text::unmarked(&format!("{}. {}", t.subject.trim_end_matches('.'), t.body));
    let words: String = words.split_whitespace().collect::<Vec<_>>().join(" ");
    let room = TEXT_MAX.saturating_sub(link.len());
    let mut text = if words.len() <= room {
        words
    } else {
        // ASCII by now, so cutting at a byte is cutting at a character; end on a whole word.
        let cut = &words[..room.saturating_sub(3)];
        let cut = cut.rsplit_once(' ').map_or(cut, |(head, _)| head);
        format!("{cut}...")
    };
    text.push_str(&link);
    text
}

/// What became of one attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Try again, not before this many seconds (the gateway's `Retry-After`, if it said).
    Later {
        error: String,
        after: Option<u64>,
    },
    /// The gateway refused it for good.
    Refused(String),
}

/// The gateway's answer, read as the module's header says.
pub fn outcome(status: u16, retry_after: Option<&str>, body: &str) -> Outcome {
    let said = || format!("HTTP {status}: {}", body.chars().take(200).collect::<String>());
    match status {
        200..=299 => Outcome::Sent,
        429 | 500..=599 => Outcome::Later { error: said(), after: retry_after.and_then(|s| s.trim().parse().ok()) },
        _ => Outcome::Refused(said()),
    }
}

async fn send(client: &reqwest::Client, cfg: &SmsConfig, t: &PendingText) -> Outcome {
    post(client, cfg, &t.to, &text_of(t, cfg.public_url.as_deref())).await
}

/// One text sent now, not through the outbox: a registration's code, which is worth nothing
/// later and goes to a phone that has no account yet. The caller says whether it went.
pub async fn send_now(cfg: &SmsConfig, to: &str, text: &str) -> Outcome {
    match reqwest::Client::builder().timeout(Duration::from_secs(15)).build() {
        Ok(client) => post(&client, cfg, to, text).await,
        Err(e) => Outcome::Later { error: e.to_string(), after: None },
    }
}

async fn post(client: &reqwest::Client, cfg: &SmsConfig, to: &str, text: &str) -> Outcome {
    let body = serde_json::json!({ "to": to, "text": text });
    let mut req = client.post(cfg.url.clone()).json(&body);
    if let Some(token) = &cfg.token {
        req = req.bearer_auth(token);
    }
    match req.send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            let retry_after =
                r.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let body = r.text().await.unwrap_or_default();
            outcome(status, retry_after.as_deref(), &body)
        }
        Err(e) => Outcome::Later { error: format!("no answer: {e}"), after: None },
    }
}

/// When to try again after the `attempt`th failure: the doubling delay, or later if the
/// gateway asked; never after the last attempt.
pub fn retry_at(cfg: &SmsConfig, attempt: u32, asked: Option<u64>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if attempt >= MAX_ATTEMPTS {
        return None;
    }
    let delay = cfg.retry_secs.saturating_mul(1 << attempt.min(12)).min(3600).max(asked.unwrap_or(0).min(86_400));
    Some(now + chrono::Duration::seconds(i64::try_from(delay).unwrap_or(3600)))
}

/// Delivers forever; call once per server process. `counted` hears each attempt's outcome
/// (for `/metrics`).
pub async fn deliver(outbox: Arc<dyn NotifyStore>, cfg: SmsConfig, counted: impl Fn(&Outcome) + Send + 'static) {
    let client = match reqwest::Client::builder().timeout(Duration::from_secs(20)).build() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "text delivery is off");
            return;
        }
    };
    loop {
        let now = Utc::now();
        // Queue what the outbox gained (a long backlog, after texts were off, is passed in steps).
        loop {
            match outbox.queue_texts(now - chrono::Duration::hours(FRESH_HOURS), SCAN).await {
                Ok(SCAN) => continue,
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot queue texts; will retry");
                    break;
                }
            }
        }
        let claimed = outbox.claim_texts(now, now + chrono::Duration::seconds(LEASE_SECS), 20).await;
        let batch = claimed.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot read the text queue; will retry");
            Vec::new()
        });
        let idle = batch.is_empty();
        for t in batch {
            let outcome = send(&client, &cfg, &t).await;
            counted(&outcome);
            let recorded = match outcome {
                Outcome::Sent => outbox.text_sent(t.id).await,
                Outcome::Later { error, after } => {
                    let attempt = t.attempts + 1;
                    tracing::warn!(id = t.id, attempt, error = %error, "text not sent");
                    outbox.text_failed(t.id, &error, retry_at(&cfg, attempt, after, Utc::now())).await
                }
                Outcome::Refused(error) => {
                    tracing::warn!(id = t.id, error = %error, "text refused by the gateway");
                    outbox.text_failed(t.id, &error, None).await
                }
            };
            if let Err(e) = recorded {
                tracing::warn!(error = %e, "cannot record a text's delivery");
            }
        }
        if idle {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(subject: &str, body: &str, dossier: Option<&str>) -> PendingText {
        PendingText {
            id: 1,
            to: "0912345678".into(),
            subject: subject.into(),
            body: body.into(),
            dossier: dossier.map(str::to_owned),
            in_inbox: true,
            attempts: 0,
        }
    }

    #[test]
    fn a_text_fits_one_message_with_its_link_whole() {
        let t = pending(
            "Hồ sơ 000.00.20.H56-261203-0001: cần bổ sung giấy tờ",
            "Cần bổ sung: Bản sao giấy khai sinh; Giấy xác nhận cư trú. Lý do: Bản chụp không rõ, thiếu trang hai, đề nghị ông/bà chụp lại toàn bộ.",
            Some("000.00.20.H56-261203-0001"),
        );
        let text = text_of(&t, Some("https://dichvucong.tuyenquang.gov.vn/"));
        assert!(text.is_ascii() && text.len() <= TEXT_MAX, "{} chars: {text}", text.len());
        assert!(
            text.starts_with("Ho so 000.00.20.H56-261203-0001: can bo sung giay to. Can bo sung: Ban sao"),
            "{text}"
        );
        assert!(text.ends_with("... https://dichvucong.tuyenquang.gov.vn/ho-so/000.00.20.H56-261203-0001"), "{text}");
        // Short ones are whole; without a public address there is no link; a notice of no
        // dossier links to the inbox.
        let short = pending("Hồ sơ X: đã tiếp nhận", "Ngày hẹn trả kết quả: 10/12/2026.", Some("X"));
        assert_eq!(text_of(&short, None), "Ho so X: da tiep nhan. Ngay hen tra ket qua: 10/12/2026.");
        let other = pending("Phản ánh PA-7 đã được xử lý", "Cảm ơn.", None);
        assert_eq!(
            text_of(&other, Some("https://a.vn")),
            "Phan anh PA-7 da duoc xu ly. Cam on. https://a.vn/thong-bao"
        );
    }

    #[test]
    fn the_gateways_answers_read_as_their_kind() {
        assert_eq!(outcome(202, None, "{\"id\":\"m1\"}"), Outcome::Sent);
        assert_eq!(
            outcome(429, Some("30"), "slow down"),
            Outcome::Later { error: "HTTP 429: slow down".into(), after: Some(30) }
        );
        assert!(matches!(outcome(503, None, ""), Outcome::Later { after: None, .. }));
        assert!(matches!(outcome(400, None, "invalid number"), Outcome::Refused(e) if e.contains("invalid number")));
        let cfg =
            SmsConfig { url: url::Url::parse("http://x").unwrap(), token: None, retry_secs: 30, public_url: None };
        let now = Utc::now();
        assert_eq!(retry_at(&cfg, 1, None, now), Some(now + chrono::Duration::seconds(60)));
        assert_eq!(
            retry_at(&cfg, 1, Some(600), now),
            Some(now + chrono::Duration::seconds(600)),
            "as the gateway asked"
        );
        assert_eq!(retry_at(&cfg, MAX_ATTEMPTS, None, now), None, "given up");
    }
}
