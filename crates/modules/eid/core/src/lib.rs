//! The e-ID module's rules (đăng nhập bằng VNeID): the platform as an OpenID Connect relying
//! party of the national e-ID (or the national portal's single sign-on). A person signs in at
//! the provider; the code that comes back is exchanged (with PKCE) for an ID token whose
//! signature ([`jose`]), issuer, audience, freshness and nonce ([`token`]) are checked here,
//! then [`resolve`] decides which account they get, and [`audit`] labels the ledger entry
//! each join leaves.
//!
//! May depend on: the kernel (ids), the ledger (labels). No IO, no async.

pub mod audit;
pub mod jose;
pub mod resolve;
pub mod token;

pub use resolve::{Facts, Holder, JoinCheck, SignIn};
pub use token::{ClaimNames, ClaimProblem, Expect, Person};
