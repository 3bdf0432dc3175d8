//! Server-rendered pages. Every page works without JavaScript; forms post and redirect.

pub mod account;
pub mod admin_log;
pub mod audit_runs;
pub mod limits;
pub mod locale;
pub mod personal_data;
pub mod reset;
pub mod signup;
pub mod staff;

use crate::auth::Viewer;
use crate::error::{AppError, PageError};

/// Attaches the viewer's locale to an error so it renders as a page in their language, and the
/// page they asked for, to come back to after logging in.
pub fn page_err(viewer: &Viewer) -> impl Fn(AppError) -> PageError + '_ {
    move |error| PageError { back_to: viewer.here.clone(), ..PageError::new(error, viewer.locale) }
}

pub type PageResult = Result<axum::response::Response, PageError>;
