//! Opens the store the options name: SQLite in the data directory by default, PostgreSQL by
//! URL. This is where modules are registered with an engine: their migrations (after the
//! platform's, in dependency order), their ports, and the projections of dossiers that other
//! modules keep in each dossier write's transaction.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tinhso_dti_port::DtiStore;
use tinhso_eid_port::EidStore;
use tinhso_exchange_port::ExchangeStore;
use tinhso_opendata_port::{DatastoreStore, OpenDataStore};
use tinhso_payments_port::PaymentStore;
use tinhso_postgres::PgStore;
use tinhso_results_port::ResultsStore;
use tinhso_sqlite::SqliteStore;
use tinhso_store::migrate::Migrations;
use tinhso_store::plan::{DossierProjection, Projections};
use tinhso_store::{ModulePortMap, ModulePorts, Stores};

/// The read models every dossier write keeps in its own transaction: the operations centre's
/// aggregates and drill-down index, and the staff inboxes' counters. A module that wants a
/// projection of dossiers adds it here; the dossier write path never names them.
pub fn projections() -> Projections {
    Arc::from(vec![
        Box::new(tinhso_ioc_store::OperationsCentre) as Box<dyn DossierProjection>,
        Box::new(tinhso_dossier_store::InboxTally),
    ])
}

/// Every table of the platform on SQLite: the platform pieces', then each module's.
pub fn sqlite_schema() -> Vec<Migrations> {
    let mut out = tinhso_sqlite::migrate::PLATFORM.to_vec();
    out.extend([
        tinhso_catalogue_store::sqlite::MIGRATIONS,
        tinhso_dossier_store::sqlite::MIGRATIONS,
        tinhso_ioc_store::sqlite::MIGRATIONS,
        tinhso_reports_store::sqlite::MIGRATIONS,
        tinhso_opendata_store::sqlite::MIGRATIONS,
        tinhso_results_store::sqlite::MIGRATIONS,
        tinhso_payments_store::sqlite::MIGRATIONS,
        tinhso_eid_store::sqlite::MIGRATIONS,
        tinhso_exchange_store::sqlite::MIGRATIONS,
        tinhso_dti_store::sqlite::MIGRATIONS,
    ]);
    out
}

/// Every table of the platform on PostgreSQL: the platform pieces', then each module's.
pub fn postgres_schema() -> Vec<Migrations> {
    let mut out = tinhso_postgres::migrate::PLATFORM.to_vec();
    out.extend([
        tinhso_catalogue_store::postgres::MIGRATIONS,
        tinhso_dossier_store::postgres::MIGRATIONS,
        tinhso_ioc_store::postgres::MIGRATIONS,
        tinhso_reports_store::postgres::MIGRATIONS,
        tinhso_opendata_store::postgres::MIGRATIONS,
        tinhso_results_store::postgres::MIGRATIONS,
        tinhso_payments_store::postgres::MIGRATIONS,
        tinhso_eid_store::postgres::MIGRATIONS,
        tinhso_exchange_store::postgres::MIGRATIONS,
        tinhso_dti_store::postgres::MIGRATIONS,
    ]);
    out
}

/// The platform on the SQLite database at `path` (created and migrated if needed).
pub async fn sqlite(path: &Path) -> Result<Stores> {
    let db = Arc::new(
        SqliteStore::open(path, sqlite_schema()).await.with_context(|| format!("cannot open {}", path.display()))?,
    );
    // One dossier store serves the dossiers and the saved applications.
    let dossiers = Arc::new(tinhso_dossier_store::DossierSqlite::new(db.clone(), projections()));
    let modules = ModulePorts {
        catalogue: Arc::new(tinhso_catalogue_store::CatalogueSqlite::new(db.clone())),
        dossiers: dossiers.clone(),
        ioc: Arc::new(tinhso_ioc_store::IocSqlite::new(db.clone())),
        reports: Arc::new(tinhso_reports_store::ReportsSqlite::new(db.clone())),
        drafts: dossiers,
    };
    let mut stores = Stores::of(db.clone(), modules);
    sqlite_ports(&db, &mut stores.modules);
    refolded(stores).await
}

/// The platform on the PostgreSQL database at `url` (migrated if needed), with a pool of
/// `connections`.
pub async fn postgres(url: &str, connections: usize) -> Result<Stores> {
    postgres_with(url, None, connections).await
}

