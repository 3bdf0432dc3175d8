//! The dossier page with the actions its viewer may take, its files, and the uploads the
//! apply form, the desk and the actions share (applying itself: apply.rs).

use super::slips::slips_for;
use crate::service as dossiers;
use crate::views::{form_rows, history, step_rows, summary, DossierSummary, HistoryRow, Names, StepRow};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tinhso_catalogue_web::live;
use tinhso_dossier::{available, Command, CommandKind, DossierState, EventKind, Party};
use tinhso_http::auth::Viewer;
use tinhso_http::choices::{self, ChoiceGroup};
use tinhso_http::error::AppError;
use tinhso_http::form::{FormWithFiles, PageQuery, Upload};
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Choice, Layout};
use tinhso_kernel::format::thousands;
use tinhso_kernel::ids::Sha256;
use tinhso_kernel::FieldError;

#[derive(Template)]
#[template(path = "dossier/show.html")]
pub struct ShowPage {
    pub layout: Layout,
    pub d: DossierSummary,
    pub staff: bool,
    /// The page is read in English.
    pub en: bool,
    /// The applicant arrives from submitting it: the page opens with the confirmation.
    pub just_submitted: bool,
    /// What the action just carried out did, said at the top.
    pub done: Option<&'static str>,
    pub form: Vec<crate::views::FormRow>,
    pub history: Vec<HistoryRow>,
    pub steps: Vec<StepRow>,
    /// Who may take the current step (for `assign`) and the next one (for `complete_step`).
    pub assignees_now: Vec<Choice>,
    pub assignees_next: Vec<Choice>,
    pub actions: Vec<&'static str>,
    pub supplement_items: String,
    /// The papers the last supplement request named, each with a file input of its own.
    pub supplement_files: Vec<String>,
    pub amount_due: String,
    pub agencies: Vec<ChoiceGroup>,
    /// How and when the result was handed over, once it was.
    pub returned: Option<String>,
    /// The declaration written from the e-form, by name, when the procedure has one.
    pub declaration: Option<String>,
    pub slips: Vec<(&'static str, &'static str)>,
    pub files: Vec<FileRow>,
    pub errors: Vec<FieldError>,
}

/// An attached file as the dossier page lists it.
pub struct FileRow {
    pub sha256: String,
    pub name: String,
    /// What it stands for: the procedure's component by name ("Giấy chứng sinh"), a supplement,
    /// or the result, so that the desk checks each paper against the list it must match.
    pub what: String,
    pub result: bool,
    pub size: String,
}

/// Stores uploaded files in the account's document store; returns (field, sha256) pairs, and
/// errors under `files.N` for the component inputs they came from.
pub(crate) async fn store_uploads(
    state: &AppState,
    account: &tinhso_store::Account,
    uploads: Vec<Upload>,
) -> Result<(Vec<(String, Sha256)>, Vec<FieldError>), AppError> {
    let (kept, refused) = tinhso_http::files::keep_uploads(state, account, uploads).await?;
    // A refusal under the component input it came from (`file.N` -> `files.N`).
    let errors = refused
        .into_iter()
        .map(|r| {
            let e = r.error;
            let (vi, en) = (e.message(tinhso_http::i18n::Locale::Vi), e.message(tinhso_http::i18n::Locale::En));
            FieldError::new(r.field.replace("file.", "files."), e.code(), vi, en)
        })
        .collect();
    Ok((kept.into_iter().map(|k| (k.field, k.file.sha256)).collect(), errors))
}

