//! The dossiers a staff account holds: those whose current step is assigned to it. Said before
//! an admin locks the account or moves it to another role or agency, so the agency's leaders
//! know what to assign to someone else.

use futures_util::future::BoxFuture;
use tinhso_dossier::DossierState;
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_store::{Account, DossierOrder, DossierQuery};

const LISTED: usize = 5;

pub fn of(state: AppState, account: Account) -> BoxFuture<'static, Result<Option<(String, String)>, AppError>> {
    Box::pin(async move {
        if account.agency.is_none() {
            return Ok(None);
        }
        // Read through the dossiers' holder index: the count, and the first few by due date.
        let n = state.store.dossiers.held_count(account.id, None).await?;
        let open = DossierState::unfinished();
        let first = DossierQuery {
            assignee: Some(account.id),
            states: open,
            order: DossierOrder::DueFirst,
            limit: LISTED,
            ..Default::default()
        };
        let held: Vec<String> =
            state.store.dossiers.dossiers(&first).await?.iter().map(|d| d.code.to_string()).collect();
        if held.is_empty() {
            return Ok(None);
        }
        let mut codes = held.join(", ");
        if n > LISTED as i64 {
            codes.push_str(", …");
        }
        Ok(Some((
            format!(
                "Cán bộ đang giữ {n} hồ sơ đang giải quyết ({codes}). Sau khi khóa tài khoản hoặc đổi vai trò, cơ quan, lãnh đạo cơ quan cần giao lại các hồ sơ này cho cán bộ khác trên trang của từng hồ sơ."
            ),
            format!(
                "The officer holds {n} dossier(s) being decided ({codes}). Once the account is locked or moved, the agency's leaders must assign them to another officer, on each dossier's page."
            ),
        )))
    })
}
