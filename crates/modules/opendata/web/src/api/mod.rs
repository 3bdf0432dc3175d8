//! CKAN's Action API at `/api/3/action/{name}` and `/api/action/{name}`: parameters from the
//! query string (GET), a JSON body, a form, or a multipart body with a file (`upload`);
//! CKAN's envelope `{help, success, result}` and its errors `{__type, message}` with CKAN's
//! status codes, so `ckanapi` and other CKAN clients work unchanged. Callers are known by an
//! API token in `Authorization` or `X-CKAN-API-Key` (or, to read only, by their session).

mod catalogue;
mod datasets;
pub mod datastore;
mod resources;
pub mod tokens;

use crate::service::{self, SaveError};
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use tinhso_http::state::AppState;
use tinhso_opendata::input::Errors;
use tinhso_policy::Actor;
use tinhso_store::Account;

/// A CKAN error: its `__type`, status and message (and per-field messages for validation).
pub enum CkanError {
    NotFound(String),
    Validation(Errors),
    Forbidden(String),
    SearchQuery(String),
    BadRequest(String),
    /// Too many long scans at once: try again in a few seconds.
    Busy,
    /// The server is short of room for files: the upload was not taken, try again later.
    StorageFull,
    Internal(String),
}

impl From<tinhso_store::StoreError> for CkanError {
    fn from(e: tinhso_store::StoreError) -> Self {
        tracing::error!(error = %e, "CKAN action failed in the store");
        Self::Internal("Lỗi hệ thống; vui lòng thử lại sau.".into())
    }
}

impl From<SaveError> for CkanError {
    fn from(e: SaveError) -> Self {
        match e {
            SaveError::Invalid(errs) => Self::Validation(errs),
            SaveError::Forbidden(m) => Self::Forbidden(m),
            SaveError::NotFound => Self::NotFound("Không tìm thấy tổ chức công bố.".into()),
            SaveError::Failed(e) => match e {
                tinhso_http::error::AppError::Conflict { vi, .. } => {
                    let mut m = Errors::new();
                    m.insert("revision".into(), vec![vi]);
                    Self::Validation(m)
                }
                other => {
                    tracing::error!(error = ?other, "CKAN save failed");
                    Self::Internal("Lỗi hệ thống; vui lòng thử lại sau.".into())
                }
            },
        }
    }
}

pub type Answer = Result<Value, CkanError>;

/// What an action receives.
pub struct Call {
    pub state: AppState,
    pub params: Map<String, Value>,
    pub caller: Option<Account>,
    pub upload: Option<Upload>,
    pub base: String,
}

/// A file sent with the call, already stored.
pub struct Upload {
    pub sha256: String,
    pub size: i64,
    pub filename: String,
    pub mimetype: String,
}

impl Call {
    pub fn actor(&self) -> Option<Actor> {
        self.caller.as_ref().map(|a| Actor { role: a.role, agency: a.agency.clone() })
    }

    /// The caller, or CKAN's 403 for an anonymous write.
    pub fn require(&self) -> Result<(Actor, i64), CkanError> {
        match &self.caller {
            Some(a) => Ok((Actor { role: a.role, agency: a.agency.clone() }, a.id.0)),
            None => Err(CkanError::Forbidden("Cần khóa API (API token) trong tiêu đề Authorization.".into())),
        }
    }

