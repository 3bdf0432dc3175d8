//! The desk and the national population database, when the province's data exchange is
//! configured: "Lấy thông tin" fills the applicant's name and address from the record of the
//! personal ID typed, so nobody retypes what the state already holds. (A registration holds
//! the name said against the record in the dossier service: `registry::hold`.)

use crate::registry;
use tinhso_http::capability::residents::{Registered, ResidentCheck};
use tinhso_http::error::AppError;
use tinhso_http::form::FormData;
use tinhso_http::state::AppState;
use tinhso_kernel::ids::PersonalId;
use tinhso_kernel::FieldError;
use tinhso_store::Account;

/// The record as the desk shows it.
#[derive(Debug, Clone, Default)]
pub struct RecordView {
    pub full_name: String,
    /// dd/mm/yyyy, or empty.
    pub birth_date: String,
    pub residence: String,
}

/// What a lookup leaves on the desk's page.
#[derive(Debug, Default)]
pub struct Looked {
    pub errors: Vec<FieldError>,
    pub record: Option<RecordView>,
    /// The database could not answer: the desk goes on with the papers.
    pub unavailable: bool,
    /// This officer asked too often: not before this many seconds.
    pub retry_after: Option<i64>,
}

/// The e-form's field the record's residence fills, when the procedure asks for it.
const ADDRESS: &str = "form.dia_chi";

fn view(c: &ResidentCheck) -> RecordView {
    RecordView {
        full_name: c.full_name.clone().unwrap_or_default(),
        birth_date: c.birth_date.map(tinhso_kernel::format::date_vi).unwrap_or_default(),
        residence: c.residence.clone().unwrap_or_default(),
    }
}

/// This officer's lookups are being spaced out (a limit against harvesting the register).
fn slowed(secs: i64) -> FieldError {
    let (vi, en) = tinhso_http::error::wait_words(secs);
    FieldError::new(
        "desk.personal_id",
        "too_many_attempts",
        format!(
            "Tài khoản này đã tra cứu Cơ sở dữ liệu quốc gia về dân cư rất nhiều lượt hôm nay nên các lượt tiếp theo được giãn cách: thử lại sau {vi}, hoặc tiếp nhận theo giấy tờ của người nộp"
        ),
        format!(
            "This account has looked up very many people today, so further lookups are spaced out: try again in {en}, or receive the dossier on the applicant's papers"
        ),
    )
}

/// The personal ID typed, or its error.
fn typed_id(form: &FormData) -> Result<PersonalId, FieldError> {
    PersonalId::parse("desk.personal_id", &form.text("desk.personal_id"))
}

/// "Lấy thông tin": reads the record of the personal ID typed and fills the form with it.
pub async fn fill(state: &AppState, officer: &Account, purpose: &str, form: &mut FormData) -> Result<Looked, AppError> {
    let Some(registry) = state.capabilities.residents.get() else { return Ok(Looked::default()) };
    let id = match typed_id(form) {
        Ok(id) => id,
        Err(e) => return Ok(Looked { errors: vec![e], ..Looked::default() }),
    };
    let c = registry.check(state, officer, &id, None, purpose).await?;
    Ok(match c.registered {
        Registered::Found | Registered::Matches | Registered::NameDiffers => {
            let record = view(&c);
            form.set("desk.full_name", record.full_name.clone());
            if form.text(ADDRESS).is_empty() && !record.residence.is_empty() {
                form.set(ADDRESS, record.residence.clone());
            }
            Looked { record: Some(record), ..Looked::default() }
        }
        Registered::Deceased => Looked { errors: vec![registry::deceased()], ..Looked::default() },
        Registered::NotFound => Looked { errors: vec![registry::not_found()], ..Looked::default() },
        Registered::Unavailable => Looked { unavailable: true, ..Looked::default() },
        Registered::Limited(secs) => {
            Looked { errors: vec![slowed(secs)], retry_after: Some(secs), ..Looked::default() }
        }
    })
}
