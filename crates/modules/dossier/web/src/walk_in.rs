//! The applicant in front of the desk: their details parsed (every problem at once), then,
//! once the whole registration is valid, found or made as a citizen account without a
//! password, which they claim by registering with the same phone and personal ID and the code
//! printed on their receipt. A refused registration makes no account.

use tinhso_api::dossiers::DeskIntake;
use tinhso_dossier::Channel;
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::ids::{PersonalId, Phone};
use tinhso_kernel::FieldError;
use tinhso_policy::Role;
use tinhso_store::{Account, StoreError};

/// The applicant's details as the desk typed them, parsed.
#[derive(Debug, Clone)]
pub struct WalkIn {
    /// NFC, spaces collapsed.
    pub full_name: String,
    pub personal_id: PersonalId,
    pub phone: Phone,
}

pub fn parse(intake: &DeskIntake) -> Result<WalkIn, Vec<FieldError>> {
    let mut errs = tinhso_kernel::error::Errors::default();
    let full_name = tinhso_kernel::text::clean(&intake.full_name);
    if full_name.is_empty() || full_name.chars().count() > 200 {
        errs.push(FieldError::new(
            "desk.full_name",
            "required",
            "Nhập họ và tên người nộp hồ sơ",
            "Enter the applicant's full name",
        ));
    }
    let personal_id = errs.take(PersonalId::parse("desk.personal_id", &intake.personal_id));
    let phone = errs.take(Phone::parse("desk.phone", &intake.phone));
    if !matches!(intake.channel, Channel::InPerson | Channel::Postal) {
        errs.push(FieldError::new(
            "desk.channel",
            "invalid_channel",
            "Hồ sơ tại quầy là trực tiếp hoặc qua bưu chính",
            "A desk dossier arrives in person or by post",
        ));
    }
    match (personal_id, phone, errs.is_empty()) {
        (Some(personal_id), Some(phone), true) => Ok(WalkIn { full_name, personal_id, phone }),
        _ => Err(errs.0),
    }
}

fn phone_taken() -> FieldError {
    FieldError::new(
        "desk.phone",
        "phone_taken",
        "Số điện thoại này đã đăng ký cho người khác (số định danh khác). Kiểm tra lại với người nộp.",
        "This phone number belongs to someone with another personal ID",
    )
}

/// Whether `a`, holding the walk-in's phone as its login, is someone else's.
fn someone_else(a: &Account, w: &WalkIn) -> bool {
    a.role != Role::Citizen || a.personal_id.as_ref().is_some_and(|p| *p != w.personal_id)
}

/// The phone's problem, read without writing, so that it is said with every other problem of
/// the registration (`account` checks again when it writes).
pub async fn phone_problem(state: &AppState, w: &WalkIn) -> Result<Option<FieldError>, AppError> {
    let holder = state.store.identity.account_by_login(w.phone.as_str()).await?;
    Ok(holder.filter(|a| someone_else(a, w)).map(|_| phone_taken()))
}

/// Finds the citizen the dossier belongs to, or creates their account.
pub async fn account(state: &AppState, w: &WalkIn) -> Result<Account, AppError> {
    for _ in 0..2 {
        if let Some(a) = state.store.identity.account_by_login(w.phone.as_str()).await? {
            if someone_else(&a, w) {
                return Err(AppError::Invalid(vec![phone_taken()]));
            }
            return with_claim_code(state, a).await;
        }
        if let Some(a) = state.store.identity.citizen_by_personal_id(&w.personal_id).await? {
            return with_claim_code(state, a).await;
        }
        let new = tinhso_store::NewAccount {
            login: w.phone.as_str().to_owned(),
            full_name: w.full_name.clone(),
            password_hash: String::new(),
            role: Role::Citizen,
            agency: None,
            personal_id: Some(w.personal_id.clone()),
        };
        match state.store.identity.create_account(&new).await {
            Ok(_) | Err(StoreError::Conflict(_)) => continue, // read back what won
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Internal("walk-in applicant could not be resolved".into()))
}

/// A walk-in's account, issued a claim code (printed on their receipt) while it has no password:
/// only the person holding the receipt can make the account theirs.
async fn with_claim_code(state: &AppState, a: Account) -> Result<Account, AppError> {
    if a.password_hash.is_empty() {
        state.store.identity.issue_claim_code(a.id, &tinhso_identity::new_claim_code()?).await?;
    }
    Ok(a)
}
