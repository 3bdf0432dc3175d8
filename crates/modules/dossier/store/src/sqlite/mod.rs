//! `DossierStore` on the embedded engine: writes go through the engine's group commit as one
//! plan each; reads through its pooled readers.

mod inbox;
mod list;
mod read;
mod write;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::params;
use std::sync::Arc;
use tinhso_dossier::tally::{Tally, TallyKey};
use tinhso_dossier::{Dossier, Event};
use tinhso_kernel::ids::{AccountId, AgencyCode, DossierCode};
use tinhso_sqlite::SqliteStore;
use tinhso_store::migrate::{Migration, Migrations};
use tinhso_store::plan::{self, Projections};

/// Dossiers per transaction of a refold.
const REFOLD_PAGE: usize = 2_000;
use tinhso_store::{
    event_from_link, file_kind, file_purpose, group_links, AttachedFile, Attachment, DossierQuery, DossierStore,
    EventPage, GuardKey, MonthlyCount, NewDossier, Notification, RawDossier, RawStanding, Result, StoredDossier,
    StoredEvent,
};

/// The module's tables on SQLite, oldest first.
pub const MIGRATIONS: Migrations = Migrations {
    module: crate::MODULE,
    steps: &[
        Migration { version: 1, name: "dossier", sql: include_str!("../../migrations/sqlite/0001_dossier.sql") },
        Migration {
            version: 2,
            name: "dossier_fold",
            sql: include_str!("../../migrations/sqlite/0002_dossier_fold.sql"),
        },
        Migration {
            version: 3,
            name: "event_lanes",
            sql: include_str!("../../migrations/sqlite/0003_event_lanes.sql"),
        },
        Migration {
            version: 4,
            name: "dossier_standing",
            sql: include_str!("../../migrations/sqlite/0004_dossier_standing.sql"),
        },
        Migration {
            version: 5,
            name: "sequence_without_rowid",
            sql: include_str!("../../migrations/sqlite/0005_sequence_without_rowid.sql"),
        },
        Migration {
            version: 6,
            name: "dossier_tax_code",
            sql: include_str!("../../migrations/sqlite/0006_dossier_tax_code.sql"),
        },
        Migration {
            version: 7,
            name: "dossier_assignee",
            sql: include_str!("../../migrations/sqlite/0007_dossier_assignee.sql"),
        },
        Migration {
            version: 8,
            name: "application_draft",
            sql: include_str!("../../migrations/sqlite/0008_application_draft.sql"),
        },
    ],
};

pub struct DossierSqlite {
    db: Arc<SqliteStore>,
    /// Read models kept in each dossier write's transaction, as the composition root registered them.
    projections: Projections,
}

impl DossierSqlite {
    pub fn new(db: Arc<SqliteStore>, projections: Projections) -> Self {
        Self { db, projections }
    }

    pub(crate) fn db(&self) -> &SqliteStore {
        &self.db
    }
}

#[async_trait]
impl DossierStore for DossierSqlite {
    async fn submit_dossier(&self, new: &NewDossier) -> Result<Dossier> {
        let new = new.clone();
        let projections = self.projections.clone();
        self.db.write(move |tx| write::submit(tx, &new, &projections)).await
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
        self.db.write(move |tx| write::execute(tx, &plan)).await
    }

