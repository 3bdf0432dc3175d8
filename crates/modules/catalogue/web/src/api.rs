//! The catalogue over JSON: searching procedures, one procedure whole.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use tinhso_api::catalogue::{AgencyRef, ProcedureDetail, ProcedurePage, ProcedureQuery, ProcedureSummary};
use tinhso_api::ErrorBody;
use tinhso_catalogue::procedure::CompetentAgency;
use tinhso_http::api::{json_bytes, limit};
use tinhso_http::error::{ApiResult, AppError};
use tinhso_http::form::ApiQuery;
use tinhso_http::state::AppState;

fn agency_ref<'a>(state: &'a AppState, a: &'a CompetentAgency) -> AgencyRef<'a> {
    match a {
        CompetentAgency::CommuneCommittee => {
            AgencyRef { code: None, name: "Ủy ban nhân dân xã, phường, đặc khu" }
        }
        CompetentAgency::Agency(c) => {
            AgencyRef { code: Some(c.as_str()), name: state.agency_name(c.as_str()).unwrap_or(c.as_str()) }
        }
    }
}

/// Search the catalogue.
#[utoipa::path(get, path = "/api/v1/procedures", tag = "catalogue", params(ProcedureQuery),
    responses((status = 200, body = ProcedurePage), (status = 400, body = ErrorBody)))]
pub async fn procedures(State(state): State<AppState>, ApiQuery(q): ApiQuery<ProcedureQuery>) -> ApiResult<Response> {
    let filters = crate::search::filters(&state, &q.field, &q.level, &q.agency, &q.online, &q.applicant)?;
    let limit = limit(q.limit, 20)?;
    let catalogue = crate::live::index(&state);
    let hits = catalogue.search(q.q.as_deref().unwrap_or(""), &filters, q.offset.unwrap_or(0) as usize, limit);
    let items = hits
        .items
        .iter()
        .map(|p| ProcedureSummary {
            code: p.code.as_str(),
            name: &p.name,
            field: &p.field,
            levels: &p.levels,
            online_level: p.online_level,
            applicants: p.applicants,
            processing_time: p.processing_time,
            processing_time_estimated: p.processing_time_estimated,
            fee_vnd: p.fee.amount_vnd,
            competent_agency: agency_ref(&state, &p.competent_agency),
        })
        .collect();
    json_bytes(StatusCode::OK, &ProcedurePage { items, total: hits.total })
}

/// One procedure, whole.
#[utoipa::path(get, path = "/api/v1/procedures/{code}", tag = "catalogue",
    params(("code" = tinhso_kernel::ids::ProcedureCode, Path, description = "National procedure code")),
    responses((status = 200, body = ProcedureDetail), (status = 404, body = ErrorBody)))]
pub async fn procedure(State(state): State<AppState>, Path(code): Path<String>) -> ApiResult<Response> {
    let catalogue = crate::live::index(&state);
    let p = catalogue.get(&code).ok_or(AppError::NotFound)?;
    let detail = ProcedureDetail::new(p.as_ref(), agency_ref(&state, &p.competent_agency));
    json_bytes(StatusCode::OK, &detail)
}
