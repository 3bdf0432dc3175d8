//! The e-ID module's storage: its port, `EidStore`, on each engine. A join is written with its
//! ledger entry (`ledger::append_entry`, lane `eid`) in one transaction, and only when neither
//! the e-ID nor the account (for that provider) is joined already.
//!
//! May depend on: the e-ID rules (audit labels), the ledger, the storage vocabulary
//! (`tinhso-store`) and the engines.

pub mod postgres;
pub mod sqlite;

pub use postgres::EidPg;
pub use sqlite::EidSqlite;

/// The module's name in the migration ledger.
pub const MODULE: &str = "eid";

pub(crate) const LINK: &str = "issuer, subject, account_id, linked_at, ledger_subject";

tinhso_store::migration_files_test!();
