//! `DossierStore` on the scale-out engine: each write is one plan in one transaction.

mod batch;
mod inbox;
mod write;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;
use tinhso_dossier::tally::{Tally, TallyKey};
use tinhso_dossier::{Dossier, Event};
use tinhso_kernel::ids::{AccountId, AgencyCode, DossierCode};
use tinhso_ledger::chain::Link;
use tinhso_postgres::Cached;
use tinhso_postgres::{map_err, PgStore};
use tinhso_store::codec::from_json;
use tinhso_store::migrate::{Migration, Migrations};
use tinhso_store::plan::{self, Projections};
use tinhso_store::{
    event_from_link, file_kind, file_purpose, group_links, AttachedFile, Attachment, DossierOrder, DossierQuery,
    DossierStore, EventPage, GuardKey, MonthlyCount, NewDossier, Notification, RawDossier, RawStanding, Result,
    StoredDossier, StoredEvent,
};
use tokio_postgres::Row;

/// The module's tables on PostgreSQL, oldest first.
pub const MIGRATIONS: Migrations = Migrations {
    module: crate::MODULE,
    steps: &[
        Migration { version: 1, name: "dossier", sql: include_str!("../../migrations/postgres/0001_dossier.sql") },
        Migration {
            version: 2,
            name: "dossier_fold",
            sql: include_str!("../../migrations/postgres/0002_dossier_fold.sql"),
        },
        Migration {
            version: 3,
            name: "event_lanes",
            sql: include_str!("../../migrations/postgres/0003_event_lanes.sql"),
        },
        Migration {
            version: 4,
            name: "dossier_standing",
            sql: include_str!("../../migrations/postgres/0004_dossier_standing.sql"),
        },
        Migration {
            version: 5,
            name: "dossier_tax_code",
            sql: include_str!("../../migrations/postgres/0005_dossier_tax_code.sql"),
        },
        Migration {
            version: 6,
            name: "dossier_assignee",
            sql: include_str!("../../migrations/postgres/0006_dossier_assignee.sql"),
        },
        Migration {
            version: 7,
            name: "application_draft",
            sql: include_str!("../../migrations/postgres/0007_application_draft.sql"),
        },
    ],
};

/// Dossiers per transaction of a refold.
const REFOLD_PAGE: usize = 2_000;

/// The session lock one server holds while it refolds (others wait, then find it done).
const REFOLD_LOCK: i64 = 0x7469_6e68_736f_0002;

const LINK_COLUMNS: &str = "id, dossier_code, at, actor, payload, public, lane, seq";

fn link(r: &Row) -> (Link, bool) {
    (
        Link {
            id: r.get(0),
            lane: r.get(6),
            seq: r.get(7),
            dossier: r.get(1),
            at: r.get(2),
            actor: r.get(3),
            payload: r.get(4),
        },
        r.get(5),
    )
}

pub struct DossierPg {
    db: Arc<PgStore>,
    /// Read models kept in each dossier write's transaction, as the composition root registered them.
    projections: Projections,
    /// Submissions, written together when they arrive together.
    submissions: batch::Batcher,
}

impl DossierPg {
    /// The store, with its submission workers started on the current Tokio runtime.
    pub fn new(db: Arc<PgStore>, projections: Projections) -> Self {
        let submissions = batch::Batcher::start(db.clone(), projections.clone());
        Self { db, projections, submissions }
    }

    pub(crate) fn db(&self) -> &PgStore {
        &self.db
    }
}

