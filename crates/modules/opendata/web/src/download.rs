//! A resource's file: an upload served from the file store (as an attachment, with a type
//! that cannot run in the portal's origin), a link redirected to; each counted.

use crate::service;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;

/// A media type safe to send for a format: data types as they are, anything that a browser
/// would render as a page or script as plain bytes.
fn safe_type(format: &str) -> &'static str {
    match tinhso_opendata::dcat::media_type(format) {
        Some("text/html") | None => "application/octet-stream",
        Some("text/csv") => "text/csv; charset=utf-8",
        Some(m) => m,
    }
}

/// The `filename*` of a Content-Disposition header (RFC 6266/5987: UTF-8, percent-encoded).
fn disposition(name: &str) -> String {
    let enc: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename*=UTF-8''{enc}")
}

pub async fn file(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, rid, _file)): Path<(String, String, String)>,
) -> PageResult {
    let err = page_err(&viewer);
    let d = crate::opendata_port(&state)
        .map_err(|e| err(e.into()))?
        .dataset(&id)
        .await
        .map_err(|e| err(e.into()))?
        .ok_or_else(|| err(AppError::NotFound))?;
    let portal = service::portal(&state);
    {
        let cat = portal.read(&state).await.map_err(|e| err(e.into()))?;
        if d.state == tinhso_opendata::State::Deleted || !service::visible(viewer.actor().as_ref(), &cat, &d) {
            return Err(err(AppError::NotFound));
        }
    }
    let r = d.resource(&rid).ok_or_else(|| err(AppError::NotFound))?;
    let Some(up) = &r.upload else {
        portal.count_download(&state, &r.id);
        return Ok(Redirect::to(&r.url).into_response());
    };
    let hash = tinhso_kernel::ids::Sha256::parse("sha256", &up.sha256).map_err(|_| err(AppError::NotFound))?;
    let bytes = state.files.read(&hash).await.map_err(|e| err(e.into()))?;
    portal.count_download(&state, &r.id);
    let mut resp: Response = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(safe_type(&r.format)));
    if let Ok(v) = HeaderValue::from_str(&disposition(&up.filename)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    let cache = if d.is_public() { "public, max-age=300" } else { "private, no-store" };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(resp)
}
