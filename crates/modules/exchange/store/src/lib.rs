//! The data-exchange module's storage: its port, `ExchangeStore`, on each engine. A lookup
//! is written with its ledger entry (`ledger::append_entry`, lane `exchange`) in one
//! transaction; the log is never updated or deleted by the platform.
//!
//! May depend on: the data-exchange rules (audit labels), the ledger, the storage vocabulary
//! (`tinhso-store`) and the engines.

pub mod postgres;
pub mod sqlite;

pub use postgres::ExchangePg;
pub use sqlite::ExchangeSqlite;

/// The module's name in the migration ledger.
pub const MODULE: &str = "exchange";

/// What a stored lookup says, as its ledger entry must vouch for it (`audit verify`).
pub fn as_audited(l: &tinhso_exchange_port::ResidentLookup) -> tinhso_exchange::audit::Lookup<'_> {
    tinhso_exchange::audit::Lookup {
        officer: l.officer.0,
        agency: &l.agency,
        personal_id: &l.personal_id,
        outcome: &l.outcome,
        purpose: &l.purpose,
    }
}

pub(crate) const LOOKUP: &str =
    "message_id, looked_at, officer_id, agency, personal_id, purpose, outcome, service, request_hash";

tinhso_store::migration_files_test!();
