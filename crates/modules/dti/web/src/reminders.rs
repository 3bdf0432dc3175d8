//! Reminders before the deadline: three days before it (and on the day), the admins of every
//! unit that has not submitted (never started, a draft, or returned to them) are told once per
//! round, through the periodic job `dti.reminders` (one server runs it, once an hour).

use crate::service::{self, Loaded};
use tinhso_dti::Step;
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_store::Notification;

/// Days before the deadline from which units are reminded.
pub const DAYS_BEFORE: i64 = 3;

/// Sends the reminders due now; how many notices went out.
pub async fn remind(state: &AppState) -> Result<usize, AppError> {
    let today = service::today();
    let mut sent = 0;
    for round in crate::dti_port(state)?.rounds().await? {
        let loaded: Loaded = service::load(round)?;
        let Some(deadline) = loaded.deadline() else { continue };
        let left = (deadline - today).num_days();
        if loaded.published() || !(0..=DAYS_BEFORE).contains(&left) {
            continue;
        }
        let year = loaded.round.year;
        let stored = crate::dti_port(state)?.assessments(year).await?;
        let staff = state.store.identity.staff_accounts().await?;
        let said = tinhso_kernel::format::date_vi(deadline);
        for (unit, name, _) in service::units(state) {
            let step = stored.iter().find(|a| a.unit == unit.as_str()).and_then(|a| Step::parse(&a.step));
            if !step.is_none_or(Step::editable) {
                continue;
            }
            let notes: Vec<Notification> = staff
                .iter()
                .filter(|a| !a.disabled && crate::notices::assesses(state, a, Some(&unit)))
                .map(|a| {
                    Notification::new(
                        a.id,
                        format!("Sắp hết hạn nộp bản tự đánh giá chuyển đổi số năm {year}"),
                        format!("{name}: hạn nộp {said}. Đơn vị chưa nộp bản tự đánh giá."),
                    )
                    .with_english(
                        format!("The {year} digital-transformation self-assessment is due soon"),
                        format!("{name}: due {said}. The unit has not submitted it yet."),
                    )
                })
                .collect();
            if !notes.is_empty() && state.store.notify.send_alert(&format!("dti-due:{year}:{unit}"), &notes).await? {
                sent += notes.len();
            }
        }
    }
    Ok(sent)
}

pub async fn remind_loop(state: AppState, every: std::time::Duration) {
    let s = &state;
    tinhso_http::schedule::every(state.store.schedule.clone(), "dti.reminders", every, || async move {
        match remind(s).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(notifications = n, "digital-transformation reminders sent"),
            Err(e) => tracing::warn!(error = %e, "digital-transformation reminders failed"),
        }
    })
    .await;
}
