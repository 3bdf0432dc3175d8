//! Request input: urlencoded forms with repeated keys, and API query strings that refuse
//! unknown parameters. Both answer bad input with our own error, never axum's plain text.

use crate::error::{ApiError, AppError, PageError};
use crate::i18n::Locale;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// Largest form body accepted (the procedure editor is the biggest form).
pub const FORM_LIMIT: usize = 256 * 1024;

pub struct FormData {
    pairs: Vec<(String, String)>,
}

impl FormData {
    pub fn parse(body: &[u8]) -> Self {
        Self { pairs: form_urlencoded::parse(body).into_owned().collect() }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Sets `key` to `value` (its first occurrence, else a new pair): what a page fills in
    /// for the person before showing the form again.
    pub fn set(&mut self, key: &str, value: String) {
        match self.pairs.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => self.pairs.push((key.to_owned(), value)),
        }
    }

    /// The value trimmed, or "" when absent.
    pub fn text(&self, key: &str) -> String {
        self.get(key).map(|s| s.trim().to_owned()).unwrap_or_default()
    }

    /// Every field in the order sent.
    /// A form made of fields kept from an earlier one (a saved application).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self { pairs }
    }

    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn all(&self, key: &str) -> Vec<&str> {
        self.pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }

    /// Refuses fields the form does not have: a typo or a tampered form, not data to drop silently.
    pub fn only(&self, known: &[&str]) -> Result<(), AppError> {
        self.only_with(known, |_| false)
    }

    /// As [`FormData::only`], also letting through the names `also` knows (a form with a group
    /// of inputs a row, named by the row's number).
    pub fn only_with(&self, known: &[&str], also: impl Fn(&str) -> bool) -> Result<(), AppError> {
        match self.pairs.iter().find(|(k, _)| k != "csrf" && !known.contains(&k.as_str()) && !also(k)) {
            Some((k, _)) => Err(AppError::bad_request(
                "unknown_field",
                format!("Biểu mẫu có trường không hợp lệ: {k}"),
                format!("The form has an unknown field: {k}"),
            )),
            None => Ok(()),
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let locale = Locale::from_headers(req.headers());
        let is_form = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            let error = AppError::bad_request(
                "unsupported_media_type",
                "Biểu mẫu phải được gửi dạng application/x-www-form-urlencoded",
                "Forms must be sent as application/x-www-form-urlencoded",
            );
            return Err(PageError::new(error, locale));
        }
        let body = Bytes::from_request(req, state).await.map_err(|e| PageError::new(AppError::body(e), locale))?;
        Ok(Self::parse(&body))
    }
}

/// A query string parsed into `T`; `T` should `deny_unknown_fields`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(q).map(ApiQuery).map_err(|e| {
            ApiError(AppError::bad_request(
                "invalid_query",
                format!("Tham số truy vấn không hợp lệ: {e}"),
                format!("Invalid query parameters: {e}"),
            ))
        })
    }
}

/// A query string for pages: malformed parameters give an error page. Parameters the page
/// does not know are left out, not refused: links shared on social networks and chat apps
/// arrive with their trackers (`fbclid`, `utm_source`, `zarsrc`), and a citizen following one
/// should land on the page. The API, read by programs, keeps refusing them (`ApiQuery`).
pub struct PageQuery<T>(pub T);

/// The query parsed, leaving out one unknown parameter at a time (serde names the first it
/// meets), so only what the page knows reaches it. A few trackers are what links carry; past
/// [`MOST_UNKNOWN`] names the address is refused, so that a crafted one cannot make each
/// request parse it thousands of times.
fn lenient<T: DeserializeOwned>(q: &str) -> Result<T, serde_urlencoded::de::Error> {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes()).into_owned().collect();
    let mut query = q.to_owned();
    for _ in 0..MOST_UNKNOWN {
        let e = match serde_urlencoded::from_str(&query) {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let unknown =
            e.to_string().strip_prefix("unknown field `").and_then(|r| r.split_once('`')).map(|(k, _)| k.to_owned());
        let before = pairs.len();
        if let Some(key) = unknown {
            pairs.retain(|(k, _)| *k != key);
        }
        if pairs.len() == before {
            return Err(e);
        }
        query = form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
    }
    serde_urlencoded::from_str(&query)
}

/// How many distinct unknown parameter names a page's address may carry.
const MOST_UNKNOWN: usize = 16;

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let locale = Locale::from_headers(&parts.headers);
        let q = parts.uri.query().unwrap_or_default();
        lenient(q).map(PageQuery).map_err(|e| {
            PageError::new(
                AppError::bad_request(
                    "invalid_query",
                    format!("Địa chỉ trang có tham số không hợp lệ ({e}). Hãy tìm kiếm lại từ trang chủ."),
                    format!("The page address has an invalid parameter ({e}). Search again from the home page."),
                ),
                locale,
            )
        })
    }
}

