//! `ResultsStore` on the scale-out engine.

use crate::COLUMNS;
use async_trait::async_trait;
use std::sync::Arc;
use tinhso_kernel::document::IssuedDocument;
use tinhso_ledger::chain::Link;
use tinhso_postgres::{ledger, map_err, Cached, PgStore};
use tinhso_results_port::ResultsStore;
use tinhso_store::migrate::{Migration, Migrations};
use tinhso_store::Result;
use tokio_postgres::Row;

pub const MIGRATIONS: Migrations = Migrations {
    module: crate::MODULE,
    steps: &[
        Migration { version: 1, name: "results", sql: include_str!("../migrations/postgres/0001_results.sql") },
        Migration { version: 2, name: "decisions", sql: include_str!("../migrations/postgres/0002_decisions.sql") },
    ],
};

pub struct ResultsPg {
    db: Arc<PgStore>,
}

impl ResultsPg {
    pub fn new(db: Arc<PgStore>) -> Self {
        Self { db }
    }

    async fn one(&self, column: &'static str, key: &str) -> Result<Option<IssuedDocument>> {
        let client = self.db.client().await?;
        let sql = format!("SELECT {COLUMNS} FROM issued_document WHERE {column} = $1");
        let row = client.query_opt_cached(&sql, &[&key]).await.map_err(map_err)?;
        Ok(row.as_ref().map(row_of))
    }
}

fn row_of(r: &Row) -> IssuedDocument {
    IssuedDocument {
        code: r.get(0),
        kind: r.get(1),
        dossier: r.get(2),
        agency: r.get(3),
        year: r.get(4),
        seq: r.get(5),
        sha256: r.get(6),
        signer: r.get(7),
        certificate_sha256: r.get(8),
        signed_at: r.get(9),
        timestamped: r.get(10),
        status: r.get(11),
        replaced_by: r.get(12),
        status_note: r.get(13),
        name: r.get(14),
    }
}

#[async_trait]
impl ResultsStore for ResultsPg {
    async fn issue(&self, d: &IssuedDocument, entry: &Link) -> Result<()> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        tx.execute_cached(
            &format!(
                "INSERT INTO issued_document ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
            ),
            &[
                &d.code,
                &d.kind,
                &d.dossier,
                &d.agency,
                &d.year,
                &d.seq,
                &d.sha256,
                &d.signer,
                &d.certificate_sha256,
                &d.signed_at,
                &d.timestamped,
                &d.status,
                &d.replaced_by,
                &d.status_note,
                &d.name,
            ],
        )
        .await
        .map_err(map_err)?;
        ledger::append_entry(&tx, &format!("{}_issued", d.kind), true, entry).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn issued_by_code(&self, code: &str) -> Result<Option<IssuedDocument>> {
        self.one("code", code).await
    }

    async fn issued_by_sha256(&self, sha256: &str) -> Result<Option<IssuedDocument>> {
        self.one("sha256", sha256).await
    }

    async fn issued_for_dossier(&self, dossier: &str) -> Result<Vec<IssuedDocument>> {
        let client = self.db.client().await?;
        let sql = format!("SELECT {COLUMNS} FROM issued_document WHERE dossier = $1 ORDER BY signed_at, code");
        let rows = client.query_cached(&sql, &[&dossier]).await.map_err(map_err)?;
        Ok(rows.iter().map(row_of).collect())
    }

    async fn next_receipt_seq(&self, agency: &str, year: i32) -> Result<i64> {
        let client = self.db.client().await?;
        let row = client
            .query_one_cached(
                "SELECT coalesce(max(seq), 0) + 1 FROM issued_document WHERE kind = 'receipt' AND agency = $1 AND year = $2",
                &[&agency, &year],
            )
            .await
            .map_err(map_err)?;
        Ok(row.get(0))
    }

    async fn set_issued_status(
        &self,
        code: &str,
        status: &str,
        replaced_by: Option<&str>,
        note: &str,
        entry: &Link,
    ) -> Result<bool> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let n = tx
            .execute_cached(
                "UPDATE issued_document SET status = $2, replaced_by = $3, status_note = $4
                 WHERE code = $1 AND status = 'issued'",
                &[&code, &status, &replaced_by, &note],
            )
            .await
            .map_err(map_err)?;
        if n == 1 {
            ledger::append_entry(&tx, &format!("document_{status}"), true, entry).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(n == 1)
    }

    async fn documents_with_entries(
        &self,
        after: &str,
        limit: usize,
    ) -> Result<Vec<(IssuedDocument, Vec<(String, String)>)>> {
        let client = self.db.client().await?;
        let l = i64::try_from(limit).unwrap_or(i64::MAX);
        let sql = format!("SELECT {COLUMNS} FROM issued_document WHERE code > $1 ORDER BY code LIMIT $2");
        let rows = client.query_cached(&sql, &[&after, &l]).await.map_err(map_err)?;
        let docs: Vec<IssuedDocument> = rows.iter().map(row_of).collect();
        let subjects: Vec<String> = docs.iter().map(|d| tinhso_results::audit::subject(&d.code)).collect();
        Ok(docs.into_iter().zip(ledger::lanes_and_payloads(&client, &subjects).await?).collect())
    }
}