impl DossierPg {
    /// `refold_if_stale` under the refold lock.
    async fn refold_locked(&self) -> Result<Option<usize>> {
        let want = plan::signature(&self.projections);
        let client = self.db.client().await?;
        let have: String = client
            .query_one_cached("SELECT signature FROM dossier_fold WHERE id = 1", &[])
            .await
            .map_err(map_err)?
            .get(0);
        drop(client);
        if have == want {
            return Ok(None);
        }
        // Interrupted, the signature stays stale and the next start begins again.
        let tables =
            plan::rebuilt_tables(&self.projections).iter().map(|t| format!("DELETE FROM {t};")).collect::<String>();
        self.db.client().await?.batch_execute(&tables).await.map_err(map_err)?;
        let (mut after, mut refolded) = (None::<String>, 0);
        loop {
            let page = self.events_by_dossier(after.as_deref(), REFOLD_PAGE).await?;
            let mut client = self.db.client().await?;
            let tx = client.transaction().await.map_err(map_err)?;
            let plans = page
                .dossiers
                .iter()
                .map(|(code, events)| plan::refold(code, events, &self.projections))
                .collect::<Result<Vec<_>>>()?;
            write::execute_many(&tx, &plans).await?;
            tx.commit().await.map_err(map_err)?;
            refolded += page.dossiers.len();
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let client = self.db.client().await?;
        client
            .execute_cached("UPDATE dossier_fold SET signature = $1 WHERE id = 1", &[&want])
            .await
            .map_err(map_err)?;
        Ok(Some(refolded))
    }
}

#[async_trait]
impl DossierStore for DossierPg {
    async fn submit_dossier(&self, new: &NewDossier) -> Result<Dossier> {
        self.submissions.submit(new).await
    }

    async fn append_event(
        &self,
        before: &Dossier,
        event: &Event,
        next: &Dossier,
        notify: &[Notification],
        files: &[Attachment],
    ) -> Result<()> {
        let plan = tinhso_store::plan::append(before, event, next, notify, files, &self.projections);
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        write::execute_many(&tx, std::slice::from_ref(&plan)).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn refold_if_stale(&self) -> Result<Option<usize>> {
        let lock = self.db.client().await?;
        lock.query_one_cached("SELECT pg_advisory_lock($1)::text", &[&REFOLD_LOCK]).await.map_err(map_err)?;
        let done = self.refold_locked().await;
        let unlocked = lock.query_one_cached("SELECT pg_advisory_unlock($1)", &[&REFOLD_LOCK]).await.map_err(map_err);
        let refolded = done?;
        unlocked?;
        Ok(refolded)
    }

    async fn stored_dossiers(&self, codes: &[String]) -> Result<Vec<StoredDossier>> {
        let rows = self
            .db
            .client()
            .await?
            .query(
                "SELECT code, procedure_code, applicant_id, receiving_agency, competent_agency, state, due_on::text,
                        apology_due_on::text, version::bigint, body::text, form::text, applicant_phone, tax_code,
                        assignee
                 FROM dossier WHERE code = ANY($1)",
                &[&codes],
            )
            .await
            .map_err(map_err)?;
        Ok(rows
            .iter()
            .map(|r| StoredDossier {
                code: r.get(0),
                procedure_code: r.get(1),
                applicant_id: r.get(2),
                receiving_agency: r.get(3),
                competent_agency: r.get(4),
                state: r.get(5),
                due_on: r.get(6),
                apology_due_on: r.get(7),
                version: r.get(8),
                body: r.get(9),
                form: r.get(10),
                applicant_phone: r.get(11),
                tax_code: r.get(12),
                assignee: r.get(13),
            })
            .collect())
    }

    async fn events_by_dossier(&self, after: Option<&str>, dossiers: usize) -> Result<EventPage> {
        let client = self.db.client().await?;
        let codes = client
            .query_cached(
                "SELECT code FROM dossier WHERE code > $1 ORDER BY code LIMIT $2",
                &[&after.unwrap_or(""), &(dossiers as i64)],
            )
            .await
            .map_err(map_err)?;
        let (Some(first), Some(last)) = (codes.first(), codes.last()) else {
            return Ok(EventPage { dossiers: Vec::new(), next: None });
        };
        let (first, last): (String, String) = (first.get(0), last.get(0));
        let rows = client
            .query(
                &format!(
                    "SELECT {LINK_COLUMNS} FROM dossier_event WHERE dossier_code BETWEEN $1 AND $2 ORDER BY dossier_code, id"
                ),
                &[&first, &last],
            )
            .await
            .map_err(map_err)?;
        let dossiers = group_links(rows.iter().map(|r| link(r).0).collect())?;
        Ok(EventPage { dossiers, next: Some(last) })
    }

    async fn open_dossiers_of(&self, agency: &AgencyCode, until: NaiveDate, limit: usize) -> Result<Vec<Dossier>> {
        inbox::open_dossiers_of(&self.db, agency, until, limit).await
    }

    async fn inbox_counts(&self, agency: Option<&AgencyCode>) -> Result<Vec<(TallyKey, i64)>> {
        inbox::counts(&self.db, agency).await
    }

    async fn held_counts(&self, assignees: &[AccountId], agency: Option<&AgencyCode>) -> Result<Vec<(AccountId, i64)>> {
        inbox::held_counts(&self.db, assignees, agency).await
    }

    async fn inbox_tally(&self) -> Result<Tally> {
        inbox::tally(&self.db).await
    }

    async fn monthly_counts(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<MonthlyCount>> {
        let client = self.db.client().await?;
        let rows = client
            .query(
                "SELECT left(body->>'submitted_on', 7), competent_agency, procedure_code, body->>'channel', count(*)
                 FROM dossier WHERE submitted_at >= $1 AND submitted_at < $2 GROUP BY 1, 2, 3, 4",
                &[&from, &to],
            )
            .await
            .map_err(map_err)?;
        Ok(rows
            .iter()
            .map(|r| MonthlyCount {
                month: r.get(0),
                agency: r.get(1),
                procedure: r.get(2),
                channel: r.get(3),
                count: r.get(4),
            })
            .collect())
    }

    async fn import_dossiers(&self, items: &[(NewDossier, Vec<Event>)]) -> Result<usize> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        write::import_many(&tx, items, &self.projections).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(items.len())
    }

    async fn dossier_raw(&self, code: &DossierCode) -> Result<Option<RawDossier>> {
        raw_dossier(&*self.db.client().await?, code).await
    }

    async fn dossier_for_lookup(
        &self,
        code: &DossierCode,
        guards: &[GuardKey; 2],
    ) -> Result<([Option<tinhso_kernel::guard::Tally>; 2], Option<RawStanding>)> {
        let client = self.db.client().await?;
        let standing = async {
            let row = client
                .query_opt_cached(
                    "SELECT state, receiving_agency, due_on, apology_due_on, applicant_phone FROM dossier WHERE code = $1",
                    &[&code.as_str()],
                )
                .await
                .map_err(map_err)?;
            Ok(row.map(|r| RawStanding {
                state: r.get(0),
                receiving_agency: r.get(1),
                due_on: r.get(2),
                apology_due_on: r.get(3),
                applicant_phone: r.get(4),
            }))
        };
        // Both statements go out before either answer is awaited: one round trip.
        tokio::try_join!(tinhso_postgres::guard::tallies_read(&*client, guards), standing)
    }

    async fn dossier_events(&self, code: &DossierCode) -> Result<Vec<StoredEvent>> {
        let code = code.as_str();
        let rows = self
            .db
            .client()
            .await?
            .query(&format!("SELECT {LINK_COLUMNS} FROM dossier_event WHERE dossier_code = $1 ORDER BY id"), &[&code])
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                let (link, public) = link(r);
                Ok(StoredEvent { id: link.id, event: event_from_link(&link)?, dossier: link.dossier, public })
            })
            .collect()
    }

