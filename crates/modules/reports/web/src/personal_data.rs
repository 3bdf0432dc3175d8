//! The field reports module's part of a person's copy of their personal data: the reports
//! they sent (with the name, contact and place they gave) and those they follow.

use serde_json::{json, Value};
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::ids::AccountId;

pub fn of(
    state: AppState,
    account: AccountId,
) -> futures_util::future::BoxFuture<'static, Result<(&'static str, Value), AppError>> {
    Box::pin(async move {
        let ids = state.store.reports.followed_reports(account).await?;
        let mut reports = Vec::with_capacity(ids.len());
        // A list query answers at most a thousand.
        for chunk in ids.chunks(1_000) {
            let query = tinhso_store::ReportQuery { limit: chunk.len(), ids: chunk.to_vec(), ..Default::default() };
            reports.extend(state.store.reports.reports(&query).await?);
        }
        let out = reports
            .iter()
            .map(|r| {
                let sent = r.reporter == Some(account);
                json!({
                    "id": format!("PA-{}", r.id),
                    "sent_by_you": sent,
                    "category": r.category,
                    "description": r.description,
                    "address": r.address,
                    "commune": r.commune,
                    "point": r.point.as_ref().map(|p| json!({ "lat": p.lat, "lon": p.lon })),
                    "state": r.state,
                    "received_at": r.received_at,
                    // What they gave of themselves, only on their own reports.
                    "your_name": sent.then_some(&r.reporter_name),
                    "your_contact": sent.then_some(&r.reporter_contact),
                    "show_identity": sent.then_some(r.show_identity),
                })
            })
            .collect();
        Ok(("reports", Value::Array(out)))
    })
}
