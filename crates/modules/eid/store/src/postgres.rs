//! `EidStore` on the scale-out engine.

use crate::LINK;
use async_trait::async_trait;
use std::sync::Arc;
use tinhso_eid_port::{EidLink, EidStore, Joined};
use tinhso_kernel::ids::AccountId;
use tinhso_ledger::chain::Link;
use tinhso_postgres::{ledger, map_err, Cached, PgStore};
use tinhso_store::migrate::{Migration, Migrations};
use tinhso_store::Result;
use tokio_postgres::Row;

pub const MIGRATIONS: Migrations = Migrations {
    module: crate::MODULE,
    steps: &[Migration { version: 1, name: "eid", sql: include_str!("../migrations/postgres/0001_eid.sql") }],
};

pub struct EidPg {
    db: Arc<PgStore>,
}

impl EidPg {
    pub fn new(db: Arc<PgStore>) -> Self {
        Self { db }
    }
}

fn link(r: &Row) -> EidLink {
    EidLink {
        issuer: r.get(0),
        subject: r.get(1),
        account: AccountId(r.get(2)),
        linked_at: r.get(3),
        ledger_subject: r.get(4),
    }
}

#[async_trait]
impl EidStore for EidPg {
    async fn eid_account(&self, issuer: &str, subject: &str) -> Result<Option<AccountId>> {
        let client = self.db.client().await?;
        let row = client
            .query_opt_cached(
                "SELECT account_id FROM eid_link WHERE issuer = $1 AND subject = $2",
                &[&issuer, &subject],
            )
            .await
            .map_err(map_err)?;
        Ok(row.map(|r| AccountId(r.get(0))))
    }

    async fn join_eid(&self, l: &EidLink, entry: &Link) -> Result<Joined> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        // Two sign-ins of one person at once: the first inserts, the second waits on the key
        // and then finds it (ON CONFLICT), so neither is refused for the other.
        let n = tx
            .execute_cached(
                &format!("INSERT INTO eid_link ({LINK}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"),
                &[&l.issuer, &l.subject, &l.account.0, &l.linked_at, &l.ledger_subject],
            )
            .await
            .map_err(map_err)?;
        if n == 1 {
            ledger::append_entry(&tx, tinhso_eid::audit::KIND, false, entry).await?;
            tx.commit().await.map_err(map_err)?;
            return Ok(Joined::Made);
        }
        let held = tx
            .query_opt_cached(
                "SELECT account_id FROM eid_link WHERE issuer = $1 AND subject = $2",
                &[&l.issuer, &l.subject],
            )
            .await
            .map_err(map_err)?
            .map(|r| r.get::<_, i64>(0));
        tx.rollback().await.map_err(map_err)?;
        Ok(match held {
            Some(a) if a == l.account.0 => Joined::Already,
            Some(_) => Joined::OtherAccount,
            None => Joined::AccountHasOne,
        })
    }

    async fn eid_links(&self, account: AccountId) -> Result<Vec<EidLink>> {
        let client = self.db.client().await?;
        let sql = format!("SELECT {LINK} FROM eid_link WHERE account_id = $1 ORDER BY linked_at, issuer");
        Ok(client.query_cached(&sql, &[&account.0]).await.map_err(map_err)?.iter().map(link).collect())
    }

    async fn eid_links_with_entries(&self, after: &str, limit: usize) -> Result<Vec<(EidLink, Vec<(String, String)>)>> {
        let client = self.db.client().await?;
        let n = i64::try_from(limit).unwrap_or(i64::MAX);
        let sql = format!("SELECT {LINK} FROM eid_link WHERE ledger_subject > $1 ORDER BY ledger_subject LIMIT $2");
        let links: Vec<EidLink> =
            client.query_cached(&sql, &[&after, &n]).await.map_err(map_err)?.iter().map(link).collect();
        let subjects: Vec<String> = links.iter().map(|l| l.ledger_subject.clone()).collect();
        Ok(links.into_iter().zip(ledger::lanes_and_payloads(&client, &subjects).await?).collect())
    }
}
