//! JSON API v1: the catalogue, the communes, health and the OpenAPI document, which is generated
//! from the API's types and these routes' annotations (`crate::openapi`).

use crate::error::{ApiResult, AppError};
use crate::form::ApiQuery;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use tinhso_api::catalogue::{
    AgencyRef, ProcedureDetail, ProcedurePage, ProcedureQuery, ProcedureSummary, ProvinceRef, UnitItem, UnitPage,
    UnitQuery,
};
use tinhso_api::{ErrorBody, Health};
use tinhso_catalogue::procedure::CompetentAgency;

pub const MAX_LIMIT: usize = 100;

fn limit(l: Option<usize>, default: usize) -> Result<usize, AppError> {
    match l {
        None => Ok(default),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(AppError::bad_request(
            "invalid_limit",
            format!("limit phải từ 1 đến {MAX_LIMIT}"),
            format!("limit must be between 1 and {MAX_LIMIT}"),
        )),
    }
}

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

pub fn json_bytes<T: Serialize>(status: StatusCode, v: &T) -> ApiResult<Response> {
    let body = serde_json::to_vec(v).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((status, [(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Search the catalogue.
#[utoipa::path(get, path = "/api/v1/procedures", tag = "catalogue", params(ProcedureQuery),
    responses((status = 200, body = ProcedurePage), (status = 400, body = ErrorBody)))]
pub async fn procedures(State(state): State<AppState>, ApiQuery(q): ApiQuery<ProcedureQuery>) -> ApiResult<Response> {
    let filters = crate::search::filters(&state, &q.field, &q.level, &q.agency, &q.online)?;
    let limit = limit(q.limit, 20)?;
    let catalogue = state.catalogue();
    let hits = catalogue.search(q.q.as_deref().unwrap_or(""), &filters, q.offset.unwrap_or(0), limit);
    let items = hits
        .items
        .iter()
        .map(|p| ProcedureSummary {
            code: p.code.as_str(),
            name: &p.name,
            field: &p.field,
            levels: &p.levels,
            online_level: p.online_level,
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
    params(("code" = String, Path, description = "National procedure code", example = "1.001193")),
    responses((status = 200, body = ProcedureDetail), (status = 404, body = ErrorBody)))]
pub async fn procedure(State(state): State<AppState>, Path(code): Path<String>) -> ApiResult<Response> {
    let catalogue = state.catalogue();
    let p = catalogue.get(&code).ok_or(AppError::NotFound)?;
    let detail =
        ProcedureDetail { procedure: p.as_ref(), competent_agency_detail: agency_ref(&state, &p.competent_agency) };
    json_bytes(StatusCode::OK, &detail)
}

/// The province's communes, wards and special zones valid today.
#[utoipa::path(get, path = "/api/v1/units", tag = "catalogue", params(UnitQuery),
    responses((status = 200, body = UnitPage), (status = 400, body = ErrorBody)))]
pub async fn units(State(state): State<AppState>, ApiQuery(q): ApiQuery<UnitQuery>) -> ApiResult<Response> {
    let offset = q.offset.unwrap_or(0);
    let take = match q.limit {
        None => usize::MAX,
        some => limit(some, 0)?,
    };
    let items = state
        .units
        .iter()
        .skip(offset)
        .take(take)
        .map(|u| UnitItem {
            code: u.code,
            name: &u.name,
            division_type: u.division_type,
            valid_from: u.valid_from,
            valid_to: u.valid_to,
        })
        .collect();
    let page = UnitPage {
        province: ProvinceRef { code: state.province.code, name: &state.province.name },
        items,
        total: state.units.len(),
    };
    json_bytes(StatusCode::OK, &page)
}

/// Whether the server and its database answer.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let database = state.store.health.backend();
    match state.store.health.ping().await {
        Ok(()) => (StatusCode::OK, Json(Health { status: "ok", database, procedures: Some(state.catalogue().len()) })),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "unavailable", database, procedures: None }))
        }
    }
}

/// This document.
pub async fn not_found() -> ApiResult<()> {
    Err(AppError::NotFound.into())
}
