//! The dossiers behind one number of the operations centre, exactly and a page at a time:
//! each deciding agency's side is a range of the store's member index, read a chunk at a time,
//! and the sides are merged newest first, so a page costs what it shows at any volume.

use crate::service::{Period, Unit};
use chrono::NaiveDate;
use std::collections::VecDeque;
use tinhso_dossier::Dossier;
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_ioc::{is_count, Measure};
use tinhso_kernel::ids::AgencyCode;
use tinhso_store::MemberQuery;

/// Dossiers on one drill-down page.
pub const PAGE: usize = 100;
/// Dossiers in a drill-down's CSV or XLSX file at most (the newest).
pub const EXPORT: usize = 20_000;

/// Where a listing stands: the last (day, code) shown.
pub type Cursor = (NaiveDate, String);

/// A page of the dossiers behind one number.
pub struct Behind {
    /// How many dossiers are behind the number in all.
    pub total: i64,
    pub dossiers: Vec<Dossier>,
    /// Where the next page starts, if there is one.
    pub next: Option<Cursor>,
}

/// One agency's side of the merge.
struct Side {
    query: MemberQuery,
    buffer: VecDeque<Cursor>,
    exhausted: bool,
}

/// Up to `limit` dossiers behind `measure` of `unit` in `period`, after `after`.
pub async fn behind(
    state: &AppState,
    unit: &Unit,
    period: Period,
    measure: Measure,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Behind, AppError> {
    let limit = limit.max(1);
    // The counter per agency in the unit; only agencies whose counter is not zero have
    // dossiers behind it.
    let in_unit = |a: &AgencyCode| match unit {
        Unit::Province => true,
        Unit::Agency(u) => u == a,
    };
    let counters: Vec<(AgencyCode, i64)> = state
        .store
        .ioc
        .ioc_totals(period.from, period.to)
        .await?
        .into_iter()
        .filter(|(a, m, v)| *m == measure && *v != 0 && in_unit(a))
        .map(|(a, _, v)| (a, v))
        .collect();
    let chunk = (limit + 1).min(1_000);
    let mut sides: Vec<Side> = counters
        .iter()
        .map(|(agency, _)| Side {
            query: MemberQuery {
                agency: agency.clone(),
                measure,
                from: period.from,
                to: period.to,
                after: after.clone(),
                limit: chunk,
            },
            buffer: VecDeque::new(),
            exhausted: false,
        })
        .collect();
    let total = if is_count(measure) {
        counters.iter().map(|(_, v)| v).sum()
    } else {
        let mut n = 0;
        for side in &sides {
            n += state.store.ioc.ioc_member_count(&side.query).await?;
        }
        n
    };
    let mut keys = Vec::with_capacity(limit + 1);
    while keys.len() <= limit {
        for side in sides.iter_mut().filter(|s| s.buffer.is_empty() && !s.exhausted) {
            let rows = state.store.ioc.ioc_members(&side.query).await?;
            side.exhausted = rows.len() < side.query.limit;
            if let Some(last) = rows.last() {
                side.query.after = Some(last.clone());
            }
            side.buffer.extend(rows);
        }
        let newest = sides.iter_mut().filter(|s| !s.buffer.is_empty()).max_by(|a, b| a.buffer[0].cmp(&b.buffer[0]));
        match newest.and_then(|s| s.buffer.pop_front()) {
            Some(key) => keys.push(key),
            None => break,
        }
    }
    let next = (keys.len() > limit).then(|| keys[limit - 1].clone());
    keys.truncate(limit);
    let mut dossiers = Vec::with_capacity(keys.len());
    for (_, code) in &keys {
        let code = tinhso_kernel::ids::DossierCode::parse("code", code)
            .map_err(|e| AppError::Internal(format!("drill-down index holds a bad code: {e}")))?;
        if let Some(record) = state.store.dossiers.dossier(&code).await? {
            dossiers.push(record.dossier);
        }
    }
    Ok(Behind { total, dossiers, next })
}

/// A cursor as it travels in a page's link: `YYYY-MM-DD_CODE` (codes have no underscore).
pub fn cursor_param(c: &Cursor) -> String {
    format!("{}_{}", c.0, c.1)
}

/// A request's cursor: none when absent or empty, a clear error when unreadable.
pub fn parse_after(s: Option<&str>) -> Result<Option<Cursor>, AppError> {
    match s {
        None | Some("") => Ok(None),
        Some(s) => parse_cursor(s)
            .map(Some)
            .ok_or_else(|| AppError::bad_request("bad_cursor", "Trang danh sách không hợp lệ", "Invalid page cursor")),
    }
}

pub fn parse_cursor(s: &str) -> Option<Cursor> {
    let (day, code) = s.split_once('_')?;
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    (!code.is_empty() && code.len() <= 64).then(|| (day, code.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_refused() {
        let c = (NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(), "000.00.03.H08-260301-0001".to_owned());
        assert_eq!(parse_cursor(&cursor_param(&c)), Some(c));
        assert_eq!(parse_cursor("2026-13-01_X"), None);
        assert_eq!(parse_cursor("2026-03-01_"), None);
        assert_eq!(parse_cursor("garbage"), None);
    }
}
