//! Saving an application to finish later: a citizen on a slow line, or one who must fetch a
//! paper first, keeps what they typed and uploaded ("Lưu nháp"), finds it under their dossiers,
//! and goes on from the same form. A draft is their own working copy, not a dossier: no code,
//! no deadline, no ledger entry; it goes when the application is sent, when they delete it, or
//! `KEPT_DAYS` after its last save (an hourly job that one server runs, which tells them
//! `WARNED_DAYS` before).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use chrono::Utc;
use tinhso_catalogue_web::live;
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::form::FormData;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_kernel::ids::Sha256;
use tinhso_kernel::FieldError;
use tinhso_store::{Account, ApplicationDraft, DraftSaved};

/// Most applications one person keeps saved at once.
pub const MOST: usize = 20;
/// Days a draft is kept after its last save.
pub const KEPT_DAYS: i64 = 30;
/// The largest draft kept (its fields as JSON): far above any e-form, far below an abuse.
const LARGEST: usize = 64 * 1024;

/// The draft's fields from a sent form: what was typed, and each file just uploaded named by
/// its hash as if chosen from the document store (`file.N` becomes `reuse.N`).
pub(crate) fn fields_of(form: &FormData, uploaded: &[(String, Sha256)]) -> Vec<(String, String)> {
    let fresh: Vec<(String, String)> = uploaded
        .iter()
        .filter_map(|(field, h)| Some((format!("reuse.{}", field.strip_prefix("file.")?), h.to_string())))
        .collect();
    let mut fields: Vec<(String, String)> = form
        .pairs()
        .filter(|(k, v)| !v.is_empty() && !matches!(*k, "csrf" | "lenh") && !fresh.iter().any(|(r, _)| r == k))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    fields.extend(fresh);
    fields
}

/// Keeps the application as `account`'s draft of procedure `code`; a refusal (too many drafts,
/// too large) is said beside the button that saves.
pub(crate) async fn save(
    state: &AppState,
    account: &Account,
    code: &str,
    fields: Vec<(String, String)>,
) -> Result<Result<(), FieldError>, AppError> {
    let size: usize = fields.iter().map(|(k, v)| k.len() + v.len() + 8).sum();
    if size > LARGEST {
        return Ok(Err(FieldError::new(
            "luu-nhap",
            "draft_too_large",
            "Bản nháp quá dài để lưu; hãy rút gọn nội dung đã nhập",
            "The draft is too long to save; shorten what was typed",
        )));
    }
    let draft = ApplicationDraft { account: account.id, procedure: code.to_owned(), fields, saved_at: Utc::now() };
    Ok(match state.store.drafts.save_draft(&draft, MOST).await? {
        DraftSaved::Saved => Ok(()),
        DraftSaved::TooMany => Err(FieldError::new(
            "luu-nhap",
            "too_many_drafts",
            format!(
                "Ông/bà đang lưu nháp {MOST} hồ sơ chưa nộp: hãy nộp hoặc xóa bớt bản nháp cũ tại trang Hồ sơ của tôi rồi lưu lại"
            ),
            format!("You already keep {MOST} unsent drafts: send or delete some on My dossiers, then save again"),
        )),
    })
}

/// "09:05 ngày 07/12/2026": when a draft was saved, in the province's time.
pub(crate) fn saved_at(d: &ApplicationDraft) -> String {
    tinhso_kernel::calendar::local_time(d.saved_at).format("%H:%M ngày %d/%m/%Y").to_string()
}

/// One of the person's drafts as their dossier list shows it.
pub struct DraftRow {
    pub name: String,
    pub href: String,
    pub saved: String,
}

/// The person's drafts, the latest first, for their dossier list.
pub(crate) async fn rows(state: &AppState, account: &Account) -> Result<Vec<DraftRow>, AppError> {
    let catalogue = live::index(state);
    Ok(state
        .store
        .drafts
        .drafts(account.id)
        .await?
        .into_iter()
        .map(|d| DraftRow {
            name: catalogue.get(&d.procedure).map_or_else(|| d.procedure.clone(), |p| p.name.clone()),
            href: format!("/thu-tuc/{}/nop", d.procedure),
            saved: saved_at(&d),
        })
        .collect())
}

/// Deletes the person's draft of a procedure.
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    form: FormData,
) -> PageResult {
    let err = page_err(&viewer);
    super::apply::must_be_citizen(&viewer).map_err(&err)?;
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["csrf"]).map_err(&err)?;
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let code = tinhso_kernel::text::clean(&code);
    state.store.drafts.delete_draft(account.id, &code).await.map_err(|e| err(e.into()))?;
    Ok(Redirect::to(&format!("/thu-tuc/{code}/nop?nhap=da-xoa")).into_response())
}

/// Days before its deletion a draft's owner is told.
pub const WARNED_DAYS: i64 = 3;
/// Most drafts warned about in one pass (the next pass takes the rest).
const WARNED_AT_ONCE: usize = 1000;

/// One pass of the job: the owners of drafts that go within `WARNED_DAYS` are told once (the
/// notice names the procedure and the last day, so nothing goes unannounced), and drafts not
/// saved for `KEPT_DAYS` are deleted. How many were told and deleted.
pub async fn sweep(state: &AppState) -> Result<(usize, u64), AppError> {
    let now = Utc::now();
    // The old ones go first, so that the pass's window holds only drafts still to be told of.
    let gone = state.store.drafts.sweep_drafts(now - chrono::Duration::days(KEPT_DAYS)).await?;
    let catalogue = live::index(state);
    let mut told = 0;
    let due = now - chrono::Duration::days(KEPT_DAYS - WARNED_DAYS);
    for d in state.store.drafts.drafts_saved_before(due, WARNED_AT_ONCE).await? {
        let name = catalogue.get(&d.procedure).map_or_else(|| d.procedure.clone(), |p| p.name.clone());
        let last = tinhso_kernel::format::date_vi(tinhso_kernel::calendar::local_date(
            d.saved_at + chrono::Duration::days(KEPT_DAYS),
        ));
        let note = tinhso_store::Notification::new(
            d.account,
            "Bản nháp hồ sơ sắp bị xóa".to_owned(),
            format!(
                "Hồ sơ \"{name}\" ông/bà lưu nháp chưa được gửi và sẽ bị xóa sau ngày {last}. Mở trang Hồ sơ của tôi để nộp tiếp."
            ),
        )
        .with_english(
            "A saved application will be deleted soon".to_owned(),
            format!("The application \"{name}\" you saved is not sent and will be deleted after {last}. Open My dossiers to send it."),
        );
        let key = format!("draft-expiry:{}:{}:{}", d.account.0, d.procedure, d.saved_at.timestamp());
        if state.store.notify.send_alert(&key, &[note]).await? {
            told += 1;
        }
    }
    Ok((told, gone))
}

/// The hourly pass, on one server.
pub async fn sweep_loop(state: AppState, every: std::time::Duration) {
    let s = &state;
    tinhso_http::schedule::every(state.store.schedule.clone(), "dossier.drafts", every, || async move {
        match sweep(s).await {
            Ok((0, 0)) => {}
            Ok((told, gone)) => tracing::info!(told, gone, "application drafts: owners told, old ones deleted"),
            Err(e) => tracing::warn!(error = %e, "application drafts were not swept"),
        }
    })
    .await;
}
