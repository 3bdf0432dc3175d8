//! What staff and reporters ask of a report: the commands, their kinds (what authorization and
//! forms name) and the kinds' labels.

use serde::{Deserialize, Serialize};
use tinhso_kernel::ids::AgencyCode;

/// What staff and reporters ask.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    Accept,
    Refuse { answer: String },
    Forward { to: AgencyCode, reason: String },
    AddContributor { agency: AgencyCode },
    RequestInfo { question: String },
    Investigate,
    StartWork,
    Schedule { note: String },
    Fix { answer: String, photos: Vec<String> },
    NoFurtherAction { answer: String },
    UnableToFix { answer: String },
    InternalReferral { answer: String },
    MarkDuplicate { of: i64 },
    Close { answer: String },
    Update { text: String, photos: Vec<String> },
    Note { text: String },
    Hide { photo: Option<String>, reason: String },
    Escalate { to: AgencyCode },
    ProvideInfo { text: String },
    Reopen { reason: String },
    Rate { satisfied: bool, comment: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandKind {
    Accept,
    Refuse,
    Forward,
    AddContributor,
    RequestInfo,
    Investigate,
    StartWork,
    Schedule,
    Fix,
    NoFurtherAction,
    UnableToFix,
    InternalReferral,
    MarkDuplicate,
    Close,
    Update,
    Note,
    Hide,
    Escalate,
    ProvideInfo,
    Reopen,
    Rate,
}

impl CommandKind {
    pub const ALL: [CommandKind; 21] = [
        Self::Accept,
        Self::Refuse,
        Self::Forward,
        Self::AddContributor,
        Self::RequestInfo,
        Self::Investigate,
        Self::StartWork,
        Self::Schedule,
        Self::Fix,
        Self::NoFurtherAction,
        Self::UnableToFix,
        Self::InternalReferral,
        Self::MarkDuplicate,
        Self::Close,
        Self::Update,
        Self::Note,
        Self::Hide,
        Self::Escalate,
        Self::ProvideInfo,
        Self::Reopen,
        Self::Rate,
    ];

    /// Issued by the reporter, not by staff.
    pub fn by_reporter(self) -> bool {
        matches!(self, Self::ProvideInfo | Self::Reopen | Self::Rate)
    }

    /// The key forms and the API use.
    pub fn key(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Refuse => "refuse",
            Self::Forward => "forward",
            Self::AddContributor => "add_contributor",
            Self::RequestInfo => "request_info",
            Self::Investigate => "investigate",
            Self::StartWork => "start_work",
            Self::Schedule => "schedule",
            Self::Fix => "fix",
            Self::NoFurtherAction => "no_further_action",
            Self::UnableToFix => "unable_to_fix",
            Self::InternalReferral => "internal_referral",
            Self::MarkDuplicate => "mark_duplicate",
            Self::Close => "close",
            Self::Update => "update",
            Self::Note => "note",
            Self::Hide => "hide",
            Self::Escalate => "escalate",
            Self::ProvideInfo => "provide_info",
            Self::Reopen => "reopen",
            Self::Rate => "rate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Accept => "Tiếp nhận",
            Self::Refuse => "Từ chối (không thuộc thẩm quyền)",
            Self::Forward => "Chuyển cơ quan khác",
            Self::AddContributor => "Mời cơ quan phối hợp",
            Self::RequestInfo => "Đề nghị bổ sung thông tin",
            Self::Investigate => "Xác minh",
            Self::StartWork => "Bắt đầu xử lý",
            Self::Schedule => "Lên lịch xử lý",
            Self::Fix => "Đã khắc phục",
            Self::NoFurtherAction => "Không cần xử lý thêm",
            Self::UnableToFix => "Không thể khắc phục",
            Self::InternalReferral => "Chuyển ngoài hệ thống",
            Self::MarkDuplicate => "Gộp vào phản ánh trùng",
            Self::Close => "Đóng",
            Self::Update => "Cập nhật công khai",
            Self::Note => "Ghi chú nội bộ",
            Self::Hide => "Ẩn nội dung",
            Self::Escalate => "Chuyển lên cấp tỉnh",
            Self::ProvideInfo => "Bổ sung thông tin",
            Self::Reopen => "Phản ánh lại",
            Self::Rate => "Đánh giá",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Accept => "Accept",
            Self::Refuse => "Refuse (not ours to handle)",
            Self::Forward => "Forward to another agency",
            Self::AddContributor => "Invite an agency to contribute",
            Self::RequestInfo => "Ask the reporter for more",
            Self::Investigate => "Investigate",
            Self::StartWork => "Start work",
            Self::Schedule => "Schedule the work",
            Self::Fix => "Fixed",
            Self::NoFurtherAction => "No further action",
            Self::UnableToFix => "Cannot be fixed",
            Self::InternalReferral => "Referred outside the platform",
            Self::MarkDuplicate => "Merge into a duplicate",
            Self::Close => "Close",
            Self::Update => "Public update",
            Self::Note => "Internal note",
            Self::Hide => "Hide the text",
            Self::Escalate => "Escalate to the province",
            Self::ProvideInfo => "Add information",
            Self::Reopen => "Report again",
            Self::Rate => "Rate",
        }
    }
}

impl Command {
    pub fn kind(&self) -> CommandKind {
        use CommandKind as K;
        match self {
            Self::Accept => K::Accept,
            Self::Refuse { .. } => K::Refuse,
            Self::Forward { .. } => K::Forward,
            Self::AddContributor { .. } => K::AddContributor,
            Self::RequestInfo { .. } => K::RequestInfo,
            Self::Investigate => K::Investigate,
            Self::StartWork => K::StartWork,
            Self::Schedule { .. } => K::Schedule,
            Self::Fix { .. } => K::Fix,
            Self::NoFurtherAction { .. } => K::NoFurtherAction,
            Self::UnableToFix { .. } => K::UnableToFix,
            Self::InternalReferral { .. } => K::InternalReferral,
            Self::MarkDuplicate { .. } => K::MarkDuplicate,
            Self::Close { .. } => K::Close,
            Self::Update { .. } => K::Update,
            Self::Note { .. } => K::Note,
            Self::Hide { .. } => K::Hide,
            Self::Escalate { .. } => K::Escalate,
            Self::ProvideInfo { .. } => K::ProvideInfo,
            Self::Reopen { .. } => K::Reopen,
            Self::Rate { .. } => K::Rate,
        }
    }
}
