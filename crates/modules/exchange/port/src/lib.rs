//! The data-exchange module's port (module: exchange): the log of lookups in the national
//! population database, each written with its ledger entry (lane `exchange`), read by the
//! person asked about and by inspectors.
//!
//! Its own store crate implements it on each engine; its web half and the composition root use
//! it, and no other module.
//!
//! May depend on: the kernel, the ledger's link type, the module's core and the storage
//! vocabulary (`tinhso-store`: its errors and records).

use async_trait::async_trait;
use tinhso_kernel::ids::AccountId;
use tinhso_ledger::chain::Link;
use tinhso_store::Result;

/// One question put to the population database about one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentLookup {
    /// The message's X-Road id (a UUID), its key here and in the security servers' logs.
    pub message_id: String,
    /// RFC 3339.
    pub looked_at: String,
    pub officer: AccountId,
    /// The officer's agency (its code).
    pub agency: String,
    pub personal_id: String,
    /// Why: the procedure the person came for.
    pub purpose: String,
    /// `tinhso_exchange::Outcome`'s name.
    pub outcome: String,
    /// The X-Road service asked.
    pub service: String,
    /// The provider's security server's hash of the request (`X-Road-Request-Hash`), when
    /// an answer came back: what ties this row to the exchange's signed message log.
    pub request_hash: Option<String>,
}

/// Whose lookups to read: about one person, by one officer, or all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LookupFilter {
    pub personal_id: Option<String>,
    pub officer: Option<AccountId>,
}

#[async_trait]
pub trait ExchangeStore: Send + Sync {
    /// Writes the lookup and appends `entry` in one transaction.
    async fn record_lookup(&self, lookup: &ResidentLookup, entry: &Link) -> Result<()>;
    /// The lookups `filter` names, newest first, older than the lookup `before` (by message id)
    /// when given: the person's page and the inspectors'.
    async fn resident_lookups(
        &self,
        filter: &LookupFilter,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ResidentLookup>>;
    /// The officers who asked most since `since` (RFC 3339), most first: (officer, agency,
    /// lookups).
    async fn busiest_officers(&self, since: &str, limit: usize) -> Result<Vec<(AccountId, String, i64)>>;
    /// Lookups after `after` (by message id), each with its entries' lanes and payloads, for
    /// the audit.
    async fn lookups_with_entries(
        &self,
        after: &str,
        limit: usize,
    ) -> Result<Vec<(ResidentLookup, Vec<(String, String)>)>>;
}
