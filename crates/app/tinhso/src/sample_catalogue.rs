//! The demo province's catalogue: the 144 real procedures of `data/procedures-sample.json`, each
//! given its deciding department, an e-form, a fee and, where the source has none, an estimated
//! processing time (marked as such).

use crate::seed::{code, department};
use anyhow::{anyhow, Context, Result};
use serde::Deserialize;
use tinhso_catalogue::procedure::{
    Applicants, CompetentAgency, Component, CopyKind, Fee, FieldType, FormField, Level, OnlineLevel, Procedure,
    ProcessingTime,
};
use tinhso_catalogue::workflow::{StepRole, WorkflowStep};
use tinhso_kernel::ids::ProcedureCode;
use tinhso_kernel::text::fold;

const PROCEDURES: &str = include_str!("../data/procedures-sample.json");

#[derive(Deserialize)]
struct SampleProcedure {
    code: String,
    name: String,
    field: String,
    level: Option<String>,
    processing_days: Option<u16>,
    fee_vnd: Option<u64>,
    online_full: Option<bool>,
    components: Vec<String>,
    /// Đối tượng thực hiện as the portal lists it; absent for one procedure.
    #[serde(default)]
    applicants: Option<String>,
}

/// The department that decides procedures of a field (folded label), after the 2025 reorganisation.
fn department_for(field: &str) -> &'static str {
    let f = fold(field);
    let has = |keys: &[&str]| keys.iter().any(|k| f.contains(k));
    if f == "dien" || has(&["cong thuong"]) {
        "05"
    } else if has(&["ho tich", "chung thuc", "nuoi con nuoi", "ly lich tu phap"]) {
        "03"
    } else if has(&[
        "dat dai",
        "bien phap bao dam",
        "moi truong",
        "tai nguyen",
        "thu y",
        "trong trot",
        "lam nghiep",
        "thuy loi",
        "nong lam san",
        "giam ngheo",
    ]) {
        "06"
    } else if has(&["cu tru", "can cuoc", "phuong tien giao thong", "giay phep lai xe", "dinh danh"]) {
        "20"
    } else if has(&["xay dung", "nha o", "bat dong san", "dang kiem"]) {
        "07"
    } else if has(&["viec lam", "nguoi co cong"]) {
        "02"
    } else if has(&["bhxh", "bao hiem"]) {
        "21"
    } else if has(&["bao tro xa hoi", "kham benh", "duoc pham", "an toan thuc pham", "phong benh"]) {
        "10"
    } else if has(&["giao duc", "van bang", "tuyen sinh"]) {
        "09"
    } else if has(&["doanh nghiep", "hop tac xa"]) {
        "04"
    } else if has(&["di san", "my thuat", "the duc the thao", "du lich"]) {
        "11"
    } else if has(&["tin nguong", "ton giao"]) {
        "12"
    } else if has(&["vien thong"]) {
        "08"
    } else if has(&["nghia vu quan su"]) {
        "22"
    } else {
        "01"
    }
}

/// Who may apply, from the national catalogue's "đối tượng thực hiện" as the sample copied it:
/// a list of kinds of applicant, persons (Vietnamese citizens, Vietnamese abroad, foreigners,
/// officials) and organisations (organisations, enterprises, cooperatives). Unstated: anyone.
fn applicants_from(listed: Option<&str>) -> Applicants {
    let Some(listed) = listed.map(fold) else { return Applicants::default() };
    let has = |keys: &[&str]| keys.iter().any(|k| listed.contains(k));
    let people = has(&["cong dan", "nguoi viet nam", "nguoi nuoc ngoai", "ca nhan", "can bo, cong chuc"]);
    let organizations = has(&["to chuc", "doanh nghiep", "hop tac xa", "ho kinh doanh"]);
    match (people, organizations) {
        (true, false) => Applicants::People,
        (false, true) => Applicants::Organizations,
        _ => Applicants::PeopleAndOrganizations,
    }
}

