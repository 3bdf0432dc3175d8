// Tests set up files and fixtures before and beside the servers they start; blocking IO and
// narrowing casts of small test values are fine here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::disallowed_methods, clippy::cast_possible_truncation)]
//! The one integration-test binary. Every test starts the real `tinhso` binary on port 0
//! with a fresh database; the same story runs on SQLite and on PostgreSQL.

/// Runs one backend-agnostic story as two tests: on SQLite, and on a real PostgreSQL (a
/// missing PostgreSQL fails the second: nothing is skipped).
macro_rules! on_both_backends {
    ($sqlite:ident, $postgres:ident, $story:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            $story(crate::server(tinhso_testkit::Backend::Sqlite).await).await;
        }

        #[tokio::test]
        async fn $postgres() {
            $story(crate::server(tinhso_testkit::Backend::Postgres).await).await;
        }
    };
}

/// The same, each server with `--demo-dossiers 400` of history.
macro_rules! on_both_backends_with_demo {
    ($sqlite:ident, $postgres:ident, $story:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            $story(crate::demo_server(tinhso_testkit::Backend::Sqlite, 400).await).await;
        }

        #[tokio::test]
        async fn $postgres() {
            $story(crate::demo_server(tinhso_testkit::Backend::Postgres, 400).await).await;
        }
    };
}

macro_rules! on_both_backends_with_gateway {
    ($sqlite:ident, $postgres:ident, $story:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            let gw = tinhso_testkit::gateway::Gateway::start().await.unwrap();
            $story(crate::payments_server(tinhso_testkit::Backend::Sqlite, &gw).await, gw).await;
        }

        #[tokio::test]
        async fn $postgres() {
            let gw = tinhso_testkit::gateway::Gateway::start().await.unwrap();
            $story(crate::payments_server(tinhso_testkit::Backend::Postgres, &gw).await, gw).await;
        }
    };
}

mod abuse;
mod abuse_public;
mod abuse_watch;
mod account_pages;
mod architecture;
mod backup;
mod blobs;
mod browser;
mod catalogue_editor;
mod cli;
mod contract;
mod deploy;
mod desk;
mod disk_room;
mod dossier;
mod drafts;
mod dti;
mod dti_evidence;
mod dti_frameworks;
mod durability;
mod eid;
mod exchange;
mod hardening;
mod inbox;
mod integrity;
mod ioc;
mod journey;
mod locale;
mod mail;
mod metrics;
mod opendata;
mod opendata_datastore;
mod opendata_harvest;
mod ops_watch;
mod organizations;
mod payments;
mod ports;
mod ports_admin;
mod ports_at_once;
mod ports_drafts;
mod ports_dti;
mod ports_eid;
mod ports_exchange;
mod ports_inbox;
mod ports_opendata;
mod ports_reports;
mod ports_results;
mod powerloss;
mod recovery;
mod reports;
mod reports_open311;
mod reports_photos;
mod reports_routing;
mod results;
mod schedule;
mod settings_audit;
mod sms;
mod staff_accounts;
mod staff_moves;
mod story;
mod tampering;
mod upgrade;
mod walks;

use std::path::Path;
use tinhso_testkit::{Backend, TestServer};

pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_tinhso"))
}

pub use payments::server as payments_server;

/// A server with `dossiers` of demo history.
pub async fn demo_server(backend: Backend, dossiers: u32) -> TestServer {
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(tinhso_testkit::server::fresh_pg_database().await.unwrap()),
    };
    let data = tinhso_testkit::server::fresh_data_dir().unwrap();
    let n = dossiers.to_string();
    match TestServer::start_on(backend, bin(), data, database, &["--demo-dossiers", &n]).await {
        Ok(s) => s,
        Err(e) => panic!("cannot start a {backend:?} server: {e:#}"),
    }
}

pub async fn server(backend: Backend) -> TestServer {
    match TestServer::start(backend, bin()).await {
        Ok(s) => s,
        Err(e) => panic!("cannot start a {backend:?} server: {e:#}"),
    }
}
