//! `/phan-anh/xa/{code}/atom`: a commune's newest reports as an Atom feed (RFC 4287), for
//! feed readers and for anyone who wants to know what is reported where they live.

use crate::views::{category_name, commune_name};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use tinhso_http::error::{AppError, PageError};
use tinhso_http::state::AppState;
use tinhso_store::ReportQuery;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub async fn commune(State(state): State<AppState>, Path(code): Path<String>) -> Result<Response, PageError> {
    let not_found = || PageError::new(AppError::NotFound, tinhso_http::i18n::Locale::Vi);
    let code: u32 = code.parse().map_err(|_| not_found())?;
    if !state.units.iter().any(|u| u.code == code) {
        return Err(not_found());
    }
    let e = |e: tinhso_store::StoreError| PageError::new(e.into(), tinhso_http::i18n::Locale::Vi);
    let categories = state.store.reports.report_categories().await.map_err(e)?;
    let list = state
        .store
        .reports
        .reports(&ReportQuery { commune: Some(code), limit: 50, ..Default::default() })
        .await
        .map_err(e)?;
    let name = commune_name(&state, Some(code));
    let base = state.config.public_url.as_deref().unwrap_or("").trim_end_matches('/').to_owned();
    // Atom ids are permanent IRIs: the public address when the operator set it, a URN otherwise.
    let id_of = |path: &str| {
        if base.is_empty() {
            format!("urn:tinhso:{}", path.trim_start_matches('/').replace('/', ":"))
        } else {
            format!("{base}{path}")
        }
    };
    let updated = list.iter().map(|r| r.updated_at).max().unwrap_or_else(chrono::Utc::now);
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"vi\">\n\
         <title>{}</title>\n<id>{}</id>\n<link rel=\"self\" href=\"{base}/phan-anh/xa/{code}/atom\"/>\n\
         <link href=\"{base}/phan-anh?xa={code}\"/>\n<updated>{}</updated>\n<author><name>{}</name></author>\n",
        esc(&format!("Phản ánh, kiến nghị: {name}")),
        esc(&id_of(&format!("/phan-anh/xa/{code}/atom"))),
        rfc3339(updated),
        esc(&state.province.name)
    );
    for r in &list {
        let text = if r.text_hidden.is_some() {
            "Nội dung đã được ẩn theo quy định."
        } else {
            r.description.as_str()
        };
        xml.push_str(&format!(
            "<entry>\n<title>{}</title>\n<id>{}</id>\n<link href=\"{base}/phan-anh/{id}\"/>\n\
             <published>{}</published>\n<updated>{}</updated>\n<category term=\"{}\"/>\n<summary>{}</summary>\n</entry>\n",
            esc(&format!("{}: {} ({})", tinhso_reports::public_id(r.id), category_name(&categories, &r.category), r.state.label_vi())),
            esc(&id_of(&format!("/phan-anh/{}", r.id))),
            rfc3339(r.received_at),
            rfc3339(r.updated_at),
            esc(&r.category),
            esc(text),
            id = r.id,
        ));
    }
    xml.push_str("</feed>\n");
    Ok(([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], xml).into_response())
}
