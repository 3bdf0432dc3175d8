//! Who a dossier is for, on the apply and desk forms: the applicant themself, or an enterprise
//! or a household business they represent (`partials/organization.html`), as far as the
//! procedure admits each. The rules (what is required, the tax code) are the intake's
//! (`tinhso_dossier::intake::organization`).

use tinhso_catalogue::procedure::Applicants;
use tinhso_http::form::FormData;
use tinhso_kernel::ids::Sha256;
use tinhso_kernel::FieldError;

/// The "who is it for" block of the apply and desk forms (`partials/organization.html`).
pub struct OrganizationBlock {
    pub en: bool,
    /// Left out where only people apply (unless something in it needs saying).
    pub shown: bool,
    /// Where only organisations apply: always open, its two boxes required.
    pub required: bool,
    /// Open when anything in it was typed or is wrong.
    pub open: bool,
    /// The organisation the applicant last represented, offered by a link that fills it in.
    pub offer: Option<String>,
    pub household: bool,
    pub name: String,
    pub tax_code: String,
    /// Submitted by someone authorised in writing, not the legal representative.
    pub authorized: bool,
    /// The letter of authorisation kept from an earlier try: (SHA-256, file name).
    pub letter: Option<(String, String)>,
    /// On the desk's form: the officer may see a paper letter instead of a scan.
    pub at_desk: bool,
    pub kind_error: Option<String>,
    pub name_error: Option<String>,
    pub code_error: Option<String>,
    pub capacity_error: Option<String>,
    pub letter_error: Option<String>,
}

impl OrganizationBlock {
    pub fn new(values: &FormData, errors: &[FieldError], en: bool, applicants: Applicants) -> Self {
        let error = |field: &str| {
            errors.iter().find(|e| e.field == field).map(|e| if en { e.message_en.clone() } else { e.message.clone() })
        };
        let (name, tax_code) = (values.text("organization.name"), values.text("organization.tax_code"));
        let (kind_error, name_error, code_error) =
            (error("applicant_type"), error("organization.name"), error("organization.tax_code"));
        let (capacity_error, letter_error) = (error("organization.capacity"), error("files.authorization"));
        let typed = !name.trim().is_empty() || !tax_code.trim().is_empty();
        let required = !applicants.admits_people();
        let wrong = [&kind_error, &name_error, &code_error, &capacity_error, &letter_error].iter().any(|e| e.is_some());
        Self {
            en,
            shown: applicants.admits_organizations() || typed || wrong,
            required,
            open: required || typed || wrong,
            offer: None,
            household: values.text("organization.kind") == kind_key(tinhso_dossier::ApplicantType::HouseholdBusiness),
            name,
            tax_code,
            authorized: capacity_of(values) == tinhso_dossier::Capacity::Authorized,
            letter: None,
            at_desk: false,
            kind_error,
            name_error,
            code_error,
            capacity_error,
            letter_error,
        }
    }
}

/// Who the form says the dossier is for: the applicant themself while the organisation's two
/// boxes are empty (unless the procedure is only for organisations, whose boxes are then
/// each said to be missing), else the kind chosen beside them (an enterprise unless a
/// household business is chosen), whose name and code the intake then checks.
/// A letter of authorisation sent without an organisation still goes to the intake, which
/// says it is out of place rather than dropping it.
pub fn organization_typed(
    form: &FormData,
    applicants: Applicants,
    letter: Option<Sha256>,
) -> (tinhso_dossier::ApplicantType, Option<tinhso_api::dossiers::OrganizationInput>) {
    use tinhso_dossier::ApplicantType;
    let (name, tax_code) = (form.text("organization.name"), form.text("organization.tax_code"));
    let capacity = capacity_of(form);
    if name.trim().is_empty() && tax_code.trim().is_empty() && applicants.admits_people() {
        let stray = letter.map(|l| tinhso_api::dossiers::OrganizationInput {
            capacity,
            authorization: Some(l),
            ..Default::default()
        });
        return (ApplicantType::Citizen, stray);
    }
    let kind = if form.text("organization.kind") == kind_key(ApplicantType::HouseholdBusiness) {
        ApplicantType::HouseholdBusiness
    } else {
        ApplicantType::Business
    };
    (kind, Some(tinhso_api::dossiers::OrganizationInput { name, tax_code, capacity, authorization: letter }))
}

/// The capacity chosen on the form (`organization.capacity`); the legal representative unless
/// "authorised" is chosen.
pub fn capacity_of(form: &FormData) -> tinhso_dossier::Capacity {
    tinhso_dossier::Capacity::parse(&form.text("organization.capacity")).unwrap_or_default()
}

/// The kind select's value for an organisation's applicant type (`organization.kind`).
pub fn kind_key(t: tinhso_dossier::ApplicantType) -> &'static str {
    match t {
        tinhso_dossier::ApplicantType::HouseholdBusiness => "household_business",
        _ => "business",
    }
}

/// The letter of authorisation sent with a form: uploaded now (`file.authorization`), or kept
/// from an earlier try (`reuse.authorization`, a file of the applicant's document store).
pub(crate) fn letter_of(
    uploaded: &[(String, Sha256)],
    form: &FormData,
    errors: &mut Vec<FieldError>,
) -> Option<Sha256> {
    let fresh = uploaded.iter().find(|(f, _)| f == "file.authorization").map(|(_, h)| h.clone());
    fresh.or_else(|| match form.text("reuse.authorization").as_str() {
        "" => None,
        h => Sha256::parse("files.authorization", h).map_err(|e| errors.push(e)).ok(),
    })
}
