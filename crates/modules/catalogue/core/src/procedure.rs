//! The procedure catalogue in the national catalogue's shape (Cơ sở dữ liệu quốc gia về TTHC).

pub use crate::eform::{FieldType, FormField};
use crate::workflow::WorkflowStep;
use serde::{Deserialize, Serialize};
use tinhso_kernel::error::{Errors, FieldError};
use tinhso_kernel::ids::{AgencyCode, ProcedureCode};
use tinhso_kernel::text;

/// Decree 42/2022 online levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnlineLevel {
    FullyOnline,
    PartlyOnline,
    InPerson,
}

impl OnlineLevel {
    pub const ALL: [OnlineLevel; 3] = [Self::FullyOnline, Self::PartlyOnline, Self::InPerson];

    pub fn key(self) -> &'static str {
        match self {
            Self::FullyOnline => "fully_online",
            Self::PartlyOnline => "partly_online",
            Self::InPerson => "in_person",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.key() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::FullyOnline => "Dịch vụ công trực tuyến toàn trình",
            Self::PartlyOnline => "Dịch vụ công trực tuyến một phần",
            Self::InPerson => "Nộp trực tiếp",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::FullyOnline => "Fully online",
            Self::PartlyOnline => "Partly online",
            Self::InPerson => "In person",
        }
    }
}

/// Đối tượng thực hiện: who may apply, one of the seven parts a procedure is published with.
/// A catalogue that does not say means anyone (`PeopleAndOrganizations`), as before it was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Applicants {
    /// A person, for themself (or through someone they authorise).
    People,
    /// An enterprise, an organisation or a household business, through its representative:
    /// the dossier names it and its tax code.
    Organizations,
    #[default]
    PeopleAndOrganizations,
}

impl Applicants {
    pub const ALL: [Applicants; 3] = [Self::People, Self::Organizations, Self::PeopleAndOrganizations];

    pub fn key(self) -> &'static str {
        match self {
            Self::People => "people",
            Self::Organizations => "organizations",
            Self::PeopleAndOrganizations => "people_and_organizations",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::People => "Cá nhân",
            Self::Organizations => "Doanh nghiệp, tổ chức, hộ kinh doanh",
            Self::PeopleAndOrganizations => "Cá nhân, doanh nghiệp, tổ chức, hộ kinh doanh",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::People => "Individuals",
            Self::Organizations => "Enterprises, organisations, household businesses",
            Self::PeopleAndOrganizations => "Individuals, enterprises, organisations, household businesses",
        }
    }

    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Whether a person may apply for themself.
    pub fn admits_people(self) -> bool {
        self != Self::Organizations
    }

    /// Whether a representative may apply for an organisation.
    pub fn admits_organizations(self) -> bool {
        self != Self::People
    }
}

/// Cấp thực hiện: which tier carries the procedure out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Ministry,
    Province,
    Commune,
    Other,
}

impl Level {
    pub const ALL: [Level; 4] = [Self::Province, Self::Commune, Self::Ministry, Self::Other];

    pub fn key(self) -> &'static str {
        match self {
            Self::Ministry => "ministry",
            Self::Province => "province",
            Self::Commune => "commune",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.key() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Ministry => "Cấp bộ",
            Self::Province => "Cấp tỉnh",
            Self::Commune => "Cấp xã",
            Self::Other => "Cơ quan khác",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Ministry => "Ministry",
            Self::Province => "Province",
            Self::Commune => "Commune",
            Self::Other => "Other body",
        }
    }

    /// Reads the national portal's labels ("cấp tỉnh, cấp xã").
    pub fn parse_portal_list(s: &str) -> Vec<Level> {
        let mut out: Vec<Level> = s
            .split(',')
            .filter_map(|p| match text::fold(p.trim()).as_str() {
                "cap bo" => Some(Level::Ministry),
                "cap tinh" => Some(Level::Province),
                "cap xa" => Some(Level::Commune),
                "co quan khac" => Some(Level::Other),
                _ => None,
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Thời hạn giải quyết.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "unit", content = "value", rename_all = "snake_case")]
pub enum ProcessingTime {
    WorkingDays(u16),
    WorkingHours(u16),
}

impl ProcessingTime {
    pub fn label_vi(self) -> String {
        match self {
            Self::WorkingDays(n) => format!("{n} ngày làm việc"),
            Self::WorkingHours(n) => format!("{n} giờ làm việc"),
        }
    }

    pub fn label_en(self) -> String {
        match self {
            Self::WorkingDays(n) => format!("{n} working days"),
            Self::WorkingHours(n) => format!("{n} working hours"),
        }
    }
}

/// Bản chính / bản sao / bản điện tử, with the national sync code 0 / 1 / 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CopyKind {
    Original,
    Copy,
    Electronic,
}

