//! The citizen's document store page: files uploaded once, reused in any dossier.

use super::dossier::store_uploads;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::form::FormWithFiles;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_kernel::format::thousands;
use tinhso_kernel::FieldError;

#[derive(Template)]
#[template(path = "dossier/documents.html")]
pub struct DocumentsPage {
    pub layout: Layout,
    /// Name, type, size, SHA-256 (the download's address).
    pub documents: Vec<(String, String, String, String)>,
    pub errors: Vec<FieldError>,
}

async fn documents_page(state: &AppState, viewer: &Viewer, errors: Vec<FieldError>) -> Result<DocumentsPage, AppError> {
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated)?;
    let documents = state
        .store
        .documents
        .documents(account.id)
        .await?
        .into_iter()
        .map(|d| {
            let size = format!("{} KB", thousands(d.size.div_ceil(1024)));
            (d.name, d.kind.mime().to_owned(), size, d.sha256.as_str().to_owned())
        })
        .collect();
    let title =
        if viewer.locale == tinhso_http::i18n::Locale::En { "My documents" } else { "Kho dữ liệu của tôi" };
    Ok(DocumentsPage { layout: Layout::new(state, viewer, title), documents, errors })
}

/// The citizen's document store: files uploaded once, reusable in any dossier.
pub async fn documents(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let page = documents_page(&state, &viewer, Vec::new()).await.map_err(page_err(&viewer))?;
    Ok(viewer.finish(render(&page)))
}

pub async fn add_document(State(state): State<AppState>, viewer: Viewer, body: FormWithFiles) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(body.form.get("csrf")).map_err(&err)?;
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let errors = if body.files.is_empty() {
        // "Tải lên" pressed before a file was chosen: say so, rather than showing the page again
        // as if something had happened.
        vec![FieldError::new("files.new", "no_file", "Chọn một tệp để tải lên", "Choose a file to upload")]
    } else {
        store_uploads(&state, account, body.files).await.map_err(&err)?.1
    };
    if errors.is_empty() {
        return Ok(Redirect::to("/kho-du-lieu").into_response());
    }
    let status = tinhso_http::files::form_status(&errors);
    let page = documents_page(&state, &viewer, errors).await.map_err(&err)?;
    Ok(viewer.finish((status, render(&page))))
}

/// One of the citizen's own documents (a signed result or receipt among them), as a download.
pub async fn download(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::extract::Path(sha256): axum::extract::Path<String>,
) -> PageResult {
    let err = page_err(&viewer);
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    crate::api::own_document(&state, account, &sha256).await.map_err(&err)
}
