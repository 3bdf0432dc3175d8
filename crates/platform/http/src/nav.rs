//! Where a page sends a person next: a local path carried through a login (`?tiep=`), never
//! another site, and a response with one more cookie. Used by the account pages, the e-ID
//! sign-in, the application form and the layout's login link.

use axum::http::{header, HeaderValue};
use axum::response::Response;

/// `resp` with one more `Set-Cookie`.
pub fn with_cookie(mut resp: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// `next` when it is a path of this site (an open redirect elsewhere would help phishing),
/// else nothing.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.contains("://")
        && next.len() <= 300
        && !next.chars().any(char::is_control);
    ok.then_some(next)
}

/// `path` with `?tiep=<next>` when there is somewhere to return to.
pub fn with_next(path: &str, next: &str) -> String {
    match safe_next(next) {
        Some(n) => format!("{path}?tiep={}", form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>()),
        None => path.to_owned(),
    }
}