/// Working days used where the national catalogue gives no single figure; shown as estimates.
fn estimated_days(field: &str, commune_only: bool) -> u16 {
    let f = fold(field);
    if f.contains("ho tich") || f.contains("chung thuc") {
        3
    } else if f.contains("dat dai") {
        20
    } else if f.contains("xay dung") {
        15
    } else if commune_only {
        5
    } else {
        10
    }
}

/// A field of the sample's e-forms, labelled in both languages.
fn field(key: &str, label: &str, label_en: &str, field_type: FieldType, required: bool) -> FormField {
    FormField {
        key: key.into(),
        label: label.into(),
        label_en: Some(label_en.into()),
        field_type,
        required,
        options: Vec::new(),
        options_en: Vec::new(),
    }
}

fn generic_form() -> Vec<FormField> {
    vec![
        field("ho_ten", "Họ và tên người nộp", "Applicant's full name", FieldType::Text, true),
        field("so_dinh_danh", "Số định danh cá nhân", "Personal identification number", FieldType::PersonalId, true),
        field("so_dien_thoai", "Số điện thoại", "Phone number", FieldType::Phone, true),
        field("dia_chi", "Địa chỉ liên hệ", "Contact address", FieldType::Address, true),
        field("noi_dung", "Nội dung yêu cầu", "What you ask for", FieldType::LongText, false),
    ]
}

fn birth_registration_form() -> Vec<FormField> {
    let mut form = generic_form();
    form.extend([
        field("ten_tre", "Họ, chữ đệm và tên của trẻ", "The child's full name", FieldType::Text, true),
        field("ngay_sinh", "Ngày sinh của trẻ", "The child's date of birth", FieldType::Date, true),
        FormField {
            options: vec!["Nam".into(), "Nữ".into()],
            options_en: vec!["Male".into(), "Female".into()],
            ..field("gioi_tinh", "Giới tính", "Sex", FieldType::Select, true)
        },
        field("noi_sinh", "Nơi sinh", "Place of birth", FieldType::Address, true),
    ]);
    form
}

/// Fees charged per page, copy or case (see the sample's README).
const PER_UNIT_FEES: &[&str] = &["2.000815", "2.000884", "2.000942", "2.001019", "2.001035", "2.001406", "2.000635"];

