//! `ExchangeStore` on the embedded engine.

use crate::LOOKUP;
use async_trait::async_trait;
use rusqlite::{params, Row};
use std::sync::Arc;
use tinhso_exchange_port::{ExchangeStore, LookupFilter, ResidentLookup};
use tinhso_kernel::ids::AccountId;
use tinhso_ledger::chain::Link;
use tinhso_sqlite::{exec, ledger, SqliteStore};
use tinhso_store::migrate::{Migration, Migrations};
use tinhso_store::Result;

pub const MIGRATIONS: Migrations = Migrations {
    module: crate::MODULE,
    steps: &[Migration { version: 1, name: "exchange", sql: include_str!("../migrations/sqlite/0001_exchange.sql") }],
};

pub struct ExchangeSqlite {
    db: Arc<SqliteStore>,
}

impl ExchangeSqlite {
    pub fn new(db: Arc<SqliteStore>) -> Self {
        Self { db }
    }
}

fn lookup(r: &Row<'_>) -> rusqlite::Result<ResidentLookup> {
    Ok(ResidentLookup {
        message_id: r.get(0)?,
        looked_at: r.get(1)?,
        officer: AccountId(r.get(2)?),
        agency: r.get(3)?,
        personal_id: r.get(4)?,
        purpose: r.get(5)?,
        outcome: r.get(6)?,
        service: r.get(7)?,
        request_hash: r.get(8)?,
    })
}

#[async_trait]
impl ExchangeStore for ExchangeSqlite {
    async fn record_lookup(&self, l: &ResidentLookup, entry: &Link) -> Result<()> {
        let (l, entry) = (l.clone(), entry.clone());
        self.db
            .write(move |tx| {
                exec(
                    tx,
                    &format!("INSERT INTO resident_lookup ({LOOKUP}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
                    params![
                        l.message_id,
                        l.looked_at,
                        l.officer.0,
                        l.agency,
                        l.personal_id,
                        l.purpose,
                        l.outcome,
                        l.service,
                        l.request_hash
                    ],
                )?;
                ledger::append_entry(tx, tinhso_exchange::audit::KIND, false, &entry)?;
                Ok(())
            })
            .await
    }

    async fn resident_lookups(
        &self,
        filter: &LookupFilter,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ResidentLookup>> {
        let (who, by) = (filter.personal_id.clone(), filter.officer.map(|a| a.0));
        let (before, n) = (before.map(str::to_owned), i64::try_from(limit).unwrap_or(i64::MAX));
        self.db
            .read(move |c| {
                // Newest first by the row's own order; `before` names a message, so a page
                // starts below that message's row.
                let mut st = c.prepare_cached(&format!(
                    "SELECT {LOOKUP} FROM resident_lookup \
                     WHERE (?1 IS NULL OR personal_id = ?1) AND (?2 IS NULL OR officer_id = ?2) \
                       AND (?3 IS NULL OR id < (SELECT id FROM resident_lookup WHERE message_id = ?3)) \
                     ORDER BY id DESC LIMIT ?4"
                ))?;
                let rows = st.query_map(params![who, by, before, n], lookup)?;
                rows.collect()
            })
            .await
    }

    async fn busiest_officers(&self, since: &str, limit: usize) -> Result<Vec<(AccountId, String, i64)>> {
        let (since, n) = (since.to_owned(), i64::try_from(limit).unwrap_or(i64::MAX));
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(
                    "SELECT officer_id, agency, count(*) AS n FROM resident_lookup WHERE looked_at >= ?1 \
                     GROUP BY officer_id, agency ORDER BY n DESC, officer_id LIMIT ?2",
                )?;
                let rows = st.query_map(params![since, n], |r| Ok((AccountId(r.get(0)?), r.get(1)?, r.get(2)?)))?;
                rows.collect()
            })
            .await
    }

    async fn lookups_with_entries(
        &self,
        after: &str,
        limit: usize,
    ) -> Result<Vec<(ResidentLookup, Vec<(String, String)>)>> {
        let (a, n) = (after.to_owned(), i64::try_from(limit).unwrap_or(i64::MAX));
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(&format!(
                    "SELECT {LOOKUP} FROM resident_lookup WHERE message_id > ?1 ORDER BY message_id LIMIT ?2"
                ))?;
                let rows = st.query_map(params![a, n], lookup)?.collect::<rusqlite::Result<Vec<_>>>()?;
                rows.into_iter()
                    .map(|l| {
                        let subject = tinhso_exchange::audit::subject(&l.message_id);
                        let entries =
                            ledger::entries(c, &subject)?.into_iter().map(|(e, _, _)| (e.lane, e.payload)).collect();
                        Ok((l, entries))
                    })
                    .collect()
            })
            .await
    }
}
