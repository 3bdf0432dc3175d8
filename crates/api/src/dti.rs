//! The digital-transformation index over JSON: a year's published results, by group.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// The year assessed; the latest year published when absent.
    #[param(pattern = "^[0-9]{4}$")]
    pub year: Option<String>,
}

/// One pillar of the year's framework.
#[derive(Debug, Serialize, ToSchema)]
pub struct PillarHead {
    pub key: String,
    pub name: String,
    pub max: u32,
}

/// A unit's published result.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitResult {
    /// Its rank in its group (equal points share one); absent for a unit not appraised.
    pub rank: Option<usize>,
    /// The unit's agency code.
    pub agency: String,
    pub name: String,
    /// The appraised points out of 1,000; absent for a unit not appraised.
    pub total: Option<f64>,
    /// Points by pillar, in the order of its group's `pillars`; empty for a unit not appraised.
    pub pillars: Vec<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupResults {
    /// `department` or `commune`.
    pub group: String,
    pub name: String,
    /// The framework the group's units were scored on.
    pub framework: String,
    /// Its pillars (the same for both groups when they share one framework).
    pub pillars: Vec<PillarHead>,
    pub units: Vec<UnitResult>,
}

/// A year's published results.
#[derive(Debug, Serialize, ToSchema)]
pub struct DtiResults {
    pub year: i32,
    /// The framework's name, or both names when each group has its own.
    pub framework: String,
    /// RFC 3339.
    pub published_at: String,
    pub max: u32,
    /// The pillars when both groups share one framework; absent when each has its own (see
    /// each group's `pillars`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pillars: Option<Vec<PillarHead>>,
    pub groups: Vec<GroupResults>,
    /// The province's signed decision announcing these results, once issued.
    pub decision: Option<DecisionRef>,
}

/// A signed decision: its code for the public verifier (`/api/v1/results/{code}`) and its file.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionRef {
    pub code: String,
    /// The signed PDF's path on this server.
    pub pdf: String,
}
