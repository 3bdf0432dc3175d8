//! JSON API v1 (documented in `openapi.json`).

use crate::error::{ApiResult, AppError};
use crate::form::ApiQuery;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tinhso_catalogue::procedure::{CompetentAgency, Level, OnlineLevel, ProcessingTime};

pub const MAX_LIMIT: usize = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcedureQuery {
    q: Option<String>,
    field: Option<String>,
    level: Option<String>,
    agency: Option<String>,
    online: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

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

#[derive(Serialize)]
struct AgencyRef<'a> {
    code: Option<&'a str>,
    name: &'a str,
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

/// One search hit: what a result list needs, not the whole procedure.
#[derive(Serialize)]
struct Summary<'a> {
    code: &'a str,
    name: &'a str,
    field: &'a str,
    levels: &'a [Level],
    online_level: OnlineLevel,
    processing_time: Option<ProcessingTime>,
    processing_time_estimated: bool,
    fee_vnd: Option<u64>,
    competent_agency: AgencyRef<'a>,
}

#[derive(Serialize)]
struct SearchPage<'a> {
    items: Vec<Summary<'a>>,
    total: usize,
}

fn json_bytes<T: Serialize>(v: &T) -> ApiResult<Response> {
    let body = serde_json::to_vec(v).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

pub async fn procedures(State(state): State<AppState>, ApiQuery(q): ApiQuery<ProcedureQuery>) -> ApiResult<Response> {
    let filters = crate::search::filters(&state, &q.field, &q.level, &q.agency, &q.online)?;
    let limit = limit(q.limit, 20)?;
    let catalogue = state.catalogue();
    let hits = catalogue.search(q.q.as_deref().unwrap_or(""), &filters, q.offset.unwrap_or(0), limit);
    let items = hits
        .items
        .iter()
        .map(|p| Summary {
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
    json_bytes(&SearchPage { items, total: hits.total })
}

pub async fn procedure(State(state): State<AppState>, Path(code): Path<String>) -> ApiResult<Json<Value>> {
    let catalogue = state.catalogue();
    let p = catalogue.get(&code).ok_or(AppError::NotFound)?;
    let mut v = serde_json::to_value(p.as_ref()).map_err(|e| AppError::Internal(e.to_string()))?;
    v["competent_agency_detail"] = serde_json::to_value(agency_ref(&state, &p.competent_agency)).unwrap_or_default();
    Ok(Json(v))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitQuery {
    limit: Option<usize>,
    offset: Option<usize>,
}

pub async fn units(State(state): State<AppState>, ApiQuery(q): ApiQuery<UnitQuery>) -> ApiResult<Json<Value>> {
    let offset = q.offset.unwrap_or(0);
    let take = match q.limit {
        None => usize::MAX,
        some => limit(some, 0)?,
    };
    let items: Vec<Value> = state
        .units
        .iter()
        .skip(offset)
        .take(take)
        .map(|u| {
            json!({
                "code": u.code,
                "name": u.name,
                "division_type": u.division_type,
                "valid_from": u.valid_from,
                "valid_to": u.valid_to,
            })
        })
        .collect();
    Ok(Json(json!({
        "province": { "code": state.province.code, "name": state.province.name },
        "items": items,
        "total": state.units.len(),
    })))
}

pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.health.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(
                json!({ "status": "ok", "database": state.store.health.backend(), "procedures": state.catalogue().len() }),
            ),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": state.store.health.backend() })),
            )
        }
    }
}

pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], include_str!("../openapi.json"))
}

pub async fn not_found() -> ApiResult<()> {
    Err(AppError::NotFound.into())
}
