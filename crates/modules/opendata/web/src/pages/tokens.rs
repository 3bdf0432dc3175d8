//! A person's API tokens (`/tai-khoan/khoa-api`): made with a name, the secret shown once on
//! the answer to the form (never in an address, never stored), listed, revoked.

use crate::api::tokens::make;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::form::FormData;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_opendata_port::ApiToken;

pub struct TokenView {
    pub id: String,
    pub name: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "opendata/tokens.html")]
pub struct TokensPage {
    pub layout: Layout,
    pub tokens: Vec<TokenView>,
    pub secret: Option<String>,
    pub error: Option<String>,
    pub name: String,
}

fn view(t: ApiToken) -> TokenView {
    let created = chrono::DateTime::parse_from_rfc3339(&t.created)
        .map(|d| super::views::date_time(d.naive_utc()))
        .unwrap_or(t.created);
    TokenView { id: t.id, name: t.name, created }
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    secret: Option<String>,
    error: Option<String>,
    name: String,
) -> PageResult {
    let err = page_err(viewer);
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let tokens = crate::opendata_port(state)
        .map_err(|e| err(e.into()))?
        .api_tokens(account.id)
        .await
        .map_err(|e| err(e.into()))?;
    let p = TokensPage {
        layout: Layout::new(state, viewer, viewer.locale.pick("Khóa API", "API keys")),
        tokens: tokens.into_iter().map(view).collect(),
        secret,
        error: error.clone(),
        name,
    };
    let status = if error.is_some() { axum::http::StatusCode::BAD_REQUEST } else { axum::http::StatusCode::OK };
    Ok((status, render(&p)).into_response())
}

pub async fn show(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let resp = page(&state, &viewer, None, None, String::new()).await?;
    Ok(viewer.finish(resp))
}

pub async fn create(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    let account = viewer.account.clone().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let name = tinhso_kernel::text::clean(form.get("ten").unwrap_or(""));
    let resp = match make(&state, account.id, &name).await {
        Ok((_, secret)) => {
            // A key outlives a password change: the owner hears of each, in case it was not them.
            let body = format!(
                "Khóa API “{name}” đã được tạo cho tài khoản của ông/bà lúc {}. Nếu không phải ông/bà tạo, hãy thu hồi khóa tại trang Khóa API (/tai-khoan/khoa-api) và đổi mật khẩu.",
                tinhso_http::notices::now_vi()
            );
            let body_en = format!(
                "The API key “{name}” was created for your account at {}. If it was not you, revoke it on the API keys page (/tai-khoan/khoa-api) and change your password.",
                tinhso_http::notices::now_en()
            );
            let note = tinhso_store::Notification::new(account.id, "Khóa API mới cho tài khoản", body)
                .with_english("A new API key for your account", body_en);
            tinhso_http::notices::tell_owner(&state, note).await.map_err(&err)?;
            page(&state, &viewer, Some(secret), None, String::new()).await?
        }
        Err(_) if name.is_empty() || name.chars().count() > 100 => {
            page(
                &state,
                &viewer,
                None,
                Some(
                    viewer
                        .locale
                        .pick(
                            "Hãy đặt tên cho khóa (1–100 ký tự), ví dụ “Máy chủ báo cáo”.",
                            "Give the key a name (1–100 characters), e.g. “Reporting server”.",
                        )
                        .into(),
                ),
                name,
            )
            .await?
        }
        Err(_) => return Err(err(AppError::Internal("an API token could not be made".into()))),
    };
    Ok(viewer.finish(resp))
}

pub async fn revoke(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let id = form.get("id").unwrap_or("");
    crate::opendata_port(&state)
        .map_err(|e| err(e.into()))?
        .revoke_api_token(account.id, id)
        .await
        .map_err(|e| err(e.into()))?;
    Ok(viewer.finish(Redirect::to("/tai-khoan/khoa-api").into_response()))
}
