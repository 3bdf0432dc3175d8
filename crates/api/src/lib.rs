//! The JSON API of Tỉnh Số, as types: every request body, query and response the `/api/v1`
//! routes take or give is declared here (or is a domain type that derives its schema where it
//! is defined, such as `Command` or `Dossier`), and the OpenAPI 3.1 document served at
//! `/api/openapi.json` is generated from these declarations and the routes' annotations, so the
//! document cannot drift from what the server does.
//!
//! May depend on: the kernel and the modules' cores (for the domain types on the wire). Nothing
//! with IO: the handlers that fill these types live in the web crate.

pub mod catalogue;
pub mod common;
pub mod dossiers;
pub mod dti;
pub mod ioc;
pub mod results;
pub mod session;

pub use common::{ErrorBody, FileBytes, Health};
