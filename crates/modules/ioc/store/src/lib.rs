//! The operations centre's storage (the `ioc` module's store): its port, `IocStore`, on each
//! engine, its tables' migrations, and its projection of dossiers. Its tables (day and month
//! aggregates, the drill-down member index, indicator entries) are written in each dossier
//! write's transaction by the `OperationsCentre` projection, which the composition root
//! registers with the dossier store, and read here; nothing here touches another module's
//! tables.
//!
//! May depend on: the kernel, the ioc and dossier cores, the storage vocabulary (`tinhso-store`) and the
//! engines (`tinhso-sqlite`, `tinhso-postgres`).

pub mod postgres;
pub mod projection;
pub mod sqlite;

pub use postgres::IocPg;
pub use projection::OperationsCentre;
pub use sqlite::IocSqlite;

/// The module's name in the migration ledger.
pub const MODULE: &str = "ioc";

tinhso_store::migration_files_test!();
