//! The digital-transformation index module's storage: its port, `DtiStore`, on each engine.
//! Every write goes with its ledger entry (`ledger::append_entry`, lane `dti`) in one
//! transaction; an assessment is written only at the version it was read at, and never once
//! its year is published (the round's row is read in the same transaction).
//!
//! May depend on: the DTI rules (audit labels), the ledger, the storage vocabulary
//! (`tinhso-store`) and the engines.

pub mod postgres;
pub mod sqlite;

pub use postgres::DtiPg;
pub use sqlite::DtiSqlite;

/// The module's name in the migration ledger.
pub const MODULE: &str = "dti";

pub(crate) const ROUND: &str = "year, framework, deadline, opened_at, published_at";
pub(crate) const ASSESSMENT: &str = "year, unit, unit_group, step, version, scores, appraisal, reason, \
     submitted_at, appraised_at, updated_at, updated_by";

/// The ledger kind of an assessment's write.
pub(crate) fn kind(expected: Option<i64>) -> &'static str {
    match expected {
        None => tinhso_dti::audit::OPENED,
        Some(_) => tinhso_dti::audit::CHANGED,
    }
}

pub(crate) fn published(year: i32) -> tinhso_store::StoreError {
    tinhso_store::StoreError::Conflict(format!("dti round {year} is published or missing"))
}

pub(crate) fn stale(year: i32, unit: &str) -> tinhso_store::StoreError {
    tinhso_store::StoreError::Conflict(format!("dti assessment {year}/{unit} changed meanwhile"))
}

tinhso_store::migration_files_test!();

/// A stored assessment read back for the audit.
pub struct Audited {
    pub year: i32,
    pub unit: String,
    pub step: tinhso_dti::Step,
    pub scores: tinhso_dti::Scores,
    pub appraisal: Option<tinhso_dti::Appraisal>,
    pub reason: String,
}

impl Audited {
    pub fn stored(&self) -> tinhso_dti::audit::Stored<'_> {
        tinhso_dti::audit::Stored {
            year: self.year,
            unit: &self.unit,
            step: self.step,
            scores: &self.scores,
            appraisal: self.appraisal.as_ref(),
            reason: &self.reason,
        }
    }
}

/// What a stored assessment says, as its ledger entry must vouch for it (`audit verify`);
/// `Err(column)` for a column that no longer parses (edited by hand).
pub fn as_audited(a: &tinhso_dti_port::DtiAssessment) -> Result<Audited, &'static str> {
    Ok(Audited {
        year: a.year,
        unit: a.unit.clone(),
        step: tinhso_dti::Step::parse(&a.step).ok_or("step")?,
        scores: serde_json::from_str(&a.scores).map_err(|_| "scores")?,
        appraisal: a.appraisal.as_deref().map(serde_json::from_str).transpose().map_err(|_| "appraisal")?,
        reason: a.reason.clone(),
    })
}