    pub fn text(&self, k: &str) -> Option<String> {
        match self.params.get(k)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    pub fn required(&self, k: &str) -> Result<String, CkanError> {
        self.text(k).filter(|s| !s.is_empty()).ok_or_else(|| {
            let mut e = Errors::new();
            e.insert(k.into(), vec!["Thiếu giá trị.".into()]);
            CkanError::Validation(e)
        })
    }

    pub fn flag(&self, k: &str, default: bool) -> Result<bool, CkanError> {
        match self.params.get(k) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" | "" => Ok(false),
                _ => Err(invalid(k, "Phải là true hoặc false.")),
            },
            Some(Value::Number(n)) => Ok(n.as_i64() != Some(0)),
            Some(_) => Err(invalid(k, "Phải là true hoặc false.")),
        }
    }

    /// A whole number in `0..=max` (CKAN refuses negatives and caps rows at 1000).
    pub fn number(&self, k: &str, default: usize, max: usize) -> Result<usize, CkanError> {
        let n = match self.params.get(k) {
            None | Some(Value::Null) => return Ok(default),
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(default),
            Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
            Some(_) => None,
        };
        match n.and_then(|n| usize::try_from(n).ok()) {
            Some(n) => Ok(n.min(max)),
            None => Err(invalid(k, "Phải là số nguyên không âm.")),
        }
    }

    /// A list: a JSON array, or a string holding one (`facet.field=["tags"]` in a query string).
    pub fn list(&self, k: &str) -> Result<Option<Vec<String>>, CkanError> {
        let v = match self.params.get(k) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::String(s)) if s.trim_start().starts_with('[') => {
                serde_json::from_str::<Value>(s).map_err(|_| invalid(k, "Danh sách JSON không hợp lệ."))?
            }
            Some(Value::String(s)) => return Ok(Some(vec![s.clone()])),
            Some(v) => v.clone(),
        };
        match v {
            Value::Array(a) => Ok(Some(a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())),
            _ => Err(invalid(k, "Phải là một danh sách.")),
        }
    }
}

pub fn invalid(field: &str, msg: &str) -> CkanError {
    let mut e = Errors::new();
    e.insert(field.into(), vec![msg.into()]);
    CkanError::Validation(e)
}

fn help(base: &str, name: &str) -> String {
    format!("{base}/api/3/action/help_show?name={name}")
}

