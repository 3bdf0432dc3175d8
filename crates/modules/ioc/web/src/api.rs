//! The operations centre over JSON: the Decision 766 index of a unit for a period, and the
//! dossiers behind any of its numbers.

use crate::drill;
use crate::service::{self as ioc, parse_period, parse_unit, unit_name};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use tinhso_api::ioc::{BehindAnswer, BehindItem, BehindQuery, IndexAnswer, IndexQuery};
use tinhso_api::ErrorBody;
use tinhso_http::api::json_bytes;
use tinhso_http::api_session::ApiUser;
use tinhso_http::error::{ApiResult, AppError};
use tinhso_http::form::ApiQuery;
use tinhso_http::state::AppState;
use tinhso_ioc::Measure;
use tinhso_policy::{decide, Action, Actor, Decision};

/// A date parameter as the document gives it: absent, or a date. The pages' forms send an
/// empty field for "not set", which `parse_period` takes as absent; over the API an empty value
/// is not a date, and is refused as one.
fn date<'a>(value: &'a Option<String>, field: &str) -> Result<Option<&'a str>, AppError> {
    match value.as_deref() {
        Some(s) if s.trim().is_empty() => Err(AppError::bad_request(
            "invalid_date",
            format!("Ngày ({field}) để trống: nhập ngày dạng năm-tháng-ngày, ví dụ 2025-03-05, hoặc bỏ tham số này"),
            format!("{field} is empty: give a date such as 2025-03-05, or leave the parameter out"),
        )),
        other => Ok(other),
    }
}

/// A unit's Decision 766 index: public, like the national portal's. The total, each group and
/// each indicator with its formula, inputs, rate, points and where the value came from.
#[utoipa::path(get, path = "/api/v1/ioc/index", tag = "ioc", params(IndexQuery),
    responses((status = 200, body = IndexAnswer), (status = 400, body = ErrorBody)))]
pub async fn index(State(state): State<AppState>, ApiQuery(q): ApiQuery<IndexQuery>) -> ApiResult<Response> {
    let unit = parse_unit(&state, q.unit.as_deref())?;
    let period = parse_period(date(&q.from, "from")?, date(&q.to, "to")?)?;
    let snapshot = ioc::snapshot(&state, period).await?;
    let report = snapshot.report(&state, &unit);
    let answer = IndexAnswer {
        unit: unit.key(),
        unit_name: unit_name(&state, &unit),
        from: period.from,
        to: period.to,
        total: report.total,
        max: 100,
        groups: &report.groups,
    };
    json_bytes(StatusCode::OK, &answer)
}

/// The dossiers behind one number of the index (leaders and province admins), newest first, a
/// page at a time; `next` is the `after` of the following page.
#[utoipa::path(get, path = "/api/v1/ioc/dossiers", tag = "ioc", params(BehindQuery),
    responses((status = 200, body = BehindAnswer), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("session" = [])))]
pub async fn dossiers(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<BehindQuery>,
) -> ApiResult<Response> {
    let actor = Actor { role: user.account.role, agency: user.account.agency.clone() };
    if decide(&actor, &Action::ViewOperationsCentre) == Decision::Deny {
        return Err(AppError::Forbidden.into());
    }
    let unit = parse_unit(&state, q.unit.as_deref())?;
    let period = parse_period(date(&q.from, "from")?, date(&q.to, "to")?)?;
    let measure = Measure::parse(&q.measure)
        .ok_or_else(|| AppError::bad_request("unknown_measure", "Không có số liệu này", "No such measure"))?;
    if measure.of_reports() {
        return Err(AppError::bad_request(
            "measure_of_reports",
            "Số liệu này đếm phản ánh, không phải hồ sơ: xem trang /dieu-hanh/ho-so hoặc Open311 /open311/v2/requests.json",
            "This measure counts reports, not dossiers: see /dieu-hanh/ho-so or Open311 /open311/v2/requests.json",
        )
        .into());
    }
    let limit = q.limit.unwrap_or(drill::PAGE);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::bad_request("invalid_limit", "limit phải từ 1 đến 1000", "limit must be 1-1000").into());
    }
    let after = drill::parse_after(q.after.as_deref())?;
    let behind = drill::behind(&state, &unit, period, measure, after, limit).await?;
    let items = behind
        .dossiers
        .iter()
        .map(|d| BehindItem {
            code: d.code.as_str(),
            procedure: d.procedure.as_str(),
            state: d.state.key(),
            state_code: d.state.code(),
            competent_agency: d.competent_agency.as_str(),
            submitted_on: d.submitted_on,
            due_on: d.due_on,
            finished_on: d.finished_on,
        })
        .collect();
    let answer = BehindAnswer {
        unit: unit.key(),
        measure: measure.key(),
        from: period.from,
        to: period.to,
        total: behind.total,
        items,
        next: behind.next.as_ref().map(drill::cursor_param),
    };
    json_bytes(StatusCode::OK, &answer)
}