    async fn dossier_bodies(&self, q: &DossierQuery) -> Result<Vec<String>> {
        let states: Vec<&str> = q.states.iter().map(|s| s.key()).collect();
        let (limit, offset) = (q.limit.max(1) as i64, q.offset as i64);
        let phone = q.phone.as_ref().map(|p| p.as_str());
        // The phone is the last parameter of either query: $6 beside an agency, $5 without one.
        let filter = |phone: &str| {
            format!(
                "($1::bigint IS NULL OR applicant_id = $1) AND (cardinality($2::text[]) = 0 OR state = ANY($2)) \
                 AND ({phone}::text IS NULL OR applicant_phone = {phone})"
            )
        };
        let order = match q.order {
            DossierOrder::Newest => "ORDER BY submitted_at DESC, code DESC",
            // A sort of what the filter finds: callers bound it by state (open work).
            DossierOrder::DueFirst => "ORDER BY due_on ASC NULLS LAST, code",
        };
        let client = self.db.client().await?;
        if let Some(tax_code) = &q.tax_code {
            // A company's dossiers are few: found through their own index, then filtered.
            let agency = q.agency.as_ref().map(|a| a.as_str());
            let sql = format!(
                "SELECT body::text FROM dossier WHERE tax_code = $6 AND {}                  AND ($7::text IS NULL OR receiving_agency = $7 OR competent_agency = $7) {order} LIMIT $3 OFFSET $4",
                filter("$5")
            );
            let rows = client
                .query(&sql, &[&q.applicant, &states, &limit, &offset, &phone, &tax_code.as_str(), &agency])
                .await
                .map_err(map_err)?;
            return Ok(rows.iter().map(|r| r.get(0)).collect());
        }
        if let Some(assignee) = q.assignee {
            // An officer's own work is a few dozen dossiers: found through its own index.
            let agency = q.agency.as_ref().map(|a| a.as_str());
            let sql = format!(
                "SELECT body::text FROM dossier WHERE assignee = $6 AND {} \
                 AND ($7::text IS NULL OR receiving_agency = $7 OR competent_agency = $7) {order} LIMIT $3 OFFSET $4",
                filter("$5")
            );
            let rows = client
                .query(&sql, &[&q.applicant, &states, &limit, &offset, &phone, &assignee.0, &agency])
                .await
                .map_err(map_err)?;
            return Ok(rows.iter().map(|r| r.get(0)).collect());
        }
        let rows = match &q.agency {
            // Two index-ordered scans cut at limit + offset, merged: no sort of a whole desk.
            Some(agency) => {
                let filter = filter("$6");
                let side = |col: &str| {
                    format!(
                        "(SELECT code, submitted_at, due_on, body FROM dossier WHERE {col} = $3::text AND {filter} {order} LIMIT $4::bigint + $5::bigint)"
                    )
                };
                let sql = format!(
                    "SELECT body::text FROM ({} UNION {}) d {order} LIMIT $4 OFFSET $5",
                    side("receiving_agency"),
                    side("competent_agency")
                );
                client.query(&sql, &[&q.applicant, &states, &agency.as_str(), &limit, &offset, &phone]).await
            }
            None => {
                let sql = format!("SELECT body::text FROM dossier WHERE {} {order} LIMIT $3 OFFSET $4", filter("$5"));
                client.query(&sql, &[&q.applicant, &states, &limit, &offset, &phone]).await
            }
        }
        .map_err(map_err)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn dossier_files(&self, code: &DossierCode) -> Result<Vec<AttachedFile>> {
        let code = code.as_str();
        let rows = self
            .db
            .client()
            .await?
            .query_cached(
                "SELECT f.sha256, f.name, f.purpose, f.component, b.size, b.mime, f.created_at FROM dossier_file f
                 JOIN file_blob b ON b.sha256 = f.sha256 WHERE f.dossier_code = $1 ORDER BY f.id",
                &[&code],
            )
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(AttachedFile {
                    attachment: Attachment {
                        sha256: tinhso_store::sha256(r.get(0))?,
                        name: r.get(1),
                        purpose: file_purpose(r.get(2))?,
                        component: r.get::<_, Option<i32>>(3).and_then(|c| u16::try_from(c).ok()),
                    },
                    size: r.get::<_, i64>(4) as u64,
                    kind: file_kind(r.get(5))?,
                    created_at: r.get(6),
                })
            })
            .collect()
    }

    async fn open_dossiers_due(&self, until: NaiveDate, limit: usize) -> Result<Vec<Dossier>> {
        let rows = self
            .db
            .client()
            .await?
            .query_cached(
                "SELECT body::text FROM dossier
                 WHERE state IN ('received', 'processing', 'payment_requested') AND due_on <= $1
                 ORDER BY due_on LIMIT $2",
                &[&until, &(limit as i64)],
            )
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| from_json(r.get::<_, &str>(0))).collect()
    }
}

/// One dossier as stored (folded JSON and e-form as text), by its code.
async fn raw_dossier(client: &deadpool_postgres::ClientWrapper, code: &DossierCode) -> Result<Option<RawDossier>> {
    let row = client
        .query_opt_cached(
            "SELECT body::text, form::text, applicant_phone FROM dossier WHERE code = $1",
            &[&code.as_str()],
        )
        .await
        .map_err(map_err)?;
    Ok(row.map(|r| RawDossier { body: r.get(0), form: r.get(1), applicant_phone: r.get(2) }))
}
