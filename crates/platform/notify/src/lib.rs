//! Notifications leaving the platform: the outbox's email (SMTP, `mail`) and text messages
//! (the province's SMS gateway, `sms`), each leased from the store after commit, sent, and
//! retried with a growing delay; and a code sent at once (registration). The in-app inbox
//! always has every notice, whether or not these work.
//!
//! May depend on: the kernel (text without marks) and the storage ports (the outbox). Nothing
//! of HTTP: the daemon starts the delivery loops, and counts texts through the hook it gives.

pub mod mail;
pub mod sms;

/// Where a notice sent outside the platform (a text, an email) leads back in: its dossier, the
/// reset form for a reset code, or the inbox.
pub fn notice_link(base: &str, dossier: Option<&str>, in_inbox: bool) -> String {
    let base = base.trim_end_matches('/');
    match (dossier, in_inbox) {
        (Some(code), _) => format!("{base}/ho-so/{code}"),
        // A reset code: where it is typed.
        (None, false) => format!("{base}/dat-lai-mat-khau"),
        (None, true) => format!("{base}/thong-bao"),
    }
}
