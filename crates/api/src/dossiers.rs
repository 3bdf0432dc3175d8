//! Dossiers over JSON: submitting, listing, reading, acting, files and notifications.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tinhso_dossier::deadline::DueStatus;
use tinhso_dossier::{ApplicantType, Channel, Dossier, DossierState, EventKind};
use tinhso_kernel::files::{FileKind, FilePurpose};
use utoipa::{IntoParams, ToSchema};

/// `POST /api/v1/dossiers`: a citizen submits online; a receptionist registers a dossier at
/// the desk for the applicant in front of them (`desk`), which is received at once.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitInput {
    #[schema(value_type = tinhso_kernel::ids::ProcedureCode)]
    pub procedure: String,
    #[serde(default = "citizen")]
    #[schema(default = "citizen")]
    pub applicant_type: ApplicantType,
    /// The enterprise or household business the dossier is for: required when
    /// `applicant_type` is `business` or `household_business`, refused for `citizen`.
    #[serde(default)]
    pub organization: Option<OrganizationInput>,
    /// The commune whose People's Committee decides, for commune-level procedures.
    pub commune: Option<u32>,
    /// The e-form: one value per field key of the procedure's form.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub form: Map<String, Value>,
    /// Files from the applicant's document store, one per component (at the desk: scans the
    /// receptionist uploaded).
    #[serde(default)]
    pub files: Vec<FileInput>,
    /// Required when a receptionist registers a dossier at the one-stop desk; refused otherwise.
    #[serde(default)]
    pub desk: Option<DeskIntake>,
}

/// An enterprise's or household business's name and tax code as typed (checked together
/// with the rest of the dossier, so every problem comes back at once).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationInput {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(value_type = tinhso_kernel::ids::TaxCode)]
    pub tax_code: String,
    /// How the person who submits stands for it: its legal representative (the default), or
    /// authorised by it in writing, when `authorization` names the letter.
    #[serde(default)]
    pub capacity: tinhso_dossier::Capacity,
    /// SHA-256 (hex) of the letter of authorisation in the caller's document store: required
    /// online when `capacity` is `authorized` (at the desk the officer may see the paper one).
    #[serde(default)]
    pub authorization: Option<tinhso_kernel::ids::Sha256>,
}

fn citizen() -> ApplicantType {
    ApplicantType::Citizen
}

fn in_person() -> Channel {
    Channel::InPerson
}

/// The applicant in front of the desk (or whose envelope arrived), and what they handed in.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeskIntake {
    #[schema(min_length = 1, max_length = 200)]
    pub full_name: String,
    #[schema(value_type = tinhso_kernel::ids::PersonalId)]
    pub personal_id: String,
    #[schema(value_type = tinhso_kernel::ids::Phone)]
    pub phone: String,
    #[serde(default = "in_person")]
    #[schema(default = "in_person")]
    pub channel: Channel,
    /// Components received on paper.
    #[serde(default)]
    pub paper_components: Vec<u16>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileInput {
    /// Index of the procedure component the file stands for.
    pub component: u16,
    /// SHA-256 (hex) of a file in the caller's document store (`POST /api/v1/files`).
    pub sha256: tinhso_kernel::ids::Sha256,
}

/// A dossier as the API shows it: its folded state plus the national state code, the label and
/// how it stands against its due date today. The e-form comes with a single dossier only.
#[derive(Debug, Serialize, ToSchema)]
pub struct DossierView<'a> {
    #[serde(flatten)]
    pub dossier: &'a Dossier,
    /// The national sync code of the state, 1 to 10.
    pub state_code: u8,
    pub state_label: &'static str,
    pub due_status: DueStatus,
    /// Working days past the due date in force (an apology's, else the first) today; 0 unless
    /// `due_status` is `overdue`.
    pub working_days_late: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub form: Option<&'a Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DossierPage<'a> {
    pub items: Vec<DossierView<'a>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// A state key (`received`, `processing`...); all states when absent.
    #[param(
        pattern = "^(submitted|received|refused|processing|supplement_requested|payment_requested|withdrawn|stopped|result_ready|returned)?$"
    )]
    pub state: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
    #[param(minimum = 0, maximum = 4294967295u64)]
    pub offset: Option<u32>,
    /// `true`: only the open dossiers whose current step the caller holds (their own work),
    /// earliest due first.
    pub held: Option<bool>,
}

/// One event of a dossier's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventItem<'a> {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: tinhso_kernel::ids::AccountId,
    /// Whether the applicant sees it (internal steps and transfers are staff-only).
    pub public: bool,
    pub event: &'a EventKind,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage<'a> {
    pub items: Vec<EventItem<'a>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationItem<'a> {
    pub id: i64,
    pub dossier: Option<&'a str>,
    /// In Vietnamese, as sent.
    pub subject: &'a str,
    pub body: &'a str,
    /// The same in English, when the platform wrote it in English too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_en: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_en: Option<&'a str>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage<'a> {
    pub items: Vec<NotificationItem<'a>>,
}

/// The public lookup's question, in a POST body so that the phone number stays out of
/// addresses, logs and browser history.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupInput {
    /// The dossier code on the receipt.
    #[schema(value_type = tinhso_kernel::ids::DossierCode)]
    pub code: String,
    /// The applicant's phone number.
    #[schema(value_type = tinhso_kernel::ids::Phone)]
    pub phone: String,
}

/// The public lookup: where a dossier stands, nothing personal.
#[derive(Debug, Serialize, ToSchema)]
pub struct LookupAnswer<'a> {
    pub code: &'a str,
    pub state: DossierState,
    pub state_code: u8,
    pub state_label: &'static str,
    /// Where the dossier stands, in plain words.
    pub status: &'static str,
    /// What is expected of the applicant now, if anything.
    pub next_step: &'static str,
    /// The due date an apology letter set, else the original one.
    pub due_on: Option<NaiveDate>,
    /// How it stands against that date today.
    pub due_status: DueStatus,
    /// Working days past that date today; 0 unless `due_status` is `overdue`.
    pub working_days_late: u32,
    /// Where the result is handed over (the receiving desk), once there is one.
    pub collect_at: Option<&'a str>,
}

/// A file now in the caller's document store.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoredFileAnswer<'a> {
    pub sha256: &'a str,
    pub size: u64,
    pub kind: FileKind,
    pub name: &'a str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentItem<'a> {
    pub sha256: &'a str,
    pub name: &'a str,
    pub size: u64,
    pub kind: FileKind,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentPage<'a> {
    pub items: Vec<DocumentItem<'a>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachedFileItem<'a> {
    pub sha256: &'a str,
    pub name: &'a str,
    pub purpose: FilePurpose,
    pub component: Option<u16>,
    pub size: u64,
    pub kind: FileKind,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachedFilePage<'a> {
    pub items: Vec<AttachedFileItem<'a>>,
}
