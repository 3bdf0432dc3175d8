//! The open-data module's storage (the `opendata` module's store): its port,
//! `OpenDataStore`, on each engine, and its tables' migrations. A dataset save is planned
//! once ([`plan`]): the row, its resources' index, the kept version and the ledger entry
//! (`ledger::append_entry`, lane `data/<publisher id>`); each engine only executes it, in
//! one transaction, with an optimistic check on the revision.
//!
//! May depend on: the kernel, the ledger, the opendata core, the storage vocabulary
//! (`tinhso-store`) and the engines (`tinhso-sqlite`, `tinhso-postgres`).

pub mod datastore;
pub mod plan;
pub mod postgres;
mod postgres_datastore;
pub mod sqlite;
mod sqlite_datastore;

pub use postgres::OpenDataPg;
pub use postgres_datastore::DatastorePg;
pub use sqlite::OpenDataSqlite;
pub use sqlite_datastore::DatastoreSqlite;

/// The module's name in the migration ledger.
pub const MODULE: &str = "opendata";

tinhso_store::migration_files_test!();
