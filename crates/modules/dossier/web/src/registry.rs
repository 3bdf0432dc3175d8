//! The desk's question to the national population database about the person in front of it:
//! the platform's resident capability (the data-exchange module answers it); absent, the desk
//! takes the person's papers as they are.

use crate::walk_in::WalkIn;
use tinhso_http::capability::residents::Registered;
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::FieldError;
use tinhso_store::Account;

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
    let Some(registry) = state.capabilities.residents.get() else { return Ok(Vec::new()) };
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
