//! One error type for the web layer. API routes answer `{"code","message"}` JSON; pages
//! answer a Vietnamese (or English) error page. Both carry the same stable code.

use crate::i18n::Locale;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tinhso_kernel::FieldError;
use tinhso_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("bad request: {code}")]
    BadRequest { code: &'static str, vi: String, en: String },
    #[error("login required")]
    Unauthenticated,
    /// A login whose password (or login) is wrong: 401, as an API answers bad credentials.
    #[error("wrong login or password")]
    WrongCredentials,
    #[error("forbidden")]
    Forbidden,
    /// Forbidden for a reason the caller can act on, named by `code`.
    #[error("denied: {code}")]
    Denied { code: &'static str, vi: String, en: String },
    #[error("csrf check failed")]
    Csrf,
    /// The account's password was chosen by an admin and must be changed first.
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("too many attempts")]
    Throttled {
        /// Seconds until the next attempt is allowed (sent as `Retry-After`).
        retry_after: i64,
    },
    /// A limit set by others' attempts on something shared (wrong guesses at the dossier the
    /// caller looks up): 429 with `Retry-After`, in words that do not blame the caller.
    #[error("paused: {code}")]
    Paused { retry_after: i64, code: &'static str, vi: String, en: String },
    #[error("body too large")]
    TooLarge,
    /// The body stopped arriving at a usable pace (`listen.rs`).
    #[error("body too slow")]
    TooSlow,
    /// The client's address already holds as many connections as one address may
    /// (`listen.rs`); `Retry-After` says when to try again.
    #[error("too many connections from one address")]
    TooManyConnections,
    /// The address exists, but not for this method (`Allow` says which).
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict: {code}")]
    Conflict { code: &'static str, vi: String, en: String },
    /// An outside party the platform depends on (a timestamp authority, a payment gateway)
    /// did not answer: nothing was changed, try again.
    #[error("unavailable: {code}")]
    Unavailable { code: &'static str, vi: String, en: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<tinhso_identity::IdentityError> for AppError {
    fn from(e: tinhso_identity::IdentityError) -> Self {
        AppError::Internal(e.0)
    }
}

impl AppError {
    /// A request body that could not be read: too slow (the listener cut it off), or else too
    /// large (the usual reason; a client that vanished gets no answer anyway).
    pub fn body(e: impl std::error::Error + 'static) -> Self {
        Self::body_of(&e)
    }

    /// [`AppError::body`] of an error already boxed (a file store's `FileError::Body`).
    pub fn body_of(e: &(dyn std::error::Error + 'static)) -> Self {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(c) = cause {
            if c.is::<crate::listen::TooSlow>() {
                return Self::TooSlow;
            }
            cause = c.source();
        }
        Self::TooLarge
    }

    pub fn bad_request(code: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self::BadRequest { code, vi: vi.into(), en: en.into() }
    }

    /// A request target longer than any the site makes (`edge.rs`, `transport.rs`).
    pub fn uri_too_long() -> Self {
        Self::bad_request("uri_too_long", "Địa chỉ yêu cầu quá dài", "The request address is too long")
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Invalid(_) | Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthenticated | Self::WrongCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::Denied { .. } | Self::Csrf | Self::PasswordChangeRequired => StatusCode::FORBIDDEN,
            Self::Throttled { .. } | Self::Paused { .. } | Self::TooManyConnections => StatusCode::TOO_MANY_REQUESTS,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooSlow => StatusCode::REQUEST_TIMEOUT,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } | Self::Store(StoreError::Conflict(_)) => StatusCode::CONFLICT,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Store(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Invalid(_) => "invalid_input",
            Self::BadRequest { code, .. }
            | Self::Denied { code, .. }
            | Self::Conflict { code, .. }
            | Self::Paused { code, .. }
            | Self::Unavailable { code, .. } => code,
            Self::Unauthenticated => "unauthenticated",
            Self::WrongCredentials => "login_failed",
            Self::Forbidden => "forbidden",
            Self::Csrf => "csrf_failed",
            Self::PasswordChangeRequired => "password_change_required",
            Self::Throttled { .. } => "too_many_attempts",
            Self::TooLarge => "body_too_large",
            Self::TooSlow => "body_too_slow",
            Self::TooManyConnections => "too_many_connections",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Store(StoreError::Conflict(_)) => "conflict",
            Self::Store(_) | Self::Internal(_) => "internal_error",
        }
    }

    pub fn message(&self, locale: Locale) -> String {
        let vi = locale == Locale::Vi;
        let pick = |v: &str, e: &str| if vi { v.to_owned() } else { e.to_owned() };
        match self {
            Self::NotFound => {
                pick("Không tìm thấy trang hoặc dữ liệu bạn yêu cầu.", "The page or record was not found.")
            }
            Self::Invalid(errs) => errs
                .iter()
                .map(|e| if vi { e.message.clone() } else { e.message_en.clone() })
                .collect::<Vec<_>>()
                .join("; "),
            Self::BadRequest { vi: v, en, .. }
            | Self::Denied { vi: v, en, .. }
            | Self::Conflict { vi: v, en, .. }
            | Self::Paused { vi: v, en, .. }
            | Self::Unavailable { vi: v, en, .. } => pick(v, en),
            Self::Unauthenticated => pick("Bạn cần đăng nhập để tiếp tục.", "Please log in to continue."),
            Self::WrongCredentials => {
                pick("Số điện thoại, thư điện tử hoặc mật khẩu không đúng", "Wrong login or password")
            }
            Self::Forbidden => {
                pick("Tài khoản của bạn không có quyền thực hiện việc này.", "Your account may not do this.")
            }
            Self::Csrf => pick(
                "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và gửi lại.",
                "The form expired or is not valid. Reload the page and send it again.",
            ),
            Self::PasswordChangeRequired => pick(
                "Mật khẩu của tài khoản do quản trị cấp: hãy đổi mật khẩu tại trang Tài khoản (/tai-khoan) trước khi làm việc khác.",
                "This account's password was set by an administrator: change it on the account page (/tai-khoan) before anything else.",
            ),
            Self::Throttled { retry_after } => {
                let (vi_wait, en_wait) = wait_words(*retry_after);
                if vi {
                    format!("Bạn đã thử quá nhiều lần. Vui lòng thử lại sau {vi_wait}.")
                } else {
                    format!("Too many attempts. Please try again in {en_wait}.")
                }
            }
            Self::TooLarge => pick("Dữ liệu gửi lên quá lớn.", "The request body is too large."),
            Self::TooSlow => pick(
                "Dữ liệu gửi lên quá chậm nên kết nối đã bị ngắt. Vui lòng kiểm tra mạng rồi gửi lại.",
                "The request body arrived too slowly and the connection was closed. Check the network and send again.",
            ),
            Self::TooManyConnections => pick(
                "Địa chỉ mạng của bạn đang mở quá nhiều kết nối tới hệ thống. Vui lòng thử lại sau ít giây.",
                "Your network address has too many connections open to the platform. Please try again in a few seconds.",
            ),
            Self::MethodNotAllowed => pick(
                "Địa chỉ này không nhận yêu cầu theo phương thức đó.",
                "This address does not accept that request method.",
            ),
            Self::Store(StoreError::Conflict(_)) => pick("Dữ liệu đã tồn tại.", "The record already exists."),
            Self::Store(_) | Self::Internal(_) => pick(
                "Hệ thống gặp lỗi. Dữ liệu của bạn chưa bị thay đổi; vui lòng thử lại sau ít phút.",
                "Something went wrong on our side. Nothing was changed; please try again shortly.",
            ),
        }
    }

    fn log(&self) {
        if self.status().is_server_error() {
            tracing::error!(error = %self, detail = ?self, "request failed");
        }
    }
}

/// Whether errors on `path` are answered to a program (`{code, message}`: the API, Open311)
/// rather than to a person (a page).
pub fn for_programs(path: &str) -> bool {
    ["/api/", "/open311/"].iter().any(|p| path.starts_with(p))
}

/// An error answered as JSON: `{"code": "...", "message": "...", "errors": [...]}`.
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

/// A wait in words: "45 giây", "3 phút".
pub fn wait_words(secs: i64) -> (String, String) {
    if secs < 60 {
        (format!("{secs} giây"), format!("{secs} seconds"))
    } else {
        let m = (secs + 59) / 60;
        (format!("{m} phút"), format!("{m} minutes"))
    }
}

impl AppError {
    /// For a 429: the seconds to wait, as `Retry-After` says.
    pub fn retry_after(&self) -> Option<i64> {
        match self {
            AppError::Throttled { retry_after } | AppError::Paused { retry_after, .. } => Some(*retry_after),
            AppError::TooManyConnections => Some(crate::listen::CROWDED_RETRY_SECS),
            _ => None,
        }
    }
}

/// A wait as an error on a form, under `field`: for a page that answers a 429 on its own form,
/// with what was typed still in it.
pub fn wait_error(field: &str, retry_after: i64) -> tinhso_kernel::FieldError {
    let wait = AppError::Throttled { retry_after };
    tinhso_kernel::FieldError::new(field, wait.code(), wait.message(Locale::Vi), wait.message(Locale::En))
}

/// `Retry-After: seconds` on `resp` (a 429; pages use `Viewer::finish_waiting`).
pub(crate) fn retry_after_header(retry_after: i64, mut resp: Response) -> Response {
    if let Ok(v) = axum::http::HeaderValue::from_str(&retry_after.max(1).to_string()) {
        resp.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    resp
}

/// `Retry-After` on a 429.
fn with_retry_after(e: &AppError, resp: Response) -> Response {
    match e.retry_after() {
        Some(s) => retry_after_header(s, resp),
        None => resp,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let body = tinhso_api::ErrorBody {
            code: self.0.code(),
            message: self.0.message(Locale::Vi),
            errors: match &self.0 {
                AppError::Invalid(errs) => Some(errs.clone()),
                _ => None,
            },
        };
        with_retry_after(&self.0, (self.0.status(), axum::Json(body)).into_response())
    }
}

/// An error answered as a page in the visitor's language.
pub struct PageError {
    pub error: AppError,
    pub locale: Locale,
    /// The page a visitor asked for (a GET), to come back to after logging in when the error
    /// is that they must log in first: a link in a notice leads to its dossier, not the home page.
    pub back_to: Option<String>,
}

impl PageError {
    pub fn new(error: AppError, locale: Locale) -> Self {
        Self { error, locale, back_to: None }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        self.error.log();
        if matches!(self.error, AppError::Unauthenticated) {
            let to = match &self.back_to {
                Some(page) => crate::nav::with_next("/dang-nhap", page),
                None => "/dang-nhap".to_owned(),
            };
            return axum::response::Redirect::to(&to).into_response();
        }
        if matches!(self.error, AppError::PasswordChangeRequired) {
            // The account page says why, from the account itself.
            return axum::response::Redirect::to("/tai-khoan").into_response();
        }
        let page = crate::views::ErrorPage::new(self.locale, &self.error);
        with_retry_after(&self.error, (self.error.status(), crate::views::render(&page)).into_response())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
