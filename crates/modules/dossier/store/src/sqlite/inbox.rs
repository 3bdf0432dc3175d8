//! Staff inboxes: their counters and their open work by due date.

use chrono::NaiveDate;
use rusqlite::params;
use tinhso_dossier::tally::{Tally, TallyKey};
use tinhso_dossier::{Dossier, DossierState};
use tinhso_kernel::ids::{AccountId, AgencyCode};
use tinhso_sqlite::SqliteStore;
use tinhso_store::{count_rows, tally_rows, Result};

const OPEN: &str = "state IN ('received', 'processing', 'payment_requested')";

pub async fn open_dossiers_of(
    db: &SqliteStore,
    agency: &AgencyCode,
    until: NaiveDate,
    limit: usize,
) -> Result<Vec<Dossier>> {
    let agency = agency.as_str().to_owned();
    let found: Vec<(Option<NaiveDate>, String)> = db
        .read(move |c| {
            let mut out = Vec::new();
            for sql in [
                format!(
                    "SELECT due_on, body FROM dossier INDEXED BY dossier_open_deciding
                         WHERE competent_agency = ?1 AND {OPEN} AND due_on <= ?2 ORDER BY due_on LIMIT ?3"
                ),
                format!(
                    "SELECT due_on, body FROM dossier INDEXED BY dossier_open_desk
                         WHERE receiving_agency = ?1 AND {OPEN} AND receiving_agency <> competent_agency
                           AND due_on <= ?2 ORDER BY due_on LIMIT ?3"
                ),
            ] {
                let mut st = c.prepare_cached(&sql)?;
                let rows = st.query_map(params![agency, until, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
                for r in rows {
                    out.push(r?);
                }
            }
            Ok(out)
        })
        .await?;
    let mut found = found;
    found.sort_by_key(|a| a.0);
    found.truncate(limit);
    found.iter().map(|(_, b)| tinhso_store::codec::from_json(b)).collect()
}

pub async fn held_counts(
    db: &SqliteStore,
    assignees: &[AccountId],
    agency: Option<&AgencyCode>,
) -> Result<Vec<(AccountId, i64)>> {
    let agency = agency.map(|a| a.as_str().to_owned());
    let assignees = assignees.to_vec();
    // The states' keys are the program's own words, written into the statement as literals.
    let open: Vec<String> = DossierState::unfinished().iter().map(|s| format!("'{}'", s.key())).collect();
    let sql = format!(
        "SELECT COUNT(*) FROM dossier INDEXED BY dossier_assignee WHERE assignee = ?1 AND state IN ({})
           AND (?2 IS NULL OR receiving_agency = ?2 OR competent_agency = ?2)",
        open.join(", ")
    );
    // One index range per officer, in one read (no round trips on SQLite).
    db.read(move |c| {
        let mut st = c.prepare_cached(&sql)?;
        let mut out = Vec::new();
        for a in assignees {
            let n: i64 = st.query_row(params![a.0, agency], |r| r.get(0))?;
            if n > 0 {
                out.push((a, n));
            }
        }
        Ok(out)
    })
    .await
}

pub async fn counts(db: &SqliteStore, agency: Option<&AgencyCode>) -> Result<Vec<(TallyKey, i64)>> {
    let agency = agency.map(|a| a.as_str().to_owned());
    let rows: Vec<(String, i64)> = db
        .read(move |c| match &agency {
            Some(a) => {
                let mut st = c.prepare_cached("SELECT key, n FROM inbox_tally WHERE agency = ?1")?;
                let rows = st.query_map([a], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect()
            }
            None => {
                let mut st =
                    c.prepare_cached("SELECT key, SUM(n) FROM inbox_tally WHERE key NOT LIKE 'r%' GROUP BY key")?;
                let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect()
            }
        })
        .await?;
    count_rows(rows)
}

pub async fn tally(db: &SqliteStore) -> Result<Tally> {
    let rows = db
        .read(|c| {
            let mut st = c.prepare("SELECT agency, key, n FROM inbox_tally")?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect()
        })
        .await?;
    tally_rows(rows)
}
