//! Photos sent with a report: read from the multipart form one at a time under the size cap
//! (the platform's guard has already checked the login and the CSRF token before any of the
//! body was read), cleaned of their metadata by the core, stored in the file store and counted
//! against the reporter's upload quota like any upload.

use axum::extract::{FromRequest, Multipart, Request};
use tinhso_http::error::AppError;
use tinhso_http::form::FormData;
use tinhso_http::state::AppState;
use tinhso_kernel::files::MAX_FILE_BYTES;
use tinhso_kernel::ids::Sha256;
use tinhso_kernel::FieldError;
use tinhso_reports::geo::Point;
use tinhso_reports::photo;
use tinhso_store::{Account, Added};

/// The most photos one report carries.
pub const MAX_PHOTOS: usize = 5;

/// A form as sent: its fields, and the photos chosen (name, bytes) when it was multipart.
pub struct Sent {
    pub form: FormData,
    pub photos: Vec<(String, Vec<u8>)>,
    /// A problem found while reading (too many or too large photos), shown with the others.
    pub errors: Vec<FieldError>,
}

fn too_large() -> FieldError {
    FieldError::new(
        "photo",
        "photo_too_large",
        format!("Mỗi ảnh không quá {} MB", MAX_FILE_BYTES / 1024 / 1024),
        format!("Each photo must be at most {} MB", MAX_FILE_BYTES / 1024 / 1024),
    )
}

/// Reads an urlencoded or multipart form.
pub async fn read(state: &AppState, req: Request) -> Result<Sent, AppError> {
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart {
        let body =
            axum::body::to_bytes(req.into_body(), tinhso_http::form::FORM_LIMIT).await.map_err(AppError::body)?;
        return Ok(Sent { form: FormData::parse(&body), photos: Vec::new(), errors: Vec::new() });
    }
    let bad = |_| AppError::bad_request("invalid_form", "Biểu mẫu gửi lên không hợp lệ", "Invalid form");
    let mut mp = Multipart::from_request(req, state).await.map_err(bad)?;
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut photos = Vec::new();
    let mut errors = Vec::new();
    while let Some(mut field) = mp.next_field().await.map_err(AppError::body)? {
        let key = field.name().unwrap_or_default().to_owned();
        let Some(name) = field.file_name().map(str::to_owned) else {
            fields.push((key, field.text().await.map_err(AppError::body)?));
            continue;
        };
        // Read under the cap; past it, the rest of the part is drained, not kept.
        let mut bytes = Vec::new();
        let mut over = false;
        while let Some(chunk) = field.chunk().await.map_err(AppError::body)? {
            if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                over = true;
                bytes = Vec::new();
            } else if !over {
                bytes.extend_from_slice(&chunk);
            }
        }
        if over {
            errors.push(too_large());
        } else if !(name.is_empty() && bytes.is_empty()) {
            // (A file input left empty arrives as a nameless empty part.)
            photos.push((name, bytes));
        }
    }
    if photos.len() > MAX_PHOTOS {
        errors.push(FieldError::new(
            "photo",
            "too_many_photos",
            format!("Gửi tối đa {MAX_PHOTOS} ảnh"),
            format!("At most {MAX_PHOTOS} photos"),
        ));
        photos.truncate(MAX_PHOTOS);
    }
    // The serializer borrows its string and is not Send: built after the last await.
    let mut encoded = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &fields {
        encoded.append_pair(k, v);
    }
    Ok(Sent { form: FormData::parse(encoded.finish().as_bytes()), photos, errors })
}

/// Cleans and stores `photos` for `account`: their hashes, the first location their EXIF
/// gave, and what was refused (HEIC, not a photo, empty, over quota).
pub async fn store(
    state: &AppState,
    account: &Account,
    photos: Vec<(String, Vec<u8>)>,
) -> Result<(Vec<String>, Option<Point>, Vec<FieldError>), AppError> {
    let mut kept = Vec::new();
    let mut point = None;
    let mut errors = Vec::new();
    let limits = state.upload_limits().await?;
    let quota = tinhso_http::files::quota_for(limits, account);
    for (name, bytes) in photos {
        if bytes.is_empty() {
            errors.push(FieldError::new("photo", "empty_file", format!("Tệp {name} rỗng"), format!("{name} is empty")));
            continue;
        }
        let cleaned = match photo::clean(&bytes) {
            Ok(c) => c,
            Err(e) => {
                errors.push(FieldError::new(
                    "photo",
                    "bad_photo",
                    format!("{name}: {}", e.message_vi()),
                    e.message_en(),
                ));
                continue;
            }
        };
        point = point.or(cleaned.point);
        let stored = match tinhso_http::files::put_body(state, axum::body::Body::from(cleaned.bytes)).await {
            Ok(stored) => stored,
            // Said at the photo's input, so the report typed in the field is not lost.
            Err(e) if e.code() == tinhso_http::files::STORAGE_FULL => {
                let (vi, en) = (e.message(tinhso_http::i18n::Locale::Vi), e.message(tinhso_http::i18n::Locale::En));
                errors.push(FieldError::new("photo", e.code(), vi, en));
                continue;
            }
            Err(e) => return Err(e),
        };
        let name = tinhso_kernel::files::clean_name(&name);
        match state.store.documents.add_document(account.id, &stored, &name, quota.as_ref()).await? {
            Added::Added => kept.push(stored.sha256.to_string()),
            Added::OverQuota { today, total } => {
                let e = tinhso_http::files::over_quota(limits, today, total);
                let (vi, en) = (e.message(tinhso_http::i18n::Locale::Vi), e.message(tinhso_http::i18n::Locale::En));
                errors.push(FieldError::new("photo", e.code(), vi, en));
            }
        }
    }
    Ok((kept, point, errors))
}

/// Photos kept from an earlier post of the same form (hidden fields): only the account's own.
pub async fn kept(state: &AppState, account: Option<&Account>, form: &FormData) -> Result<Vec<String>, AppError> {
    let Some(account) = account else { return Ok(Vec::new()) };
    let hashes: Vec<Sha256> = form.all("photo_sha").iter().filter_map(|h| Sha256::parse("photo_sha", h).ok()).collect();
    if hashes.is_empty() {
        return Ok(Vec::new());
    }
    let own = state.store.documents.documents_named(account.id, &hashes).await?;
    Ok(hashes
        .iter()
        .filter(|h| own.iter().any(|d| &d.sha256 == *h))
        .map(ToString::to_string)
        .take(MAX_PHOTOS)
        .collect())
}
