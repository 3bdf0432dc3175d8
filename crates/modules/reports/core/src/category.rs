//! What a report is about. The province edits the list; these are the categories a new
//! province starts with (the ones Vietnamese provinces' channels and FixMyStreet share).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Stable key: Open311's `service_code`, URLs, storage.
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// Feedback on a public service or a dossier (counts in Decision 766 group 5) rather than
    /// about a place.
    pub public_service: bool,
    /// Shown to reporters; a retired category keeps its reports.
    pub active: bool,
}

/// The categories a province starts with.
pub fn defaults() -> Vec<Category> {
    let c = |code: &str, name: &str, name_en: &str, public_service: bool| Category {
        code: code.into(),
        name: name.into(),
        name_en: name_en.into(),
        public_service,
        active: true,
    };
    vec![
        c("rac-thai", "Rác thải, vệ sinh môi trường", "Waste and sanitation", false),
        c("duong-sa", "Đường sá, giao thông", "Roads and traffic", false),
        c("chieu-sang", "Chiếu sáng công cộng", "Street lighting", false),
        c("cap-nuoc", "Cấp nước", "Water supply", false),
        c("thoat-nuoc", "Thoát nước, ngập úng", "Drainage and flooding", false),
        c("cay-xanh", "Cây xanh", "Trees", false),
        c("dat-dai", "Đất đai", "Land", false),
        c("trat-tu-xay-dung", "Trật tự xây dựng", "Construction order", false),
        c("an-toan-thuc-pham", "An toàn thực phẩm", "Food safety", false),
        c("an-ninh-trat-tu", "An ninh, trật tự", "Public order", false),
        c(
            "thu-tuc-hanh-chinh",
            "Thủ tục hành chính, dịch vụ công",
            "Administrative procedures and public services",
            true,
        ),
        c("khac", "Khác", "Other", false),
    ]
}

/// Whether `code` is a well-formed category key: lowercase ASCII letters, digits and dashes.
pub fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 40
        && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
