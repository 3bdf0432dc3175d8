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
                Some(here) if here != "/" => crate::nav::with_next("/dang-nhap", here),
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

/// The DTI back office (the `dti` module's), where the appraisal council works: its header
/// link and where its members land after logging in.
const DTI_BACK_OFFICE: &str = "/quan-tri/chuyen-doi-so";

/// Where a person lands after logging in, unless they came from a page: the province admin's
/// administration, an agency admin's staff accounts, the appraisal council's back office,
/// everyone else's dossiers.
pub fn landing(role: Role) -> &'static str {
    match role {
        Role::ProvinceAdmin => "/quan-tri",
        Role::AgencyAdmin => "/quan-tri/tai-khoan",
        Role::DtiAppraiser => DTI_BACK_OFFICE,
        _ => "/ho-so",
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
            Role::DtiAppraiser => Some(Self { href: DTI_BACK_OFFICE, long: t.nav_dti, short: t.nav_dti }),
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
