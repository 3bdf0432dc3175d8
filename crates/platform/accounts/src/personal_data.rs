//! A person's copy of the personal data the platform keeps about them (the data subject's
//! right of access under the Personal Data Protection Law): `/tai-khoan/du-lieu` downloads
//! one JSON document. The platform writes its own part (the account, notices, the document
//! store); each module that keeps personal data adds its part through
//! `WebModule::personal_data`, so a new module is included by saying what it keeps.

use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use serde_json::{json, Map, Value};
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;

use tinhso_http::PersonalData;

/// The whole copy: the platform's parts, then each module's.
pub async fn download(state: AppState, viewer: Viewer, parts: &[PersonalData]) -> PageResult {
    let err = page_err(&viewer);
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let notices = state.store.notify.inbox(account.id).await.map_err(|e| err(e.into()))?;
    let documents = state.store.documents.documents(account.id).await.map_err(|e| err(e.into()))?;
    let mut out = Map::new();
    out.insert("generated_at".into(), json!(chrono::Utc::now()));
    out.insert(
        "account".into(),
        json!({
            "login": account.login,
            "full_name": account.full_name,
            "role": account.role.key(),
            "agency": account.agency,
            "personal_id": account.personal_id.as_ref().map(|p| p.as_str()),
            "created_at": account.created_at,
        }),
    );
    out.insert(
        "notices".into(),
        notices
            .iter()
            .map(|m| {
                let mut notice =
                    json!({ "at": m.created_at, "subject": m.subject, "body": m.body, "dossier": m.dossier });
                if !m.subject_en.is_empty() {
                    notice["subject_en"] = json!(m.subject_en);
                    notice["body_en"] = json!(m.body_en);
                }
                notice
            })
            .collect(),
    );
    out.insert(
        "documents".into(),
        documents
            .iter()
            .map(
                |d| json!({ "name": d.name, "size": d.size, "sha256": d.sha256.to_string(), "added_at": d.created_at }),
            )
            .collect(),
    );
    for part in parts {
        let (name, value) = part(state.clone(), account.id).await.map_err(&err)?;
        out.insert(name.into(), value);
    }
    let body = serde_json::to_vec_pretty(&Value::Object(out)).map_err(|e| err(AppError::Internal(e.to_string())))?;
    let mut resp = body.into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    headers
        .insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"du-lieu-ca-nhan.json\""));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(viewer.finish(resp))
}
