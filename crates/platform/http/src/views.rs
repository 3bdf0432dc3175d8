//! Page models: the templates receive precomputed, localised strings, so they hold no logic
//! beyond loops and conditions.

use crate::auth::Viewer;
use crate::error::AppError;
use crate::i18n::{Locale, Texts};
use crate::state::AppState;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use tinhso_kernel::FieldError;
use tinhso_policy::{Action, Role};

pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Lỗi hiển thị trang / page rendering failed").into_response()
        }
    }
}

/// What every page's frame needs.
pub struct Layout {
    pub t: &'static Texts,
    pub lang: &'static str,
    pub en: bool,
    pub province: String,
    pub user: Option<String>,
    /// The header's link to the person's own back office, when they have one: the
    /// administration for province and agency admins, the integrity checks for auditors.
    pub back_office: Option<BackOffice>,
    /// Leaders and province admins see the operations centre.
    pub is_leader: bool,
    /// The person has a list of dossiers (their own, their agency's or all): the "Hồ sơ" link.
    pub has_dossiers: bool,
    pub csrf: String,
    pub title: String,
    /// The header's login link, coming back to this page afterwards.
    pub login_href: String,
    /// Notices the person has not read yet.
    pub unread: u64,
    /// The stylesheet's hashed address (`stylesheet_href`).
    pub stylesheet: &'static str,
    /// The e-ID sign-in the server offers.
    pub eid: Option<crate::state::EidLogin>,
}

impl Layout {
    pub fn new(state: &AppState, viewer: &Viewer, title: impl Into<String>) -> Self {
        let en = viewer.locale == Locale::En;
        Self {
            t: viewer.locale.texts(),
            lang: viewer.locale.code(),
            en,
            province: state.province.name.clone(),
            user: viewer.account.as_ref().map(|a| a.full_name.clone()),
            back_office: viewer.actor().and_then(|a| BackOffice::of(a.role, viewer.locale.texts())),
            is_leader: viewer.may(&Action::ViewOperationsCentre),
            has_dossiers: viewer.actor().is_some_and(|a| tinhso_policy::dossier_scope(&a).is_some()),
            csrf: crate::auth::mask_csrf(&viewer.csrf),
            title: title.into(),
            login_href: match &viewer.here {
                Some(here) if here != "/" => crate::pages::account::with_next("/dang-nhap", here),
                _ => "/dang-nhap".to_owned(),
            },
            unread: viewer.unread,
            stylesheet: crate::stylesheet_href(),
            eid: state.config.eid.clone(),
        }
    }

    /// ` lang="vi"` on an English page, for an element holding Vietnamese data (a procedure's
    /// or an agency's name): screen readers then read it in Vietnamese (WCAG 3.1.2). Used as
    /// `<h1{{ layout.vi_part()|safe }}>`.
    pub fn vi_part(&self) -> &'static str {
        if self.en {
            " lang=\"vi\""
        } else {
            ""
        }
    }

    /// A count as the page's language writes it: "1.451" in Vietnamese, "1,451" in English.
    /// Counts are never negative; a negative one shows as 0 rather than failing the page.
    pub fn num(&self, n: impl Count) -> String {
        tinhso_kernel::format::grouped(n.count(), if self.en { ',' } else { '.' })
    }

    /// For error pages rendered before a viewer could be read.
    pub fn bare(locale: Locale, title: impl Into<String>) -> Self {
        Self {
            t: locale.texts(),
            lang: locale.code(),
            en: locale == Locale::En,
            province: String::new(),
            user: None,
            back_office: None,
            is_leader: false,
            has_dossiers: false,
            csrf: String::new(),
            title: title.into(),
            login_href: "/dang-nhap".to_owned(),
            unread: 0,
            stylesheet: crate::stylesheet_href(),
            eid: None,
        }
    }
}

/// Where a role's own pages start, for the header (see [`Layout::back_office`]).
pub struct BackOffice {
    pub href: &'static str,
    pub long: &'static str,
    pub short: &'static str,
}

impl BackOffice {
    fn of(role: Role, t: &'static Texts) -> Option<Self> {
        match role {
            // An agency admin's `/quan-tri` is its staff accounts.
            Role::ProvinceAdmin | Role::AgencyAdmin => {
                Some(Self { href: "/quan-tri", long: t.nav_admin, short: t.nav_admin_short })
            }
            Role::Auditor => Some(Self { href: "/quan-tri/kiem-tra", long: t.nav_audit, short: t.nav_audit }),
            Role::DtiAppraiser => Some(Self { href: "/quan-tri/chuyen-doi-so", long: t.nav_dti, short: t.nav_dti }),
            _ => None,
        }
    }
}

/// Whatever a page counts with, seen through references (templates hand loop items by reference).
pub trait Count {
    fn count(&self) -> u64;
}

macro_rules! count_int {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn count(&self) -> u64 {
                u64::try_from(*self).unwrap_or(0)
            }
        }
    )*};
}
count_int!(u64, u32, usize, i64, i32);

impl<T: Count + ?Sized> Count for &T {
    fn count(&self) -> u64 {
        (**self).count()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub code: &'static str,
    pub message: String,
    pub errors: Vec<FieldError>,
}

impl ErrorPage {
    pub fn new(locale: Locale, e: &AppError) -> Self {
        let errors = match e {
            AppError::Invalid(errs) => errs.clone(),
            _ => Vec::new(),
        };
        let message = e.message(locale);
        let t = locale.texts();
        let title = match e {
            AppError::NotFound => t.not_found_title,
            AppError::Forbidden => t.forbidden_title,
            _ => t.error_title,
        };
        Self { layout: Layout::bare(locale, title), code: e.code(), message, errors }
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub layout: Layout,
    /// The page's heading: what logging in leads to when the visitor came from a form.
    pub heading: String,
    pub login: String,
    /// Where to go after logging in (a local path), carried through the form and to registration.
    pub next: String,
    pub errors: Vec<FieldError>,
}

impl LoginPage {
    /// The registration link, carrying where to go afterwards.
    pub fn register_href(&self) -> String {
        crate::pages::account::with_next("/dang-ky", &self.next)
    }

    /// The e-ID sign-in's link, carrying where to go afterwards.
    pub fn eid_href(&self) -> Option<String> {
        self.layout.eid.as_ref().map(|e| crate::pages::account::with_next(e.start, &self.next))
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
    /// Which logins get a code to prove them before the account is made (pages/signup.rs).
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
    /// A link to who looked this person up in the population database.
    pub resident_lookups: bool,
    /// A link to the inspectors' log of those lookups.
    pub reads_lookups: bool,
    /// The digital-transformation index's back office: its unit's admin, appraisers, leaders
    /// and inspectors.
    pub digital_transformation: bool,
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

/// The message of the first error on `field`, for display beside it.
pub fn error_for<'a>(errors: &'a [FieldError], field: &str, en: bool) -> Option<&'a str> {
    errors.iter().find(|e| e.field == field || e.field.starts_with(&format!("{field}["))).map(|e| {
        if en {
            e.message_en.as_str()
        } else {
            e.message.as_str()
        }
    })
}

impl RegisterPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field, self.layout.en)
    }

    /// The e-ID sign-in's link (which opens an account too), carrying where to go afterwards.
    pub fn eid_href(&self) -> Option<String> {
        self.layout.eid.as_ref().map(|e| crate::pages::account::with_next(e.start, &self.next))
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
