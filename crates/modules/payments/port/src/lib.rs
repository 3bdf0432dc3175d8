//! The online-payment module's port (module: payments): payments with their states, each move
//! a compare-and-set with its ledger entry (lanes `tt/<agency>`), and bank-statement lines
//! recorded once by their reference.
//!
//! Its own store crate implements it on each engine; its web half and the composition root use
//! it, and no other module.
//!
//! May depend on: the kernel, the ledger's link type, the module's core and the storage
//! vocabulary (`tinhso-store`: its errors and records).

use async_trait::async_trait;
use tinhso_ledger::chain::Link;
use tinhso_store::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// Our reference, sent to the gateway (`vnp_TxnRef`).
    pub txn_ref: String,
    pub dossier: String,
    /// The agency that collects the fee (the deciding agency) and issues the receipt.
    pub agency: String,
    pub applicant: i64,
    pub amount_vnd: i64,
    /// `gateway` or `bank` (a transfer found in a bank statement).
    pub method: String,
    /// `tinhso_payments::State` keys.
    pub state: String,
    /// The gateway's transaction number or the bank's reference.
    pub external_ref: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    pub updated_at: String,
    /// The receipt issued for it (its verification code).
    pub receipt: Option<String>,
}

/// A bank-statement line as recorded, with what reconciliation made of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankLine {
    pub reference: String,
    pub date: String,
    pub amount_vnd: i64,
    pub content: String,
    /// `confirmed`, `already_paid`, `wrong_amount`, `not_awaiting`, `no_dossier`.
    pub outcome: String,
    pub dossier: Option<String>,
    pub recorded_at: String,
}

#[async_trait]
pub trait PaymentStore: Send + Sync + 'static {
    async fn create_payment(&self, p: &Payment, entry: &Link) -> Result<()>;
    async fn payment(&self, txn_ref: &str) -> Result<Option<Payment>>;
    async fn payments_for_dossier(&self, dossier: &str) -> Result<Vec<Payment>>;
    /// Moves a payment from state `from` to `to` with its ledger entry, in one transaction;
    /// `false` (nothing written) when it was no longer in `from`: of two notifications racing,
    /// one confirms.
    async fn move_payment(
        &self,
        txn_ref: &str,
        from: &str,
        to: &str,
        external_ref: Option<&str>,
        entry: &Link,
    ) -> Result<bool>;
    async fn set_receipt(&self, txn_ref: &str, receipt: &str) -> Result<()>;
    /// Payments in `state` last changed before `before` (RFC 3339), oldest first.
    async fn payments_in_state(&self, state: &str, before: &str, limit: usize) -> Result<Vec<Payment>>;
    /// Records a statement line once (by reference); `false` when it was recorded before. A
    /// line that confirms a dossier comes with the payment it makes (state `paid`) and that
    /// payment's entry, all in one transaction.
    async fn record_bank_line(&self, line: &BankLine, payment: Option<(&Payment, &Link)>) -> Result<bool>;
    async fn bank_lines(&self, limit: usize) -> Result<Vec<BankLine>>;
    /// Payments after `after` (by reference) with their ledger entries (lane, payload), for
    /// `audit verify`.
    async fn payments_with_entries(&self, after: &str, limit: usize) -> Result<Vec<(Payment, Vec<(String, String)>)>>;
}
