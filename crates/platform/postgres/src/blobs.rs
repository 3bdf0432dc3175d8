//! File contents in PostgreSQL (`file_content`), for servers that share no disk.

use crate::{map_err, Cached, PgStore};
use async_trait::async_trait;
use tinhso_kernel::ids::Sha256;
use tinhso_store::{BlobStore, Result};

#[async_trait]
impl BlobStore for PgStore {
    async fn put_blob(&self, sha256: &Sha256, bytes: Vec<u8>) -> Result<()> {
        // Committed on its own (synchronous_commit is on): durable before the row naming it.
        self.client()
            .await?
            .execute_cached(
                "INSERT INTO file_content (sha256, bytes) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING",
                &[&sha256.as_str(), &bytes],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn blob(&self, sha256: &Sha256) -> Result<Option<Vec<u8>>> {
        let row = self
            .client()
            .await?
            .query_opt_cached("SELECT bytes FROM file_content WHERE sha256 = $1", &[&sha256.as_str()])
            .await
            .map_err(map_err)?;
        Ok(row.map(|r| r.get(0)))
    }
}
