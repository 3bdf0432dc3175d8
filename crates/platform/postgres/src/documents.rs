//! `DocumentStore` on the scale-out engine: a person's stored documents (results, reusable
//! files) with the upload quota checked in the same transaction, and the limits the province
//! admin sets (recorded on the administrators' log with them).

use crate::{map_err, rows, Cached, PgStore};
use async_trait::async_trait;
use tinhso_kernel::ids::{AccountId, Sha256};
use tinhso_store::admin::{AdminAct, AdminChange, Basis};
use tinhso_store::{Document, DocumentStore, Result, StoredFile};

/// The advisory lock a save of the upload limits holds to its commit.
const LIMITS_LOCK: i64 = 0x5550_4c4f_4144_4c4d; // "UPLOADLM"

#[async_trait]
impl DocumentStore for PgStore {
    async fn upload_limits(&self) -> Result<Option<(u64, u64)>> {
        let row = self
            .client()
            .await?
            .query_opt_cached("SELECT per_day_mb, total_mb FROM upload_limit WHERE one = 1", &[])
            .await
            .map_err(map_err)?;
        Ok(row.map(|r| (r.get::<_, i64>(0).max(0) as u64, r.get::<_, i64>(1).max(0) as u64)))
    }

    async fn set_upload_limits(&self, per_day_mb: u64, total_mb: u64, basis: &Basis, by: &AdminAct) -> Result<()> {
        let (day, total) = (i64::try_from(per_day_mb).unwrap_or(i64::MAX), i64::try_from(total_mb).unwrap_or(i64::MAX));
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        // Saves from every server queue here, so each compares against the one before it (a
        // row lock would not hold while no row exists yet).
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LIMITS_LOCK]).await.map_err(map_err)?;
        let stored = tx
            .query_opt("SELECT per_day_mb, total_mb FROM upload_limit WHERE one = 1", &[])
            .await
            .map_err(map_err)?
            .map(|r| (r.get::<_, i64>(0).max(0) as u64, r.get::<_, i64>(1).max(0) as u64));
        basis.admits("upload limits", stored.as_ref())?;
        tx.execute(
            "INSERT INTO upload_limit (one, per_day_mb, total_mb, updated_by, updated_at) VALUES (1, $1, $2, $3, now())
             ON CONFLICT (one) DO UPDATE SET per_day_mb = excluded.per_day_mb, total_mb = excluded.total_mb,
                 updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            &[&day, &total, &by.actor.0],
        )
        .await
        .map_err(map_err)?;
        crate::ledger::append_admin(&tx, &AdminChange::UploadLimitsSet { per_day_mb, total_mb }, by).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(())
    }

    async fn add_document(
        &self,
        account_id: AccountId,
        file: &StoredFile,
        name: &str,
        quota: Option<&tinhso_store::UploadQuota>,
    ) -> Result<tinhso_store::Added> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        if let Some(q) = quota {
            // The account's row serialises its concurrent uploads: each sees the others' bytes.
            tx.execute_cached("SELECT 1 FROM account WHERE id = $1 FOR UPDATE", &[&account_id])
                .await
                .map_err(map_err)?;
            let row = tx
                .query_one_cached(
                    "SELECT COALESCE(SUM(CASE WHEN d.created_at >= $2 THEN b.size END), 0)::bigint,
                            COALESCE(SUM(b.size), 0)::bigint
                     FROM document d JOIN file_blob b ON b.sha256 = d.sha256
                     WHERE d.account_id = $1 AND d.sha256 <> $3",
                    &[&account_id, &q.day_start, &file.sha256.as_str()],
                )
                .await
                .map_err(map_err)?;
            let (today, total): (i64, i64) = (row.get(0), row.get(1));
            let refused = q.admit(today.max(0) as u64, total.max(0) as u64, file.size);
            if refused != tinhso_store::Added::Added {
                return Ok(refused);
            }
        }
        tx.execute_cached(
            "INSERT INTO file_blob (sha256, size, mime, created_at) VALUES ($1, $2, $3, now()) ON CONFLICT (sha256) DO NOTHING",
            &[&file.sha256.as_str(), &(file.size as i64), &file.kind.mime()],
        )
        .await
        .map_err(map_err)?;
        tx.execute_cached(
            "INSERT INTO document (account_id, sha256, name, created_at) VALUES ($1, $2, $3, now())
             ON CONFLICT (account_id, sha256) DO UPDATE SET name = excluded.name",
            &[&account_id, &file.sha256.as_str(), &name],
        )
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(tinhso_store::Added::Added)
    }

    async fn add_file(&self, file: &StoredFile) -> Result<()> {
        self.client()
            .await?
            .execute_cached(
                "INSERT INTO file_blob (sha256, size, mime, created_at) VALUES ($1, $2, $3, now()) ON CONFLICT (sha256) DO NOTHING",
                &[&file.sha256.as_str(), &(file.size as i64), &file.kind.mime()],
            )
            .await
            .map_err(map_err)
            .map(drop)
    }

    async fn documents(&self, account_id: AccountId) -> Result<Vec<Document>> {
        let rows = self
            .client()
            .await?
            .query_cached(
                "SELECT d.sha256, d.name, b.size, b.mime, d.created_at FROM document d
                 JOIN file_blob b ON b.sha256 = d.sha256 WHERE d.account_id = $1 ORDER BY d.created_at DESC",
                &[&account_id],
            )
            .await
            .map_err(map_err)?;
        rows.iter().map(rows::document).collect()
    }

    async fn documents_named(&self, account_id: AccountId, hashes: &[Sha256]) -> Result<Vec<Document>> {
        let rows = self
            .client()
            .await?
            .query_cached(
                "SELECT d.sha256, d.name, b.size, b.mime, d.created_at FROM document d
                 JOIN file_blob b ON b.sha256 = d.sha256 WHERE d.account_id = $1 AND d.sha256 = ANY($2)",
                &[&account_id, &hashes.iter().map(Sha256::as_str).collect::<Vec<_>>()],
            )
            .await
            .map_err(map_err)?;
        rows.iter().map(rows::document).collect()
    }
}
