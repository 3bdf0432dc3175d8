//! The operations centre's storage (the `ioc` module's store): its port, `IocStore`, on each
//! engine. Its tables (day and month aggregates, the drill-down member index, indicator entries)
//! are written in each dossier write's transaction by the registered `OperationsCentre`
//! projection and read here; nothing here touches another module's tables.
//!
//! May depend on: the kernel, the ioc core, the storage vocabulary (`tinhso-store`) and the
//! engines (`tinhso-store-sqlite`, `tinhso-store-postgres`).

pub mod postgres;
pub mod sqlite;

pub use postgres::IocPg;
pub use sqlite::IocSqlite;
