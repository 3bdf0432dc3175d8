//! `EidStore` on the embedded engine.

use crate::LINK;
use async_trait::async_trait;
use rusqlite::{params, OptionalExtension, Row};
use std::sync::Arc;
use tinhso_eid_port::{EidLink, EidStore, Joined};
use tinhso_kernel::ids::AccountId;
use tinhso_ledger::chain::Link;
use tinhso_sqlite::{exec, ledger, SqliteStore};
use tinhso_store::migrate::{Migration, Migrations};
use tinhso_store::Result;

pub const MIGRATIONS: Migrations = Migrations {
    module: crate::MODULE,
    steps: &[Migration { version: 1, name: "eid", sql: include_str!("../migrations/sqlite/0001_eid.sql") }],
};

pub struct EidSqlite {
    db: Arc<SqliteStore>,
}

impl EidSqlite {
    pub fn new(db: Arc<SqliteStore>) -> Self {
        Self { db }
    }
}

fn link(r: &Row<'_>) -> rusqlite::Result<EidLink> {
    Ok(EidLink {
        issuer: r.get(0)?,
        subject: r.get(1)?,
        account: AccountId(r.get(2)?),
        linked_at: r.get(3)?,
        ledger_subject: r.get(4)?,
    })
}

#[async_trait]
impl EidStore for EidSqlite {
    async fn eid_account(&self, issuer: &str, subject: &str) -> Result<Option<AccountId>> {
        let (i, s) = (issuer.to_owned(), subject.to_owned());
        self.db
            .read(move |c| {
                c.prepare_cached("SELECT account_id FROM eid_link WHERE issuer = ?1 AND subject = ?2")?
                    .query_row(params![i, s], |r| r.get(0).map(AccountId))
                    .optional()
            })
            .await
    }

    async fn join_eid(&self, l: &EidLink, entry: &Link) -> Result<Joined> {
        let (l, entry) = (l.clone(), entry.clone());
        self.db
            .write(move |tx| {
                let held: Option<i64> = tx
                    .prepare_cached("SELECT account_id FROM eid_link WHERE issuer = ?1 AND subject = ?2")
                    .and_then(|mut st| st.query_row(params![l.issuer, l.subject], |r| r.get(0)).optional())
                    .map_err(tinhso_sqlite::map_err)?;
                match held {
                    Some(a) if a == l.account.0 => return Ok(Joined::Already),
                    Some(_) => return Ok(Joined::OtherAccount),
                    None => {}
                }
                let has_one = tx
                    .prepare_cached("SELECT 1 FROM eid_link WHERE account_id = ?1 AND issuer = ?2")
                    .and_then(|mut st| st.exists(params![l.account.0, l.issuer]))
                    .map_err(tinhso_sqlite::map_err)?;
                if has_one {
                    return Ok(Joined::AccountHasOne);
                }
                exec(
                    tx,
                    &format!("INSERT INTO eid_link ({LINK}) VALUES (?1, ?2, ?3, ?4, ?5)"),
                    params![l.issuer, l.subject, l.account.0, l.linked_at, l.ledger_subject],
                )?;
                ledger::append_entry(tx, tinhso_eid::audit::KIND, false, &entry)?;
                Ok(Joined::Made)
            })
            .await
    }

    async fn eid_links(&self, account: AccountId) -> Result<Vec<EidLink>> {
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(&format!(
                    "SELECT {LINK} FROM eid_link WHERE account_id = ?1 ORDER BY linked_at, issuer"
                ))?;
                let rows = st.query_map([account.0], link)?;
                rows.collect()
            })
            .await
    }

    async fn eid_links_with_entries(&self, after: &str, limit: usize) -> Result<Vec<(EidLink, Vec<(String, String)>)>> {
        let (a, n) = (after.to_owned(), i64::try_from(limit).unwrap_or(i64::MAX));
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(&format!(
                    "SELECT {LINK} FROM eid_link WHERE ledger_subject > ?1 ORDER BY ledger_subject LIMIT ?2"
                ))?;
                let links = st.query_map(params![a, n], link)?.collect::<rusqlite::Result<Vec<_>>>()?;
                links
                    .into_iter()
                    .map(|l| {
                        let entries = ledger::entries(c, &l.ledger_subject)?
                            .into_iter()
                            .map(|(e, _, _)| (e.lane, e.payload))
                            .collect();
                        Ok((l, entries))
                    })
                    .collect()
            })
            .await
    }
}
