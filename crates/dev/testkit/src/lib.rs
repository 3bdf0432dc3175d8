//! Test harness shared by the integration tests: everything here starts real parts
//! (the `tinhso` binary, PostgreSQL databases, Chromium), nothing of ours is mocked; an outside
//! party (the payment gateway) is simulated as it behaves, faults included.

pub mod gateway;
pub mod server;
pub mod sms;
pub mod walk;
pub mod webdriver;

pub use server::{Backend, TestServer};
