//! The electronic-results module's storage: its port (`tinhso-results-port`'s `ResultsStore`)
//! on each engine. An
//! issue writes the document's row and its ledger entry (`ledger::append_entry`, lane
//! `kq/<agency>`) in one transaction; a receipt's number is unique per agency and year, so
//! two servers numbering at once cannot both take it.
//!
//! May depend on: the kernel, the ledger, the module's rules (`tinhso-results`, for the ledger's
//! subject of a document) and port, the storage vocabulary (`tinhso-store`) and the engines.

pub mod postgres;
pub mod sqlite;

pub use postgres::ResultsPg;
pub use sqlite::ResultsSqlite;

/// The module's name in the migration ledger.
pub const MODULE: &str = "results";

/// The columns every read selects, in `IssuedDocument`'s order.
pub(crate) const COLUMNS: &str = "code, kind, dossier, agency, year, seq, sha256, signer, certificate_sha256, \
     signed_at, timestamped, status, replaced_by, status_note, name";

tinhso_store::migration_files_test!();
