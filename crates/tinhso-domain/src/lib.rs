//! Tỉnh Số domain: the rules of provincial digital government, free of IO and async, so that
//! deadlines, authorization and search are testable in isolation.

pub mod calendar;
pub mod catalogue;
pub mod counters;
pub mod dossier;
pub mod error;
pub mod files;
pub mod format;
pub mod ids;
pub mod ioc;
pub mod password;
pub mod policy;
pub mod province;
pub mod search;
pub mod text;
pub mod workflow;

pub use error::FieldError;
