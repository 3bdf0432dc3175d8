//! The dossier module's part of a person's copy of their personal data: every dossier they
//! applied for, with what they entered on its e-form, where it stands and its history's dates,
//! and the applications they saved and have not sent.

use serde_json::{json, Value};
use tinhso_catalogue_web::live;
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::ids::AccountId;

/// More than any person applies for; the copy says when it stopped there.
const MOST: usize = 10_000;

pub fn of(
    state: AppState,
    account: AccountId,
) -> futures_util::future::BoxFuture<'static, Result<(&'static str, Value), AppError>> {
    Box::pin(async move {
        let query = tinhso_store::DossierQuery { applicant: Some(account), limit: MOST, ..Default::default() };
        let dossiers = state.store.dossiers.dossiers(&query).await?;
        let mut out = Vec::with_capacity(dossiers.len());
        for d in &dossiers {
            let record = state.store.dossiers.dossier(&d.code).await?;
            let procedure = live::index(&state).get(d.procedure.as_str()).map(|p| p.name.clone());
            out.push(json!({
                "code": d.code.to_string(),
                "procedure": d.procedure.to_string(),
                "procedure_name": procedure,
                "state": d.state,
                "submitted_on": d.submitted_on,
                "due_on": d.due_on,
                "finished_on": d.finished_on,
                "returned_on": d.returned_on,
                "form": record.as_ref().map(|r| r.form.clone()),
                "phone": record.and_then(|r| r.applicant_phone).map(|p| p.to_string()),
            }));
        }
        // Applications saved and not yet sent are theirs too.
        let drafts: Vec<Value> = state
            .store
            .drafts
            .drafts(account)
            .await?
            .into_iter()
            .map(|d| json!({ "procedure": d.procedure, "saved_at": d.saved_at, "fields": d.fields }))
            .collect();
        Ok(("dossiers", json!({ "items": out, "complete": dossiers.len() < MOST, "drafts": drafts })))
    })
}
