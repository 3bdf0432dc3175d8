//! The rules of taking a dossier in: which agency decides it and which desk receives it
//! (Decree 118/2025), how long it may take, which documents must arrive and how (Decree
//! 42/2022's fully online rule, the desk's paper check), and what counts as reused data.

use super::Channel;
use chrono::{DateTime, Duration, Utc};
use tinhso_catalogue::procedure::{Applicants, CompetentAgency, OnlineLevel, Procedure, ProcessingTime};
use tinhso_kernel::error::FieldError;
use tinhso_kernel::ids::AgencyCode;
use tinhso_kernel::province::{Agency, AgencyKind, AgencyLevel};

/// The People's Committee of commune `commune`.
pub fn commune_committee(agencies: &[Agency], commune: u32) -> Option<AgencyCode> {
    agencies.iter().find(|a| a.level == AgencyLevel::Commune && a.unit_code == Some(commune)).map(|a| a.code.clone())
}

/// The provincial public administration service centre.
pub fn service_centre(agencies: &[Agency]) -> Option<AgencyCode> {
    agencies.iter().find(|a| a.kind == AgencyKind::ServiceCentre).map(|a| a.code.clone())
}

/// The agency that decides: the procedure's own, or the chosen commune's committee.
pub fn competent_agency(p: &Procedure, commune: Option<u32>, agencies: &[Agency]) -> Result<AgencyCode, FieldError> {
    match &p.competent_agency {
        CompetentAgency::Agency(c) => Ok(c.clone()),
        CompetentAgency::CommuneCommittee => commune.and_then(|c| commune_committee(agencies, c)).ok_or_else(|| {
            FieldError::new(
                "commune",
                "required",
                "Chọn xã, phường, đặc khu giải quyết hồ sơ",
                "Choose the commune that decides the dossier",
            )
        }),
    }
}

/// Decree 118/2025: any desk receives any procedure; online dossiers go to the desk of the
/// deciding commune, or to the provincial service centre for provincial procedures.
pub fn receiving_agency(
    p: &Procedure,
    desk: Option<&AgencyCode>,
    competent: &AgencyCode,
    agencies: &[Agency],
) -> AgencyCode {
    match desk {
        Some(d) => d.clone(),
        None if matches!(p.competent_agency, CompetentAgency::CommuneCommittee) => competent.clone(),
        None => service_centre(agencies).unwrap_or_else(|| competent.clone()),
    }
}

/// Working days a procedure allows; hours count as whole working days of 8 hours, and a
/// procedure without a published time gets the general 15 days.
pub fn processing_days(t: Option<ProcessingTime>) -> u16 {
    match t {
        Some(ProcessingTime::WorkingDays(d)) => d,
        Some(ProcessingTime::WorkingHours(h)) => h.div_ceil(8).max(1),
        None => 15,
    }
}

/// A document is reused data (Decision 766) when it was in the applicant's store before this
/// sitting: uploaded more than this long before the submission. Scans the desk makes are not.
pub const REUSED_AFTER: Duration = Duration::hours(1);

pub fn is_reused(stored_at: DateTime<Utc>, submitted_at: DateTime<Utc>, at_desk: bool) -> bool {
    !at_desk && stored_at < submitted_at - REUSED_AFTER
}

/// What arrived with a dossier: the components received on paper (at a desk) and the
/// components that came as files.
pub struct Arrived<'a> {
    pub channel: Channel,
    pub at_desk: bool,
    pub paper: &'a [u16],
    pub files: &'a [u16],
}

/// Every problem with the documents of a dossier at once: unknown components; at the desk, a
/// mandatory document neither on paper nor scanned; online for a fully online procedure, a
/// mandatory document not uploaded (Decree 42/2022: fully online means every document is a file).
pub fn document_errors(p: &Procedure, a: &Arrived<'_>) -> Vec<FieldError> {
    let unknown = |field: String| {
        FieldError::new(
            field,
            "unknown_component",
            "Thủ tục không có thành phần hồ sơ này",
            "The procedure has no such component",
        )
    };
    let mut errors = Vec::new();
    for (i, c) in a.paper.iter().enumerate() {
        if usize::from(*c) >= p.components.len() {
            errors.push(unknown(format!("desk.paper_components.{i}")));
        }
    }
    let has_file = |i: usize| a.files.iter().any(|f| usize::from(*f) == i);
    // The declaration is written from the e-form typed with the application (online, or by
    // the desk for a walk-in), so it is never asked for as a document.
    let written = p.declarations();
    let needed = |i: usize, c: &tinhso_catalogue::procedure::Component| c.mandatory && !written.contains(&i);
    if a.at_desk {
        for (i, c) in p.components.iter().enumerate() {
            let on_paper = a.paper.iter().any(|x| usize::from(*x) == i);
            if needed(i, c) && !on_paper && !has_file(i) {
                errors.push(FieldError::new(
                    format!("files.{i}"),
                    "required",
                    format!("Chưa nhận: {}", c.name),
                    format!("Not received: {}", c.name),
                ));
            }
        }
    }
    for f in a.files {
        if usize::from(*f) >= p.components.len() {
            errors.push(unknown(format!("files.{f}")));
        }
    }
    if a.channel == Channel::Online && p.online_level == OnlineLevel::FullyOnline {
        for (i, c) in p.components.iter().enumerate() {
            if needed(i, c) && !has_file(i) {
                errors.push(FieldError::new(
                    format!("files.{i}"),
                    "required",
                    format!("Tải lên {}", c.name.to_lowercase()),
                    format!("Upload: {}", c.name),
                ));
            }
        }
    }
    errors
}

