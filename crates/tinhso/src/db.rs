//! Opens the store the options name: SQLite in the data directory by default, PostgreSQL by URL.

use crate::DataArgs;
use anyhow::{bail, Context, Result};
use std::sync::Arc;
use tinhso_store::plan::Projections;
use tinhso_store::Stores;

/// The read models every dossier write keeps in its own transaction: the operations centre's
/// aggregates and drill-down index, and the staff inboxes' counters. A module that wants a
/// projection of dossiers adds it here; the dossier write path never names them.
pub fn projections() -> Projections {
    tinhso_store::projections::standard()
}

pub async fn open(args: &DataArgs) -> Result<Stores> {
    match args.database.as_deref() {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let store = tinhso_store_postgres::PgStore::connect(url, 16, projections())
                .await
                .context("cannot connect to PostgreSQL")?;
            let store = Arc::new(store);
            Ok(Stores::of(store.clone(), Arc::new(tinhso_ioc_store::IocPg::new(store))))
        }
        Some(url) if !url.is_empty() && !url.starts_with("sqlite:") => {
            bail!("--database must be a postgres:// URL, or empty for SQLite in the data directory")
        }
        other => {
            let path = match other.and_then(|u| u.strip_prefix("sqlite:")) {
                Some(p) if !p.is_empty() => std::path::PathBuf::from(p.trim_start_matches("//")),
                _ => {
                    tokio::fs::create_dir_all(&args.data)
                        .await
                        .with_context(|| format!("cannot create data directory {}", args.data.display()))?;
                    args.data.join("tinhso.db")
                }
            };
            let store = tinhso_store_sqlite::SqliteStore::open(&path, projections())
                .await
                .with_context(|| format!("cannot open {}", path.display()))?;
            let store = Arc::new(store);
            Ok(Stores::of(store.clone(), Arc::new(tinhso_ioc_store::IocSqlite::new(store))))
        }
    }
}
