//! Turning request parameters into search filters, shared by the API and the portal.

use tinhso_catalogue::procedure::{Applicants, CompetentAgency, Level, OnlineLevel};
use tinhso_catalogue::search::Filters;
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::ids::AgencyCode;

/// Value meaning "the commune People's Committee" in the agency filter.
pub const COMMUNE_COMMITTEE: &str = "commune_committee";

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A value picked from a list (the pages' selects send it as listed): empty means "any", and
/// anything else must be one of the list as it is, spaces included.
fn picked(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

pub fn filters(
    state: &AppState,
    field: &Option<String>,
    level: &Option<String>,
    agency: &Option<String>,
    online: &Option<String>,
    applicant: &Option<String>,
) -> Result<Filters, AppError> {
    let level = picked(level)
        .map(|l| {
            Level::parse(l).ok_or_else(|| {
                AppError::bad_request(
                    "invalid_level",
                    "Cấp thực hiện phải là province, commune, ministry hoặc other",
                    "level must be province, commune, ministry or other",
                )
            })
        })
        .transpose()?;
    let online_level = picked(online)
        .map(|o| {
            OnlineLevel::parse(o).ok_or_else(|| {
                AppError::bad_request(
                    "invalid_online_level",
                    "Mức độ trực tuyến phải là fully_online, partly_online hoặc in_person",
                    "online must be fully_online, partly_online or in_person",
                )
            })
        })
        .transpose()?;
    let applicant = picked(applicant)
        .map(|a| match Applicants::parse(a) {
            Some(a @ (Applicants::People | Applicants::Organizations)) => Ok(a),
            _ => Err(AppError::bad_request(
                "invalid_applicant",
                "Đối tượng phải là people (cá nhân) hoặc organizations (doanh nghiệp, tổ chức)",
                "applicant must be people or organizations",
            )),
        })
        .transpose()?;
    let agency = match non_empty(agency) {
        None => None,
        Some(COMMUNE_COMMITTEE) => Some(CompetentAgency::CommuneCommittee),
        Some(code) => {
            let code = AgencyCode::parse("agency", code).map_err(|e| AppError::Invalid(vec![e]))?;
            if state.agency_name(code.as_str()).is_none() {
                return Err(AppError::bad_request(
                    "unknown_agency",
                    format!("Không có cơ quan mã {code} trong tỉnh"),
                    format!("No agency with code {code} in this province"),
                ));
            }
            Some(CompetentAgency::Agency(code))
        }
    };
    Ok(Filters { field: non_empty(field).map(str::to_owned), level, agency, online_level, applicant })
}
