//! Stored dossiers handed to API clients as they are stored, with where each stands today
//! added. Lookups and lists are what integrators and the mobile app call most; they never build
//! a whole `Dossier` only to write it out again (that was most of a list's cost).

use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use tinhso_dossier::deadline::{due_status, local_date, DueStatus};
use tinhso_dossier::DossierState;
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::ids::AgencyCode;

/// What a list or lookup needs of a stored dossier: who may see it and where it stands.
#[derive(Debug, Deserialize)]
pub struct Head {
    pub applicant: tinhso_kernel::ids::AccountId,
    pub receiving_agency: AgencyCode,
    pub competent_agency: AgencyCode,
    pub state: DossierState,
    pub due_on: Option<NaiveDate>,
    pub apology_due_on: Option<NaiveDate>,
    pub paused_on: Option<NaiveDate>,
}

impl Head {
    pub fn parse(body: &str) -> Result<Self, AppError> {
        serde_json::from_str(body).map_err(|e| AppError::Internal(format!("stored dossier: {e}")))
    }
}

/// Where a dossier stands today (the due date an apology set, else the original one).
pub fn standing(
    state: &AppState,
    s: DossierState,
    due_on: Option<NaiveDate>,
    apology_due_on: Option<NaiveDate>,
    paused_on: Option<NaiveDate>,
) -> DueStatus {
    due_status(
        &state.calendar(),
        apology_due_on.or(due_on),
        local_date(Utc::now()),
        s == DossierState::SupplementRequested && paused_on.is_some(),
        s.is_final() || s == DossierState::ResultReady,
    )
}

/// Appends `body` (a stored dossier, a JSON object) with `state_code`, `state_label`,
/// `due_status`, `working_days_late` and, if given, `form` added: the fields `DossierView`
/// writes.
pub fn append_view(
    out: &mut String,
    state: &AppState,
    body: &str,
    head: &Head,
    form: Option<&str>,
) -> Result<(), AppError> {
    let inner = body.trim_end().strip_suffix('}').filter(|b| b.trim_start().starts_with('{') && b.len() > 1);
    let inner = inner.ok_or_else(|| AppError::Internal("a stored dossier is not a JSON object".into()))?;
    let status = standing(state, head.state, head.due_on, head.apology_due_on, head.paused_on);
    out.push_str(inner);
    out.push_str(",\"state_code\":");
    out.push_str(&head.state.code().to_string());
    out.push_str(",\"state_label\":");
    out.push_str(&json(&head.state.label_vi()));
    out.push_str(",\"due_status\":");
    out.push_str(&json(&status));
    out.push_str(",\"working_days_late\":");
    out.push_str(&crate::views::late_by(state, status, head.apology_due_on.or(head.due_on)).to_string());
    if let Some(form) = form {
        out.push_str(",\"form\":");
        out.push_str(form);
    }
    out.push('}');
    Ok(())
}

/// A JSON body already written.
pub fn json_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// JSON text of a small value (a label, a status), with serde's escaping.
fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}
