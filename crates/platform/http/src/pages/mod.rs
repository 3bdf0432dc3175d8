//! The platform's own administration pages (the integrity checks, upload limits, the server's
//! condition) and the language switch, and what every page handler shares: an error shown as
//! a page in the viewer's language. The account pages are `tinhso-accounts`; each module has its own.
//! Every page works without JavaScript; forms post and redirect.

pub mod audit_runs;
pub mod limits;
pub mod locale;
pub mod server;

use crate::auth::Viewer;
use crate::error::{AppError, PageError};

/// Attaches the viewer's locale to an error so it renders as a page in their language, and the
/// page they asked for, to come back to after logging in.
pub fn page_err(viewer: &Viewer) -> impl Fn(AppError) -> PageError + '_ {
    move |error| PageError { back_to: viewer.here.clone(), ..PageError::new(error, viewer.locale) }
}

pub type PageResult = Result<axum::response::Response, PageError>;
