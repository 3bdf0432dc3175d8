//! The ledger: the hash chain every change of the platform is appended to, in lanes (one per
//! stream partition, gap-free within each, so writers of different lanes never wait for each
//! other) tied together by a provincial checkpoint chain, so that editing, deleting or
//! reordering an entry, or cutting off the newest ones, is found by `tinhso audit verify` at a
//! place it names.
//!
//! May depend on: nothing of ours (pure: hashing, the streaming verifier, the audit of stored
//! columns against the module's labels). Storage of the chain is each backend's; modules append
//! through their write plans and say how their payloads are labelled (`audit::Labels`).

pub mod audit;
pub mod breaks;
pub mod chain;