    async fn refold_if_stale(&self) -> Result<Option<usize>> {
        let want = plan::signature(&self.projections);
        let have: String =
            self.db.read(|c| c.query_row("SELECT signature FROM dossier_fold WHERE id = 1", [], |r| r.get(0))).await?;
        if have == want {
            return Ok(None);
        }
        // Interrupted, the signature stays stale and the next start begins again.
        let tables = plan::rebuilt_tables(&self.projections);
        self.db
            .write(move |tx| {
                tables.iter().try_for_each(|t| tinhso_sqlite::exec(tx, &format!("DELETE FROM {t}"), []).map(drop))
            })
            .await?;
        let (mut after, mut refolded) = (None::<String>, 0);
        loop {
            let page = self.events_by_dossier(after.as_deref(), REFOLD_PAGE).await?;
            let plans = page
                .dossiers
                .iter()
                .map(|(code, events)| plan::refold(code, events, &self.projections))
                .collect::<Result<Vec<_>>>()?;
            refolded += plans.len();
            self.db.write(move |tx| plans.iter().try_for_each(|p| write::execute(tx, p))).await?;
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        self.db
            .write(move |tx| {
                tinhso_sqlite::exec(tx, "UPDATE dossier_fold SET signature = ?1 WHERE id = 1", params![want.clone()])
                    .map(drop)
            })
            .await?;
        Ok(Some(refolded))
    }

    async fn events_by_dossier(&self, after: Option<&str>, dossiers: usize) -> Result<EventPage> {
        // Pages follow insertion order (rowid): a page's events were written at about the same
        // time, so reading them is nearly sequential even when the file outgrows the page cache.
        let after: i64 = after.and_then(|a| a.parse().ok()).unwrap_or(0);
        let (links, last) = self
            .db
            .read(move |c| {
                let last: Option<i64> = c
                    .prepare_cached(
                        "SELECT MAX(rowid) FROM (SELECT rowid FROM dossier WHERE rowid > ?1 ORDER BY rowid LIMIT ?2)",
                    )?
                    .query_row(params![after, dossiers as i64], |r| r.get(0))?;
                let Some(last) = last else { return Ok((Ok(Vec::new()), None)) };
                // Parsed here, on the blocking thread, so the caller can fold one page while
                // the next is read.
                Ok((group_links(read::links_of_rowids(c, after, last)?), Some(last)))
            })
            .await?;
        Ok(EventPage { dossiers: links?, next: last.map(|l| l.to_string()) })
    }

    async fn stored_dossiers(&self, codes: &[String]) -> Result<Vec<StoredDossier>> {
        let codes = codes.to_vec();
        self.db.read(move |c| read::stored(c, &codes)).await
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
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(
                    "SELECT substr(json_extract(body, '$.submitted_on'), 1, 7), competent_agency, procedure_code,
                            json_extract(body, '$.channel'), count(*)
                     FROM dossier WHERE submitted_at >= ?1 AND submitted_at < ?2 GROUP BY 1, 2, 3, 4",
                )?;
                let rows = st.query_map(rusqlite::params![from, to], |r| {
                    Ok(MonthlyCount {
                        month: r.get(0)?,
                        agency: r.get(1)?,
                        procedure: r.get(2)?,
                        channel: r.get(3)?,
                        count: r.get(4)?,
                    })
                })?;
                rows.collect()
            })
            .await
    }

    async fn import_dossiers(&self, items: &[(NewDossier, Vec<Event>)]) -> Result<usize> {
        let items = items.to_vec();
        let projections = self.projections.clone();
        self.db
            .write(move |tx| {
                for (new, events) in &items {
                    write::import(tx, new, events, &projections)?;
                }
                Ok(items.len())
            })
            .await
    }

    async fn dossier_raw(&self, code: &DossierCode) -> Result<Option<RawDossier>> {
        // One row by its primary key (every status lookup): on this thread.
        self.db.read_now(|c| read::record(c, code.as_str()))
    }

    async fn dossier_for_lookup(
        &self,
        code: &DossierCode,
        guards: &[GuardKey; 2],
    ) -> Result<([Option<tinhso_kernel::guard::Tally>; 2], Option<RawStanding>)> {
        // One statement on this thread: no transaction to open and close around it.
        self.db.read_now(|c| read::standing(c, guards, code.as_str()))
    }

    async fn dossier_events(&self, code: &DossierCode) -> Result<Vec<StoredEvent>> {
        let code = code.to_string();
        let links = self.db.read(move |c| read::links(c, &code)).await?;
        links
            .into_iter()
            .map(|(link, public)| {
                Ok(StoredEvent { id: link.id, event: event_from_link(&link)?, dossier: link.dossier, public })
            })
            .collect()
    }

    async fn dossier_bodies(&self, q: &DossierQuery) -> Result<Vec<String>> {
        let q = q.clone();
        self.db.read(move |c| list::bodies(c, &q)).await
    }

    async fn dossier_files(&self, code: &DossierCode) -> Result<Vec<AttachedFile>> {
        let code = code.to_string();
        type Row = (String, String, String, Option<u16>, i64, String, DateTime<Utc>);
        let rows: Vec<Row> = self
            .db
            .read(move |c| {
                let mut st = c.prepare(
                    "SELECT f.sha256, f.name, f.purpose, f.component, b.size, b.mime, f.created_at FROM dossier_file f
                     JOIN file_blob b ON b.sha256 = f.sha256 WHERE f.dossier_code = ?1 ORDER BY f.id",
                )?;
                let rows = st.query_map([code], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
                })?;
                rows.collect()
            })
            .await?;
        rows.into_iter()
            .map(|(sha256, name, purpose, component, size, mime, created_at)| {
                Ok(AttachedFile {
                    attachment: Attachment {
                        sha256: tinhso_store::sha256(&sha256)?,
                        name,
                        purpose: file_purpose(&purpose)?,
                        component,
                    },
                    size: size as u64,
                    kind: file_kind(&mime)?,
                    created_at,
                })
            })
            .collect()
    }

    async fn open_dossiers_due(&self, until: NaiveDate, limit: usize) -> Result<Vec<Dossier>> {
        let bodies: Vec<String> = self
            .db
            .read(move |c| {
                let mut st = c.prepare_cached(
                    "SELECT body FROM dossier INDEXED BY dossier_open_due
                     WHERE state IN ('received', 'processing', 'payment_requested') AND due_on <= ?1
                     ORDER BY due_on LIMIT ?2",
                )?;
                let rows = st.query_map(params![until, limit as i64], |r| r.get(0))?;
                rows.collect()
            })
            .await?;
        bodies.iter().map(|b| tinhso_store::codec::from_json(b)).collect()
    }
}
