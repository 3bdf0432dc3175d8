//! Open311 GeoReport v2 at `/open311/v2`, the API FixMyStreet's and most cities' clients
//! speak (http://wiki.open311.org/GeoReport_v2): discovery, services and their definitions,
//! reading requests with the spec's filters, posting one with an API key, tokens; every
//! answer in XML or JSON as the path's extension asks, errors in the spec's shape.
//! Service codes are the province's categories; a request is a report (`PA-<n>`). The
//! reporter's name and contact are never returned.

use crate::service;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde_json::{json, Value};
use tinhso_http::error::AppError;
use tinhso_http::form::FormData;
use tinhso_http::state::AppState;
use tinhso_reports::intake::Draft;
use tinhso_reports::{Category, Report, ReportState};
use tinhso_store::ReportQuery;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// `name.json` / `name.xml` -> (name, format).
fn split(file: &str) -> Option<(&str, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    let f = match ext {
        "json" => Format::Json,
        "xml" => Format::Xml,
        _ => return None,
    };
    (!name.is_empty()).then_some((name, f))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// A JSON value as the spec's XML: objects become elements, arrays repeat `item` elements.
fn xml_of(name: &str, v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str(&format!("<{name}/>")),
        Value::Object(m) => {
            out.push_str(&format!("<{name}>"));
            for (k, v) in m {
                xml_of(k, v, out);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Array(a) => {
            out.push_str(&format!("<{name}>"));
            for v in a {
                xml_of(item_name(name), v, out);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::String(s) => out.push_str(&format!("<{name}>{}</{name}>", esc(s))),
        other => out.push_str(&format!("<{name}>{other}</{name}>")),
    }
}

/// The element name of a list's items, as the spec's examples spell them.
fn item_name(list: &str) -> &'static str {
    match list {
        "services" => "service",
        "service_requests" => "request",
        "errors" => "error",
        "attributes" => "attribute",
        "values" => "value",
        "endpoints" => "endpoint",
        "formats" => "format",
        _ => "item",
    }
}

/// An answer: `root` names the XML document element (JSON is the bare value).
fn answer(status: StatusCode, f: Format, root: &str, v: Value) -> Response {
    match f {
        Format::Json => {
            (status, [(header::CONTENT_TYPE, "application/json; charset=utf-8")], v.to_string()).into_response()
        }
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
            xml_of(root, &v, &mut out);
            (status, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], out).into_response()
        }
    }
}

/// The spec's error list.
fn error(status: StatusCode, f: Format, description: &str) -> Response {
    answer(status, f, "errors", json!([{ "code": status.as_u16(), "description": description }]))
}

fn from_app(f: Format, e: AppError) -> Response {
    let description = match &e {
        AppError::Invalid(errs) => {
            errs.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
        }
        other => other.message(tinhso_http::i18n::Locale::Vi),
    };
    if e.status().is_server_error() {
        tracing::error!(error = %e, "open311");
    }
    error(e.status(), f, &description)
}

fn not_found(file: &str) -> Response {
    let f = split(file).map_or(Format::Json, |(_, f)| f);
    error(StatusCode::NOT_FOUND, f, "Không có tài nguyên này (dùng đuôi .json hoặc .xml)")
}

fn w3c(t: DateTime<Utc>) -> String {
    match FixedOffset::east_opt(7 * 3600) {
        Some(tz) => t.with_timezone(&tz).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        None => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

fn end_of_day(d: NaiveDate) -> String {
    // The working day ends at 17:00 in Vietnam.
    d.and_hms_opt(17, 0, 0).map(|t| w3c(tinhso_kernel::calendar::from_local(t))).unwrap_or_default()
}

fn service_json(c: &Category) -> Value {
    json!({
        "service_code": c.code,
        "service_name": c.name,
        "description": c.name_en,
        "metadata": false,
        "type": "realtime",
        "keywords": "",
        "group": if c.public_service { "Dịch vụ công" } else { "Nơi công cộng" },
    })
}

fn request_json(state: &AppState, categories: &[Category], r: &Report, extensions: bool) -> Value {
    let commune = crate::views::commune_name(state, r.commune);
    let address =
        [r.address.as_str(), commune.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(", ");
    let mut v = json!({
        "service_request_id": tinhso_reports::public_id(r.id),
        "status": r.state.open311(),
        "status_notes": match (r.duplicate_of, &r.answer) {
            (Some(of), _) => format!("Trùng với phản ánh {}", tinhso_reports::public_id(of)),
            (None, Some(a)) => a.clone(),
            (None, None) => r.state.label_vi().to_owned(),
        },
        "service_name": crate::views::category_name(categories, &r.category),
        "service_code": r.category,
        "description": if r.text_hidden.is_some() { "Nội dung đã được ẩn theo quy định." } else { r.description.as_str() },
        "agency_responsible": crate::views::agency_name(state, r.agency.as_str()),
        "service_notice": "",
        "requested_datetime": w3c(r.received_at),
        "updated_datetime": w3c(r.updated_at),
        "expected_datetime": end_of_day(r.deadlines.handle_due),
        "address": address,
        "address_id": r.commune.map(|c| c.to_string()).unwrap_or_default(),
        "zipcode": "",
        "lat": r.point.map(|p| p.lat),
        "long": r.point.map(|p| p.lon),
        "media_url": media_url(state, r),
    });
    if extensions {
        v["extended_attributes"] = json!({ "detailed_status": r.state.key().to_uppercase() });
    }
    v
}

/// The reporter's first photo the public may see, as FixMyStreet's Open311 gives it; absolute
/// under `--public-url`, else from the site's root.
fn media_url(state: &AppState, r: &Report) -> String {
    let base = state.config.public_url.as_deref().unwrap_or("").trim_end_matches('/');
    r.photos
        .iter()
        .find(|p| !p.of_fix && p.hidden.is_none())
        .map(|p| format!("{base}/phan-anh/{}/anh/{}", r.id, p.sha256))
        .unwrap_or_default()
}

fn params(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes()).into_owned().collect()
}

fn param<'a>(ps: &'a [(String, String)], key: &str) -> Option<&'a str> {
    ps.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
}

fn parse_w3c(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

/// `GET /open311/v2/{discovery|services|requests}.{fmt}`.
pub async fn get_root(State(state): State<AppState>, Path(file): Path<String>, RawQuery(q): RawQuery) -> Response {
    let Some((name, f)) = split(&file) else { return not_found(&file) };
    let ps = params(q.as_deref());
    let result = match name {
        "discovery" => Ok(discovery(&state, f)),
        "services" => services(&state, f).await,
        "requests" => requests(&state, f, &ps).await,
        _ => return not_found(&file),
    };
    result.unwrap_or_else(|e| from_app(f, e))
}

fn discovery(state: &AppState, f: Format) -> Response {
    let base = state.config.public_url.as_deref().unwrap_or("").trim_end_matches('/');
    answer(
        StatusCode::OK,
        f,
        "discovery",
        json!({
            "changeset": "2026-12-03T00:00:00+07:00",
            "contact": format!("{}: Trung tâm Giám sát, điều hành thông minh", state.province.name),
            "key_service": "Khoá API do Quản trị tỉnh cấp (tinhso open311 key create <tên>)",
            "endpoints": [{
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": format!("{base}/open311/v2"),
                "changeset": "2026-12-03T00:00:00+07:00",
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }],
        }),
    )
}

async fn services(state: &AppState, f: Format) -> Result<Response, AppError> {
    let categories = state.store.reports.report_categories().await?;
    let list: Vec<Value> = categories.iter().filter(|c| c.active).map(service_json).collect();
    Ok(answer(StatusCode::OK, f, "services", Value::Array(list)))
}

/// The spec's largest page, and its default window.
const MAX_REQUESTS: usize = 1000;
const DEFAULT_DAYS: i64 = 90;

async fn requests(state: &AppState, f: Format, ps: &[(String, String)]) -> Result<Response, AppError> {
    let bad = |d: &str| AppError::bad_request("bad_parameter", d.to_owned(), d.to_owned());
    let categories = state.store.reports.report_categories().await?;
    let extensions = param(ps, "extensions").is_some_and(|v| v == "true" || v == "1");
    let mut q = ReportQuery { limit: MAX_REQUESTS, ..Default::default() };
    if let Some(ids) = param(ps, "service_request_id") {
        // Overrides every other filter; at most a page's worth.
        if ids.split(',').count() > MAX_REQUESTS {
            return Err(bad("service_request_id: tối đa 1000 mã"));
        }
        q.ids = ids
            .split(',')
            .map(|s| tinhso_reports::parse_public_id(s).ok_or_else(|| bad("service_request_id: mã không hợp lệ")))
            .collect::<Result<_, _>>()?;
        let list = state.store.reports.reports(&q).await?;
        let v: Vec<Value> = list.iter().map(|r| request_json(state, &categories, r, extensions)).collect();
        return Ok(answer(StatusCode::OK, f, "service_requests", Value::Array(v)));
    }
    let start = param(ps, "start_date")
        .map(|s| parse_w3c(s).ok_or_else(|| bad("start_date: dùng dạng W3C, ví dụ 2026-01-01T00:00:00Z")))
        .transpose()?;
    let end = param(ps, "end_date")
        .map(|s| parse_w3c(s).ok_or_else(|| bad("end_date: dùng dạng W3C, ví dụ 2026-01-01T00:00:00Z")))
        .transpose()?;
    let (since, until) = match (start, end) {
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => (s, s + Duration::days(DEFAULT_DAYS)),
        (None, Some(e)) => (e - Duration::days(DEFAULT_DAYS), e),
        (None, None) => (Utc::now() - Duration::days(DEFAULT_DAYS), Utc::now() + Duration::seconds(1)),
    };
    if until < since {
        return Err(bad("end_date trước start_date"));
    }
    if start.is_some() && end.is_some() && until - since > Duration::days(DEFAULT_DAYS) {
        return Err(bad("Khoảng thời gian không quá 90 ngày"));
    }
    q.since = Some(since);
    q.until = Some(until);
    if let Some(st) = param(ps, "status") {
        let mut open = false;
        let mut closed = false;
        for s in st.split(',') {
            match s.trim() {
                "open" => open = true,
                "closed" => closed = true,
                _ => return Err(bad("status: open hoặc closed")),
            }
        }
        if open && !closed {
            q.open_only = true;
        } else if closed && !open {
            q.states = ReportState::ALL.into_iter().filter(|s| !s.is_open()).collect();
        }
    }
    let codes: Vec<String> =
        param(ps, "service_code").map(|c| c.split(',').map(|s| s.trim().to_owned()).collect()).unwrap_or_default();
    let mut list = Vec::new();
    if codes.is_empty() {
        list = state.store.reports.reports(&q).await?;
    } else {
        for code in codes {
            list.extend(state.store.reports.reports(&ReportQuery { category: Some(code), ..q.clone() }).await?);
        }
        list.sort_by_key(|r| std::cmp::Reverse(r.id));
        list.truncate(MAX_REQUESTS);
    }
    let v: Vec<Value> = list.iter().map(|r| request_json(state, &categories, r, extensions)).collect();
    Ok(answer(StatusCode::OK, f, "service_requests", Value::Array(v)))
}

/// `GET /open311/v2/services/{code}.{fmt}`: a service's definition (no extra attributes).
pub async fn get_service(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some((code, f)) = split(&file) else { return not_found(&file) };
    match state.store.reports.report_categories().await {
        Ok(cs) => match cs.iter().find(|c| c.active && c.code == code) {
            Some(c) => {
                answer(StatusCode::OK, f, "service_definition", json!({ "service_code": c.code, "attributes": [] }))
            }
            None => error(StatusCode::NOT_FOUND, f, "Không có service_code này"),
        },
        Err(e) => from_app(f, e.into()),
    }
}

/// `GET /open311/v2/requests/{id}.{fmt}`.
pub async fn get_request(State(state): State<AppState>, Path(file): Path<String>, RawQuery(q): RawQuery) -> Response {
    let Some((id, f)) = split(&file) else { return not_found(&file) };
    let Some(id) = tinhso_reports::parse_public_id(id) else {
        return error(StatusCode::NOT_FOUND, f, "Không có phản ánh với mã này");
    };
    let extensions = param(&params(q.as_deref()), "extensions").is_some_and(|v| v == "true" || v == "1");
    let result = async {
        let categories = state.store.reports.report_categories().await?;
        let r = state.store.reports.report(id).await?.ok_or(AppError::NotFound)?;
        Ok::<_, AppError>(json!([request_json(&state, &categories, &r, extensions)]))
    }
    .await;
    match result {
        Ok(v) => answer(StatusCode::OK, f, "service_requests", v),
        Err(AppError::NotFound) => error(StatusCode::NOT_FOUND, f, "Không có phản ánh với mã này"),
        Err(e) => from_app(f, e),
    }
}

/// `GET /open311/v2/tokens/{token}.{fmt}`.
pub async fn get_token(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some((token, f)) = split(&file) else { return not_found(&file) };
    match state.store.reports.report_by_token(token).await {
        Ok(Some(id)) => answer(
            StatusCode::OK,
            f,
            "service_requests",
            json!([{ "service_request_id": tinhso_reports::public_id(id), "token": token }]),
        ),
        Ok(None) => error(StatusCode::NOT_FOUND, f, "Không có token này"),
        Err(e) => from_app(f, e.into()),
    }
}

/// `POST /open311/v2/requests.{fmt}`: a new report from a client holding an API key.
pub async fn post_root(State(state): State<AppState>, Path(file): Path<String>, body: Bytes) -> Response {
    let Some(("requests", f)) = split(&file) else { return not_found(&file) };
    let form = FormData::parse(&body);
    let key = form.text("api_key");
    let client = if key.is_empty() {
        None
    } else {
        match state.store.reports.open311_client(&tinhso_identity::token_hash(&key)).await {
            Ok(c) => c,
            Err(e) => return from_app(f, e.into()),
        }
    };
    if client.is_none() {
        return error(StatusCode::FORBIDDEN, f, "api_key thiếu hoặc không hợp lệ");
    }
    let token = match tinhso_identity::random_token() {
        Ok(t) => t.chars().take(24).collect::<String>(),
        Err(e) => return from_app(f, e.into()),
    };
    let name = [form.text("first_name"), form.text("last_name")]
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    let contact = [form.text("phone"), form.text("email")].into_iter().find(|s| !s.is_empty()).unwrap_or_default();
    let mut address = form.text("address_string");
    let mut commune = form.text("address_id");
    if commune.parse::<u32>().is_err() && !commune.is_empty() {
        // Not one of our commune codes: keep what the client sent as the address.
        address = [address, std::mem::take(&mut commune)]
            .iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
    }
    let d = Draft {
        category: form.text("service_code"),
        description: form.text("description"),
        lat: form.text("lat"),
        lon: form.text("long"),
        commune,
        address,
        dossier_code: String::new(),
        name,
        contact,
        show_identity: false,
        client_token: token.clone(),
    };
    if d.lat.is_empty() && d.lon.is_empty() && d.commune.is_empty() && d.address.is_empty() {
        return error(StatusCode::BAD_REQUEST, f, "Cần lat và long, hoặc address_string, hoặc address_id");
    }
    match service::submit(&state, None, &d, Vec::new()).await {
        Ok(r) => answer(
            StatusCode::CREATED,
            f,
            "service_requests",
            json!([{
                "service_request_id": tinhso_reports::public_id(r.id),
                "token": token,
                "service_notice": format!("Hạn xử lý: {}", tinhso_kernel::format::date_vi(r.deadlines.handle_due)),
                "account_id": Value::Null,
            }]),
        ),
        Err(e) => from_app(f, e),
    }
}
