//! A report's states: mySociety's FixMyStreet set, which Open311 clients know through its
//! `extended_attributes`, each mapped to GeoReport v2's two (`open`, `closed`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// Received, not yet looked at by the responsible agency.
    ForTriage,
    Confirmed,
    Investigating,
    InProgress,
    ActionScheduled,
    Fixed,
    Duplicate,
    NotResponsible,
    NoFurtherAction,
    InternalReferral,
    UnableToFix,
    Closed,
}

impl ReportState {
    pub const ALL: [ReportState; 12] = [
        Self::ForTriage,
        Self::Confirmed,
        Self::Investigating,
        Self::InProgress,
        Self::ActionScheduled,
        Self::Fixed,
        Self::Duplicate,
        Self::NotResponsible,
        Self::NoFurtherAction,
        Self::InternalReferral,
        Self::UnableToFix,
        Self::Closed,
    ];

    /// The key in URLs, storage and Open311's extended status.
    pub fn key(self) -> &'static str {
        match self {
            Self::ForTriage => "for_triage",
            Self::Confirmed => "confirmed",
            Self::Investigating => "investigating",
            Self::InProgress => "in_progress",
            Self::ActionScheduled => "action_scheduled",
            Self::Fixed => "fixed",
            Self::Duplicate => "duplicate",
            Self::NotResponsible => "not_responsible",
            Self::NoFurtherAction => "no_further_action",
            Self::InternalReferral => "internal_referral",
            Self::UnableToFix => "unable_to_fix",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.key() == s)
    }

    /// Still being handled: Open311's `open`.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::ForTriage | Self::Confirmed | Self::Investigating | Self::InProgress | Self::ActionScheduled
        )
    }

    /// GeoReport v2's status.
    pub fn open311(self) -> &'static str {
        if self.is_open() {
            "open"
        } else {
            "closed"
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::ForTriage => "Chờ phân loại",
            Self::Confirmed => "Đã tiếp nhận",
            Self::Investigating => "Đang xác minh",
            Self::InProgress => "Đang xử lý",
            Self::ActionScheduled => "Đã lên lịch xử lý",
            Self::Fixed => "Đã khắc phục",
            Self::Duplicate => "Trùng phản ánh khác",
            Self::NotResponsible => "Không thuộc thẩm quyền",
            Self::NoFurtherAction => "Không cần xử lý thêm",
            Self::InternalReferral => "Đã chuyển cơ quan khác",
            Self::UnableToFix => "Không thể khắc phục",
            Self::Closed => "Đã đóng",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::ForTriage => "Awaiting triage",
            Self::Confirmed => "Confirmed",
            Self::Investigating => "Investigating",
            Self::InProgress => "In progress",
            Self::ActionScheduled => "Action scheduled",
            Self::Fixed => "Fixed",
            Self::Duplicate => "Duplicate",
            Self::NotResponsible => "Not responsible",
            Self::NoFurtherAction => "No further action",
            Self::InternalReferral => "Internal referral",
            Self::UnableToFix => "Unable to fix",
            Self::Closed => "Closed",
        }
    }
}