/// A JSON body parsed into `T` (which should `deny_unknown_fields`); wrong types, unknown
/// fields, a wrong content type or an oversized body give `{code, message}`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(ApiError(AppError::bad_request(
                "unsupported_media_type",
                "Dữ liệu phải gửi dạng application/json",
                "The body must be application/json",
            )));
        }
        let body = Bytes::from_request(req, state).await.map_err(|e| ApiError(AppError::body(e)))?;
        serde_json::from_slice(&body).map(ApiJson).map_err(|e| {
            ApiError(AppError::bad_request(
                "invalid_body",
                format!("Dữ liệu gửi lên không hợp lệ: {e}"),
                format!("Invalid body: {e}"),
            ))
        })
    }
}

/// Whether a request carries a multipart body (a form with files), by its `Content-Type`: the
/// edge reads such bodies only for a logged-in caller with the session's CSRF token, and the
/// upload API refuses them.
pub fn is_multipart(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.as_bytes().get(..10))
        .is_some_and(|v| v.eq_ignore_ascii_case(b"multipart/"))
}

/// One uploaded file from a multipart form.
pub struct Upload {
    pub field: String,
    pub name: String,
    /// The file as stored while the body streamed in (content-addressed, synced), or why it
    /// was refused (empty, too large, not a PDF/JPEG/PNG).
    pub stored: Result<tinhso_store::StoredFile, AppError>,
}

/// A form that may carry files: multipart (file inputs) or urlencoded (no files).
pub struct FormWithFiles {
    pub form: FormData,
    pub files: Vec<Upload>,
}

/// Largest multipart body: a handful of scanned documents.
pub const MULTIPART_LIMIT: usize = 40 * 1024 * 1024;

impl FromRequest<crate::state::AppState> for FormWithFiles {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &crate::state::AppState) -> Result<Self, Self::Rejection> {
        let locale = Locale::from_headers(req.headers());
        let multipart = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            let form = FormData::from_request(req, state).await?;
            return Ok(Self { form, files: Vec::new() });
        }
        let too_large = |e| PageError::new(AppError::body(e), locale);
        let mut mp = axum::extract::Multipart::from_request(req, state).await.map_err(|_| {
            PageError::new(
                AppError::bad_request("invalid_form", "Biểu mẫu gửi lên không hợp lệ", "Invalid form"),
                locale,
            )
        })?;
        let mut pairs = Vec::new();
        let mut files = Vec::new();
        while let Some(mut field) = mp.next_field().await.map_err(too_large)? {
            let key = field.name().unwrap_or_default().to_owned();
            match field.file_name().map(str::to_owned) {
                Some(name) => {
                    // Streamed to disk as it arrives (never held whole in memory).
                    let stored = state.files.put_chunks(&mut field).await.map_err(AppError::from);
                    // No file chosen: browsers send an empty part without a name. A named file
                    // of 0 bytes goes on, to be refused with a message ("Tệp rỗng").
                    let nothing_chosen = name.is_empty() && matches!(&stored, Err(AppError::BadRequest { .. }));
                    if !nothing_chosen {
                        files.push(Upload { field: key, name, stored });
                    }
                }
                None => pairs.push((key, field.text().await.map_err(too_large)?)),
            }
        }
        Ok(Self { form: FormData { pairs }, files })
    }
}

#[cfg(test)]
mod tests {
    use super::lenient;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Search {
        q: Option<String>,
        page: Option<u32>,
    }

    #[test]
    fn pages_leave_out_what_they_do_not_know() {
        let s: Search = lenient("q=khai+sinh&fbclid=IwAR0x&utm_source=zalo&utm_source=fb&page=2").unwrap();
        assert_eq!(s, Search { q: Some("khai sinh".into()), page: Some(2) });
        let s: Search = lenient("zarsrc=30").unwrap();
        assert_eq!(s, Search { q: None, page: None });
        // What the page knows must still parse: a wrong value is refused, trackers or not.
        assert!(lenient::<Search>("page=abc&fbclid=x").is_err());
        assert!(lenient::<Search>("page=abc").is_err());
        // A repeated known parameter stays an error rather than a silent choice.
        assert!(lenient::<Search>("q=a&q=b").is_err());
        // Sixteen unknown names are left out; more, and the address is refused at once.
        let many = |n: usize| (0..n).map(|i| format!("t{i}=1")).collect::<Vec<_>>().join("&") + "&page=3";
        assert_eq!(lenient::<Search>(&many(16)).unwrap(), Search { q: None, page: Some(3) });
        assert!(lenient::<Search>(&many(17)).is_err());
        assert!(lenient::<Search>(&many(4000)).is_err());
    }
}
