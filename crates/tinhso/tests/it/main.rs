#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The one integration-test binary. Every test starts the real `tinhso` binary on port 0
//! with a fresh database; the same story runs on SQLite and on PostgreSQL.

mod browser;
mod cli;
mod dossier;
mod mail;
mod story;

use std::path::Path;
use tinhso_testkit::{Backend, TestServer};

pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_tinhso"))
}

pub async fn server(backend: Backend) -> TestServer {
    match TestServer::start(backend, bin()).await {
        Ok(s) => s,
        Err(e) => panic!("cannot start a {backend:?} server: {e:#}"),
    }
}
