//! The public verifier: `/xac-thuc` (a code from a document's QR, or a PDF uploaded) and its
//! API. It tells the issuing agency, the signer, the time, whether the file is intact, and
//! whether it is a document the platform issued and still stands; nothing personal.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tinhso_api::results::{FileCheck, IssuedAnswer};
use tinhso_api::ErrorBody;
use tinhso_http::api::json_bytes;
use tinhso_http::auth::Viewer;
use tinhso_http::error::{ApiResult, AppError};
use tinhso_http::form::PageQuery;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_kernel::document::IssuedDocument;
use tinhso_results::verify::{examine, verdict, verdict_en, verdict_vi};

/// The largest file the verifier reads (a result is tens of kilobytes; a scan a few MB).
pub const MAX_PDF: usize = 10 * 1024 * 1024;

/// Files checked at once on a server: the verifier is public and reads a file whole, so at
/// most this many are in memory (4 × 10 MB); others are asked to retry in a moment.
pub struct Gate(tokio::sync::Semaphore);

impl Default for Gate {
    fn default() -> Self {
        Self(tokio::sync::Semaphore::new(4))
    }
}

fn busy() -> AppError {
    AppError::Throttled { retry_after: 2 }
}

fn answer(state: &AppState, d: &IssuedDocument) -> IssuedAnswer {
    IssuedAnswer {
        code: d.code.clone(),
        kind: d.kind.clone(),
        status: d.status.clone(),
        agency: d.agency.clone(),
        agency_name: state.agency_name(&d.agency).unwrap_or(&d.agency).to_owned(),
        signer: d.signer.clone(),
        signed_at: d.signed_at.clone(),
        timestamped: d.timestamped,
        number: (d.kind == "receipt").then(|| receipt_number(d)),
        replaced_by: d.replaced_by.clone(),
        sha256: d.sha256.clone(),
    }
}

/// "BL-2026-000123/000.00.03.H08": a receipt's number within its agency and year.
pub fn receipt_number(d: &IssuedDocument) -> String {
    format!("BL-{}-{:06}/{}", d.year, d.seq, d.agency)
}

/// A code as typed: upper case, spaces and marks of copying removed.
fn normal_code(s: &str) -> String {
    s.trim().to_uppercase().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect()
}

async fn by_code(state: &AppState, code: &str) -> Result<Option<IssuedAnswer>, AppError> {
    let code = normal_code(code);
    if code.is_empty() || code.len() > 40 {
        return Ok(None);
    }
    Ok(crate::results_port(state)?.issued_by_code(&code).await?.map(|d| answer(state, &d)))
}

async fn check(state: &AppState, pdf: Bytes) -> Result<FileCheck, AppError> {
    let ex = tokio::task::spawn_blocking(move || examine(&pdf)).await.map_err(|e| AppError::Internal(e.to_string()))?;
    let sha = tinhso_results::verify::hex(&ex.sha256);
    let issued = crate::results_port(state)?.issued_by_sha256(&sha).await?;
    let v = verdict(&ex, issued.as_ref().map(|d| d.status.as_str()));
    let s = ex.signature.as_ref();
    Ok(FileCheck {
        sha256: sha,
        signed: s.is_some(),
        intact: s.is_some_and(|s| s.intact),
        signature_valid: s.is_some_and(|s| s.valid),
        covers_whole_file: s.is_some_and(|s| s.covers_whole_file),
        signer: s.map(|s| s.signer.clone()),
        certificate_issuer: s.map(|s| s.issuer.clone()),
        signing_time: s.and_then(|s| s.claimed_time.clone()),
        timestamp: s.and_then(|s| s.timestamp.as_ref().map(|t| t.0.clone())),
        timestamp_valid: s.and_then(|s| s.timestamp.as_ref().map(|t| t.1)),
        issued_here: issued.map(|d| answer(state, &d)),
        verdict: v.to_owned(),
    })
}

#[derive(Template)]
#[template(path = "results/verify.html")]
pub struct VerifyPage {
    pub layout: Layout,
    pub code: String,
    pub searched: bool,
    pub issued: Option<IssuedAnswer>,
    pub file: Option<FileCheck>,
    pub verdict_text: &'static str,
    pub error: Option<String>,
}

impl VerifyPage {
    fn new(state: &AppState, viewer: &Viewer) -> Self {
        let title = if viewer.locale == tinhso_http::i18n::Locale::En {
            "Verify a result or an e-receipt"
        } else {
            "Xác thực kết quả, biên lai điện tử"
        };
        Self {
            layout: Layout::new(state, viewer, title),
            code: String::new(),
            searched: false,
            issued: None,
            file: None,
            verdict_text: "",
            error: None,
        }
    }

