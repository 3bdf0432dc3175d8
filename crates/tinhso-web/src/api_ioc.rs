//! The operations centre over JSON: the Decision 766 index of a unit for a period, and the
//! dossiers behind any of its numbers.

use crate::api_dossiers::ApiUser;
use crate::drill;
use crate::error::{ApiResult, AppError};
use crate::form::ApiQuery;
use crate::ioc::{self, parse_period, parse_unit, unit_name};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tinhso_ioc::Measure;
use tinhso_policy::{decide, Action, Actor, Decision};

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BehindQuery {
    from: Option<String>,
    to: Option<String>,
    unit: Option<String>,
    measure: String,
    after: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/v1/ioc/dossiers`: the dossiers behind one number (leaders and province admins),
/// newest first, a page at a time; `next` is the `after` of the following page.
pub async fn dossiers(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<BehindQuery>,
) -> ApiResult<Json<Value>> {
    let actor = Actor { role: user.account.role, agency: user.account.agency.clone() };
    if decide(&actor, &Action::ViewOperationsCentre) == Decision::Deny {
        return Err(AppError::Forbidden.into());
    }
    let unit = parse_unit(&state, q.unit.as_deref())?;
    let period = parse_period(q.from.as_deref(), q.to.as_deref())?;
    let measure = Measure::parse(&q.measure)
        .ok_or_else(|| AppError::bad_request("unknown_measure", "Không có số liệu này", "No such measure"))?;
    let limit = q.limit.unwrap_or(drill::PAGE);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::bad_request("invalid_limit", "limit phải từ 1 đến 1000", "limit must be 1-1000").into());
    }
    let after = drill::parse_after(q.after.as_deref())?;
    let behind = drill::behind(&state, &unit, period, measure, after, limit).await?;
    let items: Vec<Value> = behind
        .dossiers
        .iter()
        .map(|d| {
            json!({
                "code": d.code,
                "procedure": d.procedure.as_str(),
                "state": d.state.key(),
                "state_code": d.state.code(),
                "competent_agency": d.competent_agency.as_str(),
                "submitted_on": d.submitted_on,
                "due_on": d.due_on,
                "finished_on": d.finished_on,
            })
        })
        .collect();
    Ok(Json(json!({
        "unit": unit.key(),
        "measure": measure.key(),
        "from": period.from,
        "to": period.to,
        "total": behind.total,
        "items": items,
        "next": behind.next.as_ref().map(drill::cursor_param),
    })))
}
