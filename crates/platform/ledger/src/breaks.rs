//! What `tinhso audit verify` can find broken, and how it says so in Vietnamese and English:
//! the chain's own breaks (an entry edited, deleted, reordered, cut off), a stored row that
//! disagrees with its history, a setting that is not as the administrators' log saved it.

use crate::chain::LEGACY_LANE;

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The entry's content no longer matches its hash (edited), or its hash was replaced.
    Altered { id: i64, dossier: String },
    /// A lane's sequence jumps: entries between were deleted.
    Missing { lane: String, after: i64, next: i64 },
    /// Ids go backwards or repeat within a lane: entries were reordered or duplicated.
    OutOfOrder { id: i64, after: i64 },
    /// A lane's head (or a checkpoint) names entries that are no longer there.
    Truncated { lane: String, last: i64, expected: i64 },
    /// A lane's head or a checkpoint's mark differs from the recomputed lane at that entry.
    Checkpoint { id: i64 },
    /// The provincial checkpoint chain is broken at checkpoint `n` (edited, removed or reordered).
    CheckpointChain { n: i64 },
    /// Entries of a lane that has no head row (the head was deleted).
    Unanchored { lane: String },
    /// The entry's kind or visibility column (outside the hash, read by the history pages)
    /// disagrees with its hashed payload: an entry hidden from a history, or shown to the wrong eyes.
    Mislabelled { id: i64, dossier: String },
    /// A dossier's row no longer points to its first entry, so its history would start wrong.
    Unlinked { dossier: String },
    /// A dossier's stored row says what its history does not: `column` was edited outside the
    /// platform (the chain itself is intact, so the edit left no event).
    RowDiffers { dossier: String, column: &'static str, kind: RowKind },
    /// The chain opened `chained` dossiers (reports, payments) but `stored` rows remain: rows
    /// were deleted.
    RowsMissing { chained: u64, stored: u64, kind: RowKind },
    /// A setting administrators change through the platform (a procedure, a calendar year,
    /// the report routing...) is not as the administrators' log last saved it.
    SettingDiffers { setting: Setting, key: String, how: SettingDiff },
}

/// Which setting an audit compared with the administrators' log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    Procedure,
    CalendarYear,
    ReportCategory,
    ReportRoutes,
    UploadLimits,
    /// A 766 or DTI figure entered by hand, for a unit.
    Indicator,
    /// An Open311 client's key (an integration's access to field reports).
    Open311Key,
    /// The communes' boundaries, which place a field report in its commune.
    CommuneBoundaries,
    /// The province and its agencies, as set up.
    ProvinceModel,
}

impl Setting {
    fn vi(self) -> &'static str {
        match self {
            Self::Procedure => "thủ tục",
            Self::CalendarYear => "lịch làm việc năm",
            Self::ReportCategory => "lĩnh vực phản ánh",
            Self::ReportRoutes => "phân công xử lý phản ánh",
            Self::UploadLimits => "hạn mức tải tệp",
            Self::Indicator => "chỉ số nhập tay",
            Self::Open311Key => "khóa Open311 của",
            Self::CommuneBoundaries => "ranh giới xã, phường",
            Self::ProvinceModel => "tỉnh và các cơ quan",
        }
    }

    fn en(self) -> &'static str {
        match self {
            Self::Procedure => "procedure",
            Self::CalendarYear => "working calendar of",
            Self::ReportCategory => "report category",
            Self::ReportRoutes => "report routing",
            Self::UploadLimits => "upload limits",
            Self::Indicator => "hand-entered figure",
            Self::Open311Key => "Open311 key of",
            Self::CommuneBoundaries => "communes' boundaries",
            Self::ProvinceModel => "province and its agencies",
        }
    }
}