    pub fn status_vi(status: &str) -> &'static str {
        match status {
            "issued" => "Đang có hiệu lực",
            "revoked" => "Đã thu hồi",
            "replaced" => "Đã được thay thế",
            _ => "Không rõ",
        }
    }

    /// `status_vi` or its English, as the page's language wants.
    pub fn status_text(&self, status: &str) -> &'static str {
        if !self.layout.en {
            return Self::status_vi(status);
        }
        match status {
            "issued" => "In force",
            "revoked" => "Revoked",
            "replaced" => "Replaced",
            _ => "Unknown",
        }
    }

    /// `kind_vi` or its English, as the page's language wants.
    pub fn kind_text(&self, kind: &str) -> &'static str {
        match (self.layout.en, kind) {
            (false, _) => Self::kind_vi(kind),
            (true, "receipt") => "Electronic receipt of fees and charges",
            (true, "decision") => "Decision of the province's People's Committee",
            (true, _) => "Result of an administrative procedure",
        }
    }

    pub fn kind_vi(kind: &str) -> &'static str {
        match kind {
            "receipt" => "Biên lai thu phí, lệ phí điện tử",
            "decision" => "Quyết định của Ủy ban nhân dân tỉnh",
            _ => "Kết quả giải quyết thủ tục hành chính",
        }
    }

    pub fn time_vi(rfc3339: &str) -> String {
        chrono::DateTime::parse_from_rfc3339(rfc3339)
            .map(|t| crate::issue::vn_time(t.with_timezone(&chrono::Utc)))
            .unwrap_or_else(|_| rfc3339.to_owned())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyQuery {
    ma: Option<String>,
}

/// The verifier's page; with `?ma=` (the QR code's link) it shows that document at once.
pub async fn page(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<VerifyQuery>) -> PageResult {
    let err = page_err(&viewer);
    let mut page = VerifyPage::new(&state, &viewer);
    if let Some(code) = q.ma.filter(|c| !c.trim().is_empty()) {
        page.searched = true;
        page.issued = by_code(&state, &code).await.map_err(&err)?;
        page.code = normal_code(&code);
    }
    let status = if page.searched && page.issued.is_none() { StatusCode::NOT_FOUND } else { StatusCode::OK };
    Ok(viewer.finish((status, render(&page))))
}

/// A PDF uploaded to the verifier (multipart field `tep`), or a code typed (`ma`).
pub async fn upload(State(state): State<AppState>, viewer: Viewer, mut form: Multipart) -> PageResult {
    let err = page_err(&viewer);
    let gate = state.module_state::<Gate>();
    let _permit = gate.0.try_acquire().map_err(|_| err(busy()))?;
    let mut page = VerifyPage::new(&state, &viewer);
    let mut pdf: Option<Bytes> = None;
    while let Ok(Some(field)) = form.next_field().await {
        match field.name() {
            Some("tep") => pdf = field.bytes().await.ok().filter(|b| !b.is_empty()),
            Some("ma") => page.code = normal_code(&field.text().await.unwrap_or_default()),
            _ => {}
        }
    }
    match pdf {
        Some(b) if b.starts_with(b"%PDF") => {
            let f = check(&state, b).await.map_err(&err)?;
            page.verdict_text = if page.layout.en { verdict_en(&f.verdict) } else { verdict_vi(&f.verdict) };
            page.file = Some(f);
        }
        Some(_) if page.layout.en => {
            page.error = Some("The file is not a PDF: choose the result or receipt as a PDF".into())
        }
        Some(_) => page.error = Some("Tệp tải lên không phải tệp PDF: chọn tệp kết quả hoặc biên lai dạng PDF".into()),
        None if !page.code.is_empty() => {
            page.searched = true;
            page.issued = by_code(&state, &page.code).await.map_err(&err)?;
        }
        None if page.layout.en => {
            page.error = Some("Choose the PDF to verify, or type the code printed under its QR code".into())
        }
        None => page.error = Some("Chọn tệp PDF cần xác thực, hoặc nhập mã in dưới mã QR của văn bản".into()),
    }
    let status = if page.error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok(viewer.finish((status, render(&page))))
}

/// An issued document by the code under its QR code.
#[utoipa::path(get, path = "/api/v1/results/{code}", tag = "results",
    params(("code" = String, Path, pattern = "^[0-9A-Za-z-]{1,40}$", description = "The code printed under the document's QR code")),
    responses((status = 200, body = IssuedAnswer), (status = 404, body = ErrorBody)))]
pub async fn api_code(State(state): State<AppState>, Path(code): Path<String>) -> ApiResult<Response> {
    let found = by_code(&state, &code).await?.ok_or(AppError::NotFound)?;
    json_bytes(StatusCode::OK, &found)
}

/// Checks a PDF sent as the request body (its bytes as they are; any content type, as
/// `application/pdf` or `application/octet-stream`).
#[utoipa::path(post, path = "/api/v1/results/verify", tag = "results",
    request_body(content = tinhso_api::FileBytes, content_type = "application/octet-stream"),
    responses((status = 200, body = FileCheck), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn api_verify(State(state): State<AppState>, body: axum::body::Body) -> ApiResult<Response> {
    let gate = state.module_state::<Gate>();
    let _permit = gate.0.try_acquire().map_err(|_| busy())?;
    let body = axum::body::to_bytes(body, MAX_PDF).await.map_err(AppError::body)?;
    if !body.starts_with(b"%PDF") {
        return Err(AppError::bad_request(
            "not_a_pdf",
            "Nội dung gửi lên không phải tệp PDF",
            "The request body is not a PDF file",
        )
        .into());
    }
    json_bytes(StatusCode::OK, &check(&state, body).await?)
}
