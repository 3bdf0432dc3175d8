//! `PaymentStore` on the embedded engine.

use crate::{LINE, PAYMENT};
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::sync::Arc;
use tinhso_ledger::chain::Link;
use tinhso_payments_port::{BankLine, Payment, PaymentStore};
use tinhso_sqlite::{exec, ledger, map_err, SqliteStore};
use tinhso_store::migrate::{Migration, Migrations};
use tinhso_store::Result;

pub const MIGRATIONS: Migrations = Migrations {
    module: crate::MODULE,
    steps: &[Migration { version: 1, name: "payments", sql: include_str!("../migrations/sqlite/0001_payments.sql") }],
};

pub struct PaymentsSqlite {
    db: Arc<SqliteStore>,
}

impl PaymentsSqlite {
    pub fn new(db: Arc<SqliteStore>) -> Self {
        Self { db }
    }
}

fn payment(r: &Row<'_>) -> rusqlite::Result<Payment> {
    Ok(Payment {
        txn_ref: r.get(0)?,
        dossier: r.get(1)?,
        agency: r.get(2)?,
        applicant: r.get(3)?,
        amount_vnd: r.get(4)?,
        method: r.get(5)?,
        state: r.get(6)?,
        external_ref: r.get(7)?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
        receipt: r.get(10)?,
    })
}

fn insert(tx: &Connection, p: &Payment, entry: &Link) -> Result<()> {
    exec(
        tx,
        &format!("INSERT INTO payment ({PAYMENT}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
        params![
            p.txn_ref,
            p.dossier,
            p.agency,
            p.applicant,
            p.amount_vnd,
            p.method,
            p.state,
            p.external_ref,
            p.created_at,
            p.updated_at,
            p.receipt
        ],
    )?;
    ledger::append_entry(
        tx,
        &format!("payment_{}", if p.method == "bank" { "reconciled" } else { "created" }),
        true,
        entry,
    )?;
    Ok(())
}

#[async_trait]
impl PaymentStore for PaymentsSqlite {
    async fn create_payment(&self, p: &Payment, entry: &Link) -> Result<()> {
        let (p, entry) = (p.clone(), entry.clone());
        self.db.write(move |tx| insert(tx, &p, &entry)).await
    }

    async fn payment(&self, txn_ref: &str) -> Result<Option<Payment>> {
        let key = txn_ref.to_owned();
        self.db
            .read(move |c| {
                c.prepare_cached(&format!("SELECT {PAYMENT} FROM payment WHERE txn_ref = ?1"))?
                    .query_row([key], payment)
                    .optional()
            })
            .await
    }

    async fn payments_for_dossier(&self, dossier: &str) -> Result<Vec<Payment>> {
        let key = dossier.to_owned();
        self.db
            .read(move |c| {
                let mut st =
                    c.prepare_cached(&format!("SELECT {PAYMENT} FROM payment WHERE dossier = ?1 ORDER BY created_at"))?;
                let rows = st.query_map([key], payment)?;
                rows.collect()
            })
            .await
    }

    async fn move_payment(
        &self,
        txn_ref: &str,
        from: &str,
        to: &str,
        external_ref: Option<&str>,
        entry: &Link,
    ) -> Result<bool> {
        let (txn_ref, from, to, ext, entry) =
            (txn_ref.to_owned(), from.to_owned(), to.to_owned(), external_ref.map(str::to_owned), entry.clone());
        self.db
            .write(move |tx| {
                let n = tx
                    .prepare_cached(
                        "UPDATE payment SET state = ?3, external_ref = coalesce(?4, external_ref), updated_at = ?5
                         WHERE txn_ref = ?1 AND state = ?2",
                    )
                    .and_then(|mut st| st.execute(params![txn_ref, from, to, ext, entry.at]))
                    .map_err(map_err)?;
                if n == 1 {
                    ledger::append_entry(tx, &format!("payment_{to}"), true, &entry)?;
                }
                Ok(n == 1)
            })
            .await
    }

    async fn set_receipt(&self, txn_ref: &str, receipt: &str) -> Result<()> {
        let (t, r) = (txn_ref.to_owned(), receipt.to_owned());
        self.db
            .write(move |tx| exec(tx, "UPDATE payment SET receipt = ?2 WHERE txn_ref = ?1", params![t, r]).map(|_| ()))
            .await
    }

    async fn payments_in_state(&self, state: &str, before: &str, limit: usize) -> Result<Vec<Payment>> {
        let (s, b, l) = (state.to_owned(), before.to_owned(), i64::try_from(limit).unwrap_or(i64::MAX));
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(&format!(
                    "SELECT {PAYMENT} FROM payment WHERE state = ?1 AND updated_at < ?2 ORDER BY updated_at LIMIT ?3"
                ))?;
                let rows = st.query_map(params![s, b, l], payment)?;
                rows.collect()
            })
            .await
    }

    async fn record_bank_line(&self, line: &BankLine, pay: Option<(&Payment, &Link)>) -> Result<bool> {
        let line = line.clone();
        let pay = pay.map(|(p, e)| (p.clone(), e.clone()));
        self.db
            .write(move |tx| {
                let n = tx
                    .prepare_cached(&format!(
                        "INSERT INTO bank_line ({LINE}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (reference) DO NOTHING"
                    ))
                    .and_then(|mut st| {
                        st.execute(params![
                            line.reference,
                            line.date,
                            line.amount_vnd,
                            line.content,
                            line.outcome,
                            line.dossier,
                            line.recorded_at
                        ])
                    })
                    .map_err(map_err)?;
                if n == 1 {
                    if let Some((p, e)) = &pay {
                        insert(tx, p, e)?;
                    }
                }
                Ok(n == 1)
            })
            .await
    }

    async fn payments_with_entries(&self, after: &str, limit: usize) -> Result<Vec<(Payment, Vec<(String, String)>)>> {
        let (a, l) = (after.to_owned(), i64::try_from(limit).unwrap_or(i64::MAX));
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(&format!(
                    "SELECT {PAYMENT} FROM payment WHERE txn_ref > ?1 ORDER BY txn_ref LIMIT ?2"
                ))?;
                let rows = st.query_map(params![a, l], payment)?.collect::<rusqlite::Result<Vec<_>>>()?;
                rows.into_iter()
                    .map(|p| {
                        let subject = tinhso_payments::audit::subject(&p.txn_ref);
                        let entries =
                            ledger::entries(c, &subject)?.into_iter().map(|(l, _, _)| (l.lane, l.payload)).collect();
                        Ok((p, entries))
                    })
                    .collect()
            })
            .await
    }

    async fn bank_lines(&self, limit: usize) -> Result<Vec<BankLine>> {
        let l = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(&format!(
                    "SELECT {LINE} FROM bank_line ORDER BY recorded_at DESC, reference LIMIT ?1"
                ))?;
                let rows = st.query_map([l], |r| {
                    Ok(BankLine {
                        reference: r.get(0)?,
                        date: r.get(1)?,
                        amount_vnd: r.get(2)?,
                        content: r.get(3)?,
                        outcome: r.get(4)?,
                        dossier: r.get(5)?,
                        recorded_at: r.get(6)?,
                    })
                })?;
                rows.collect()
            })
            .await
    }
}
