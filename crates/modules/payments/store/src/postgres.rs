//! `PaymentStore` on the scale-out engine.

use crate::{LINE, PAYMENT};
use async_trait::async_trait;
use deadpool_postgres::Transaction;
use std::sync::Arc;
use tinhso_ledger::chain::Link;
use tinhso_payments_port::{BankLine, Payment, PaymentStore};
use tinhso_postgres::{ledger, map_err, Cached, PgStore};
use tinhso_store::migrate::{Migration, Migrations};
use tinhso_store::Result;
use tokio_postgres::Row;

pub const MIGRATIONS: Migrations = Migrations {
    module: crate::MODULE,
    steps: &[Migration { version: 1, name: "payments", sql: include_str!("../migrations/postgres/0001_payments.sql") }],
};

pub struct PaymentsPg {
    db: Arc<PgStore>,
}

impl PaymentsPg {
    pub fn new(db: Arc<PgStore>) -> Self {
        Self { db }
    }
}

fn payment(r: &Row) -> Payment {
    Payment {
        txn_ref: r.get(0),
        dossier: r.get(1),
        agency: r.get(2),
        applicant: r.get(3),
        amount_vnd: r.get(4),
        method: r.get(5),
        state: r.get(6),
        external_ref: r.get(7),
        created_at: r.get(8),
        updated_at: r.get(9),
        receipt: r.get(10),
    }
}

async fn insert(tx: &Transaction<'_>, p: &Payment, entry: &Link) -> Result<()> {
    tx.execute_cached(
        &format!("INSERT INTO payment ({PAYMENT}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"),
        &[
            &p.txn_ref,
            &p.dossier,
            &p.agency,
            &p.applicant,
            &p.amount_vnd,
            &p.method,
            &p.state,
            &p.external_ref,
            &p.created_at,
            &p.updated_at,
            &p.receipt,
        ],
    )
    .await
    .map_err(map_err)?;
    let kind = if p.method == "bank" { "payment_reconciled" } else { "payment_created" };
    ledger::append_entry(tx, kind, true, entry).await?;
    Ok(())
}

#[async_trait]
impl PaymentStore for PaymentsPg {
    async fn create_payment(&self, p: &Payment, entry: &Link) -> Result<()> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        insert(&tx, p, entry).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn payment(&self, txn_ref: &str) -> Result<Option<Payment>> {
        let client = self.db.client().await?;
        let sql = format!("SELECT {PAYMENT} FROM payment WHERE txn_ref = $1");
        Ok(client.query_opt_cached(&sql, &[&txn_ref]).await.map_err(map_err)?.as_ref().map(payment))
    }

    async fn payments_for_dossier(&self, dossier: &str) -> Result<Vec<Payment>> {
        let client = self.db.client().await?;
        let sql = format!("SELECT {PAYMENT} FROM payment WHERE dossier = $1 ORDER BY created_at");
        Ok(client.query_cached(&sql, &[&dossier]).await.map_err(map_err)?.iter().map(payment).collect())
    }

    async fn move_payment(
        &self,
        txn_ref: &str,
        from: &str,
        to: &str,
        external_ref: Option<&str>,
        entry: &Link,
    ) -> Result<bool> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let n = tx
            .execute_cached(
                "UPDATE payment SET state = $3, external_ref = coalesce($4, external_ref), updated_at = $5
                 WHERE txn_ref = $1 AND state = $2",
                &[&txn_ref, &from, &to, &external_ref, &entry.at],
            )
            .await
            .map_err(map_err)?;
        if n == 1 {
            ledger::append_entry(&tx, &format!("payment_{to}"), true, entry).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(n == 1)
    }

    async fn set_receipt(&self, txn_ref: &str, receipt: &str) -> Result<()> {
        let client = self.db.client().await?;
        client
            .execute_cached("UPDATE payment SET receipt = $2 WHERE txn_ref = $1", &[&txn_ref, &receipt])
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn payments_in_state(&self, state: &str, before: &str, limit: usize) -> Result<Vec<Payment>> {
        let client = self.db.client().await?;
        let sql =
            format!("SELECT {PAYMENT} FROM payment WHERE state = $1 AND updated_at < $2 ORDER BY updated_at LIMIT $3");
        let l = i64::try_from(limit).unwrap_or(i64::MAX);
        Ok(client.query_cached(&sql, &[&state, &before, &l]).await.map_err(map_err)?.iter().map(payment).collect())
    }

    async fn record_bank_line(&self, line: &BankLine, pay: Option<(&Payment, &Link)>) -> Result<bool> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let n = tx
            .execute_cached(
                &format!(
                    "INSERT INTO bank_line ({LINE}) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (reference) DO NOTHING"
                ),
                &[
                    &line.reference,
                    &line.date,
                    &line.amount_vnd,
                    &line.content,
                    &line.outcome,
                    &line.dossier,
                    &line.recorded_at,
                ],
            )
            .await
            .map_err(map_err)?;
        if n == 1 {
            if let Some((p, e)) = pay {
                insert(&tx, p, e).await?;
            }
        }
        tx.commit().await.map_err(map_err)?;
        Ok(n == 1)
    }

    async fn payments_with_entries(&self, after: &str, limit: usize) -> Result<Vec<(Payment, Vec<(String, String)>)>> {
        let client = self.db.client().await?;
        let l = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = client
            .query_cached(
                &format!("SELECT {PAYMENT} FROM payment WHERE txn_ref > $1 ORDER BY txn_ref LIMIT $2"),
                &[&after, &l],
            )
            .await
            .map_err(map_err)?;
        let payments: Vec<Payment> = rows.iter().map(payment).collect();
        let subjects: Vec<String> = payments.iter().map(|p| tinhso_payments::audit::subject(&p.txn_ref)).collect();
        Ok(payments.into_iter().zip(ledger::lanes_and_payloads(&client, &subjects).await?).collect())
    }

    async fn bank_lines(&self, limit: usize) -> Result<Vec<BankLine>> {
        let client = self.db.client().await?;
        let sql = format!("SELECT {LINE} FROM bank_line ORDER BY recorded_at DESC, reference LIMIT $1");
        let l = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = client.query_cached(&sql, &[&l]).await.map_err(map_err)?;
        Ok(rows
            .iter()
            .map(|r| BankLine {
                reference: r.get(0),
                date: r.get(1),
                amount_vnd: r.get(2),
                content: r.get(3),
                outcome: r.get(4),
                dossier: r.get(5),
                recorded_at: r.get(6),
            })
            .collect())
    }
}
