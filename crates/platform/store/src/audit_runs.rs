//! The audit's own record (platform: ledger): each time the server checked the chain and the
//! rows against it (on its schedule, or because an auditor asked), when, at whose request and
//! what it found, so auditors see when the history was last found intact and a break is
//! reported to them without anyone running a command on the server.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tinhso_kernel::ids::AccountId;

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditFinding {
    /// Everything checked agrees: `events` entries of `subjects` histories, and the latest
    /// provincial checkpoint ("number, time, sha256") to compare with the copy kept outside.
    Intact { events: u64, subjects: u64, checkpoint: Option<String> },
    /// The first break, as the audit says it in Vietnamese and in English.
    Broken { vi: String, en: String },
}

/// One check of the whole history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRun {
    /// Its place among the runs (0 before it is recorded).
    pub id: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// The auditor who asked for it; none for the server's own schedule.
    pub requested_by: Option<AccountId>,
    pub finding: AuditFinding,
}

#[async_trait]
pub trait AuditRunStore: Send + Sync + 'static {
    /// Records a finished run; returns its id.
    async fn record_audit_run(&self, run: &AuditRun) -> Result<i64>;
    /// The newest `limit` runs, newest first.
    async fn audit_runs(&self, limit: usize) -> Result<Vec<AuditRun>>;
}

impl AuditFinding {
    /// The stored columns back as a finding: (intact, events, subjects, checkpoint, what broke
    /// in Vietnamese, in English).
    pub fn from_columns(
        intact: bool,
        (events, subjects): (i64, i64),
        checkpoint: Option<String>,
        vi: Option<String>,
        en: Option<String>,
    ) -> Self {
        if intact {
            let count = |n: i64| u64::try_from(n).unwrap_or(0);
            Self::Intact { events: count(events), subjects: count(subjects), checkpoint }
        } else {
            Self::Broken { vi: vi.unwrap_or_default(), en: en.unwrap_or_default() }
        }
    }
}

impl AuditRun {
    /// The columns stored for the finding: (intact, events, subjects, checkpoint, vi, en).
    pub fn columns(&self) -> (bool, i64, i64, Option<&str>, Option<&str>, Option<&str>) {
        match &self.finding {
            AuditFinding::Intact { events, subjects, checkpoint } => (
                true,
                i64::try_from(*events).unwrap_or(i64::MAX),
                i64::try_from(*subjects).unwrap_or(i64::MAX),
                checkpoint.as_deref(),
                None,
                None,
            ),
            AuditFinding::Broken { vi, en } => (false, 0, 0, None, Some(vi), Some(en)),
        }
    }
}
