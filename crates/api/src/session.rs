//! API sessions: log in for a cookie and the CSRF token writes must carry.

use serde::{Deserialize, Serialize};
use tinhso_kernel::ids::AgencyCode;
use tinhso_policy::Role;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    /// A phone number (10 digits) or an email address.
    #[schema(examples("0912345678"))]
    pub login: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountBrief<'a> {
    pub id: tinhso_kernel::ids::AccountId,
    pub full_name: &'a str,
    pub role: Role,
    pub agency: Option<&'a AgencyCode>,
}

/// Sets the session cookie; send `csrf_token` as `X-CSRF-Token` with every write.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginAnswer<'a> {
    pub csrf_token: &'a str,
    pub account: AccountBrief<'a>,
}
