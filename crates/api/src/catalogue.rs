//! The procedure catalogue and the province's communes.

use serde::{Deserialize, Serialize};
use tinhso_catalogue::procedure::{Applicants, Level, OnlineLevel, Procedure, ProcessingTime};
use tinhso_kernel::province::DivisionType;
use utoipa::{IntoParams, ToSchema};

/// `GET /api/v1/procedures`: search (without diacritics too) and filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProcedureQuery {
    /// Words of the name or a procedure code, with or without diacritics.
    pub q: Option<String>,
    /// A field (lĩnh vực) as listed in the catalogue.
    pub field: Option<String>,
    /// `province`, `commune`, `ministry` or `other`.
    #[param(pattern = "^(province|commune|ministry|other)?$")]
    pub level: Option<String>,
    /// The deciding agency's code, or `commune_committee` for the commune committees.
    #[param(pattern = "^(commune_committee|[0-9A-Za-z]{1,9}(\\.[0-9A-Za-z]{1,9}){1,3})?$")]
    pub agency: Option<String>,
    /// `fully_online`, `partly_online` or `in_person`.
    #[param(pattern = "^(fully_online|partly_online|in_person)?$")]
    pub online: Option<String>,
    /// `people`: procedures a person may do for themself; `organizations`: those an
    /// enterprise, organisation or household business may do.
    #[param(pattern = "^(people|organizations)?$")]
    pub applicant: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    #[param(minimum = 0, maximum = 4294967295u64)]
    pub offset: Option<u32>,
}

/// The deciding agency of a procedure: a named agency, or the commune committees (no code).
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyRef<'a> {
    pub code: Option<&'a str>,
    pub name: &'a str,
}

/// One search hit: what a result list needs, not the whole procedure.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProcedureSummary<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub field: &'a str,
    pub levels: &'a [Level],
    pub online_level: OnlineLevel,
    pub applicants: Applicants,
    pub processing_time: Option<ProcessingTime>,
    pub processing_time_estimated: bool,
    pub fee_vnd: Option<u64>,
    pub competent_agency: AgencyRef<'a>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProcedurePage<'a> {
    pub items: Vec<ProcedureSummary<'a>>,
    /// Hits in all, beyond this page.
    pub total: usize,
}

/// `GET /api/v1/procedures/{code}`: the whole procedure, with its deciding agency named.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProcedureDetail<'a> {
    #[serde(flatten)]
    pub procedure: &'a Procedure,
    pub competent_agency_detail: AgencyRef<'a>,
    /// Said here when the procedure itself leaves it out (anyone may apply), so that every
    /// answer names who may apply exactly once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applicants: Option<Applicants>,
}

impl<'a> ProcedureDetail<'a> {
    pub fn new(procedure: &'a Procedure, competent_agency_detail: AgencyRef<'a>) -> Self {
        let applicants = procedure.applicants.is_default().then_some(procedure.applicants);
        Self { procedure, competent_agency_detail, applicants }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    #[param(minimum = 0, maximum = 4294967295u64)]
    pub offset: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProvinceRef<'a> {
    pub code: u32,
    pub name: &'a str,
}

/// A commune, ward or special zone valid today.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitItem<'a> {
    pub code: u32,
    pub name: &'a str,
    pub division_type: DivisionType,
    pub valid_from: chrono::NaiveDate,
    pub valid_to: Option<chrono::NaiveDate>,
}

/// `GET /api/v1/units`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitPage<'a> {
    pub province: ProvinceRef<'a>,
    pub items: Vec<UnitItem<'a>>,
    pub total: usize,
}
