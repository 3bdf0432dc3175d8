//! The dossiers a staff account holds: those whose current step is assigned to it. Said before
//! an admin locks the account, so the agency's leaders know what to assign to someone else.

use futures_util::future::BoxFuture;
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_store::Account;

/// More open dossiers than an agency has; the page lists the first few by code.
const MOST: usize = 10_000;
const LISTED: usize = 5;

pub fn of(state: AppState, account: Account) -> BoxFuture<'static, Result<Option<(String, String)>, AppError>> {
    Box::pin(async move {
        let Some(agency) = account.agency.as_ref() else { return Ok(None) };
        // Every due date: a far date written as the stores compare dates (`NaiveDate::MAX`
        // would print with a sign).
        let far = chrono::NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default();
        let open = state.store.dossiers.open_dossiers_of(agency, far, MOST).await?;
        let held: Vec<String> =
            open.iter().filter(|d| d.assignee == Some(account.id)).map(|d| d.code.to_string()).collect();
        if held.is_empty() {
            return Ok(None);
        }
        let mut codes = held.iter().take(LISTED).cloned().collect::<Vec<_>>().join(", ");
        if held.len() > LISTED {
            codes.push_str(", …");
        }
        let n = held.len();
        Ok(Some((
            format!(
                "Cán bộ đang giữ {n} hồ sơ đang giải quyết ({codes}). Sau khi khóa, lãnh đạo cơ quan cần giao lại các hồ sơ này cho cán bộ khác trên trang của từng hồ sơ."
            ),
            format!(
                "The officer holds {n} dossier(s) being decided ({codes}). Once locked, the agency's leaders must assign them to another officer, on each dossier's page."
            ),
        )))
    })
}
