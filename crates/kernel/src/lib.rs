//! Tỉnh Số kernel: the vocabulary every module shares, free of IO and async. Ids and newtypes
//! that parse at the edge, Vietnamese text folding, the working-day calendar (with the lunar
//! one for Tết), the province model after the 2025 two-tier reform, field errors, formatting.
//!
//! May depend on: nothing of ours. Everything else may depend on it.

pub mod calendar;
pub mod counters;
pub mod document;
pub mod error;
pub mod files;
pub mod format;
pub mod guard;
pub mod ids;
pub mod password;
pub mod province;
pub mod schedule;
pub mod secret;
pub mod text;

pub use error::FieldError;