impl CopyKind {
    pub const ALL: [CopyKind; 3] = [Self::Original, Self::Copy, Self::Electronic];

    /// As the API and files spell it.
    pub fn key(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::Copy => "copy",
            Self::Electronic => "electronic",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == s)
    }

    pub fn sync_code(self) -> u8 {
        match self {
            Self::Original => 0,
            Self::Copy => 1,
            Self::Electronic => 2,
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Original => "Bản chính",
            Self::Copy => "Bản sao",
            Self::Electronic => "Bản điện tử",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Original => "Original",
            Self::Copy => "Copy",
            Self::Electronic => "Electronic",
        }
    }
}

/// Thành phần hồ sơ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub name: String,
    pub copy_kind: CopyKind,
    pub mandatory: bool,
    /// Where the official paper form (mẫu) can be downloaded, when the province links one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

impl Component {
    /// A declaration or application (tờ khai, đơn): what an online e-form states in full, so
    /// that the platform writes it from the form instead of asking for an upload.
    pub fn is_declaration(&self) -> bool {
        const KINDS: [&str; 8] = [
            "to khai",
            "don de nghi",
            "don dang ky",
            "don yeu cau",
            "don xin",
            "don theo mau",
            "don khieu nai",
            "mau dien tu tuong tac",
        ];
        // Only the start can match: fold no more of a long name than the longest kind needs
        // (64 characters hold 21 letters even when each carries two separate marks).
        let start = self.name.char_indices().nth(64).map_or(self.name.as_str(), |(i, _)| &self.name[..i]);
        let name = text::fold(start);
        KINDS.iter().any(|k| name.starts_with(k))
    }
}

/// Cơ quan có thẩm quyền: one provincial agency, or the People's Committee of whichever
/// commune the applicant belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompetentAgency {
    Agency(AgencyCode),
    CommuneCommittee,
}

/// Phí, lệ phí. `amount_vnd` is `None` when the amount is set by the provincial council or varies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    pub amount_vnd: Option<u64>,
    #[serde(default)]
    pub note: String,
}

/// A procedure as the province publishes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    pub code: ProcedureCode,
    pub name: String,
    pub field: String,
    pub levels: Vec<Level>,
    pub competent_agency: CompetentAgency,
    pub processing_time: Option<ProcessingTime>,
    /// True when `processing_time` is an estimate filled in for a missing official value.
    #[serde(default)]
    pub processing_time_estimated: bool,
    pub fee: Fee,
    /// Who may apply; a catalogue without it admits anyone. Left out when anyone may, so that a
    /// procedure saved before the field existed serialises, and so digests, as it did then: the
    /// administrators' log's entries for it still vouch for it (`audit verify`).
    #[serde(default, skip_serializing_if = "Applicants::is_default")]
    pub applicants: Applicants,
    pub online_level: OnlineLevel,
    /// True when `online_level` was guessed for a procedure the source did not say, not
    /// published by the province: shown as an estimate, and indicators fed by it say so.
    #[serde(default)]
    pub online_level_estimated: bool,
    #[serde(default)]
    pub components: Vec<Component>,
    #[serde(default)]
    pub form_fields: Vec<FormField>,
    #[serde(default)]
    pub legal_basis: String,
    #[serde(default)]
    pub result_type: String,
    /// The internal process; empty means the default two steps (`workflow::default_steps`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<WorkflowStep>,
}

