//! Files as the web sees them: a stored file as a download, a form's uploads kept in the
//! sender's document store under their quota, and a storage error as an answer. The storage
//! itself is `tinhso_files`.

use crate::error::AppError;
use tinhso_files::FileError;
use tinhso_kernel::calendar;
use tinhso_kernel::files::FileKind;
use tinhso_store::StoredFile;

/// The code of a file refused because the server is short of room, at its input and in the API.
pub const STORAGE_FULL: &str = "storage_full";

/// The status of a form shown again with `errors`: 503 when a file was refused because the
/// server is short of room (the server's trouble, not the sender's: it counts as the service
/// unavailable, and the person is told to come back), else 400 for what the sender must mend.
pub fn form_status(errors: &[tinhso_kernel::error::FieldError]) -> axum::http::StatusCode {
    if errors.iter().any(|e| e.code == STORAGE_FULL) {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    } else {
        axum::http::StatusCode::BAD_REQUEST
    }
}

/// A file not taken because the server is short of room. The server's trouble, not the
/// sender's: nothing of theirs was taken, and another way to hand the document in is named.
pub fn storage_full() -> AppError {
    AppError::Unavailable {
        code: STORAGE_FULL,
        vi: "Máy chủ tạm thời không còn đủ chỗ lưu tệp nên chưa nhận tệp này. Vui lòng thử lại sau, hoặc mang giấy tờ đến Bộ phận Một cửa.".into(),
        en: "The server is short of room for files just now, so this file was not received. Please try again later, or bring the document to the one-stop desk.".into(),
    }
}

impl From<FileError> for AppError {
    fn from(e: FileError) -> Self {
        match e {
            FileError::Refused { vi, en } => AppError::bad_request("invalid_file", vi, en),
            FileError::Body(e) => AppError::body_of(&*e),
            FileError::NotFound => AppError::NotFound,
            FileError::NoRoom => storage_full(),
            FileError::Store(e) => e.into(),
            FileError::Io(e) => AppError::Internal(e),
        }
    }
}

/// Streams a request body into the file store (so an upload never sits whole in memory).
pub async fn put_body(state: &crate::state::AppState, body: axum::body::Body) -> Result<StoredFile, AppError> {
    Ok(state.files.put_chunks(body.into_data_stream()).await?)
}

/// A stored file as a download: its type, its name for both old and new browsers (RFC 6266:
/// an ASCII fallback and the UTF-8 name), and never kept by a cache, since files are personal.
pub fn download(bytes: Vec<u8>, name: &str, kind: FileKind) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    use axum::response::IntoResponse;
    let ascii: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '_' }).collect();
    let utf8: String = form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20");
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{utf8}");
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.mime()));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    resp
}

/// An upload kept in its uploader's document store.
#[derive(Debug, Clone)]
pub struct Kept {
    /// The form's input it came from.
    pub field: String,
    pub file: StoredFile,
    /// Its name, cleaned to show and to offer as a download name.
    pub name: String,
}

/// An upload refused, with the input it came from and the name it was sent under.
#[derive(Debug)]
pub struct Refused {
    pub field: String,
    pub name: String,
    pub error: AppError,
}

/// Records a form's uploads in `account`'s document store (so the person may use them again,
/// and a form shown again after a mistake may name them without uploading them twice), held to
/// the account's quota. Returns what was kept, and each refusal (empty, too large, not a PDF,
/// JPEG or PNG, over quota).
pub async fn keep_uploads(
    state: &crate::state::AppState,
    account: &tinhso_store::Account,
    uploads: Vec<crate::form::Upload>,
) -> Result<(Vec<Kept>, Vec<Refused>), AppError> {
    let mut kept = Vec::new();
    let mut refused = Vec::new();
    let limits = state.upload_limits().await?;
    let quota = quota_for(limits, account);
    for up in uploads {
        let name = tinhso_kernel::files::clean_name(&up.name);
        let file = match up.stored {
            Ok(f) => f,
            Err(error) => {
                refused.push(Refused { field: up.field, name, error });
                continue;
            }
        };
        match state.store.documents.add_document(account.id, &file, &name, quota.as_ref()).await? {
            tinhso_store::Added::Added => kept.push(Kept { field: up.field, file, name }),
            tinhso_store::Added::OverQuota { today, total } => {
                refused.push(Refused { field: up.field, name, error: over_quota(limits, today, total) });
            }
        }
    }
    Ok((kept, refused))
}

/// How much one citizen may upload: a day's bytes and the document store's total
/// (`--upload-quota-day-mb`, `--upload-quota-total-mb`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaLimits {
    pub per_day: u64,
    pub total: u64,
}

impl QuotaLimits {
    /// Limits in megabytes, 0 meaning no limit on that measure; `None` when neither is limited.
    pub fn from_mb(per_day_mb: u64, total_mb: u64) -> Option<Self> {
        let bytes = |mb: u64| if mb == 0 { u64::MAX } else { mb.saturating_mul(1024 * 1024) };
        (per_day_mb > 0 || total_mb > 0).then(|| Self { per_day: bytes(per_day_mb), total: bytes(total_mb) })
    }
}

/// The quota `account`'s uploads are held to now: citizens only (a desk adding an applicant's
/// scans works for many people).
pub fn quota_for(limits: Option<QuotaLimits>, account: &tinhso_store::Account) -> Option<tinhso_store::UploadQuota> {
    let limits = limits?;
    if account.role != tinhso_policy::Role::Citizen {
        return None;
    }
    let midnight = calendar::day_start(calendar::local_date(chrono::Utc::now()));
    Some(tinhso_store::UploadQuota { per_day: limits.per_day, total: limits.total, day_start: midnight })
}

/// The refusal when a quota would be exceeded, in the person's words.
pub fn over_quota(limits: Option<QuotaLimits>, today: u64, total: u64) -> AppError {
    let mb = |b: u64| b.div_ceil(1024 * 1024);
    let l = limits.unwrap_or(QuotaLimits { per_day: 0, total: 0 });
    let (vi, en) = if total + 1 > l.total || l.per_day == 0 {
        (
            format!(
                "Kho dữ liệu của ông/bà đã dùng {} MB trên hạn mức {} MB. Hãy dùng lại giấy tờ đã có trong kho, hoặc liên hệ Bộ phận Một cửa.",
                mb(total),
                mb(l.total)
            ),
            format!("Your document store holds {} MB of its {} MB. Reuse documents already there.", mb(total), mb(l.total)),
        )
    } else {
        (
            format!(
                "Hôm nay ông/bà đã tải lên {} MB, hạn mức mỗi ngày là {} MB. Vui lòng tải tiếp vào ngày mai, hoặc dùng lại giấy tờ đã có trong kho.",
                mb(today),
                mb(l.per_day)
            ),
            format!("You uploaded {} MB today; the daily limit is {} MB. Please continue tomorrow.", mb(today), mb(l.per_day)),
        )
    };
    AppError::bad_request("quota_exceeded", vi, en)
}
