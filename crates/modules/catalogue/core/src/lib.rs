//! The procedure catalogue's rules (the `catalogue` module's core): procedures in the national
//! catalogue's shape and their validation (`procedure`), their e-forms' fields (`eform`),
//! diacritic-insensitive search ranked the Vietnamese way (`search`), and a procedure's internal
//! process (`workflow`), and what a save changed in words (`history`). Pure: no IO, no async.
//!
//! May depend on: the kernel, the policy (the roles steps are done by).

pub mod eform;
pub mod history;
pub mod procedure;
pub mod search;
pub mod workflow;
