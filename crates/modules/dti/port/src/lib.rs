//! The digital-transformation index module's port (module: dti): each year's round (its
//! framework, deadline and publication) and each unit's assessment, every write with its
//! ledger entry (lane `dti`) in one transaction.
//!
//! Its own store crate implements it on each engine; its web half and the composition root use
//! it, and no other module.
//!
//! May depend on: the kernel, the ledger's link type, the module's core and the storage
//! vocabulary (`tinhso-store`: its errors and records).

use async_trait::async_trait;
use tinhso_kernel::ids::AccountId;
use tinhso_ledger::chain::Link;
use tinhso_store::{Notification, Result};

/// A year's round of assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DtiRound {
    pub year: i32,
    /// The framework, as JSON (`tinhso_dti::Framework`), fixed when the round opened.
    pub framework: String,
    /// The last day units submit on (yyyy-mm-dd, local).
    pub deadline: String,
    /// RFC 3339.
    pub opened_at: String,
    pub published_at: Option<String>,
}

/// One unit's assessment for a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DtiAssessment {
    pub year: i32,
    /// The unit's agency code.
    pub unit: String,
    /// `tinhso_dti::UnitGroup`'s key.
    pub unit_group: String,
    /// `tinhso_dti::Step`'s key.
    pub step: String,
    /// 1 for the first write, one more for each after it.
    pub version: i64,
    /// The unit's figures (`tinhso_dti::Scores` as JSON).
    pub scores: String,
    /// The appraisers' (`tinhso_dti::Appraisal` as JSON), once appraised.
    pub appraisal: Option<String>,
    /// Why the appraisers last returned it.
    pub reason: String,
    pub submitted_at: Option<String>,
    pub appraised_at: Option<String>,
    pub updated_at: String,
    pub updated_by: AccountId,
}

#[async_trait]
pub trait DtiStore: Send + Sync {
    /// Opens a year's round, queueing `notes`; `Conflict` when the year has one.
    async fn open_round(&self, round: &DtiRound, entry: &Link, notes: &[Notification]) -> Result<()>;
    /// Publishes a year's results at `at`; `Conflict` when already published, or while an
    /// assessment waits for appraisal (checked in the same transaction).
    async fn publish_round(&self, year: i32, at: &str, entry: &Link, notes: &[Notification]) -> Result<()>;
    /// Every round, newest year first.
    async fn rounds(&self) -> Result<Vec<DtiRound>>;
    async fn assessment(&self, year: i32, unit: &str) -> Result<Option<DtiAssessment>>;
    /// A year's assessments, by unit.
    async fn assessments(&self, year: i32) -> Result<Vec<DtiAssessment>>;
    /// Writes `a` (its version one more than `expected`, `None` for the first write) with
    /// `entry` and `notes` queued; `Conflict` when the stored version is not `expected` or the
    /// year's results were published meanwhile.
    async fn put_assessment(
        &self,
        a: &DtiAssessment,
        expected: Option<i64>,
        entry: &Link,
        notes: &[Notification],
    ) -> Result<()>;
    /// Every round and assessment with its entries' lanes and payloads (oldest first), for
    /// the audit.
    async fn dti_with_entries(&self) -> Result<DtiAudited>;
}

/// Every round and assessment with their entries.
pub type DtiAudited = (Vec<(DtiRound, Vec<(String, String)>)>, Vec<(DtiAssessment, Vec<(String, String)>)>);
