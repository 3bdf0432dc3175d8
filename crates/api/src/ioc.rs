//! The operations centre over JSON: the Decision 766 index and the dossiers behind a number.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tinhso_ioc::index::GroupResult;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IndexQuery {
    /// First day (YYYY-MM-DD); the start of the year when absent.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD); today when absent.
    #[param(format = Date)]
    pub to: Option<String>,
    /// `province`, an agency code or a commune's code.
    #[param(pattern = "^(province|[0-9]{1,5}|[0-9A-Z]{1,9}(\\.[0-9A-Z]{1,9}){1,3})?$")]
    pub unit: Option<String>,
}

/// A unit's Decision 766 index over a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndexAnswer<'a> {
    pub unit: String,
    pub unit_name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: f64,
    pub max: u32,
    pub groups: &'a [GroupResult],
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BehindQuery {
    #[param(format = Date)]
    pub from: Option<String>,
    #[param(format = Date)]
    pub to: Option<String>,
    /// `province`, an agency code or a commune's code.
    #[param(pattern = "^(province|[0-9]{1,5}|[0-9A-Z]{1,9}(\\.[0-9A-Z]{1,9}){1,3})?$")]
    pub unit: Option<String>,
    /// The counter, as the index's inputs name it.
    pub measure: String,
    /// The `next` of the previous page.
    pub after: Option<String>,
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BehindItem<'a> {
    pub code: &'a str,
    pub procedure: &'a str,
    pub state: &'static str,
    pub state_code: u8,
    pub competent_agency: &'a str,
    pub submitted_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub finished_on: Option<NaiveDate>,
}

/// The dossiers behind one number, newest first, a page at a time.
#[derive(Debug, Serialize, ToSchema)]
pub struct BehindAnswer<'a> {
    pub unit: String,
    pub measure: &'static str,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: i64,
    pub items: Vec<BehindItem<'a>>,
    pub next: Option<String>,
}
