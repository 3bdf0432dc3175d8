//! The payments module's part of a person's copy of their personal data: the fees paid, or
//! asked for, on each of their dossiers.

use serde_json::{json, Value};
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::ids::AccountId;

pub fn of(
    state: AppState,
    account: AccountId,
) -> futures_util::future::BoxFuture<'static, Result<(&'static str, Value), AppError>> {
    Box::pin(async move {
        let query = tinhso_store::DossierQuery { applicant: Some(account), limit: 10_000, ..Default::default() };
        let mut out = Vec::new();
        for d in state.store.dossiers.dossiers(&query).await? {
            for p in crate::payments_port(&state)?.payments_for_dossier(d.code.as_ref()).await? {
                // Only the applicant's own (a dossier's fee is theirs; a desk may record another payer).
                if p.applicant != account.0 {
                    continue;
                }
                out.push(json!({
                    "reference": p.txn_ref,
                    "dossier": p.dossier,
                    "amount_vnd": p.amount_vnd,
                    "method": p.method,
                    "state": p.state,
                    "created_at": p.created_at,
                    "updated_at": p.updated_at,
                    "receipt": p.receipt,
                }));
            }
        }
        Ok(("payments", Value::Array(out)))
    })
}
