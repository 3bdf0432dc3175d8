//! Dossier lists, newest first, read in index order so that no request sorts a whole desk.

use rusqlite::types::Value;
use rusqlite::Connection;
use tinhso_store::{DossierOrder, DossierQuery};

const ORDER: &str = "ORDER BY submitted_at DESC, code DESC";

/// The bodies of the dossiers `q` finds.
pub fn bodies(c: &Connection, q: &DossierQuery) -> rusqlite::Result<Vec<String>> {
    let mut args: Vec<Value> = Vec::new();
    let mut filter = String::new();
    if let Some(a) = q.applicant {
        args.push(a.0.into());
        filter.push_str(&format!(" AND applicant_id = ?{}", args.len()));
    }
    if let Some(p) = &q.phone {
        args.push(p.as_str().to_owned().into());
        filter.push_str(&format!(" AND applicant_phone = ?{}", args.len()));
    }
    if !q.states.is_empty() {
        let marks: Vec<String> = q
            .states
            .iter()
            .map(|s| {
                args.push(s.key().to_owned().into());
                format!("?{}", args.len())
            })
            .collect();
        filter.push_str(&format!(" AND state IN ({})", marks.join(", ")));
    }
    let (limit, offset) = (q.limit.max(1), q.offset);
    if let Some(tax_code) = &q.tax_code {
        // A company's dossiers are few: found through their own index, in its order.
        args.push(tax_code.as_str().to_owned().into());
        filter.push_str(&format!(" AND tax_code = ?{}", args.len()));
        if let Some(agency) = &q.agency {
            args.push(agency.as_str().to_owned().into());
            let n = args.len();
            filter.push_str(&format!(" AND (receiving_agency = ?{n} OR competent_agency = ?{n})"));
        }
        let sql = format!(
            "SELECT body FROM dossier INDEXED BY dossier_tax_code WHERE 1 = 1{filter}              ORDER BY tax_code DESC, submitted_at DESC, code DESC LIMIT {limit} OFFSET {offset}"
        );
        let mut st = c.prepare_cached(&sql)?;
        let rows = st.query_map(rusqlite::params_from_iter(args), |r| r.get(0))?;
        return rows.collect();
    }
    if let Some(assignee) = q.assignee {
        // An officer's own work is a few dozen dossiers: found through its own index, sorted.
        args.push(assignee.0.into());
        filter.push_str(&format!(" AND assignee = ?{}", args.len()));
        if let Some(agency) = &q.agency {
            args.push(agency.as_str().to_owned().into());
            let n = args.len();
            filter.push_str(&format!(" AND (receiving_agency = ?{n} OR competent_agency = ?{n})"));
        }
        let order = match q.order {
            DossierOrder::Newest => ORDER,
            DossierOrder::DueFirst => "ORDER BY due_on IS NULL, due_on, code",
        };
        let sql = format!(
            "SELECT body FROM dossier INDEXED BY dossier_assignee WHERE 1 = 1{filter} {order} LIMIT {limit} OFFSET {offset}"
        );
        let mut st = c.prepare_cached(&sql)?;
        let rows = st.query_map(rusqlite::params_from_iter(args), |r| r.get(0))?;
        return rows.collect();
    }
    if q.order == DossierOrder::DueFirst {
        // A sort of what the filter finds: callers bound it by state (open work).
        if let Some(agency) = &q.agency {
            args.push(agency.as_str().to_owned().into());
            let n = args.len();
            filter.push_str(&format!(" AND (receiving_agency = ?{n} OR competent_agency = ?{n})"));
        }
        let sql = format!(
            "SELECT body FROM dossier WHERE 1 = 1{filter} ORDER BY due_on IS NULL, due_on, code \
             LIMIT {limit} OFFSET {offset}"
        );
        let mut st = c.prepare_cached(&sql)?;
        let rows = st.query_map(rusqlite::params_from_iter(args), |r| r.get(0))?;
        return rows.collect();
    }
    // Indexes are named so the planner walks them in order instead of sorting.
    let sql = match &q.agency {
        Some(agency) => return agency_bodies(c, agency.as_str(), &filter, args, limit, offset),
        None if q.applicant.is_some() => format!(
            "SELECT body FROM dossier INDEXED BY dossier_applicant_time WHERE 1 = 1{filter} {ORDER} \
             LIMIT {limit} OFFSET {offset}"
        ),
        None => format!(
            "SELECT body FROM dossier INDEXED BY dossier_time WHERE 1 = 1{filter} {ORDER} LIMIT {limit} OFFSET {offset}"
        ),
    };
    let mut st = c.prepare_cached(&sql)?;
    let rows = st.query_map(rusqlite::params_from_iter(args), |r| r.get(0))?;
    rows.collect()
}

/// An agency's dossiers: those received at its desk through their codes ({desk}-{yymmdd}-{nnnn}
/// sorts by desk, then day and number, i.e. by time), those it decides but received elsewhere
/// through their own index. Each side yields its newest `limit + offset` rows in index order
/// (no sorter); the two are merged here. Usually one side is empty: a commune decides what it
/// receives, the service centre decides nothing.
fn agency_bodies(
    c: &Connection,
    agency: &str,
    filter: &str,
    args: Vec<Value>,
    limit: usize,
    offset: usize,
) -> rusqlite::Result<Vec<String>> {
    let cut = limit + offset;
    let n = args.len();
    let rows = |sql: String, extra: Vec<Value>| -> rusqlite::Result<Vec<(String, String, String)>> {
        let mut st = c.prepare_cached(&sql)?;
        let all = args.iter().cloned().chain(extra);
        let rows = st.query_map(rusqlite::params_from_iter(all), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect()
    };
    let mut found = rows(
        format!(
            "SELECT submitted_at, code, body FROM dossier WHERE code >= ?{} AND code < ?{}{filter} \
             ORDER BY code DESC LIMIT {cut}",
            n + 1,
            n + 2
        ),
        vec![format!("{agency}-").into(), format!("{agency}.").into()],
    )?;
    let elsewhere = rows(
        format!(
            "SELECT submitted_at, code, body FROM dossier INDEXED BY dossier_decided_elsewhere \
             WHERE competent_agency = ?{} AND competent_agency <> receiving_agency{filter} {ORDER} LIMIT {cut}",
            n + 1
        ),
        vec![agency.to_owned().into()],
    )?;
    if !elsewhere.is_empty() {
        found.extend(elsewhere);
        found.sort_unstable_by(|a, b| (&b.0, &b.1).cmp(&(&a.0, &a.1)));
    }
    Ok(found.into_iter().skip(offset).take(limit).map(|(_, _, body)| body).collect())
}
