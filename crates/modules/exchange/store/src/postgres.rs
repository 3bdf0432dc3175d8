//! `ExchangeStore` on the scale-out engine.

use crate::LOOKUP;
use async_trait::async_trait;
use std::sync::Arc;
use tinhso_exchange_port::{ExchangeStore, LookupFilter, ResidentLookup};
use tinhso_kernel::ids::AccountId;
use tinhso_ledger::chain::Link;
use tinhso_postgres::{ledger, map_err, Cached, PgStore};
use tinhso_store::migrate::{Migration, Migrations};
use tinhso_store::Result;
use tokio_postgres::Row;

pub const MIGRATIONS: Migrations = Migrations {
    module: crate::MODULE,
    steps: &[Migration { version: 1, name: "exchange", sql: include_str!("../migrations/postgres/0001_exchange.sql") }],
};

pub struct ExchangePg {
    db: Arc<PgStore>,
}

impl ExchangePg {
    pub fn new(db: Arc<PgStore>) -> Self {
        Self { db }
    }
}

fn lookup(r: &Row) -> ResidentLookup {
    ResidentLookup {
        message_id: r.get(0),
        looked_at: r.get(1),
        officer: AccountId(r.get(2)),
        agency: r.get(3),
        personal_id: r.get(4),
        purpose: r.get(5),
        outcome: r.get(6),
        service: r.get(7),
        request_hash: r.get(8),
    }
}

#[async_trait]
impl ExchangeStore for ExchangePg {
    async fn record_lookup(&self, l: &ResidentLookup, entry: &Link) -> Result<()> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        tx.execute_cached(
            &format!("INSERT INTO resident_lookup ({LOOKUP}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
            &[
                &l.message_id,
                &l.looked_at,
                &l.officer.0,
                &l.agency,
                &l.personal_id,
                &l.purpose,
                &l.outcome,
                &l.service,
                &l.request_hash,
            ],
        )
        .await
        .map_err(map_err)?;
        ledger::append_entry(&tx, tinhso_exchange::audit::KIND, false, entry).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn resident_lookups(
        &self,
        filter: &LookupFilter,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ResidentLookup>> {
        let client = self.db.client().await?;
        let n = i64::try_from(limit).unwrap_or(i64::MAX);
        let by = filter.officer.map(|a| a.0);
        let sql = format!(
            "SELECT {LOOKUP} FROM resident_lookup \
             WHERE ($1::text IS NULL OR personal_id = $1) AND ($2::bigint IS NULL OR officer_id = $2) \
               AND ($3::text IS NULL OR id < (SELECT id FROM resident_lookup WHERE message_id = $3)) \
             ORDER BY id DESC LIMIT $4"
        );
        let rows = client.query_cached(&sql, &[&filter.personal_id, &by, &before, &n]).await.map_err(map_err)?;
        Ok(rows.iter().map(lookup).collect())
    }

    async fn busiest_officers(&self, since: &str, limit: usize) -> Result<Vec<(AccountId, String, i64)>> {
        let client = self.db.client().await?;
        let n = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = client
            .query_cached(
                "SELECT officer_id, agency, count(*) AS n FROM resident_lookup WHERE looked_at >= $1 \
                 GROUP BY officer_id, agency ORDER BY n DESC, officer_id LIMIT $2",
                &[&since, &n],
            )
            .await
            .map_err(map_err)?;
        Ok(rows.iter().map(|r| (AccountId(r.get(0)), r.get(1), r.get(2))).collect())
    }

    async fn lookups_with_entries(
        &self,
        after: &str,
        limit: usize,
    ) -> Result<Vec<(ResidentLookup, Vec<(String, String)>)>> {
        let client = self.db.client().await?;
        let n = i64::try_from(limit).unwrap_or(i64::MAX);
        let sql = format!("SELECT {LOOKUP} FROM resident_lookup WHERE message_id > $1 ORDER BY message_id LIMIT $2");
        let rows: Vec<ResidentLookup> =
            client.query_cached(&sql, &[&after, &n]).await.map_err(map_err)?.iter().map(lookup).collect();
        let subjects: Vec<String> = rows.iter().map(|l| tinhso_exchange::audit::subject(&l.message_id)).collect();
        Ok(rows.into_iter().zip(ledger::lanes_and_payloads(&client, &subjects).await?).collect())
    }
}
