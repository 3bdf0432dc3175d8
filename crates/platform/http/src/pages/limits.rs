//! The province admin's upload limits (`/quan-tri/tai-len`): how many megabytes a citizen may
//! upload per day and keep in all, stored in the database so every server applies the same. A
//! save replaces only the limits its page showed: one begun before another admin's save is
//! refused, with what was typed kept and the saved limits shown.

use super::{page_err, PageResult};
use crate::auth::Viewer;
use crate::error::AppError;
use crate::form::FormData;
use crate::state::AppState;
use crate::views::{error_for, render, Layout};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use tinhso_kernel::error::Errors;
use tinhso_kernel::FieldError;
use tinhso_policy::Action;
use tinhso_store::admin::Basis;
use tinhso_store::StoreError;

/// The largest limit accepted, in megabytes (100 GB: beyond any one person's papers).
const MAX_MB: u64 = 100_000;

#[derive(Template)]
#[template(path = "admin/upload_limits.html")]
pub struct LimitsPage {
    pub layout: Layout,
    pub per_day_mb: String,
    pub total_mb: String,
    /// Set by the province (`true`) or the server's start-up options.
    pub set_here: bool,
    pub saved: bool,
    pub errors: Vec<FieldError>,
    /// What the page began from ([`Basis::token`]), given back on saving.
    pub revision: String,
    /// After a refused save: the limits another admin saved meanwhile, in words.
    pub saved_meanwhile: Option<String>,
}

impl LimitsPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field, self.layout.en)
    }
}

/// Limits in words, as the page and the administrators' log say them: "mỗi ngày: 2 MB; tổng:
/// không giới hạn" (0 is no limit, not zero megabytes).
pub fn in_words(per_day_mb: u64, total_mb: u64, en: bool) -> String {
    let one = |n: u64| match (n, en) {
        (0, false) => "không giới hạn".to_owned(),
        (0, true) => "no limit".to_owned(),
        (n, _) => format!("{n} MB"),
    };
    match en {
        false => format!("mỗi ngày: {}; tổng: {}", one(per_day_mb), one(total_mb)),
        true => format!("a day: {}; in all: {}", one(per_day_mb), one(total_mb)),
    }
}

fn mb(bytes: u64) -> String {
    if bytes == u64::MAX {
        "0".into()
    } else {
        (bytes / (1024 * 1024)).to_string()
    }
}

/// A whole number of megabytes from 0 to MAX_MB.
fn parse_mb(field: &str, raw: &str) -> Result<u64, FieldError> {
    match raw.trim().parse::<u64>() {
        Ok(n) if n <= MAX_MB => Ok(n),
        _ => Err(FieldError::new(
            field,
            "invalid_number",
            format!("Nhập số nguyên từ 0 đến {MAX_MB} (0 là không giới hạn)"),
            format!("Enter a whole number from 0 to {MAX_MB} (0 means no limit)"),
        )),
    }
}

pub async fn show(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let err = page_err(&viewer);
    viewer.require(&Action::ManageProvince).map_err(&err)?;
    let set = state.store.documents.upload_limits().await.map_err(|e| err(e.into()))?;
    let revision = Basis::of(set.as_ref()).map_err(|e| err(e.into()))?.token().to_owned();
    let (per_day_mb, total_mb) = match (set, state.config.upload_quota) {
        (Some((d, t)), _) => (d.to_string(), t.to_string()),
        (None, Some(l)) => (mb(l.per_day), mb(l.total)),
        (None, None) => ("0".into(), "0".into()),
    };
    let p = LimitsPage {
        layout: Layout::new(&state, &viewer, viewer.locale.pick("Hạn mức tải tệp", "Upload limits")),
        per_day_mb,
        total_mb,
        set_here: set.is_some(),
        saved: false,
        errors: Vec::new(),
        revision,
        saved_meanwhile: None,
    };
    Ok(viewer.finish(render(&p)))
}

pub async fn save(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    viewer.require(&Action::ManageProvince).map_err(&err)?;
    form.only(&["per_day_mb", "total_mb", "revision"]).map_err(&err)?;
    let (raw_day, raw_total) = (form.text("per_day_mb"), form.text("total_mb"));
    let mut errs = Errors::default();
    let day = errs.take(parse_mb("per_day_mb", &raw_day));
    let total = errs.take(parse_mb("total_mb", &raw_total));
    let admin = viewer.account.as_ref().map(|a| a.id).ok_or_else(|| err(AppError::Unauthenticated))?;
    let by = tinhso_store::admin::AdminAct { actor: admin, at: chrono::Utc::now() };
    // A page without its token, or with a made-up one, began from nothing stored.
    let basis = Basis::from_token(&form.text("revision")).unwrap_or(Basis::Absent);
    let mut revision = basis.token().to_owned();
    let (mut status, mut saved_meanwhile, mut stored) = (StatusCode::BAD_REQUEST, None, None);
    if let (Some(d), Some(t), true) = (day, total, errs.is_empty()) {
        match state.store.documents.set_upload_limits(d, t, &basis, &by).await {
            Ok(()) => {
                tracing::info!(per_day_mb = d, total_mb = t, by = admin.0, "upload limits changed");
                status = StatusCode::OK;
                revision = Basis::of(Some(&(d, t))).map_err(|e| err(e.into()))?.token().to_owned();
            }
            Err(StoreError::Conflict(_)) => {
                let now = state.store.documents.upload_limits().await.map_err(|e| err(e.into()))?;
                stored = Some(now);
                status = StatusCode::CONFLICT;
                // Saving again from here replaces the other save knowingly.
                revision = Basis::of(now.as_ref()).map_err(|e| err(e.into()))?.token().to_owned();
                let en = viewer.locale == crate::i18n::Locale::En;
                saved_meanwhile = Some(match now {
                    Some((d, t)) => in_words(d, t, en),
                    None => viewer
                        .locale
                        .pick("hạn mức mặc định của máy chủ".to_owned(), "the server's default limits".to_owned()),
                });
                errs.push(FieldError::new(
                    "revision",
                    "changed_meanwhile",
                    "Trong lúc bạn sửa, hạn mức đã được lưu với giá trị khác; bấm Lưu hạn mức lần nữa nếu vẫn muốn thay bằng giá trị của bạn",
                    "While you were editing, the limits were saved with other values; press Save the limits again if you still want yours",
                ));
            }
            Err(e) => return Err(err(e.into())),
        }
    }
    let saved = status == StatusCode::OK;
    // Whose limits apply: the province's once saved, else the server's start-up ones.
    let set_here = match (saved, stored) {
        (true, _) => true,
        (false, Some(now)) => now.is_some(),
        (false, None) => state.store.documents.upload_limits().await.map_err(|e| err(e.into()))?.is_some(),
    };
    let p = LimitsPage {
        layout: Layout::new(&state, &viewer, viewer.locale.pick("Hạn mức tải tệp", "Upload limits")),
        per_day_mb: raw_day,
        total_mb: raw_total,
        set_here,
        saved,
        errors: errs.0,
        revision,
        saved_meanwhile,
    };
    Ok(viewer.finish((status, render(&p))))
}

#[cfg(test)]
mod tests {
    use super::in_words;

    #[test]
    fn no_limit_is_said_so_not_as_zero_megabytes() {
        assert_eq!(in_words(2, 0, false), "mỗi ngày: 2 MB; tổng: không giới hạn");
        assert_eq!(in_words(0, 500, true), "a day: no limit; in all: 500 MB");
    }
}
