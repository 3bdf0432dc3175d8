//! Who a dossier is for, on the apply and desk forms: the applicant themself, or an enterprise
//! or a household business they represent (`partials/organization.html`), as far as the
//! procedure admits each. The rules (what is required, the tax code) are the intake's
//! (`tinhso_dossier::intake::organization`).

use tinhso_catalogue::procedure::Applicants;
use tinhso_http::form::FormData;
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
    pub kind_error: Option<String>,
    pub name_error: Option<String>,
    pub code_error: Option<String>,
}

impl OrganizationBlock {
    pub fn new(values: &FormData, errors: &[FieldError], en: bool, applicants: Applicants) -> Self {
        let error = |field: &str| {
            errors.iter().find(|e| e.field == field).map(|e| if en { e.message_en.clone() } else { e.message.clone() })
        };
        let (name, tax_code) = (values.text("organization.name"), values.text("organization.tax_code"));
        let (kind_error, name_error, code_error) =
            (error("applicant_type"), error("organization.name"), error("organization.tax_code"));
        let typed = !name.trim().is_empty() || !tax_code.trim().is_empty();
        let required = !applicants.admits_people();
        Self {
            en,
            shown: applicants.admits_organizations() || typed || kind_error.is_some(),
            required,
            open: required || typed || kind_error.is_some() || name_error.is_some() || code_error.is_some(),
            offer: None,
            household: values.text("organization.kind") == kind_key(tinhso_dossier::ApplicantType::HouseholdBusiness),
            name,
            tax_code,
            kind_error,
            name_error,
            code_error,
        }
    }
}

/// Who the form says the dossier is for: the applicant themself while the organisation's two
/// boxes are empty (unless the procedure is only for organisations, whose boxes are then
/// each said to be missing), else the kind chosen beside them (an enterprise unless a
/// household business is chosen), whose name and code the intake then checks.
pub fn organization_typed(
    form: &FormData,
    applicants: Applicants,
) -> (tinhso_dossier::ApplicantType, Option<tinhso_api::dossiers::OrganizationInput>) {
    use tinhso_dossier::ApplicantType;
    let (name, tax_code) = (form.text("organization.name"), form.text("organization.tax_code"));
    if name.trim().is_empty() && tax_code.trim().is_empty() && applicants.admits_people() {
        return (ApplicantType::Citizen, None);
    }
    let kind = if form.text("organization.kind") == kind_key(ApplicantType::HouseholdBusiness) {
        ApplicantType::HouseholdBusiness
    } else {
        ApplicantType::Business
    };
    (kind, Some(tinhso_api::dossiers::OrganizationInput { name, tax_code }))
}

/// The kind select's value for an organisation's applicant type (`organization.kind`).
pub fn kind_key(t: tinhso_dossier::ApplicantType) -> &'static str {
    match t {
        tinhso_dossier::ApplicantType::HouseholdBusiness => "household_business",
        _ => "business",
    }
}
