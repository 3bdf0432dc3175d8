//! Applications a citizen started and saved to finish later (module: dossier). A draft is the
//! person's own working copy, not a record of the administration: it has no code, no ledger
//! entry and no deadline; each save replaces it, and it goes when the application is sent,
//! when the person deletes it, or some days after its last save.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tinhso_kernel::ids::AccountId;

/// A saved application: the form's fields as the page sent them (files by their hash in the
/// person's document store), and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationDraft {
    pub account: AccountId,
    /// The procedure's code.
    pub procedure: String,
    pub fields: Vec<(String, String)>,
    pub saved_at: DateTime<Utc>,
}

/// What a save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftSaved {
    Saved,
    /// The account already keeps `most` drafts of other procedures.
    TooMany,
}

#[async_trait]
pub trait DraftStore: Send + Sync + 'static {
    /// Keeps `draft` as its account's draft of its procedure (replacing the one before), unless
    /// the account would then keep more than `most` drafts, checked in the same transaction.
    async fn save_draft(&self, draft: &ApplicationDraft, most: usize) -> Result<DraftSaved>;
    async fn draft(&self, account: AccountId, procedure: &str) -> Result<Option<ApplicationDraft>>;
    /// The account's drafts, the latest saved first.
    async fn drafts(&self, account: AccountId) -> Result<Vec<ApplicationDraft>>;
    /// Whether there was one to delete.
    async fn delete_draft(&self, account: AccountId, procedure: &str) -> Result<bool>;
    /// Drafts last saved before `before`, the oldest first, at most `limit`.
    async fn drafts_saved_before(&self, before: DateTime<Utc>, limit: usize) -> Result<Vec<ApplicationDraft>>;
    /// Deletes every draft last saved before `before`; how many.
    async fn sweep_drafts(&self, before: DateTime<Utc>) -> Result<u64>;
}
