//! The operations centre over JSON: the Decision 766 index of a unit for a period.

use crate::error::ApiResult;
use crate::form::ApiQuery;
use crate::ioc::{self, parse_period, parse_unit, unit_name};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexQuery {
    from: Option<String>,
    to: Option<String>,
    unit: Option<String>,
}

/// `GET /api/v1/ioc/index`: public, like the national portal's index. The total, each group
/// and each indicator with its formula, inputs, rate, points and where the value came from.
pub async fn index(State(state): State<AppState>, ApiQuery(q): ApiQuery<IndexQuery>) -> ApiResult<Json<Value>> {
    let unit = parse_unit(&state, q.unit.as_deref())?;
    let period = parse_period(q.from.as_deref(), q.to.as_deref())?;
    let snapshot = ioc::snapshot(&state, period).await?;
    let report = snapshot.report(&state, &unit);
    Ok(Json(json!({
        "unit": unit.key(),
        "unit_name": unit_name(&state, &unit),
        "from": period.from,
        "to": period.to,
        "total": report.total,
        "max": 100,
        "groups": report.groups,
    })))
}
