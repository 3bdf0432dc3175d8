//! Dossiers (hồ sơ), the `dossier` module's core: the lifecycle as an explicit state machine
//! over events, the deadline and late rules, dossier codes, intake (routing, documents), who
//! may issue which command (`access`), what the applicant is told (`notice`), the staff inbox
//! counters (`tally`). Pure: no IO, no async.
//!
//! May depend on: the kernel, the policy, the catalogue's core (procedures and their steps).
//!
//! The dossier is event-sourced: `decide` turns a command into an event (or refuses it),
//! `apply` folds events into the dossier. Stores persist both; the fold is the truth.

pub mod access;
pub mod audit;
pub mod code;
pub mod deadline;
pub mod form;
pub mod intake;
mod machine;
pub mod notice;
pub mod steps;
pub mod tally;

/// The revision of `apply`, the fold of events into a dossier. Bump it whenever a fold
/// changes what a history means (stores then refold every stored dossier before serving):
/// 2: a supplement or fee request returns the dossier to the state it was in, not to
/// "processing".
pub const FOLD_REVISION: u32 = 2;

pub use machine::{
    apply, available, current_step, decide, form_digest, holds_step, permits, phone_digest, Command, CommandKind,
    Dossier, Event, EventKind, FileRef, Party, Refusal,
};

use serde::{Deserialize, Serialize};

/// National sync codes for dossier state (REGULATIONS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DossierState {
    Submitted,
    Received,
    Refused,
    Processing,
    SupplementRequested,
    PaymentRequested,
    Withdrawn,
    Stopped,
    ResultReady,
    Returned,
}

impl DossierState {
    pub const ALL: [DossierState; 10] = [
        Self::Submitted,
        Self::Received,
        Self::Refused,
        Self::Processing,
        Self::SupplementRequested,
        Self::PaymentRequested,
        Self::Withdrawn,
        Self::Stopped,
        Self::ResultReady,
        Self::Returned,
    ];

    /// The national sync code, 1 to 10.
    pub fn code(self) -> u8 {
        match self {
            Self::Submitted => 1,
            Self::Received => 2,
            Self::Refused => 3,
            Self::Processing => 4,
            Self::SupplementRequested => 5,
            Self::PaymentRequested => 6,
            Self::Withdrawn => 7,
            Self::Stopped => 8,
            Self::ResultReady => 9,
            Self::Returned => 10,
        }
    }

    pub fn from_code(c: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == c)
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Received => "received",
            Self::Refused => "refused",
            Self::Processing => "processing",
            Self::SupplementRequested => "supplement_requested",
            Self::PaymentRequested => "payment_requested",
            Self::Withdrawn => "withdrawn",
            Self::Stopped => "stopped",
            Self::ResultReady => "result_ready",
            Self::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.key() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Submitted => "Mới đăng ký",
            Self::Received => "Đã tiếp nhận",
            Self::Refused => "Không được tiếp nhận",
            Self::Processing => "Đang xử lý",
            Self::SupplementRequested => "Yêu cầu bổ sung giấy tờ",
            Self::PaymentRequested => "Yêu cầu thực hiện nghĩa vụ tài chính",
            Self::Withdrawn => "Công dân rút hồ sơ",
            Self::Stopped => "Dừng xử lý",
            Self::ResultReady => "Đã xử lý xong",
            Self::Returned => "Đã trả kết quả",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Submitted => "Submitted",
            Self::Received => "Received",
            Self::Refused => "Refused",
            Self::Processing => "Processing",
            Self::SupplementRequested => "Supplement requested",
            Self::PaymentRequested => "Payment requested",
            Self::Withdrawn => "Withdrawn",
            Self::Stopped => "Stopped",
            Self::ResultReady => "Result ready",
            Self::Returned => "Returned",
        }
    }

    /// No command moves a dossier out of these (a rating after return is not a move).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Refused | Self::Withdrawn | Self::Stopped | Self::Returned)
    }

    /// Every state a dossier may still leave: what an officer may hold.
    pub fn unfinished() -> Vec<Self> {
        Self::ALL.into_iter().filter(|s| !s.is_final()).collect()
    }
}

/// Kênh nộp, with the national codes 1 / 2 / 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    InPerson,
    Online,
    Postal,
}

impl Channel {
    pub fn code(self) -> u8 {
        match self {
            Self::InPerson => 1,
            Self::Online => 2,
            Self::Postal => 3,
        }
    }
}

/// Người nộp: công dân / doanh nghiệp / hộ kinh doanh, national codes 0 / 1 / 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantType {
    Citizen,
    Business,
    HouseholdBusiness,
}

impl ApplicantType {
    pub fn code(self) -> u8 {
        match self {
            Self::Citizen => 0,
            Self::Business => 1,
            Self::HouseholdBusiness => 2,
        }
    }
}

impl ApplicantType {
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Citizen => "Cá nhân",
            Self::Business => "Doanh nghiệp, tổ chức",
            Self::HouseholdBusiness => "Hộ kinh doanh",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Citizen => "Individual",
            Self::Business => "Enterprise or organisation",
            Self::HouseholdBusiness => "Household business",
        }
    }
}

/// The enterprise, organisation or household business a dossier is submitted for; the
/// person who submits it (the account) acts as its representative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub tax_code: tinhso_kernel::ids::TaxCode,
    /// How the person who submits stands for it. Absent (the legal representative) in dossiers
    /// stored before it was asked, and left out when so, so their stored form is unchanged.
    #[serde(default, skip_serializing_if = "Capacity::is_legal_representative")]
    pub capacity: Capacity,
}

/// In what capacity someone submits for an enterprise or a household business: as its legal
/// representative (director, owner), or authorised by it in writing (a letter of
/// authorisation, giấy ủy quyền, goes with the dossier).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Capacity {
    #[default]
    LegalRepresentative,
    Authorized,
}

impl Capacity {
    pub fn is_legal_representative(&self) -> bool {
        *self == Self::LegalRepresentative
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::LegalRepresentative => "legal_representative",
            Self::Authorized => "authorized",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::LegalRepresentative, Self::Authorized].into_iter().find(|c| c.key() == s)
    }

    /// As the slip and the dossier page say it: "… của" / "… of" the organisation.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::LegalRepresentative => "người đại diện theo pháp luật",
            Self::Authorized => "người được ủy quyền",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::LegalRepresentative => "legal representative",
            Self::Authorized => "authorised by letter",
        }
    }
}

/// How the result is handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnMethod {
    Online,
    Desk,
    Post,
}

/// Đánh giá mức độ hài lòng.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Dissatisfied,
    Satisfied,
    VerySatisfied,
}

impl Rating {
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Dissatisfied => "Không hài lòng",
            Self::Satisfied => "Hài lòng",
            Self::VerySatisfied => "Rất hài lòng",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Dissatisfied => "Dissatisfied",
            Self::Satisfied => "Satisfied",
            Self::VerySatisfied => "Very satisfied",
        }
    }
}
