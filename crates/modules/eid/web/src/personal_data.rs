//! The e-ID module's part of a person's copy of their personal data: which e-ID provider their
//! account is joined to, and since when (the provider's subject for them included: it is theirs).

use serde_json::{json, Value};
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::ids::AccountId;

pub fn of(
    state: AppState,
    account: AccountId,
) -> futures_util::future::BoxFuture<'static, Result<(&'static str, Value), AppError>> {
    Box::pin(async move {
        let links = crate::eid_port(&state)?.eid_links(account).await?;
        let out = links
            .into_iter()
            .map(|l| json!({"issuer": l.issuer, "subject": l.subject, "linked_at": l.linked_at}))
            .collect();
        Ok(("eid", Value::Array(out)))
    })
}
