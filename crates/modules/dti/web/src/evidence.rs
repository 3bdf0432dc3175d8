//! Evidence as files: the scanned decisions and reports a unit attaches to an indicator.
//! Uploads go through the platform's file store (streamed, sniffed, under the size cap, the
//! guard having checked the login and CSRF token before the body) and into the uploader's
//! document store; the assessment names them by content. A form sent back with a mistake
//! names its files again without uploading them twice, and may name only files of the
//! assessment or of the sender's own document store, never another person's upload.

use std::collections::BTreeMap;
use tinhso_dti::form::{drop_field, file_field, file_indicator, kept_field};
use tinhso_dti::{EvidenceFile, Framework, Scores};
use tinhso_http::error::AppError;
use tinhso_http::files::Kept;
use tinhso_http::form::{FormData, Upload};
use tinhso_http::i18n::Locale;
use tinhso_http::state::AppState;
use tinhso_kernel::ids::Sha256;
use tinhso_kernel::FieldError;
use tinhso_store::Account;

/// The files each indicator has in a sent form, by indicator key.
pub type Files = BTreeMap<String, Vec<EvidenceFile>>;

fn evidence(k: &Kept) -> EvidenceFile {
    EvidenceFile { sha256: k.file.sha256.clone(), name: k.name.clone(), kind: k.file.kind, size: k.file.size }
}

/// A form naming a file it may not name (edited by hand, or another account's upload).
fn unknown_file() -> AppError {
    AppError::bad_request(
        "unknown_file",
        "Tệp minh chứng không có trong bản tự đánh giá hoặc kho dữ liệu của ông/bà",
        "The evidence file is neither in this self-assessment nor in your document store",
    )
}

/// An upload sent where no indicator takes files (a measured one, or none at all).
fn no_files_here(field: &str) -> AppError {
    AppError::bad_request(
        "unknown_field",
        format!("Biểu mẫu có trường tệp không hợp lệ: {field}"),
        format!("The form has an unknown file field: {field}"),
    )
}

/// The files of a self-assessment form: for each indicator, those it already had and still
/// names (less those ticked for removal), then those uploaded now. Refused uploads are said
/// beside their indicator, with the form's other mistakes.
pub async fn sent(
    state: &AppState,
    account: &Account,
    f: &Framework,
    stored: &Scores,
    form: &FormData,
    uploads: Vec<Upload>,
) -> Result<(Files, Vec<FieldError>), AppError> {
    if let Some(up) = uploads.iter().find(|u| file_indicator(f, &u.field).is_none()) {
        return Err(no_files_here(&up.field));
    }
    // The hashes each indicator's form names, parsed once; those not in the assessment are
    // looked for in the sender's document store, in one read.
    let mut named: Vec<(&str, Vec<Sha256>)> = Vec::new();
    for i in f.indicators().filter(|i| i.measure.is_none()) {
        let dropped = form.all(&drop_field(&i.key));
        let hashes = form
            .all(&kept_field(&i.key))
            .into_iter()
            .filter(|h| !dropped.contains(h))
            .map(|h| Sha256::parse("tep", h).map_err(|_| unknown_file()))
            .collect::<Result<Vec<_>, _>>()?;
        named.push((i.key.as_str(), hashes));
    }
    let elsewhere: Vec<Sha256> =
        named.iter().flat_map(|(_, hs)| hs).filter(|h| stored.file(h).is_none()).cloned().collect();
    let own = if elsewhere.is_empty() {
        Vec::new()
    } else {
        state.store.documents.documents_named(account.id, &elsewhere).await?
    };
    let (kept, refused) = tinhso_http::files::keep_uploads(state, account, uploads).await?;
    let mut files = Files::new();
    for (key, hashes) in named {
        let mut list: Vec<EvidenceFile> = Vec::new();
        for h in hashes {
            let file = match stored.file(&h) {
                Some(file) => file.clone(),
                None => own
                    .iter()
                    .find(|d| d.sha256 == h)
                    .map(|d| EvidenceFile { sha256: h.clone(), name: d.name.clone(), kind: d.kind, size: d.size })
                    .ok_or_else(unknown_file)?,
            };
            list.push(file);
        }
        let field = file_field(key);
        list.extend(kept.iter().filter(|k| k.field == field).map(evidence));
        // The same content twice is one file.
        let mut seen = std::collections::BTreeSet::new();
        list.retain(|file| seen.insert(file.sha256.clone()));
        if !list.is_empty() {
            files.insert(key.to_owned(), list);
        }
    }
    let errors = refused
        .into_iter()
        .map(|r| {
            let key = r.field.strip_prefix("tep-").unwrap_or(&r.field);
            let (name, e) = (&r.name, &r.error);
            FieldError::new(
                r.field.clone(),
                e.code(),
                format!("Chỉ số {key}, tệp {name}: {}", e.message(Locale::Vi)),
                format!("Indicator {key}, file {name}: {}", e.message(Locale::En)),
            )
        })
        .collect();
    Ok((files, errors))
}

/// One evidence file of an assessment, as a download, for whoever may read the assessment
/// (a draft's files are the unit's own until it is submitted).
pub async fn download(
    axum::extract::State(state): axum::extract::State<AppState>,
    viewer: tinhso_http::auth::Viewer,
    axum::extract::Path((year, unit, sha256)): axum::extract::Path<(String, String, String)>,
) -> tinhso_http::pages::PageResult {
    let err = tinhso_http::pages::page_err(&viewer);
    let t = crate::pages::target(&state, &viewer, &year, &unit).await.map_err(&err)?;
    let read = t.read.as_ref().filter(|r| t.assesses || r.assessment.step != tinhso_dti::Step::Draft);
    let sha256 = Sha256::parse("tep", &sha256).map_err(|_| err(AppError::NotFound))?;
    let file = read.and_then(|r| r.assessment.scores.file(&sha256)).ok_or(AppError::NotFound).map_err(&err)?;
    let bytes = state.files.read(&sha256).await.map_err(|e| err(e.into()))?;
    Ok(tinhso_http::files::download(bytes, &file.name, file.kind))
}