pub(crate) fn required_text(
    errs: &mut Errors,
    field: &str,
    value: &mut String,
    label_vi: &str,
    label_en: &str,
    max: usize,
) {
    *value = text::clean(value);
    if value.is_empty() {
        errs.push(FieldError::new(field, "required", format!("Nhập {label_vi}"), format!("Enter the {label_en}")));
    } else if value.chars().count() > max {
        errs.push(FieldError::new(
            field,
            "too_long",
            format!("{label_vi} dài quá {max} ký tự", label_vi = capitalise(label_vi)),
            format!("The {label_en} is longer than {max} characters"),
        ));
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

impl Procedure {
    /// The components the e-form stands for: the mandatory declarations (a paper tờ khai and
    /// an "interactive e-form" are often both listed), when the procedure has an e-form.
    /// Applicants do not upload them; the platform writes the first from the form.
    pub fn declarations(&self) -> Vec<usize> {
        if self.form_fields.is_empty() {
            return Vec::new();
        }
        self.components.iter().enumerate().filter(|(_, c)| c.mandatory && c.is_declaration()).map(|(i, _)| i).collect()
    }

    /// The declaration the platform writes from the e-form, printed under its name.
    pub fn declaration(&self) -> Option<usize> {
        self.declarations().first().copied()
    }

    /// Normalises text to NFC and checks what serde cannot: lengths, non-empty lists, unique keys.
    pub fn normalise(mut self) -> Result<Self, Vec<FieldError>> {
        let mut errs = Errors::default();
        required_text(&mut errs, "name", &mut self.name, "tên thủ tục", "procedure name", 1000);
        required_text(&mut errs, "field", &mut self.field, "lĩnh vực", "field", 200);
        self.legal_basis = text::clean(&self.legal_basis);
        self.result_type = text::clean(&self.result_type);
        self.fee.note = text::clean(&self.fee.note);
        if self.levels.is_empty() {
            errs.push(FieldError::new(
                "levels",
                "required",
                "Chọn ít nhất một cấp thực hiện",
                "Choose at least one level",
            ));
        }
        self.levels.sort();
        self.levels.dedup();
        match self.processing_time {
            Some(ProcessingTime::WorkingDays(0) | ProcessingTime::WorkingHours(0)) => errs.push(FieldError::new(
                "processing_time",
                "out_of_range",
                "Thời hạn giải quyết phải lớn hơn 0",
                "Processing time must be above 0",
            )),
            Some(ProcessingTime::WorkingDays(d)) if d > 365 => errs.push(FieldError::new(
                "processing_time",
                "out_of_range",
                "Thời hạn giải quyết không quá 365 ngày làm việc",
                "Processing time is at most 365 working days",
            )),
            _ => {}
        }
        for (i, c) in self.components.iter_mut().enumerate() {
            required_text(
                &mut errs,
                &format!("components[{i}].name"),
                &mut c.name,
                "tên thành phần hồ sơ",
                "component name",
                500,
            );
            if let Some(t) = &mut c.template {
                *t = t.trim().to_owned();
                let web = t.starts_with("https://") || t.starts_with("http://");
                if !web || t.len() > 1000 || t.chars().any(char::is_whitespace) {
                    errs.push(FieldError::new(
                        format!("components[{i}].template"),
                        "invalid_url",
                        "Địa chỉ mẫu đơn, tờ khai phải là một địa chỉ web (https://…)",
                        "A form template's address must be a web address (https://…)",
                    ));
                }
            }
        }
        crate::eform::normalise(&mut self.form_fields, &mut errs);
        crate::workflow::normalise(&mut self.steps, self.processing_time, &mut errs);
        errs.into_result(|| self)
    }

    /// The steps a dossier of this procedure goes through at the competent agency.
    pub fn workflow(&self) -> Vec<WorkflowStep> {
        if self.steps.is_empty() {
            crate::workflow::default_steps(self.processing_time)
        } else {
            self.steps.clone()
        }
    }

    /// Fee as people read it.
    pub fn fee_label_vi(&self) -> String {
        match self.fee.amount_vnd {
            Some(0) => "Miễn phí".to_owned(),
            Some(n) => tinhso_kernel::format::money(n, false),
            None if self.fee.note.is_empty() => "Theo quy định của Hội đồng nhân dân tỉnh".to_owned(),
            None => self.fee.note.clone(),
        }
    }

    pub fn fee_label_en(&self) -> String {
        match self.fee.amount_vnd {
            Some(0) => "Free".to_owned(),
            Some(n) => tinhso_kernel::format::money(n, true),
            None => "Set by the provincial council".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> serde_json::Value {
        serde_json::json!({
            "code": "1.001193", "name": " Thủ tục  đăng ký khai sinh", "field": "Hộ tịch",
            "levels": ["commune"], "competent_agency": "commune_committee",
            "processing_time": {"unit": "working_days", "value": 3}, "fee": {"amount_vnd": 0},
            "online_level": "fully_online",
            "components": [{"name": "Tờ khai", "copy_kind": "original", "mandatory": true}],
            "form_fields": [
                {"key": "ho_ten", "label": "Họ và tên", "type": "text", "required": true},
                {"key": "gioi_tinh", "label": "Giới tính", "type": "select", "options": ["Nam", "Nữ"], "required": true}
            ]
        })
    }

    #[test]
    fn parses_and_normalises() {
        let p: Procedure = serde_json::from_value(sample()).unwrap();
        let p = p.normalise().unwrap();
        assert_eq!(p.name, "Thủ tục đăng ký khai sinh");
        assert_eq!(p.fee_label_vi(), "Miễn phí");
    }

    #[test]
    fn unknown_fields_and_bad_codes_are_refused() {
        let mut v = sample();
        v["colour"] = "red".into();
        assert!(serde_json::from_value::<Procedure>(v).is_err());
        let mut v = sample();
        v["code"] = "1.11".into();
        assert!(serde_json::from_value::<Procedure>(v).is_err());
    }

    #[test]
    fn reports_every_problem() {
        let mut v = sample();
        v["name"] = " ".into();
        v["levels"] = serde_json::json!([]);
        v["form_fields"][1]["key"] = "ho_ten".into();
        let p: Procedure = serde_json::from_value(v).unwrap();
        let errs = p.normalise().unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["name", "levels", "form_fields[1].key"]);
    }

    #[test]
    fn the_e_form_stands_for_the_declaration() {
        let p: Procedure = serde_json::from_value(sample()).unwrap();
        assert_eq!(p.declaration(), Some(0));
        let mut v = sample();
        v["components"] = serde_json::json!([
            {"name": "Giấy chứng sinh", "copy_kind": "original", "mandatory": true},
            {"name": "Đơn đề nghị (nếu ủy quyền)", "copy_kind": "original", "mandatory": false},
            {"name": "ĐƠN ĐỀ NGHỊ cấp giấy phép", "copy_kind": "original", "mandatory": true}
        ]);
        let p: Procedure = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(p.declaration(), Some(2), "the first mandatory one, whatever its case");
        v["components"][0]["name"] = "Mẫu điện tử tương tác yêu cầu cấp bản sao Giấy khai sinh".into();
        let p: Procedure = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(p.declarations(), [0, 2], "the interactive e-form too");
        v["form_fields"] = serde_json::json!([]);
        let p: Procedure = serde_json::from_value(v).unwrap();
        assert_eq!(p.declaration(), None, "without an e-form the applicant uploads it");
        let dondoc =
            Component { name: "Đơn giá".into(), copy_kind: CopyKind::Copy, mandatory: true, template: None };
        assert!(!dondoc.is_declaration(), "a word that merely starts the same is not one");
    }

    #[test]
    fn a_template_is_a_web_address() {
        let mut v = sample();
        v["components"][0]["template"] = " https://dichvucong.gov.vn/mau/to-khai-khai-sinh.docx ".into();
        let p: Procedure = serde_json::from_value(v.clone()).unwrap();
        let p = p.normalise().unwrap();
        assert_eq!(p.components[0].template.as_deref(), Some("https://dichvucong.gov.vn/mau/to-khai-khai-sinh.docx"));
        v["components"][0]["template"] = "javascript:alert(1)".into();
        let p: Procedure = serde_json::from_value(v).unwrap();
        let errs = p.normalise().unwrap_err();
        assert_eq!(errs[0].field, "components[0].template");
    }

    #[test]
    fn portal_levels() {
        assert_eq!(Level::parse_portal_list("cấp tỉnh, cấp xã"), vec![Level::Province, Level::Commune]);
        assert_eq!(Level::parse_portal_list("cơ quan khác"), vec![Level::Other]);
    }
}
