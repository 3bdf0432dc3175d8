//! The ledger: one hash chain that every change of the platform is appended to, in one global
//! order with gap-free ids, so that editing, deleting or reordering an entry, or cutting off the
//! newest ones, is found by `tinhso audit verify` at a place it names.
//!
//! May depend on: nothing of ours (pure: hashing, the streaming verifier, the audit of stored
//! columns against the module's labels). Storage of the chain is each backend's; modules append
//! through their write plans and say how their payloads are labelled (`audit::Labels`).

pub mod audit;
pub mod chain;
