//! The data-exchange module's part of a person's copy of their personal data: every question
//! put to the population database about them (when, which agency, why, what it found).

use serde_json::{json, Value};
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::ids::AccountId;

/// More lookups about one person than anyone could need in a copy.
const AT_MOST: usize = 10_000;

fn mine(id: &tinhso_kernel::ids::PersonalId) -> tinhso_exchange_port::LookupFilter {
    tinhso_exchange_port::LookupFilter { personal_id: Some(id.as_str().to_owned()), officer: None }
}

pub fn of(
    state: AppState,
    account: AccountId,
) -> futures_util::future::BoxFuture<'static, Result<(&'static str, Value), AppError>> {
    Box::pin(async move {
        let Some(id) = state.store.identity.account(account).await?.and_then(|a| a.personal_id) else {
            return Ok(("resident_lookups", Value::Array(Vec::new())));
        };
        let rows = crate::exchange_port(&state)?.resident_lookups(&mine(&id), None, AT_MOST).await?;
        let out = rows
            .into_iter()
            .map(|l| {
                json!({
                    "looked_at": l.looked_at,
                    "agency": l.agency,
                    "purpose": l.purpose,
                    "outcome": l.outcome,
                    "message_id": l.message_id,
                })
            })
            .collect();
        Ok(("resident_lookups", Value::Array(out)))
    })
}
