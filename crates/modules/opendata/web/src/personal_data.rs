//! The open-data module's part of a person's copy of their personal data: the API keys they
//! made (name, when made, when last used; never the key, which is not kept).

use serde_json::{json, Value};
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::ids::AccountId;

pub fn of(
    state: AppState,
    account: AccountId,
) -> futures_util::future::BoxFuture<'static, Result<(&'static str, Value), AppError>> {
    Box::pin(async move {
        let keys = crate::opendata_port(&state)?.api_tokens(account).await?;
        let out = keys
            .iter()
            .map(|t| json!({ "id": t.id, "name": t.name, "created_at": t.created, "last_used_at": t.last_used }))
            .collect();
        Ok(("api_keys", Value::Array(out)))
    })
}
