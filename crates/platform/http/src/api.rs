//! The platform's JSON API: the province's communes, health; `json_bytes` for every module's
//! handlers. The OpenAPI document is generated from the API's types and the routes'
//! annotations (`crate::openapi`).

use crate::error::{ApiResult, AppError};
use crate::form::ApiQuery;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use tinhso_api::catalogue::{ProvinceRef, UnitItem, UnitPage, UnitQuery};
use tinhso_api::{ErrorBody, Health};

pub const MAX_LIMIT: usize = 100;

/// A page size from a query: `default` when absent, refused outside 1 to [`MAX_LIMIT`].
pub fn limit(l: Option<usize>, default: usize) -> Result<usize, AppError> {
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

pub fn json_bytes<T: Serialize>(status: StatusCode, v: &T) -> ApiResult<Response> {
    let body = serde_json::to_vec(v).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((status, [(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// The province's communes, wards and special zones valid today.
#[utoipa::path(get, path = "/api/v1/units", tag = "catalogue", params(UnitQuery),
    responses((status = 200, body = UnitPage), (status = 400, body = ErrorBody)))]
pub async fn units(State(state): State<AppState>, ApiQuery(q): ApiQuery<UnitQuery>) -> ApiResult<Response> {
    let offset = q.offset.unwrap_or(0) as usize;
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
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: "ok",
                database,
                procedures: Some(crate::capability::procedures::count(&state)),
                demo: state.config.demo,
            }),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            let body = Health { status: "unavailable", database, procedures: None, demo: state.config.demo };
            (StatusCode::SERVICE_UNAVAILABLE, Json(body))
        }
    }
}

/// This document.
pub async fn not_found() -> ApiResult<()> {
    Err(AppError::NotFound.into())
}
