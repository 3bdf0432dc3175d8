//! The online-payment module's storage: its port, `PaymentStore`, on each engine. Every move
//! of a payment is a compare-and-set on its state with its ledger entry (`ledger::append_entry`,
//! lane `tt/<agency>`) in one transaction; a dossier has at most one settled payment (a
//! unique index), and a bank line is recorded once by its reference.
//!
//! May depend on: the ledger, the storage vocabulary (`tinhso-store`) and the engines.

pub mod postgres;
pub mod sqlite;

pub use postgres::PaymentsPg;
pub use sqlite::PaymentsSqlite;

/// The module's name in the migration ledger.
pub const MODULE: &str = "payments";

pub(crate) const PAYMENT: &str =
    "txn_ref, dossier, agency, applicant, amount_vnd, method, state, external_ref, created_at, updated_at, receipt";
pub(crate) const LINE: &str = "reference, date, amount_vnd, content, outcome, dossier, recorded_at";

tinhso_store::migration_files_test!();
