//! The procedure catalogue's storage (the `catalogue` module's store): its port,
//! `CatalogueStore`, on each engine, and its tables' migrations. Its tables are `procedure`
//! and `calendar_year` (the working-day calendar the catalogue's deadlines count on); nothing
//! here touches another module's tables.
//!
//! May depend on: the kernel, the catalogue core, the storage vocabulary (`tinhso-store`) and
//! the engines (`tinhso-sqlite`, `tinhso-postgres`).

pub mod postgres;
pub mod sqlite;

pub use postgres::CataloguePg;
pub use sqlite::CatalogueSqlite;

/// The module's name in the migration ledger.
pub const MODULE: &str = "catalogue";

tinhso_store::migration_files_test!();
