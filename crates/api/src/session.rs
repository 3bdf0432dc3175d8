//! API sessions: log in for a cookie and the CSRF token writes must carry.

use serde::{Deserialize, Serialize};
use tinhso_kernel::ids::AgencyCode;
use tinhso_policy::Role;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    /// A phone number (10 digits, or 11 for a landline starting 02) or an email address. The
    /// server also takes a phone written with spaces, dots or +84, and any email address up to
    /// 254 bytes; the pattern is the plain form every client can send.
    #[schema(
        examples("0912345678"),
        max_length = 254,
        pattern = "^(0[35789][0-9]{8}|02[0-9]{9}|[!-?A-~]+@[!-\\-/-?A-~][!-?A-~]*\\.[!-?A-~]*[!-\\-/-?A-~])$"
    )]
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