/// The same, also trusting the PEM CA certificates `ca_pem` for the server's TLS certificate.
pub async fn postgres_with(url: &str, ca_pem: Option<&[u8]>, connections: usize) -> Result<Stores> {
    let db = Arc::new(
        PgStore::connect_with(url, ca_pem, connections, postgres_schema())
            .await
            .context("cannot connect to PostgreSQL")?,
    );
    // One dossier store (one set of submission workers) serves the dossiers and the drafts.
    let dossiers = Arc::new(tinhso_dossier_store::DossierPg::new(db.clone(), projections()));
    let modules = ModulePorts {
        catalogue: Arc::new(tinhso_catalogue_store::CataloguePg::new(db.clone())),
        dossiers: dossiers.clone(),
        ioc: Arc::new(tinhso_ioc_store::IocPg::new(db.clone())),
        reports: Arc::new(tinhso_reports_store::ReportsPg::new(db.clone())),
        drafts: dossiers,
    };
    let mut stores = Stores::of(db.clone(), modules);
    postgres_ports(&db, &mut stores.modules);
    stores.blobs = Some(db);
    refolded(stores).await
}

/// The ports modules keep in their own folders, on SQLite.
fn sqlite_ports(db: &Arc<SqliteStore>, ports: &mut ModulePortMap) {
    ports.insert::<dyn ResultsStore>(Arc::new(tinhso_results_store::ResultsSqlite::new(db.clone())));
    ports.insert::<dyn PaymentStore>(Arc::new(tinhso_payments_store::PaymentsSqlite::new(db.clone())));
    ports.insert::<dyn EidStore>(Arc::new(tinhso_eid_store::EidSqlite::new(db.clone())));
    ports.insert::<dyn ExchangeStore>(Arc::new(tinhso_exchange_store::ExchangeSqlite::new(db.clone())));
    ports.insert::<dyn DtiStore>(Arc::new(tinhso_dti_store::DtiSqlite::new(db.clone())));
    ports.insert::<dyn OpenDataStore>(Arc::new(tinhso_opendata_store::OpenDataSqlite::new(db.clone())));
    ports.insert::<dyn DatastoreStore>(Arc::new(tinhso_opendata_store::DatastoreSqlite::new(db.clone())));
}

/// The same on PostgreSQL.
fn postgres_ports(db: &Arc<PgStore>, ports: &mut ModulePortMap) {
    ports.insert::<dyn ResultsStore>(Arc::new(tinhso_results_store::ResultsPg::new(db.clone())));
    ports.insert::<dyn PaymentStore>(Arc::new(tinhso_payments_store::PaymentsPg::new(db.clone())));
    ports.insert::<dyn EidStore>(Arc::new(tinhso_eid_store::EidPg::new(db.clone())));
    ports.insert::<dyn ExchangeStore>(Arc::new(tinhso_exchange_store::ExchangePg::new(db.clone())));
    ports.insert::<dyn DtiStore>(Arc::new(tinhso_dti_store::DtiPg::new(db.clone())));
    ports.insert::<dyn OpenDataStore>(Arc::new(tinhso_opendata_store::OpenDataPg::new(db.clone())));
    ports.insert::<dyn DatastoreStore>(Arc::new(tinhso_opendata_store::DatastorePg::new(db.clone())));
}

/// The stores, once every dossier row and projection agrees with this build's fold and
/// projection revisions (a schema migration's counterpart for derived data).
async fn refolded(stores: Stores) -> Result<Stores> {
    if let Some(n) = stores.dossiers.refold_if_stale().await.context("cannot refold the stored dossiers")? {
        if n > 0 {
            tracing::info!(dossiers = n, "refolded every dossier and rebuilt the read models from the events");
        }
    }
    Ok(stores)
}

/// The store the command line names: `database` a `postgres://` URL, or empty (or
/// `sqlite:<path>`) for SQLite, by default `tinhso.db` in the data directory `data`.
pub async fn open(database: Option<&str>, data: &Path) -> Result<Stores> {
    open_with(database, None, data).await
}

/// The same, with a CA certificate (PEM) for PostgreSQL's TLS.
pub async fn open_with(database: Option<&str>, ca_pem: Option<&[u8]>, data: &Path) -> Result<Stores> {
    match database {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            postgres_with(url, ca_pem, 16).await
        }
        Some(url) if !url.is_empty() && !url.starts_with("sqlite:") => {
            bail!("--database must be a postgres:// URL, or empty for SQLite in the data directory")
        }
        other => {
            let path = match other.and_then(|u| u.strip_prefix("sqlite:")) {
                Some(p) if !p.is_empty() => PathBuf::from(p.trim_start_matches("//")),
                _ => {
                    tokio::fs::create_dir_all(data)
                        .await
                        .with_context(|| format!("cannot create data directory {}", data.display()))?;
                    data.join("tinhso.db")
                }
            };
            sqlite(&path).await
        }
    }
}