/// How a setting disagrees with the administrators' log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingDiff {
    /// Not as its newest entry saved it.
    Edited,
    /// No entry saved it (nor was it there when the log began).
    NotLogged,
    /// An entry saved it, and it is gone (the platform removes none of these).
    Removed,
    /// Its history of saved versions holds one no entry saved, or lacks its newest.
    HistoryEdited,
}

/// Whose stored row an audit compared with its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Dossier,
    Report,
    Payment,
    /// An issued result or receipt (the verifier's record).
    Document,
    /// An open-data dataset's metadata.
    Dataset,
    /// A staff account's lock (vouched for by the administrators' entries).
    Account,
    /// An account's join to an e-ID (which lets that e-ID into the account).
    EidLink,
    /// A question put to the population database about a person (who asked about whom).
    ResidentLookup,
    /// A year's round of the digital-transformation index (its framework, deadline, publication).
    DtiRound,
    /// A unit's digital-transformation assessment (its figures and the appraisers').
    DtiAssessment,
}

impl RowKind {
    fn vi(self) -> &'static str {
        match self {
            Self::Dossier => "hồ sơ",
            Self::Report => "phản ánh",
            Self::Payment => "khoản thanh toán",
            Self::Document => "văn bản đã cấp",
            Self::Dataset => "bộ dữ liệu mở",
            Self::Account => "tài khoản",
            Self::EidLink => "liên kết định danh điện tử",
            Self::ResidentLookup => "lượt tra cứu dữ liệu dân cư",
            Self::DtiRound => "đợt đánh giá chuyển đổi số",
            Self::DtiAssessment => "bản đánh giá chuyển đổi số",
        }
    }

    fn en(self) -> &'static str {
        match self {
            Self::Dossier => "dossier",
            Self::Report => "report",
            Self::Payment => "payment",
            Self::Document => "issued document",
            Self::Dataset => "open dataset",
            Self::Account => "account",
            Self::EidLink => "e-ID join",
            Self::ResidentLookup => "population database lookup",
            Self::DtiRound => "digital-transformation round",
            Self::DtiAssessment => "digital-transformation assessment",
        }
    }
}

fn lane_vi(lane: &str) -> String {
    if lane == LEGACY_LANE {
        "chuỗi trước khi chia luồng".into()
    } else {
        format!("luồng {lane}")
    }
}

fn lane_en(lane: &str) -> String {
    if lane == LEGACY_LANE {
        "the pre-lane chain".into()
    } else {
        format!("lane {lane}")
    }
}

