//! `ResultsStore` on the embedded engine.

use crate::COLUMNS;
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::sync::Arc;
use tinhso_kernel::document::IssuedDocument;
use tinhso_ledger::chain::Link;
use tinhso_results_port::ResultsStore;
use tinhso_sqlite::{exec, ledger, map_err, SqliteStore};
use tinhso_store::migrate::{Migration, Migrations};
use tinhso_store::Result;

pub const MIGRATIONS: Migrations = Migrations {
    module: crate::MODULE,
    steps: &[
        Migration { version: 1, name: "results", sql: include_str!("../migrations/sqlite/0001_results.sql") },
        Migration { version: 2, name: "decisions", sql: include_str!("../migrations/sqlite/0002_decisions.sql") },
    ],
};

pub struct ResultsSqlite {
    db: Arc<SqliteStore>,
}

impl ResultsSqlite {
    pub fn new(db: Arc<SqliteStore>) -> Self {
        Self { db }
    }

    async fn one(&self, column: &'static str, key: String) -> Result<Option<IssuedDocument>> {
        self.db
            .read(move |c| {
                c.prepare_cached(&format!("SELECT {COLUMNS} FROM issued_document WHERE {column} = ?1"))?
                    .query_row([key], row)
                    .optional()
            })
            .await
    }
}

fn row(r: &Row<'_>) -> rusqlite::Result<IssuedDocument> {
    Ok(IssuedDocument {
        code: r.get(0)?,
        kind: r.get(1)?,
        dossier: r.get(2)?,
        agency: r.get(3)?,
        year: r.get(4)?,
        seq: r.get(5)?,
        sha256: r.get(6)?,
        signer: r.get(7)?,
        certificate_sha256: r.get(8)?,
        signed_at: r.get(9)?,
        timestamped: r.get(10)?,
        status: r.get(11)?,
        replaced_by: r.get(12)?,
        status_note: r.get(13)?,
        name: r.get(14)?,
    })
}

fn insert(tx: &Connection, d: &IssuedDocument, entry: &Link) -> Result<()> {
    exec(
        tx,
        &format!("INSERT INTO issued_document ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"),
        params![
            d.code,
            d.kind,
            d.dossier,
            d.agency,
            d.year,
            d.seq,
            d.sha256,
            d.signer,
            d.certificate_sha256,
            d.signed_at,
            d.timestamped,
            d.status,
            d.replaced_by,
            d.status_note,
            d.name
        ],
    )?;
    ledger::append_entry(tx, &format!("{}_issued", d.kind), true, entry)?;
    Ok(())
}

#[async_trait]
impl ResultsStore for ResultsSqlite {
    async fn issue(&self, doc: &IssuedDocument, entry: &Link) -> Result<()> {
        let (doc, entry) = (doc.clone(), entry.clone());
        self.db.write(move |tx| insert(tx, &doc, &entry)).await
    }

    async fn issued_by_code(&self, code: &str) -> Result<Option<IssuedDocument>> {
        self.one("code", code.to_owned()).await
    }

    async fn issued_by_sha256(&self, sha256: &str) -> Result<Option<IssuedDocument>> {
        self.one("sha256", sha256.to_owned()).await
    }

    async fn issued_for_dossier(&self, dossier: &str) -> Result<Vec<IssuedDocument>> {
        let key = dossier.to_owned();
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM issued_document WHERE dossier = ?1 ORDER BY signed_at, code"
                ))?;
                let rows = st.query_map([key], row)?;
                rows.collect()
            })
            .await
    }

    async fn next_receipt_seq(&self, agency: &str, year: i32) -> Result<i64> {
        let agency = agency.to_owned();
        self.db
            .read(move |c| {
                c.prepare_cached(
                    "SELECT coalesce(max(seq), 0) + 1 FROM issued_document WHERE kind = 'receipt' AND agency = ?1 AND year = ?2",
                )?
                .query_row(params![agency, year], |r| r.get(0))
            })
            .await
    }

    async fn set_issued_status(
        &self,
        code: &str,
        status: &str,
        replaced_by: Option<&str>,
        note: &str,
        entry: &Link,
    ) -> Result<bool> {
        let (code, status, replaced_by, note, entry) =
            (code.to_owned(), status.to_owned(), replaced_by.map(str::to_owned), note.to_owned(), entry.clone());
        self.db
            .write(move |tx| {
                let n = tx
                    .prepare_cached(
                        "UPDATE issued_document SET status = ?2, replaced_by = ?3, status_note = ?4
                         WHERE code = ?1 AND status = 'issued'",
                    )
                    .and_then(|mut st| st.execute(params![code, status, replaced_by, note]))
                    .map_err(map_err)?;
                if n == 1 {
                    ledger::append_entry(tx, &format!("document_{status}"), true, &entry)?;
                }
                Ok(n == 1)
            })
            .await
    }

    async fn documents_with_entries(
        &self,
        after: &str,
        limit: usize,
    ) -> Result<Vec<(IssuedDocument, Vec<(String, String)>)>> {
        let (a, l) = (after.to_owned(), i64::try_from(limit).unwrap_or(i64::MAX));
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM issued_document WHERE code > ?1 ORDER BY code LIMIT ?2"
                ))?;
                let docs = st.query_map(params![a, l], row)?.collect::<rusqlite::Result<Vec<_>>>()?;
                docs.into_iter()
                    .map(|d| {
                        let subject = tinhso_results::audit::subject(&d.code);
                        let entries =
                            ledger::entries(c, &subject)?.into_iter().map(|(l, _, _)| (l.lane, l.payload)).collect();
                        Ok((d, entries))
                    })
                    .collect()
            })
            .await
    }
}