async fn show_page(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    errors: Vec<FieldError>,
) -> Result<ShowPage, AppError> {
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated)?;
    let rec = dossiers::load(state, account, code).await?;
    let d = &rec.dossier;
    let owner = account.id == d.applicant;
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let events = state.store.dossiers.dossier_events(&d.code).await?;
    let catalogue = live::index(state);
    let party = if owner { Party::Applicant } else { Party::Staff };
    // In `CommandKind::ALL`'s order: the main action first, what ends the dossier last.
    let actions: Vec<&'static str> = available(d, party)
        .into_iter()
        .filter(|k| owner || dossiers::may_issue(account, *k, d))
        .map(CommandKind::key)
        .collect();
    let requested = events.iter().rev().find_map(|e| match &e.event.kind {
        EventKind::SupplementRequested { items, reason } => Some((items.clone(), reason.clone())),
        _ => None,
    });
    let why = if en { "Why" } else { "Lý do" };
    let supplement_items =
        requested.as_ref().map(|(items, reason)| format!("{}. {why}: {reason}", items.join("; "))).unwrap_or_default();
    // One file input per paper asked for, so a citizen sends them all in one go.
    let supplement_files = requested.map(|(items, _)| items).unwrap_or_default();
    let amount_due = events
        .iter()
        .rev()
        .find_map(|e| match &e.event.kind {
            EventKind::PaymentRequested { amount_vnd } => Some(tinhso_kernel::format::money(*amount_vnd, en)),
            _ => None,
        })
        .unwrap_or_default();
    let staff = if owner { Vec::new() } else { state.store.identity.staff(&d.competent_agency).await? };
    let mut names: Names = staff.iter().map(|a| (a.id, a.full_name.clone())).collect();
    // Holders locked or moved since: named still, and said to be away on the current step.
    let progress = if owner { Vec::new() } else { crate::views::progress(state, d, &events) };
    let away = crate::views::away(&progress, &staff);
    let gone: Vec<_> = away.iter().filter(|(_, why)| *why == crate::views::Away::Moved).map(|(id, _)| *id).collect();
    if !gone.is_empty() {
        names.extend(state.store.identity.account_names(&gone).await?);
    }
    let (assignees_now, assignees_next) = if owner || d.state != DossierState::Processing {
        (Vec::new(), Vec::new())
    } else {
        let now = usize::from(d.step);
        let (now, next) =
            (dossiers::step_candidates(state, d, now).await?, dossiers::step_candidates(state, d, now + 1).await?);
        // Each colleague's load beside their name, so that work is given where there is room.
        let mut ids: Vec<_> = now.iter().chain(&next).map(|a| a.id).collect();
        ids.sort_unstable();
        ids.dedup();
        let load: std::collections::HashMap<_, _> =
            state.store.dossiers.held_counts(&ids, None).await?.into_iter().collect();
        let choices = |list: Vec<tinhso_store::Account>| {
            list.into_iter()
                .map(|a| {
                    let n = load.get(&a.id).copied().unwrap_or(0);
                    let label = if en {
                        format!("{} (holds {n} open dossier{})", a.full_name, if n == 1 { "" } else { "s" })
                    } else {
                        format!("{} (đang giữ {n} hồ sơ)", a.full_name)
                    };
                    Choice { value: a.id.to_string(), label, selected: false }
                })
                .collect::<Vec<_>>()
        };
        (choices(now), choices(next))
    };
    Ok(ShowPage {
        just_submitted: false,
        done: None,
        layout: Layout::new(state, viewer, format!("{} {code}", if en { "Dossier" } else { "Hồ sơ" })),
        steps: if owner { Vec::new() } else { step_rows(state, d, progress, &names, &away, en) },
        assignees_now,
        assignees_next,
        d: summary(state, d, en),
        en,
        staff: !owner,
        form: form_rows(state, catalogue.get(d.procedure.as_str()).map(|p| p.as_ref()), &rec.form, en),
        returned: events.iter().rev().find_map(|e| match e.event.kind {
            tinhso_dossier::EventKind::Returned { method } => {
                let on = tinhso_kernel::format::date_vi(tinhso_dossier::deadline::local_date(e.event.at));
                Some(if en {
                    format!("Handed over {} on {on}", crate::views::method_en(method))
                } else {
                    format!("Đã trả kết quả {} ngày {on}", crate::views::method_vi(method))
                })
            }
            _ => None,
        }),
        history: history(state, &events, !owner, &names, en),
        actions,
        supplement_items,
        supplement_files,
        amount_due,
        agencies: choices::agencies(state, |a| a.code != d.competent_agency, ""),
        slips: slips_for(d, en),
        declaration: catalogue
            .get(d.procedure.as_str())
            .and_then(|p| p.declaration().and_then(|i| p.components.get(i)).map(|c| c.name.clone())),
        files: state
            .store
            .dossiers
            .dossier_files(&d.code)
            .await?
            .into_iter()
            .map(|f| {
                use tinhso_kernel::files::FilePurpose;
                let component = f
                    .attachment
                    .component
                    .and_then(|i| catalogue.get(d.procedure.as_str())?.components.get(usize::from(i)))
                    .map(|c| c.name.clone());
                let what = match f.attachment.purpose {
                    FilePurpose::Component => component
                        .unwrap_or_else(|| if en { "A document of the dossier" } else { "Thành phần hồ sơ" }.into()),
                    FilePurpose::Supplement => if en { "Added later" } else { "Bổ sung" }.into(),
                    FilePurpose::Result => if en { "The result" } else { "Kết quả giải quyết" }.into(),
                    FilePurpose::Authorization => {
                        if en { "Letter of authorisation" } else { "Văn bản ủy quyền" }.into()
                    }
                };
                FileRow {
                    sha256: f.attachment.sha256.to_string(),
                    name: f.attachment.name,
                    what,
                    result: f.attachment.purpose == FilePurpose::Result,
                    size: format!("{} KB", thousands(f.size.div_ceil(1024))),
                }
            })
            .collect(),
        errors,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShowParams {
    /// Set by the redirect after applying: the page opens with the confirmation.
    #[serde(rename = "da-nop")]
    da_nop: Option<String>,
    /// Set by the redirect after an action: which one was done.
    xong: Option<String>,
}

/// The action a redirect reports, as a known key (an unknown one reports nothing).
fn done_key(action: &str) -> &'static str {
    CommandKind::parse(action).map(CommandKind::key).unwrap_or("")
}

/// What the page says after an action was carried out, in Vietnamese and in English.
fn done_message(key: &str, en: bool) -> Option<&'static str> {
    let (vi, english) = match CommandKind::parse(key)? {
        CommandKind::Receive => (
            "Đã tiếp nhận hồ sơ. Phiếu tiếp nhận và hẹn trả kết quả (Mẫu 01) có ở mục Phiếu.",
            "The dossier was received. The receipt with the due date (Form 01) is under Slips.",
        ),
        CommandKind::Refuse => (
            "Đã từ chối tiếp nhận; người nộp đã được thông báo lý do.",
            "The dossier was refused; the applicant was told why.",
        ),
        CommandKind::RequestSupplement => (
            "Đã gửi yêu cầu bổ sung (Mẫu 02) cho người nộp.",
            "The request for documents (Form 02) was sent to the applicant.",
        ),
        CommandKind::Supplement => ("Đã gửi giấy tờ bổ sung.", "The documents were sent."),
        CommandKind::RequestPayment => ("Đã gửi yêu cầu nộp phí, lệ phí.", "The request to pay the fees was sent."),
        CommandKind::RecordPayment => ("Đã ghi nhận nộp phí, lệ phí.", "The payment was recorded."),
        CommandKind::StartProcessing => ("Đã nhận xử lý hồ sơ.", "You took the dossier for processing."),
        CommandKind::CompleteStep => ("Đã chuyển bước xử lý.", "The step was passed on."),
        CommandKind::Assign => ("Đã giao bước xử lý.", "The step was assigned."),
        CommandKind::Transfer => ("Đã chuyển hồ sơ.", "The dossier was sent."),
        CommandKind::Approve => {
            ("Đã phê duyệt; hồ sơ chờ trả kết quả.", "Approved; the dossier waits for its result to be handed over.")
        }
        CommandKind::Return => {
            ("Đã trả kết quả; hồ sơ đã kết thúc.", "The result was handed over; the dossier is closed.")
        }
        CommandKind::Withdraw => ("Đã rút hồ sơ.", "The dossier was withdrawn."),
        CommandKind::Stop => ("Đã dừng xử lý hồ sơ.", "Processing was stopped."),
        CommandKind::Apologise => {
            ("Đã gửi thư xin lỗi và hẹn lại ngày trả.", "The apology with the new due date was sent.")
        }
        CommandKind::Rate => ("Cảm ơn ông/bà đã đánh giá.", "Thank you for your rating."),
    };
    Some(if en { english } else { vi })
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ShowParams>,
) -> PageResult {
    let mut page = show_page(&state, &viewer, &code, Vec::new()).await.map_err(page_err(&viewer))?;
    page.just_submitted = q.da_nop.is_some() && !page.staff;
    page.done = q.xong.as_deref().and_then(|k| done_message(k, page.en));
    Ok(viewer.finish(render(&page)))
}

pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    body: FormWithFiles,
) -> PageResult {
    let err = page_err(&viewer);
    let form = body.form;
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&[
        "action",
        "reason",
        "items",
        "note",
        "amount",
        "to_agency",
        "assignee",
        "next_assignee",
        "electronic_result",
        "method",
        "new_due_on",
        "rating",
        "comment",
        "xac_nhan",
    ])
    .map_err(&err)?;
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let (uploaded, upload_errors) = store_uploads(&state, account, body.files).await.map_err(&err)?;
    let hashes: Vec<Sha256> = uploaded.into_iter().map(|(_, h)| h).collect();
    let action = form.text("action");
    // Withdrawing cannot be undone: the page asks for a ticked confirmation (no script needed).
    let unconfirmed = action == "withdraw" && form.get("xac_nhan") != Some("co");
    let result = match (upload_errors.is_empty(), crate::command_form::command(&form)) {
        (_, _) if unconfirmed => Err(AppError::Invalid(vec![FieldError::new(
            "xac_nhan",
            "confirmation_required",
            "Đánh dấu ô \"Tôi muốn rút hồ sơ này\" để xác nhận rút hồ sơ",
            "Tick the box to confirm withdrawing the dossier",
        )])),
        (false, _) => Err(AppError::Invalid(upload_errors)),
        (true, Ok(mut cmd)) => {
            match &mut cmd {
                Command::Supplement { files, .. } => *files = hashes,
                Command::Approve { result, .. } => *result = hashes.into_iter().next(),
                _ => {}
            }
            dossiers::act(&state, account, &code, cmd).await
        }
        (true, Err(e)) => Err(e),
    };
    match result {
        // Back to the dossier, which says what was done (the action's own words, never the input).
        Ok(_) => Ok(Redirect::to(&format!("/ho-so/{code}?xong={}", done_key(&action))).into_response()),
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict { .. } | AppError::Invalid(_))) => {
            let (status, errors) = match e {
                AppError::Invalid(errs) => (tinhso_http::files::form_status(&errs), errs),
                other => (
                    other.status(),
                    vec![FieldError::new(
                        "action",
                        other.code(),
                        other.message(viewer.locale),
                        other.message(tinhso_http::i18n::Locale::En),
                    )],
                ),
            };
            let page = show_page(&state, &viewer, &code, errors).await.map_err(&err)?;
            Ok(viewer.finish((status, render(&page))))
        }
        Err(e) => Err(err(e)),
    }
}

/// A file attached to the dossier, for those who may see the dossier.
pub async fn file(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((code, sha256)): Path<(String, String)>,
) -> PageResult {
    let err = page_err(&viewer);
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    crate::api::attached_file(&state, account, &code, &sha256).await.map_err(err)
}
