//! `DocumentStore` on the embedded engine: a person's stored documents (results, reusable
//! files), read on the pooled readers and written through the single writer.

use crate::{exec, map_err, SqliteStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use tinhso_kernel::ids::{AccountId, Sha256};
use tinhso_store::admin::{AdminAct, AdminChange, Basis};
use tinhso_store::{file_kind, Document, DocumentStore, Result, StoreError, StoredFile};

/// The limits as stored (per day, in all, MB), if the province set them.
fn limits(c: &rusqlite::Connection) -> rusqlite::Result<Option<(u64, u64)>> {
    c.query_row("SELECT per_day_mb, total_mb FROM upload_limit WHERE one = 1", [], |r| {
        Ok((r.get::<_, i64>(0)?.max(0) as u64, r.get::<_, i64>(1)?.max(0) as u64))
    })
    .optional()
}

#[async_trait]
impl DocumentStore for SqliteStore {
    async fn upload_limits(&self) -> Result<Option<(u64, u64)>> {
        self.read(limits).await
    }

    async fn set_upload_limits(&self, per_day_mb: u64, total_mb: u64, basis: &Basis, by: &AdminAct) -> Result<()> {
        let (day, total) = (i64::try_from(per_day_mb).unwrap_or(i64::MAX), i64::try_from(total_mb).unwrap_or(i64::MAX));
        let (basis, by) = (basis.clone(), *by);
        self.write(move |tx| {
            // The single writer: nothing saves between this read and the write.
            basis.admits("upload limits", limits(tx).map_err(map_err)?.as_ref())?;
            exec(
                tx,
                "INSERT INTO upload_limit (one, per_day_mb, total_mb, updated_by, updated_at) VALUES (1, ?1, ?2, ?3, ?4)
                 ON CONFLICT (one) DO UPDATE SET per_day_mb = excluded.per_day_mb, total_mb = excluded.total_mb,
                     updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                params![day, total, by.actor.0, by.at],
            )?;
            crate::ledger::append_admin(tx, &AdminChange::UploadLimitsSet { per_day_mb, total_mb }, &by)
        })
        .await
    }

    async fn add_document(
        &self,
        account_id: AccountId,
        file: &StoredFile,
        name: &str,
        quota: Option<&tinhso_store::UploadQuota>,
    ) -> Result<tinhso_store::Added> {
        let (file, name, quota) = (file.clone(), name.to_owned(), quota.copied());
        self.write(move |tx| {
            let now = Utc::now();
            if let Some(q) = quota {
                let (today, total): (i64, i64) = tx
                    .query_row(
                        "SELECT COALESCE(SUM(CASE WHEN d.created_at >= ?2 THEN b.size END), 0), COALESCE(SUM(b.size), 0)
                         FROM document d JOIN file_blob b ON b.sha256 = d.sha256
                         WHERE d.account_id = ?1 AND d.sha256 <> ?3",
                        params![account_id, q.day_start, file.sha256.as_str()],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .map_err(map_err)?;
                let refused = q.admit(today.max(0) as u64, total.max(0) as u64, file.size);
                if refused != tinhso_store::Added::Added {
                    return Ok(refused);
                }
            }
            tx.execute(
                "INSERT INTO file_blob (sha256, size, mime, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (sha256) DO NOTHING",
                params![file.sha256.as_str(), file.size as i64, file.kind.mime(), now],
            )
            .map_err(map_err)?;
            tx.execute(
                "INSERT INTO document (account_id, sha256, name, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account_id, sha256) DO UPDATE SET name = excluded.name",
                params![account_id, file.sha256.as_str(), name, now],
            )
            .map_err(map_err)?;
            Ok(tinhso_store::Added::Added)
        })
        .await
    }

    async fn add_file(&self, file: &StoredFile) -> Result<()> {
        let file = file.clone();
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO file_blob (sha256, size, mime, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (sha256) DO NOTHING",
                params![file.sha256.as_str(), file.size as i64, file.kind.mime(), Utc::now()],
            )
            .map_err(map_err)
            .map(drop)
        })
        .await
    }

    async fn documents(&self, account_id: AccountId) -> Result<Vec<Document>> {
        let rows: Vec<DocumentRow> = self
            .read(move |c| {
                let mut st = c.prepare(
                    "SELECT d.sha256, d.name, b.size, b.mime, d.created_at FROM document d
                     JOIN file_blob b ON b.sha256 = d.sha256 WHERE d.account_id = ?1 ORDER BY d.created_at DESC",
                )?;
                let rows =
                    st.query_map([account_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?;
                rows.collect()
            })
            .await?;
        rows.into_iter().map(document).collect()
    }

    async fn documents_named(&self, account_id: AccountId, hashes: &[Sha256]) -> Result<Vec<Document>> {
        let hashes = hashes.to_vec();
        let rows: Vec<DocumentRow> = self
            .read(move |c| {
                let mut st = c.prepare(
                    "SELECT d.sha256, d.name, b.size, b.mime, d.created_at FROM document d
                     JOIN file_blob b ON b.sha256 = d.sha256 WHERE d.account_id = ?1 AND d.sha256 = ?2",
                )?;
                let mut out = Vec::new();
                for h in &hashes {
                    if let Some(r) = st
                        .query_row(params![account_id, h.as_str()], |r| {
                            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                        })
                        .optional()?
                    {
                        out.push(r);
                    }
                }
                Ok(out)
            })
            .await?;
        rows.into_iter().map(document).collect()
    }
}

/// A document row (sha256, name, size, mime, created_at) as the port returns it.
type DocumentRow = (String, String, i64, String, DateTime<Utc>);

fn document((sha256, name, size, mime, created_at): DocumentRow) -> Result<Document> {
    Ok(Document {
        sha256: tinhso_store::sha256(&sha256)?,
        name,
        size: u64::try_from(size).map_err(|_| StoreError::Corrupt(format!("document size {size}")))?,
        kind: file_kind(&mime)?,
        created_at,
    })
}
