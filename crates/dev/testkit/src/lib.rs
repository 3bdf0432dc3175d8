//! Test harness shared by the integration tests: everything here starts real parts
//! (the `tinhso` binary, PostgreSQL databases, Chromium), nothing of ours is mocked; an outside
//! party (the payment gateway) is simulated as it behaves, faults included.
//!
//! May depend on: the payments core (the gateway's protocol, which the double speaks) and the
//! SQLite platform crate (to open a test's database). Used by the integration tests only.

pub mod form;
pub mod gateway;
pub mod server;
pub mod sms;
pub mod walk;
pub mod webdriver;

pub use server::{Backend, TestServer};
