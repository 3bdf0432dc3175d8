//! Staff inboxes: their counters and their open work by due date.

use chrono::NaiveDate;
use tinhso_dossier::tally::{Tally, TallyKey};
use tinhso_dossier::{Dossier, DossierState};
use tinhso_kernel::ids::{AccountId, AgencyCode};
use tinhso_postgres::Cached;
use tinhso_postgres::{map_err, PgStore};
use tinhso_store::codec::from_json;
use tinhso_store::{count_rows, tally_rows, Result};

pub async fn open_dossiers_of(
    db: &PgStore,
    agency: &AgencyCode,
    until: NaiveDate,
    limit: usize,
) -> Result<Vec<Dossier>> {
    let rows = db
            .client()
            .await?
            .query_cached(
                "SELECT body::text FROM (
                   (SELECT due_on, body FROM dossier WHERE competent_agency = $1
                      AND state IN ('received', 'processing', 'payment_requested') AND due_on <= $2
                    ORDER BY due_on LIMIT $3)
                   UNION ALL
                   (SELECT due_on, body FROM dossier WHERE receiving_agency = $1 AND receiving_agency <> competent_agency
                      AND state IN ('received', 'processing', 'payment_requested') AND due_on <= $2
                    ORDER BY due_on LIMIT $3)
                 ) d ORDER BY due_on LIMIT $3",
                &[&agency.as_str(), &until, &(limit as i64)],
            )
            .await
            .map_err(map_err)?;
    rows.iter().map(|r| from_json(r.get::<_, &str>(0))).collect()
}

pub async fn held_counts(
    db: &PgStore,
    assignees: &[AccountId],
    agency: Option<&AgencyCode>,
) -> Result<Vec<(AccountId, i64)>> {
    let open: Vec<&str> = DossierState::unfinished().iter().map(|s| s.key()).collect();
    let ids: Vec<i64> = assignees.iter().map(|a| a.0).collect();
    let agency = agency.map(|a| a.as_str());
    let rows = db
        .client()
        .await?
        .query_cached(
            "SELECT assignee, COUNT(*) FROM dossier WHERE assignee = ANY($1) AND state = ANY($2)
               AND ($3::text IS NULL OR receiving_agency = $3 OR competent_agency = $3) GROUP BY assignee",
            &[&ids, &open, &agency],
        )
        .await
        .map_err(map_err)?;
    Ok(rows.iter().map(|r| (AccountId(r.get(0)), r.get(1))).collect())
}

pub async fn counts(db: &PgStore, agency: Option<&AgencyCode>) -> Result<Vec<(TallyKey, i64)>> {
    let client = db.client().await?;
    let rows = match agency {
        Some(a) => client.query_cached("SELECT key, n FROM inbox_tally WHERE agency = $1", &[&a.as_str()]).await,
        None => {
            client
                .query_cached("SELECT key, SUM(n)::bigint FROM inbox_tally WHERE key NOT LIKE 'r%' GROUP BY key", &[])
                .await
        }
    }
    .map_err(map_err)?;
    count_rows(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

pub async fn tally(db: &PgStore) -> Result<Tally> {
    let rows = db.client().await?.query_cached("SELECT agency, key, n FROM inbox_tally", &[]).await.map_err(map_err)?;
    tally_rows(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
}
