//! Reads the operations centre and the alerts need from other modules' tables through this backend
//! (every dossier's events, staff by role) and the alerts' outbox write. The operations centre's
//! own tables are `tinhso-ioc-store`'s.

use crate::{dossier, map_err, rows, SqliteStore};
use chrono::Utc;
use rusqlite::params;
use tinhso_policy::Role;
use tinhso_store::{group_links, Account, EventPage, Notification, Result};

impl SqliteStore {
    pub(crate) async fn events_by_dossier_q(&self, after: Option<&str>, dossiers: usize) -> Result<EventPage> {
        // Pages follow insertion order (rowid): a page's events were written at about the same
        // time, so reading them is nearly sequential even when the file outgrows the page cache.
        let after: i64 = after.and_then(|a| a.parse().ok()).unwrap_or(0);
        let (links, last) = self
            .read(move |c| {
                let last: Option<i64> = c
                    .prepare_cached(
                        "SELECT MAX(rowid) FROM (SELECT rowid FROM dossier WHERE rowid > ?1 ORDER BY rowid LIMIT ?2)",
                    )?
                    .query_row(params![after, dossiers as i64], |r| r.get(0))?;
                let Some(last) = last else { return Ok((Ok(Vec::new()), None)) };
                // Parsed here, on the blocking thread, so the caller can fold one page while
                // the next is read.
                Ok((group_links(dossier::links_of_rowids(c, after, last)?), Some(last)))
            })
            .await?;
        Ok(EventPage { dossiers: links?, next: last.map(|l| l.to_string()) })
    }

    pub(crate) async fn staff_with_role_q(&self, role: Role) -> Result<Vec<Account>> {
        let role = role.key().to_owned();
        self.read(move |c| {
            let sql = format!("SELECT {} FROM account WHERE role = ?1 ORDER BY id", rows::ACCOUNT_COLUMNS);
            let mut st = c.prepare(&sql)?;
            let rows = st.query_map([role], rows::account)?;
            rows.collect()
        })
        .await
    }

    pub(crate) async fn send_alert_q(&self, key: &str, notes: &[Notification]) -> Result<bool> {
        let (key, notes) = (key.to_owned(), notes.to_vec());
        self.write(move |tx| {
            let fresh = tx
                .execute(
                    "INSERT INTO ioc_alert (key, created_at) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                    params![key, Utc::now()],
                )
                .map_err(map_err)?;
            if fresh == 1 {
                for n in &notes {
                    tx.execute(
                        "INSERT INTO outbox (account_id, subject, body, created_at) VALUES (?1, ?2, ?3, ?4)",
                        params![n.account_id, n.subject, n.body, Utc::now()],
                    )
                    .map_err(map_err)?;
                }
            }
            Ok(fresh == 1)
        })
        .await
    }
}
