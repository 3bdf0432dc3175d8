//! Test harness shared by the integration tests: everything here starts real parts
//! (the `tinhso` binary, PostgreSQL databases, Chromium), nothing is mocked.

pub mod server;
pub mod walk;
pub mod webdriver;

pub use server::{Backend, TestServer};
