//! The feedback and field-report module's storage (the `reports` module's store): its port,
//! `ReportStore`, on each engine, and its tables' migrations. Its tables are `report`,
//! `report_category`, `report_route` and `report_follower`; a report's history goes on the
//! platform's ledger (`ledger::append_entry`, lane `report/<commune>`), its messages through the
//! platform's outbox, both in the report write's transaction. What a write stores is computed
//! once, in [`plan`]; each engine only executes it.
//!
//! May depend on: the kernel, the ledger, the reports core, the storage vocabulary
//! (`tinhso-store`) and the engines (`tinhso-sqlite`, `tinhso-postgres`).

pub mod plan;
pub mod postgres;
pub mod sqlite;

pub use postgres::ReportsPg;
pub use sqlite::ReportsSqlite;

/// The module's name in the migration ledger.
pub const MODULE: &str = "reports";

tinhso_store::migration_files_test!();