impl Break {
    pub fn describe_vi(&self) -> String {
        match self {
            Self::Altered { id, dossier } => {
                format!("sự kiện #{id} của hồ sơ {dossier} đã bị sửa (mã băm không khớp)")
            }
            Self::Missing { lane, after, next } => {
                format!("{}: thiếu sự kiện giữa #{after} và #{next} (đã bị xóa)", lane_vi(lane))
            }
            Self::OutOfOrder { id, after } => {
                format!("sự kiện #{id} đứng sau #{after}: thứ tự đã bị thay đổi")
            }
            Self::Truncated { lane, last, expected } => format!(
                "{}: chuỗi dừng ở sự kiện #{last} nhưng đầu chuỗi hoặc điểm kiểm tra ghi #{expected}: \
                 các sự kiện mới nhất đã bị xóa",
                lane_vi(lane)
            ),
            Self::Checkpoint { id } => format!("điểm kiểm tra tại sự kiện #{id} không khớp"),
            Self::CheckpointChain { n } => {
                format!("chuỗi điểm kiểm tra của tỉnh bị đứt ở điểm số {n} (đã bị sửa, xóa hoặc đổi thứ tự)")
            }
            Self::Unanchored { lane } => {
                format!("{} có sự kiện nhưng không còn bản ghi đầu chuỗi (đã bị xóa)", lane_vi(lane))
            }
            Self::Mislabelled { id, dossier } => {
                format!("loại hoặc phạm vi công khai của sự kiện #{id} (hồ sơ {dossier}) đã bị sửa")
            }
            Self::Unlinked { dossier } => format!("hồ sơ {dossier} không còn trỏ tới sự kiện đầu tiên của nó"),
            Self::RowDiffers { dossier, column, kind } => format!(
                "bản ghi của {} {dossier} khác với lịch sử của nó ở cột {column}: đã bị sửa ngoài hệ thống",
                kind.vi()
            ),
            Self::RowsMissing { chained, stored, kind } => {
                let what = kind.vi();
                format!("chuỗi ghi nhận {chained} {what} nhưng chỉ còn {stored} bản ghi {what}: có bản ghi đã bị xóa")
            }
            Self::SettingDiffers { setting, key, how } => {
                let what = format!("{} {key}", setting.vi());
                let what = what.trim_end();
                match how {
                    SettingDiff::Edited => format!(
                        "cấu hình {what} khác với lần lưu gần nhất trong nhật ký quản trị: đã bị sửa ngoài hệ thống"
                    ),
                    SettingDiff::NotLogged => {
                        format!("cấu hình {what} không có trong nhật ký quản trị: đã được thêm ngoài hệ thống")
                    }
                    SettingDiff::Removed => {
                        format!("cấu hình {what} có trong nhật ký quản trị nhưng không còn: đã bị xóa ngoài hệ thống")
                    }
                    SettingDiff::HistoryEdited => format!(
                        "lịch sử các phiên bản của {what} không khớp với nhật ký quản trị: đã bị sửa hoặc xóa ngoài hệ thống"
                    ),
                }
            }
        }
    }

    pub fn describe_en(&self) -> String {
        match self {
            Self::Altered { id, dossier } => {
                format!("event #{id} of dossier {dossier} was edited (hash mismatch)")
            }
            Self::Missing { lane, after, next } => {
                format!("{}: events between #{after} and #{next} are missing (deleted)", lane_en(lane))
            }
            Self::OutOfOrder { id, after } => {
                format!("event #{id} follows #{after}: the order was changed")
            }
            Self::Truncated { lane, last, expected } => format!(
                "{}: the chain ends at event #{last} but its head or a checkpoint records #{expected}: \
                 the newest events were deleted",
                lane_en(lane)
            ),
            Self::Checkpoint { id } => format!("the checkpoint at event #{id} does not match"),
            Self::CheckpointChain { n } => {
                format!("the province's checkpoint chain breaks at checkpoint {n} (edited, removed or reordered)")
            }
            Self::Unanchored { lane } => format!("{} has events but its head row is gone (deleted)", lane_en(lane)),
            Self::Mislabelled { id, dossier } => {
                format!("the kind or visibility column of event #{id} (dossier {dossier}) was edited")
            }
            Self::Unlinked { dossier } => format!("dossier {dossier} no longer points to its first event"),
            Self::RowDiffers { dossier, column, kind } => format!(
                "the stored row of {} {dossier} disagrees with its history in column {column}: edited outside the platform",
                kind.en()
            ),
            Self::RowsMissing { chained, stored, kind } => {
                let what = kind.en();
                format!("the chain opened {chained} {what}s but only {stored} {what} rows remain: rows were deleted")
            }
            Self::SettingDiffers { setting, key, how } => {
                let what = format!("{} {key}", setting.en());
                let what = what.trim_end();
                match how {
                    SettingDiff::Edited => {
                        format!("the {what} is not as the administrators' log last saved it: edited outside the platform")
                    }
                    SettingDiff::NotLogged => {
                        format!("the {what} is in no administrators' log entry: added outside the platform")
                    }
                    SettingDiff::Removed => {
                        format!("the {what} was saved in the administrators' log and is gone: deleted outside the platform")
                    }
                    SettingDiff::HistoryEdited => format!(
                        "the saved versions of the {what} disagree with the administrators' log: edited or deleted \
                         outside the platform"
                    ),
                }
            }
        }
    }
}
