//! The dossier module's storage: its port, `DossierStore`, on each engine; its tables'
//! migrations (`dossier`, `dossier_sequence`, `dossier_event` — the dossier stream of the
//! ledger —, `dossier_file`, `inbox_tally`, `application_draft`: saved applications, `drafts.rs`); and its own projection, the staff inboxes'
//! counters. A write is a plan computed once (`tinhso_store::plan`) that each engine's half
//! only carries out; the chain and the outbox are written through the platform's functions
//! (`ledger`, `outbox`) in the same transaction; other modules' read models of dossiers plug
//! in as registered projections, never named here.
//!
//! May depend on: the kernel, the ledger, the dossier core, the storage vocabulary
//! (`tinhso-store`) and the engines (`tinhso-sqlite`, `tinhso-postgres`).

mod drafts;
pub mod postgres;
pub mod projection;
pub mod sqlite;

pub use postgres::DossierPg;
pub use projection::InboxTally;
pub use sqlite::DossierSqlite;

/// The module's name in the migration ledger.
pub const MODULE: &str = "dossier";

tinhso_store::migration_files_test!();
