//! Opens the store the options name: SQLite in the data directory by default, PostgreSQL by URL.

use crate::DataArgs;
use anyhow::{bail, Context, Result};
use std::sync::Arc;
use tinhso_store::Store;

pub async fn open(args: &DataArgs) -> Result<Arc<dyn Store>> {
    match args.database.as_deref() {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let store =
                tinhso_store_postgres::PgStore::connect(url, 16).await.context("cannot connect to PostgreSQL")?;
            Ok(Arc::new(store))
        }
        Some(url) if !url.is_empty() && !url.starts_with("sqlite:") => {
            bail!("--database must be a postgres:// URL, or empty for SQLite in the data directory")
        }
        other => {
            let path = match other.and_then(|u| u.strip_prefix("sqlite:")) {
                Some(p) if !p.is_empty() => std::path::PathBuf::from(p.trim_start_matches("//")),
                _ => {
                    std::fs::create_dir_all(&args.data)
                        .with_context(|| format!("cannot create data directory {}", args.data.display()))?;
                    args.data.join("tinhso.db")
                }
            };
            let store = tinhso_store_sqlite::SqliteStore::open(&path)
                .await
                .with_context(|| format!("cannot open {}", path.display()))?;
            Ok(Arc::new(store))
        }
    }
}