/// Who a dossier is for, as typed: a person applies for themself (no organisation), an
/// enterprise or a household business through its representative (its name and tax code,
/// both required), as far as the procedure admits each (`applicants`). Every problem at once,
/// under `organization.name` / `organization.tax_code`, or `applicant_type` for the kind.
pub fn organization(
    applicants: Applicants,
    applicant_type: crate::ApplicantType,
    name: &str,
    tax_code: &str,
    capacity: crate::Capacity,
) -> Result<Option<crate::Organization>, Vec<FieldError>> {
    let name = tinhso_kernel::text::clean(name);
    let tax_code = tax_code.trim();
    if applicant_type == crate::ApplicantType::Citizen {
        if name.is_empty() && tax_code.is_empty() {
            if !applicants.admits_people() {
                return Err(vec![FieldError::new(
                    "applicant_type",
                    "organization_required",
                    "Thủ tục này dành cho doanh nghiệp, tổ chức hoặc hộ kinh doanh: nhập tên và mã số thuế của tổ chức bạn đại diện",
                    "This procedure is for enterprises, organisations and household businesses: enter the name and tax code of the one you represent",
                )]);
            }
            return Ok(None);
        }
        return Err(vec![FieldError::new(
            "applicant_type",
            "organization_for_citizen",
            "Đã nhập tên hoặc mã số của tổ chức: chọn nộp cho doanh nghiệp, tổ chức hoặc hộ kinh doanh, hoặc xoá hai ô đó",
            "An organisation's name or code was given: choose to apply for an enterprise or a household business, or clear them",
        )]);
    }
    if !applicants.admits_organizations() {
        return Err(vec![FieldError::new(
            "applicant_type",
            "organization_not_admitted",
            "Thủ tục này chỉ dành cho cá nhân: không nộp thay cho doanh nghiệp, tổ chức hoặc hộ kinh doanh",
            "This procedure is for individuals only: it takes no dossier for an enterprise, organisation or household business",
        )]);
    }
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push(FieldError::new(
            "organization.name",
            "required",
            "Nhập tên doanh nghiệp, tổ chức hoặc hộ kinh doanh",
            "Enter the enterprise's or household business's name",
        ));
    } else if name.chars().count() > 200 {
        errors.push(FieldError::new(
            "organization.name",
            "too_long",
            "Tên tổ chức dài tối đa 200 ký tự",
            "The organisation's name is at most 200 characters",
        ));
    }
    let code = if tax_code.is_empty() {
        errors.push(FieldError::new(
            "organization.tax_code",
            "required",
            "Nhập mã số doanh nghiệp (mã số thuế)",
            "Enter the enterprise (tax) code",
        ));
        None
    } else {
        tinhso_kernel::ids::TaxCode::parse("organization.tax_code", tax_code).map_err(|e| errors.push(e)).ok()
    };
    match code {
        Some(tax_code) if errors.is_empty() => Ok(Some(crate::Organization { name, tax_code, capacity })),
        _ => Err(errors),
    }
}