pub fn demo_catalogue(province_code: u32) -> Result<Vec<Procedure>> {
    let raw: Vec<SampleProcedure> = serde_json::from_str(PROCEDURES).context("shipped procedure sample")?;
    raw.into_iter()
        .map(|s| {
            let mut levels = s.level.as_deref().map(Level::parse_portal_list).unwrap_or_default();
            if levels.is_empty() {
                levels.push(Level::Province);
            }
            let competent_agency = if !levels.contains(&Level::Province) && levels.contains(&Level::Commune) {
                CompetentAgency::CommuneCommittee
            } else {
                CompetentAgency::Agency(code(&department(province_code, department_for(&s.field)))?)
            };
            let commune = competent_agency == CompetentAgency::CommuneCommittee;
            let online_level = match s.online_full {
                Some(true) => OnlineLevel::FullyOnline,
                Some(false) => OnlineLevel::PartlyOnline,
                None if commune && s.fee_vnd == Some(0) => OnlineLevel::FullyOnline,
                None => OnlineLevel::PartlyOnline,
            };
            let components = s
                .components
                .iter()
                .map(|c| {
                    let lc = c.to_lowercase();
                    Component {
                        name: c.clone(),
                        copy_kind: if lc.starts_with("bản sao") {
                            CopyKind::Copy
                        } else if lc.contains("điện tử") && !lc.contains("căn cước điện tử") {
                            CopyKind::Electronic
                        } else {
                            CopyKind::Original
                        },
                        // Conditional documents (representation, special cases) are optional.
                        mandatory: !["ủy quyền", "bỏ rơi", "(nếu có)", "trường hợp"].iter().any(|k| lc.contains(k)),
                        // The sample has no template addresses: the platform's printable
                        // declaration stands in where the procedure has an e-form.
                        template: None,
                    }
                })
                .collect();
            let is_birth = s.code == "1.001193";
            let applicants = applicants_from(s.applicants.as_deref());
            let p = Procedure {
                code: ProcedureCode::parse("code", &s.code).map_err(|e| anyhow!("{}: {e}", s.code))?,
                name: s.name,
                processing_time: Some(ProcessingTime::WorkingDays(
                    s.processing_days.unwrap_or_else(|| estimated_days(&s.field, commune)),
                )),
                processing_time_estimated: s.processing_days.is_none(),
                field: s.field,
                levels,
                competent_agency,
                fee: Fee {
                    amount_vnd: s.fee_vnd,
                    note: if PER_UNIT_FEES.contains(&s.code.as_str()) {
                        "Tính theo trang, bản hoặc việc".into()
                    } else {
                        String::new()
                    },
                },
                applicants,
                online_level,
                // The source did not say: the demo's guess is shown as one.
                online_level_estimated: s.online_full.is_none(),
                components,
                form_fields: if is_birth { birth_registration_form() } else { generic_form() },
                legal_basis: if is_birth {
                    "Luật Hộ tịch năm 2014; Nghị định số 123/2015/NĐ-CP".into()
                } else {
                    String::new()
                },
                result_type: if is_birth {
                    "Giấy khai sinh (bản chính và bản điện tử)".into()
                } else {
                    String::new()
                },
                steps: if is_birth { birth_registration_steps() } else { Vec::new() },
            };
            p.normalise()
                .map_err(|errs| anyhow!("{}", errs.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")))
        })
        .collect()
}

/// The birth registration's own process (Luật Hộ tịch: within the day): a worked example of
/// a configured process; other procedures use the default two steps.
fn birth_registration_steps() -> Vec<WorkflowStep> {
    let step = |name: &str, role, budget_hours| WorkflowStep { name: name.into(), role, budget_hours };
    vec![
        step("Kiểm tra, đối chiếu giấy tờ", StepRole::Specialist, 3),
        step("Ghi Sổ hộ tịch, in Giấy khai sinh", StepRole::Specialist, 2),
        step("Ký Giấy khai sinh", StepRole::Approver, 3),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_catalogue_holds_all_144_and_marks_estimates() {
        let c = demo_catalogue(8).unwrap();
        assert_eq!(c.len(), 144);
        assert!(c.iter().all(|p| p.processing_time.is_some()));
        assert_eq!(c.iter().filter(|p| p.processing_time_estimated).count(), 72);
        // The source gives the online level of 5 procedures; the other 139 are the demo's guess.
        assert_eq!(c.iter().filter(|p| p.online_level_estimated).count(), 139);
        // Who may apply, as the national catalogue lists it.
        const PEOPLE: usize = 59;
        const ORGANIZATIONS: usize = 16;
        let who = |code: &str| c.iter().find(|p| p.code.as_str() == code).map(|p| p.applicants);
        assert_eq!(who("1.001193"), Some(Applicants::People)); // birth registration
        assert_eq!(who("1.001322"), Some(Applicants::Organizations)); // a vehicle inspection centre
        assert_eq!(who("2.000635"), Some(Applicants::PeopleAndOrganizations)); // a civil-status copy
        assert_eq!(who("1.001731"), Some(Applicants::PeopleAndOrganizations)); // unstated
        let count = |a| c.iter().filter(|p| p.applicants == a).count();
        assert_eq!(
            (count(Applicants::People), count(Applicants::Organizations), count(Applicants::PeopleAndOrganizations)),
            (PEOPLE, ORGANIZATIONS, 144 - PEOPLE - ORGANIZATIONS)
        );
    }
}
