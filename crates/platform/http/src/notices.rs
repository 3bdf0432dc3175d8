//! Telling an account's owner what happened to the account itself (a password changed, wrong
//! passwords tried, an API token made), in their notices and by email when their login is
//! one, so that they notice what they did not do.

use crate::error::AppError;
use crate::state::AppState;
use tinhso_kernel::calendar;
use tinhso_store::Notification;

/// The time now as a notice says it ("14:05 ngày 05/12/2026", UTC+7).
pub fn now_vi() -> String {
    calendar::local_time(chrono::Utc::now()).format("%H:%M ngày %d/%m/%Y").to_string()
}

/// `now_vi` in English ("14:05 on 05/12/2026").
pub fn now_en() -> String {
    calendar::local_time(chrono::Utc::now()).format("%H:%M on %d/%m/%Y").to_string()
}

/// Sends `note` to its account at once (not bound to any other write).
pub async fn tell_owner(state: &AppState, note: Notification) -> Result<(), AppError> {
    let key = format!("account:{}:{}", note.account_id.0, chrono::Utc::now().timestamp_micros());
    state.store.notify.send_alert(&key, &[note]).await?;
    Ok(())
}
