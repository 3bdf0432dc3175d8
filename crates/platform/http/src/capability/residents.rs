//! Asking the national population database about the person at a one-stop desk: what the
//! desk asks and what the database can answer. The data-exchange module answers (through the
//! province's exchange, logged before the answer is used); the dossier flow's desk asks.

use crate::error::AppError;
use crate::state::AppState;
use chrono::NaiveDate;
use tinhso_kernel::ids::PersonalId;
use tinhso_store::Account;

/// What the population database said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    /// The record was read (nothing to hold it against).
    Found,
    /// The name said is the record's.
    Matches,
    /// The name said is not the record's.
    NameDiffers,
    /// The record is of a person who has died.
    Deceased,
    /// No citizen holds the number.
    NotFound,
    /// No answer that can be used: the desk goes on with the papers.
    Unavailable,
    /// Not asked: this officer asked too often; not before this many seconds.
    Limited(i64),
}

/// The answer, with the record when one was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentCheck {
    pub registered: Registered,
    pub full_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub residence: Option<String>,
}

#[async_trait::async_trait]
pub trait ResidentRegistry: Send + Sync + 'static {
    /// Asks about the holder of `personal_id` for `officer` at their desk, because of
    /// `purpose` (a procedure's code), holding the record against `said_name` when given.
    /// The question is logged durably before the answer is returned.
    async fn check(
        &self,
        state: &AppState,
        officer: &Account,
        personal_id: &PersonalId,
        said_name: Option<&str>,
        purpose: &str,
    ) -> Result<ResidentCheck, AppError>;
}