fn envelope(base: &str, name: &str, answer: Answer) -> Response {
    let (status, body) = match answer {
        Ok(result) => (StatusCode::OK, json!({ "help": help(base, name), "success": true, "result": result })),
        Err(e) => {
            let (status, error) = match e {
                CkanError::NotFound(m) => (
                    StatusCode::NOT_FOUND,
                    json!({ "__type": "Not Found Error", "message": format!("Not found: {m}") }),
                ),
                CkanError::Validation(fields) => {
                    let mut o = Map::new();
                    o.insert("__type".into(), "Validation Error".into());
                    let summary: Vec<String> = fields.iter().map(|(f, m)| format!("{f}: {}", m.join(" "))).collect();
                    o.insert("message".into(), Value::String(summary.join("; ")));
                    for (f, msgs) in fields {
                        o.insert(f, json!(msgs));
                    }
                    (StatusCode::CONFLICT, Value::Object(o))
                }
                CkanError::Forbidden(m) => (
                    StatusCode::FORBIDDEN,
                    json!({ "__type": "Authorization Error", "message": format!("Access denied: {m}") }),
                ),
                CkanError::SearchQuery(m) => (
                    StatusCode::CONFLICT,
                    json!({ "__type": "Search Query Error", "message": format!("Search Query is invalid: {m}") }),
                ),
                CkanError::BadRequest(m) => (
                    StatusCode::BAD_REQUEST,
                    json!({ "__type": "Bad Request", "message": format!("Bad request - {m}") }),
                ),
                CkanError::Internal(m) => {
                    (StatusCode::INTERNAL_SERVER_ERROR, json!({ "__type": "Internal Server Error", "message": m }))
                }
                CkanError::Busy | CkanError::StorageFull => {
                    let (message, retry) = match e {
                        CkanError::Busy => ("Máy chủ đang chạy nhiều truy vấn dài; hãy thử lại sau vài giây.", "5"),
                        _ => {
                            ("Máy chủ tạm thời không còn đủ chỗ lưu tệp nên chưa nhận tệp này; hãy thử lại sau.", "300")
                        }
                    };
                    let body = json!({ "help": help(base, name), "success": false, "error": {
                        "__type": "Service Unavailable", "message": message } });
                    let headers = [(header::CACHE_CONTROL, "no-store"), (header::RETRY_AFTER, retry)];
                    return (StatusCode::SERVICE_UNAVAILABLE, headers, axum::Json(body)).into_response();
                }
            };
            (status, json!({ "help": help(base, name), "success": false, "error": error }))
        }
    };
    (status, [(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

/// The caller named by an API token, else by a session (reads only), else nobody. A token
/// that is given but unknown or revoked is refused, never treated as anonymous.
async fn caller(state: &AppState, headers: &HeaderMap, method: &Method) -> Result<Option<Account>, CkanError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .or_else(|| headers.get("x-ckan-api-key"))
        .and_then(|h| h.to_str().ok())
        .map(|t| t.trim().trim_start_matches("Bearer ").trim().to_owned())
        .filter(|t| !t.is_empty());
    if let Some(t) = token {
        let hash = tinhso_identity::token_hash(&t);
        let account = match crate::opendata_port(state)?.api_token_account(&hash).await? {
            Some(id) => state.store.identity.account(id).await?,
            None => None,
        };
        return match account {
            Some(a) if !a.disabled => Ok(Some(a)),
            _ => Err(CkanError::Forbidden("Khóa API không đúng hoặc đã bị thu hồi.".into())),
        };
    }
    if method == Method::GET {
        let name = tinhso_http::auth::session_cookie(state.config.secure_cookies);
        if let Some(cookie) = tinhso_http::auth::cookie(headers, name) {
            if let Ok(Some((_, a))) = state.session(&tinhso_identity::token_hash(&cookie)).await {
                return Ok(Some(a));
            }
        }
    }
    Ok(None)
}

async fn params(state: &AppState, req: Request) -> Result<(Map<String, Value>, Option<Upload>), CkanError> {
    let ctype = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    if req.method() == Method::GET {
        let q = req.uri().query().unwrap_or("");
        let map = form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        return Ok((map, None));
    }
    if ctype.starts_with("multipart/form-data") {
        let mut mp = Multipart::from_request(req, state).await.map_err(|e| CkanError::BadRequest(e.body_text()))?;
        let (mut map, mut upload) = (Map::new(), None);
        while let Some(field) = mp.next_field().await.map_err(|e| CkanError::BadRequest(e.body_text()))? {
            let name = field.name().unwrap_or("").to_owned();
            if name == "upload" {
                let filename = field.file_name().unwrap_or("tep-du-lieu").to_owned();
                let mimetype = field.content_type().unwrap_or("application/octet-stream").to_owned();
                let (sha, size) = state.files.put_any(field).await.map_err(|e| match e {
                    tinhso_files::FileError::Refused { vi, .. } => invalid("upload", &vi),
                    tinhso_files::FileError::Body(e) => CkanError::BadRequest(e.to_string()),
                    tinhso_files::FileError::NoRoom => CkanError::StorageFull,
                    other => CkanError::Internal(other.to_string()),
                })?;
                upload = Some(Upload {
                    sha256: sha.to_string(),
                    size: i64::try_from(size).unwrap_or(i64::MAX),
                    filename: tinhso_kernel::text::clean(&filename),
                    mimetype,
                });
            } else {
                let text = field.text().await.map_err(|e| CkanError::BadRequest(e.body_text()))?;
                map.insert(name, Value::String(text));
            }
        }
        return Ok((map, upload));
    }
    let bytes = Bytes::from_request(req, state).await.map_err(|e| CkanError::BadRequest(e.body_text()))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok((Map::new(), None));
    }
    if ctype.starts_with("application/x-www-form-urlencoded") {
        let map =
            form_urlencoded::parse(&bytes).map(|(k, v)| (k.into_owned(), Value::String(v.into_owned()))).collect();
        return Ok((map, None));
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Ok((m, None)),
        Ok(_) => Err(CkanError::BadRequest("JSON Error: the body must be a JSON object".into())),
        Err(e) => Err(CkanError::BadRequest(format!("JSON Error: {e}"))),
    }
}

/// `/api/3/action/{name}` and `/api/action/{name}`, GET and POST.
pub async fn action(State(state): State<AppState>, Path(name): Path<String>, req: Request) -> Response {
    let base = state.site_url(req.headers());
    let method = req.method().clone();
    let caller = match caller(&state, req.headers(), &method).await {
        Ok(c) => c,
        Err(e) => return envelope(&base, &name, Err(e)),
    };
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/"));
    if multipart && caller.is_none() {
        // Checked before a byte of the body is read: nobody makes the server take a file
        // without a valid token.
        return envelope(&base, &name, Err(CkanError::Forbidden("Cần khóa API để gửi tệp.".into())));
    }
    let (params, upload) = match params(&state, req).await {
        Ok(p) => p,
        Err(e) => return envelope(&base, &name, Err(e)),
    };
    let call = Call { state, params, caller, upload, base: base.clone() };
    let answer = dispatch(&name, &call, &method).await;
    envelope(&base, &name, answer)
}

/// Actions that change something are POST only, as in CKAN.
const WRITES: &[&str] = &[
    "package_create",
    "package_update",
    "package_patch",
    "package_delete",
    "resource_create",
    "resource_update",
    "resource_patch",
    "resource_delete",
    "api_token_create",
    "api_token_revoke",
];

async fn dispatch(name: &str, c: &Call, method: &Method) -> Answer {
    if WRITES.contains(&name) && method != Method::POST {
        return Err(CkanError::BadRequest(format!("{name} cần phương thức POST.")));
    }
    match name {
        "status_show" => catalogue::status_show(c),
        "license_list" => Ok(catalogue::license_list()),
        "organization_list" => catalogue::organization_list(c, true).await,
        "group_list" => catalogue::organization_list(c, false).await,
        "organization_show" => catalogue::organization_show(c, true).await,
        "group_show" => catalogue::organization_show(c, false).await,
        "tag_list" => catalogue::tag_list(c).await,
        "organization_list_for_user" => catalogue::organization_list_for_user(c).await,
        "package_list" => datasets::package_list(c).await,
        "package_search" => datasets::package_search(c).await,
        "package_show" => datasets::package_show(c).await,
        "current_package_list_with_resources" => datasets::current_with_resources(c).await,
        "package_create" => datasets::package_create(c).await,
        "package_update" => datasets::package_update(c, tinhso_opendata::input::Mode::Update).await,
        "package_patch" => datasets::package_update(c, tinhso_opendata::input::Mode::Patch).await,
        "package_delete" => datasets::package_delete(c).await,
        "resource_show" => resources::resource_show(c).await,
        "resource_create" => resources::resource_create(c).await,
        "resource_update" => resources::resource_update(c, false).await,
        "resource_patch" => resources::resource_update(c, true).await,
        "resource_delete" => resources::resource_delete(c).await,
        "datastore_search" => datastore::datastore_search(c).await,
        "datastore_search_sql" => datastore::datastore_search_sql(c).await,
        "datastore_info" => datastore::datastore_info(c).await,
        "api_token_create" => tokens::create(c).await,
        "api_token_revoke" => tokens::revoke(c).await,
        "api_token_list" => tokens::list(c).await,
        other => Err(CkanError::BadRequest(format!("Action name not known: {other}"))),
    }
}

/// The dataset a call names by `id` (or `name`), if the caller may see it.
pub async fn visible_dataset(c: &Call, key: &str) -> Result<tinhso_opendata::Dataset, CkanError> {
    let d = crate::opendata_port(&c.state)?.dataset(key).await?.ok_or_else(|| CkanError::NotFound("Dataset".into()))?;
    let portal = service::portal(&c.state);
    let cat = portal.read(&c.state).await?;
    let actor = c.actor();
    let ok = match d.state {
        tinhso_opendata::State::Deleted => actor
            .as_ref()
            .is_some_and(|a| cat.organization(&d.owner_org).is_some_and(|o| crate::access::may_publish(a, o))),
        _ => service::visible(actor.as_ref(), &cat, &d),
    };
    if ok {
        Ok(d)
    } else {
        Err(CkanError::NotFound("Dataset".into()))
    }
}
