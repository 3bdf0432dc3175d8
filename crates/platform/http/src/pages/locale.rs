//! The language switch: a cookie, then back where the visitor was.

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect};

/// Sets the language cookie and goes back where the visitor was.
pub async fn language(Path(lang): Path<String>, headers: HeaderMap) -> impl IntoResponse {
    let lang = if lang == "en" { "en" } else { "vi" };
    let back = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned())))
        // A path of this site only: `//host` or `/\host` would leave it.
        .filter(|p| crate::nav::safe_next(p).is_some())
        .unwrap_or_else(|| "/".to_owned());
    let mut resp = Redirect::to(&back).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("lang={lang}; Path=/; Max-Age=31536000; SameSite=Lax")) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}