/// The letter of authorisation: someone who submits for an organisation without being its
/// legal representative shows they may (Civil Code 2015, art. 138 and 562): online, a scan
/// of the letter goes with the dossier; at the desk the officer may see the paper one
/// instead. A letter goes only with such a dossier, so none is filed where it means nothing.
pub fn authorization(
    for_organization: bool,
    capacity: crate::Capacity,
    letter: bool,
    at_desk: bool,
) -> Option<FieldError> {
    use crate::Capacity::{Authorized, LegalRepresentative};
    match (for_organization, capacity, letter) {
        (false, _, true) => Some(FieldError::new(
            "files.authorization",
            "authorization_without_organization",
            "Văn bản ủy quyền chỉ gửi khi nộp cho doanh nghiệp, tổ chức hoặc hộ kinh doanh: nhập tên và mã số thuế của tổ chức, hoặc bỏ tệp này",
            "A letter of authorisation goes only with a dossier for an enterprise or household business: enter its name and tax code, or remove the file",
        )),
        (true, Authorized, false) if !at_desk => Some(FieldError::new(
            "files.authorization",
            "authorization_required",
            "Tải lên văn bản ủy quyền (giấy ủy quyền của doanh nghiệp, tổ chức cho ông/bà, có chữ ký và con dấu nếu có)",
            "Upload the letter of authorisation (the enterprise's letter authorising you, signed, and stamped if it has a seal)",
        )),
        (true, LegalRepresentative, true) => Some(FieldError::new(
            "organization.capacity",
            "authorization_for_legal_representative",
            "Đã gửi văn bản ủy quyền: chọn \"Người được ủy quyền\", hoặc bỏ tệp này nếu ông/bà là người đại diện theo pháp luật",
            "A letter of authorisation was sent: choose \"Authorised by letter\", or remove it if you are the legal representative",
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_representative_shows_their_authority() {
        use crate::Capacity::{Authorized, LegalRepresentative};
        let code = |e: Option<tinhso_kernel::error::FieldError>| e.map(|e| (e.field, e.code));
        // The legal representative needs no letter; a person for themself sends none.
        assert_eq!(code(super::authorization(true, LegalRepresentative, false, false)), None);
        assert_eq!(code(super::authorization(false, LegalRepresentative, false, false)), None);
        // Authorised: the letter online, or the paper one at the desk.
        assert_eq!(code(super::authorization(true, Authorized, true, false)), None);
        assert_eq!(code(super::authorization(true, Authorized, false, true)), None);
        assert_eq!(
            code(super::authorization(true, Authorized, false, false)),
            Some(("files.authorization".into(), "authorization_required"))
        );
        // A letter where it means nothing is said, not filed.
        assert_eq!(
            code(super::authorization(false, Authorized, true, false)),
            Some(("files.authorization".into(), "authorization_without_organization"))
        );
        assert_eq!(
            code(super::authorization(true, LegalRepresentative, true, true)),
            Some(("organization.capacity".into(), "authorization_for_legal_representative"))
        );
    }

    #[test]
    fn who_a_dossier_is_for() {
        use crate::ApplicantType::{Business, Citizen, HouseholdBusiness};
        use tinhso_catalogue::procedure::Applicants::{Organizations, People, PeopleAndOrganizations as Anyone};
        assert_eq!(super::organization(Anyone, Citizen, "", " ", crate::Capacity::LegalRepresentative), Ok(None));
        let o = super::organization(
            Anyone,
            Business,
            "  Công ty  TNHH Hoa Mai ",
            "0100233488",
            crate::Capacity::LegalRepresentative,
        )
        .unwrap()
        .unwrap();
        assert_eq!((o.name.as_str(), o.tax_code.as_str()), ("Công ty TNHH Hoa Mai", "0100233488"));
        let h = super::organization(
            Anyone,
            HouseholdBusiness,
            "Hộ kinh doanh Lò Văn Páo",
            "008090001234",
            crate::Capacity::LegalRepresentative,
        )
        .unwrap()
        .unwrap();
        assert_eq!(h.tax_code.as_str(), "008090001234");
        // Both missing: both said at once; a wrong check digit is named as such.
        let fields = |r: Result<_, Vec<tinhso_kernel::error::FieldError>>| -> Vec<(String, String)> {
            r.err().unwrap_or_default().into_iter().map(|e| (e.field, e.code.to_owned())).collect()
        };
        assert_eq!(
            fields(super::organization(Anyone, Business, "", "", crate::Capacity::LegalRepresentative)),
            [("organization.name".into(), "required".into()), ("organization.tax_code".into(), "required".into())]
        );
        assert_eq!(
            fields(super::organization(
                Anyone,
                Business,
                "Công ty A",
                "0100233489",
                crate::Capacity::LegalRepresentative
            )),
            [("organization.tax_code".into(), "invalid_tax_code".into())]
        );
        // A person's own dossier naming an organisation is a contradiction, not silently dropped.
        assert_eq!(
            fields(super::organization(Anyone, Citizen, "Công ty A", "", crate::Capacity::LegalRepresentative)),
            [("applicant_type".into(), "organization_for_citizen".into())]
        );
        assert_eq!(
            fields(super::organization(
                Anyone,
                Business,
                &"x".repeat(201),
                "0100233488",
                crate::Capacity::LegalRepresentative
            ))[0]
                .1,
            "too_long"
        );
        // The procedure's applicants: a person's own dossier where only organisations apply, an
        // organisation's where only people do, are refused with their own codes; the rest as above.
        assert_eq!(
            fields(super::organization(Organizations, Citizen, "", "", crate::Capacity::LegalRepresentative)),
            [("applicant_type".into(), "organization_required".into())]
        );
        assert_eq!(
            fields(super::organization(
                People,
                Business,
                "Công ty A",
                "0100233488",
                crate::Capacity::LegalRepresentative
            )),
            [("applicant_type".into(), "organization_not_admitted".into())]
        );
        assert_eq!(
            fields(super::organization(Organizations, Business, "", "", crate::Capacity::LegalRepresentative))[0].1,
            "required"
        );
        assert_eq!(super::organization(People, Citizen, "", "", crate::Capacity::LegalRepresentative), Ok(None));
        assert!(super::organization(
            Organizations,
            HouseholdBusiness,
            "Hộ kinh doanh A",
            "008090001234",
            crate::Capacity::LegalRepresentative
        )
        .is_ok());
    }

    use super::*;
    use chrono::TimeZone;
    use tinhso_catalogue::procedure::{Component, CopyKind};

    fn procedure(level: OnlineLevel) -> Procedure {
        let mut p: Procedure = serde_json::from_value(serde_json::json!({
            "code": "1.001193", "name": "Đăng ký khai sinh", "field": "Hộ tịch", "levels": ["commune"],
            "competent_agency": "commune_committee", "processing_time": null,
            "fee": { "amount_vnd": null }, "online_level": "fully_online"
        }))
        .unwrap();
        p.online_level = level;
        p.components = vec![
            Component { name: "Tờ khai".into(), copy_kind: CopyKind::Original, mandatory: true, template: None },
            Component {
                name: "Giấy chứng sinh".into(),
                copy_kind: CopyKind::Original,
                mandatory: true,
                template: None,
            },
            Component {
                name: "Giấy ủy quyền".into(), copy_kind: CopyKind::Original, mandatory: false, template: None
            },
        ];
        p
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn fully_online_needs_every_mandatory_document_as_a_file() {
        let p = procedure(OnlineLevel::FullyOnline);
        let online = |files: &[u16]| {
            document_errors(&p, &Arrived { channel: Channel::Online, at_desk: false, paper: &[], files })
        };
        assert_eq!(fields(&online(&[0])), ["files.1"]);
        assert!(online(&[0, 1]).is_empty());
        assert_eq!(fields(&online(&[0, 1, 7])), ["files.7"]);
        // A partly online procedure takes the rest on paper later.
        let partly = procedure(OnlineLevel::PartlyOnline);
        assert!(document_errors(
            &partly,
            &Arrived { channel: Channel::Online, at_desk: false, paper: &[], files: &[] }
        )
        .is_empty());
    }

    #[test]
    fn the_desk_checks_paper_and_scans_together() {
        let p = procedure(OnlineLevel::FullyOnline);
        let desk = |paper: &[u16], files: &[u16]| {
            document_errors(&p, &Arrived { channel: Channel::InPerson, at_desk: true, paper, files })
        };
        assert_eq!(fields(&desk(&[0], &[])), ["files.1"]);
        assert!(desk(&[0], &[1]).is_empty());
        assert_eq!(fields(&desk(&[0, 1, 9], &[])), ["desk.paper_components.2"]);
    }

    #[test]
    fn the_e_form_is_the_declaration() {
        let mut p = procedure(OnlineLevel::FullyOnline);
        p.form_fields = serde_json::from_value(serde_json::json!([
            {"key": "ho_ten", "label": "Họ và tên", "type": "text", "required": true}
        ]))
        .unwrap();
        let online =
            document_errors(&p, &Arrived { channel: Channel::Online, at_desk: false, paper: &[], files: &[1] });
        assert!(online.is_empty(), "no upload of the declaration: {online:?}");
        let desk = document_errors(&p, &Arrived { channel: Channel::InPerson, at_desk: true, paper: &[1], files: &[] });
        assert!(desk.is_empty(), "nor on paper at the desk: {desk:?}");
    }

    #[test]
    fn hours_round_up_to_working_days() {
        assert_eq!(processing_days(Some(ProcessingTime::WorkingHours(4))), 1);
        assert_eq!(processing_days(Some(ProcessingTime::WorkingHours(12))), 2);
        assert_eq!(processing_days(Some(ProcessingTime::WorkingDays(3))), 3);
        assert_eq!(processing_days(None), 15);
    }

    #[test]
    fn documents_from_an_earlier_sitting_are_reused() {
        let now = Utc.with_ymd_and_hms(2025, 3, 3, 2, 0, 0).single().unwrap();
        assert!(is_reused(now - Duration::hours(2), now, false));
        assert!(!is_reused(now - Duration::minutes(10), now, false));
        assert!(!is_reused(now - Duration::days(30), now, true));
    }
}
