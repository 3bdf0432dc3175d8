//! The e-ID module's port (module: eid): which account each e-ID (a provider's issuer and
//! subject) is joined to, each join made with its ledger entry (lane `eid`).
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EidLink {
    pub issuer: String,
    /// The provider's `sub` for the person.
    pub subject: String,
    pub account: AccountId,
    /// RFC 3339.
    pub linked_at: String,
    /// The join's subject on the ledger (`tinhso_eid::audit::subject`), its key in audits.
    pub ledger_subject: String,
}

/// What a join found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    /// Joined now, with its entry.
    Made,
    /// It was already joined to this account: nothing written.
    Already,
    /// This e-ID is joined to another account: nothing written.
    OtherAccount,
    /// This account is joined to another e-ID of the same provider: nothing written.
    AccountHasOne,
}

#[async_trait]
pub trait EidStore: Send + Sync {
    /// The account this e-ID is joined to.
    async fn eid_account(&self, issuer: &str, subject: &str) -> Result<Option<AccountId>>;
    /// Joins `link.account` to the e-ID and appends `entry` in one transaction, unless either
    /// side is already joined (then nothing is written).
    async fn join_eid(&self, link: &EidLink, entry: &Link) -> Result<Joined>;
    /// An account's joins, oldest first (its page, the person's copy of their data).
    async fn eid_links(&self, account: AccountId) -> Result<Vec<EidLink>>;
    /// Joins after `after` (by ledger subject), each with its entries' lanes and payloads, for
    /// the audit.
    async fn eid_links_with_entries(&self, after: &str, limit: usize) -> Result<Vec<(EidLink, Vec<(String, String)>)>>;
}
