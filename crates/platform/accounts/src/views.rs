//! The account pages' models: the templates receive precomputed, localised strings.

use askama::Template;
use tinhso_http::nav::with_next;
use tinhso_http::state::AppState;
use tinhso_http::views::{error_for, Layout};
use tinhso_kernel::FieldError;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub layout: Layout,
    /// The page's heading: "Log in", or what logging in leads to when the visitor came from a
    /// procedure's form, followed by the procedure's (Vietnamese) name.
    pub heading: String,
    pub procedure: Option<String>,
    pub login: String,
    /// Where to go after logging in (a local path), carried through the form and to registration.
    pub next: String,
    pub errors: Vec<FieldError>,
}

impl LoginPage {
    /// The registration link, carrying where to go afterwards.
    pub fn register_href(&self) -> String {
        with_next("/dang-ky", &self.next)
    }

    /// The e-ID sign-in's link, carrying where to go afterwards.
    pub fn eid_href(&self) -> Option<String> {
        self.layout.eid.as_ref().map(|e| with_next(e.start, &self.next))
    }
}

#[derive(Template)]
#[template(path = "register.html")]
pub struct RegisterPage {
    pub layout: Layout,
    pub full_name: String,
    pub login: String,
    pub personal_id: String,
    /// Where to go once registered (a local path), as for logging in.
    pub next: String,
    pub errors: Vec<FieldError>,
    /// The activation code typed (for an account the desk opened).
    pub claim: String,
    /// Which logins get a code to prove them before the account is made (signup.rs).
    pub proves: Proves,
}

/// Which kinds of login this server proves with a code: phones (an SMS gateway), mailboxes
/// (an SMTP relay).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proves {
    pub phones: bool,
    pub mailboxes: bool,
}

impl Proves {
    pub fn of(state: &AppState) -> Self {
        Proves { phones: state.config.sms.is_some(), mailboxes: state.config.smtp.is_some() }
    }
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub layout: Layout,
    pub full_name: String,
    pub login: String,
    pub role: String,
    pub agency: String,
    /// The password was just changed.
    pub changed: bool,
    /// Province admins and auditors read the administrators' log.
    pub reads_audit_log: bool,
    /// Province and agency admins manage staff accounts.
    pub manages_staff: bool,
    /// The password was chosen by an admin: nothing else until it is changed.
    pub must_change: bool,
    pub min_password: usize,
    pub errors: Vec<FieldError>,
    /// Where texts go out and the login is a phone: whether this account gets them.
    pub texts: Option<bool>,
    /// Just turned off (false) or on (true).
    pub texts_changed: Option<bool>,
    /// The account has a password (one opened by the e-ID or the desk may not).
    pub has_password: bool,
    /// The modules' pages of this person's (`WebModule::account_links`), in the modules' order.
    pub links: Vec<tinhso_http::AccountLink>,
}

impl AccountPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field, self.layout.en)
    }
}

/// The account's in-app inbox: what the platform told them, newest first.
#[derive(Template)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    pub layout: Layout,
    pub items: Vec<NoticeView>,
}

/// One notice in the inbox.
pub struct NoticeView {
    pub when: String,
    pub subject: String,
    /// The text in pieces, each with where it leads: [`notice_pieces`].
    pub body: Vec<(String, Option<String>)>,
    /// The dossier the whole notice is about, if one.
    pub dossier: Option<String>,
    /// New since the last visit.
    pub fresh: bool,
}

/// A notice's text in pieces, each with where it leads, so the page can link them: a dossier
/// code its dossier (a reminder lists up to twenty, each opens; only for readers with a dossier
/// list, `codes`), a page of this site the text names ("tại /quan-tri/kiem-tra") that page;
/// the rest plain. Nothing is lost or added.
pub fn notice_pieces(text: &str, codes: bool) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    let mut push = |piece: &str, href: Option<String>| match out.last_mut() {
        Some((last, None)) if href.is_none() => last.push_str(piece),
        _ => out.push((piece.to_owned(), href)),
    };
    let path_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '/';
    let mut rest = text;
    let mut after_space = true;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphanumeric() || c == '/') {
        push(&rest[..start], None);
        after_space = if start == 0 { after_space } else { rest[..start].ends_with([' ', '(', '\n']) };
        rest = &rest[start..];
        // A path of this site, starting a word ("/tai-khoan"; never "//host" elsewhere).
        if rest.starts_with('/') {
            let end = rest.find(|c: char| !path_char(c)).unwrap_or(rest.len());
            let path = &rest[..end];
            let local = after_space && path.len() > 1 && !path.starts_with("//");
            push(path, local.then(|| path.to_owned()));
            rest = &rest[end..];
            after_space = false;
            continue;
        }
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-')).unwrap_or(rest.len());
        // A code ends a sentence now and then: its full stop is not part of it.
        let word = rest[..end].trim_end_matches('.');
        let is_code = codes && tinhso_kernel::ids::DossierCode::parse("", word).is_ok_and(|c| c.as_str() == word);
        push(word, is_code.then(|| format!("/ho-so/{word}")));
        rest = &rest[word.len()..];
        after_space = false;
    }
    push(rest, None);
    out.retain(|(t, _)| !t.is_empty());
    out
}

impl RegisterPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field, self.layout.en)
    }

    /// The e-ID sign-in's link (which opens an account too), carrying where to go afterwards.
    pub fn eid_href(&self) -> Option<String> {
        self.layout.eid.as_ref().map(|e| with_next(e.start, &self.next))
    }
}

#[cfg(test)]
mod tests {
    use super::notice_pieces;

    fn links(pieces: &[(String, Option<String>)]) -> Vec<&str> {
        pieces.iter().filter_map(|(_, h)| h.as_deref()).collect()
    }

    #[test]
    fn dossier_codes_in_a_notice_stand_apart() {
        let text = "000.00.90.H08-261106-0006 (hẹn 07/12/2026), 000.20.09.H08-261105-0002. Hết.";
        let pieces = notice_pieces(text, true);
        assert_eq!(links(&pieces), ["/ho-so/000.00.90.H08-261106-0006", "/ho-so/000.20.09.H08-261105-0002"]);
        assert_eq!(pieces.iter().map(|(t, _)| t.as_str()).collect::<String>(), text, "nothing lost or added");
        assert_eq!(
            notice_pieces("Không có mã nào... 12.5 đồng", true),
            [("Không có mã nào... 12.5 đồng".to_owned(), None)]
        );
        // A code in lower case is not how the platform writes one: left as text.
        assert!(links(&notice_pieces("000.00.90.h08-261106-0006", true)).is_empty());
        // A reader without a dossier list reads codes as text.
        assert!(links(&notice_pieces(text, false)).is_empty());
        assert!(notice_pieces("", true).is_empty());
    }

    /// A page of the site named in a notice opens; a date, a fraction or another host does not.
    #[test]
    fn pages_named_in_a_notice_open() {
        let text =
            "Xem chi tiết tại /quan-tri/kiem-tra. Đổi mật khẩu (/tai-khoan), hẹn 07/12/2026, //evil.example/x, a/b.";
        let pieces = notice_pieces(text, false);
        assert_eq!(links(&pieces), ["/quan-tri/kiem-tra", "/tai-khoan"]);
        assert_eq!(pieces.iter().map(|(t, _)| t.as_str()).collect::<String>(), text, "nothing lost or added");
    }
}
