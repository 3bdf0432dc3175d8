//! The desk's question to the national population database about the person in front of it:
//! the data-exchange module answers it (set by the composition root,
//! `Hooks::set_registry`); absent, the desk takes the person's papers as they are.

use crate::service::Hooks;
use crate::walk_in::WalkIn;
use chrono::NaiveDate;
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::ids::PersonalId;
use tinhso_kernel::FieldError;
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

impl Hooks {
    /// The population database's registry, when the data-exchange module has one.
    pub fn registry(&self) -> Option<std::sync::Arc<dyn ResidentRegistry>> {
        self.registry.get()
    }

    pub fn set_registry(&self, registry: std::sync::Arc<dyn ResidentRegistry>) {
        self.registry.set(registry);
    }
}

pub(crate) fn not_found() -> FieldError {
    FieldError::new(
        "desk.personal_id",
        "resident_not_found",
        "Không có công dân mang số định danh này trong Cơ sở dữ liệu quốc gia về dân cư; kiểm tra lại số trên thẻ căn cước",
        "No citizen holds this personal ID in the National Population Database; check the number on the ID card",
    )
}

pub(crate) fn deceased() -> FieldError {
    FieldError::new(
        "desk.personal_id",
        "resident_deceased",
        "Cơ sở dữ liệu quốc gia về dân cư ghi nhận công dân mang số định danh này đã mất; kiểm tra lại số và giấy tờ",
        "The National Population Database records the holder of this personal ID as deceased; check the number and papers",
    )
}

/// Before a desk registration, the page's or the API's: the name said held against the
/// record, so a typo or another person's number is caught at the desk rather than on the
/// signed result. When the database cannot answer, the desk goes on with the person's papers:
/// a national outage must not close every one-stop desk.
pub(crate) async fn hold(
    state: &AppState,
    officer: &Account,
    purpose: &str,
    w: &WalkIn,
) -> Result<Vec<FieldError>, AppError> {
    let Some(registry) = state.module_state::<Hooks>().registry() else { return Ok(Vec::new()) };
    let c = registry.check(state, officer, &w.personal_id, Some(&w.full_name), purpose).await?;
    Ok(match c.registered {
        // Limited: nothing was asked, and the person's papers stand, as when the exchange is down.
        Registered::Found | Registered::Matches | Registered::Unavailable | Registered::Limited(_) => Vec::new(),
        Registered::NameDiffers => {
            let registered = c.full_name.unwrap_or_default();
            vec![FieldError::new(
                "desk.full_name",
                "resident_name_differs",
                format!(
                    "Họ tên không khớp với Cơ sở dữ liệu quốc gia về dân cư, nơi ghi “{registered}”; kiểm tra lại với thẻ căn cước"
                ),
                format!(
                    "The name differs from the National Population Database, which holds “{registered}”; check it against the ID card"
                ),
            )]
        }
        Registered::Deceased => vec![deceased()],
        Registered::NotFound => vec![not_found()],
    })
}
