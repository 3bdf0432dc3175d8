//! Content-addressed file storage: on the data directory's disk (`files/ab/cd/<sha256>`), in
//! the database (PostgreSQL's `file_content`, so servers share files without a shared disk), or
//! in an S3-compatible object store. Uploads stream to a local temporary file while hashed and
//! checked; the bytes are durable in their store before the database row that names them is
//! committed, so a committed record never points at a missing file; a crash can leave only
//! unreferenced content.

use crate::error::AppError;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tinhso_kernel::calendar;
use tinhso_kernel::files::{FileKind, MAX_FILE_BYTES};
use tinhso_kernel::ids::Sha256 as Hash;
use tinhso_store::StoredFile;

/// Where file contents live.
#[derive(Clone)]
pub enum Blobs {
    /// Under the data directory (one server, or a shared file system).
    Disk,
    /// In the database (PostgreSQL); contents stored on disk by earlier versions are still read.
    Database(std::sync::Arc<dyn tinhso_store::BlobStore>),
    /// In an S3-compatible bucket.
    S3(crate::s3::S3),
}

impl std::fmt::Debug for Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Disk => f.write_str("disk"),
            Self::Database(_) => f.write_str("database"),
            Self::S3(s) => write!(f, "{s:?}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
    blobs: Blobs,
}

fn s3_failed(e: crate::s3::S3Error) -> AppError {
    AppError::Internal(e.to_string())
}

fn invalid_file(vi: &str, en: &str) -> AppError {
    AppError::bad_request("invalid_file", vi, en)
}

impl FileStore {
    /// `root`: the data directory's `files` (contents on disk, and every upload's staging).
    pub fn new(root: impl Into<PathBuf>, blobs: Blobs) -> Self {
        Self { root: root.into(), blobs }
    }

    /// The object key of content `sha256` (the same layout as on disk).
    fn key(sha256: &Hash) -> String {
        let h = sha256.as_str();
        format!("{}/{}/{h}", &h[0..2], &h[2..4])
    }

    /// Where content `sha256` lives: `ab/cd/abcd…` (a parsed hash is 64 lower-case hex digits,
    /// so it can never name a path outside the store).
    fn path(&self, sha256: &Hash) -> PathBuf {
        let h = sha256.as_str();
        self.root.join(&h[0..2]).join(&h[2..4]).join(h)
    }

    /// Streams a request body to disk while hashing it, so an upload never sits whole in
    /// memory; checks size and type, then syncs and moves it into place.
    pub async fn put_stream(&self, body: axum::body::Body) -> Result<StoredFile, AppError> {
        self.put_chunks(body.into_data_stream()).await
    }

    /// Stores a file arriving as a stream of chunks (a request body, a multipart part): written
    /// to a temporary file as it comes, hashed on the way, refused past the size cap, never
    /// held in memory whole.
    pub async fn put_chunks<S, E>(&self, chunks: S) -> Result<StoredFile, AppError>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        E: std::error::Error + 'static,
    {
        let (sha256, size, kind) = self
            .put_checked(chunks, |head| {
                FileKind::sniff(head).map(Some).ok_or_else(|| {
                    invalid_file("Chỉ nhận tệp PDF, JPEG hoặc PNG", "Only PDF, JPEG or PNG files are accepted")
                })
            })
            .await?;
        let kind = kind.ok_or_else(|| AppError::Internal("unsniffed file".into()))?;
        Ok(StoredFile { sha256, size: size as u64, kind })
    }

    /// Stores a file of any type (open data: CSV, XLSX, JSON...), the same way: streamed,
    /// hashed, capped, durable before its name is. Returns its hash and size.
    pub async fn put_any<S, E>(&self, chunks: S) -> Result<(Hash, usize), AppError>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        E: std::error::Error + 'static,
    {
        self.put_checked(chunks, |_| Ok(None)).await.map(|(h, n, _)| (h, n))
    }

    async fn put_checked<S, E, F>(&self, chunks: S, check: F) -> Result<(Hash, usize, Option<FileKind>), AppError>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        E: std::error::Error + 'static,
        F: Fn(&[u8]) -> Result<Option<FileKind>, AppError>,
    {
        use futures_util::StreamExt;
        use tokio::io::AsyncWriteExt;
        let io = |e: std::io::Error| AppError::Internal(format!("storing a file: {e}"));
        let tmp_dir = self.root.join("tmp");
        let made = tmp_dir.clone();
        tokio::task::spawn_blocking(move || create_dir_durably(&made))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(io)?;
        let mut nonce = [0u8; 8];
        getrandom::getrandom(&mut nonce).map_err(|e| AppError::Internal(e.to_string()))?;
        let tmp = tmp_dir.join(hex::encode(nonce));
        let result = async {
            let mut file = tokio::fs::File::create(&tmp).await.map_err(io)?;
            let mut hasher = Sha256::new();
            let mut head: Vec<u8> = Vec::with_capacity(16);
            let mut size = 0usize;
            let mut chunks = chunks;
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.map_err(AppError::body)?;
                size += chunk.len();
                if size > MAX_FILE_BYTES {
                    return Err(invalid_file(
                        &format!("Tệp lớn hơn {} MB", MAX_FILE_BYTES / 1024 / 1024),
                        &format!("The file is larger than {} MB", MAX_FILE_BYTES / 1024 / 1024),
                    ));
                }
                if head.len() < 16 {
                    head.extend(chunk.iter().take(16 - head.len()));
                }
                hasher.update(&chunk);
                file.write_all(&chunk).await.map_err(io)?;
            }
            if size == 0 {
                return Err(invalid_file(
                    "Tệp rỗng (0 byte): chọn lại đúng tệp giấy tờ",
                    "The file is empty (0 bytes): choose the document's file again",
                ));
            }
            let kind = check(&head)?;
            // tokio hands writes to a background thread: wait until the last one is done, or a
            // read of the staged file below can see it short (found on PostgreSQL in a clean run).
            file.flush().await.map_err(io)?;
            if matches!(self.blobs, Blobs::Disk) {
                // The staged file becomes the stored one: its bytes must be on disk first.
                file.sync_all().await.map_err(io)?;
            }
            let sha256 = Hash::of_digest(&hasher.finalize()).ok_or_else(|| AppError::Internal("bad hash".into()))?;
            Ok((sha256, size, kind))
        }
        .await;
        let (sha256, size, kind) = match result {
            Ok(v) => v,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
        };
        // The staged bytes, whole, for a store that takes them in one piece.
        let staged = || async {
            let bytes = tokio::fs::read(&tmp).await.map_err(io)?;
            if bytes.len() != size {
                return Err(AppError::Internal(format!("staged file holds {} of {size} bytes", bytes.len())));
            }
            Ok(bytes)
        };
        let stored = match &self.blobs {
            Blobs::Disk => {
                let path = self.path(&sha256);
                let root = self.root.clone();
                let tmp = tmp.clone();
                tokio::task::spawn_blocking(move || move_into_place(&tmp, &path, &root))
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))?
                    .map_err(io)
            }
            Blobs::Database(db) => match staged().await {
                Ok(bytes) => db.put_blob(&sha256, bytes).await.map_err(AppError::from),
                Err(e) => Err(e),
            },
            Blobs::S3(s3) => match staged().await {
                Ok(bytes) => s3.put(&Self::key(&sha256), &bytes).await.map_err(s3_failed),
                Err(e) => Err(e),
            },
        };
        if !matches!(self.blobs, Blobs::Disk) || stored.is_err() {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        stored?;
        Ok((sha256, size, kind))
    }

    pub async fn read(&self, sha256: &Hash) -> Result<Vec<u8>, AppError> {
        let on_disk = || async { tokio::fs::read(self.path(sha256)).await.map_err(|_| AppError::NotFound) };
        match &self.blobs {
            Blobs::Disk => on_disk().await,
            Blobs::Database(db) => match db.blob(sha256).await? {
                Some(bytes) => Ok(bytes),
                None => on_disk().await,
            },
            Blobs::S3(s3) => s3.get(&Self::key(sha256)).await.map_err(s3_failed)?.ok_or(AppError::NotFound),
        }
    }
}

/// Renames a synced temporary file to its content address (or drops it when the content is
/// already stored) and syncs the directory. Blocking: callers run it in `spawn_blocking`.
#[allow(clippy::disallowed_methods)]
fn move_into_place(tmp: &Path, path: &Path, root: &Path) -> std::io::Result<()> {
    if path.exists() {
        return std::fs::remove_file(tmp);
    }
    let dir = path.parent().unwrap_or(root);
    create_dir_durably(dir)?;
    std::fs::rename(tmp, path)?;
    std::fs::File::open(dir)?.sync_all()
}

/// Creates `dir` (and missing ancestors, three levels at most: `files/ab/cd`) and makes each
/// level durable by syncing its parent: a directory survives a power cut only once its entry
/// in its parent is synced, and without that a cut can take the new directory, and every file
/// renamed into it, away (found by tests/it/powerloss.rs). "It exists" is not enough: another
/// upload may have just made it and not synced yet, so each level is synced once per process.
#[allow(clippy::disallowed_methods)]
fn create_dir_durably(dir: &Path) -> std::io::Result<()> {
    static DURABLE: std::sync::Mutex<std::collections::BTreeSet<PathBuf>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let known = |d: &Path| match DURABLE.lock() {
        Ok(set) => set.contains(d),
        Err(poisoned) => poisoned.into_inner().contains(d),
    };
    if known(dir) {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    let levels: Vec<&Path> = dir.ancestors().take(3).take_while(|d| !known(d)).collect();
    for d in levels.into_iter().rev() {
        if let Some(parent) = d.parent() {
            std::fs::File::open(parent)?.sync_all()?;
        }
        match DURABLE.lock() {
            Ok(mut set) => set.insert(d.to_path_buf()),
            Err(poisoned) => poisoned.into_inner().insert(d.to_path_buf()),
        };
    }
    Ok(())
}

/// A stored file as a download: its type, its name for both old and new browsers (RFC 6266:
/// an ASCII fallback and the UTF-8 name), and never kept by a cache, since files are personal.
pub fn download(bytes: Vec<u8>, name: &str, kind: FileKind) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    use axum::response::IntoResponse;
    let ascii: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '_' }).collect();
    let utf8: String = form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20");
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{utf8}");
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.mime()));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    resp
}

/// An upload kept in its uploader's document store.
#[derive(Debug, Clone)]
pub struct Kept {
    /// The form's input it came from.
    pub field: String,
    pub file: StoredFile,
    /// Its name, cleaned to show and to offer as a download name.
    pub name: String,
}

/// An upload refused, with the input it came from and the name it was sent under.
#[derive(Debug)]
pub struct Refused {
    pub field: String,
    pub name: String,
    pub error: AppError,
}

/// Records a form's uploads in `account`'s document store (so the person may use them again,
/// and a form shown again after a mistake may name them without uploading them twice), held to
/// the account's quota. Returns what was kept, and each refusal (empty, too large, not a PDF,
/// JPEG or PNG, over quota).
pub async fn keep_uploads(
    state: &crate::state::AppState,
    account: &tinhso_store::Account,
    uploads: Vec<crate::form::Upload>,
) -> Result<(Vec<Kept>, Vec<Refused>), AppError> {
    let mut kept = Vec::new();
    let mut refused = Vec::new();
    let limits = state.upload_limits().await?;
    let quota = quota_for(limits, account);
    for up in uploads {
        let name = tinhso_kernel::files::clean_name(&up.name);
        let file = match up.stored {
            Ok(f) => f,
            Err(error) => {
                refused.push(Refused { field: up.field, name, error });
                continue;
            }
        };
        match state.store.documents.add_document(account.id, &file, &name, quota.as_ref()).await? {
            tinhso_store::Added::Added => kept.push(Kept { field: up.field, file, name }),
            tinhso_store::Added::OverQuota { today, total } => {
                refused.push(Refused { field: up.field, name, error: over_quota(limits, today, total) });
            }
        }
    }
    Ok((kept, refused))
}

/// How much one citizen may upload: a day's bytes and the document store's total
/// (`--upload-quota-day-mb`, `--upload-quota-total-mb`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaLimits {
    pub per_day: u64,
    pub total: u64,
}

impl QuotaLimits {
    /// Limits in megabytes, 0 meaning no limit on that measure; `None` when neither is limited.
    pub fn from_mb(per_day_mb: u64, total_mb: u64) -> Option<Self> {
        let bytes = |mb: u64| if mb == 0 { u64::MAX } else { mb.saturating_mul(1024 * 1024) };
        (per_day_mb > 0 || total_mb > 0).then(|| Self { per_day: bytes(per_day_mb), total: bytes(total_mb) })
    }
}

/// The quota `account`'s uploads are held to now: citizens only (a desk adding an applicant's
/// scans works for many people).
pub fn quota_for(limits: Option<QuotaLimits>, account: &tinhso_store::Account) -> Option<tinhso_store::UploadQuota> {
    let limits = limits?;
    if account.role != tinhso_policy::Role::Citizen {
        return None;
    }
    let midnight = calendar::day_start(calendar::local_date(chrono::Utc::now()));
    Some(tinhso_store::UploadQuota { per_day: limits.per_day, total: limits.total, day_start: midnight })
}

/// The refusal when a quota would be exceeded, in the person's words.
pub fn over_quota(limits: Option<QuotaLimits>, today: u64, total: u64) -> AppError {
    let mb = |b: u64| b.div_ceil(1024 * 1024);
    let l = limits.unwrap_or(QuotaLimits { per_day: 0, total: 0 });
    let (vi, en) = if total + 1 > l.total || l.per_day == 0 {
        (
            format!(
                "Kho dữ liệu của ông/bà đã dùng {} MB trên hạn mức {} MB. Hãy dùng lại giấy tờ đã có trong kho, hoặc liên hệ Bộ phận Một cửa.",
                mb(total),
                mb(l.total)
            ),
            format!("Your document store holds {} MB of its {} MB. Reuse documents already there.", mb(total), mb(l.total)),
        )
    } else {
        (
            format!(
                "Hôm nay ông/bà đã tải lên {} MB, hạn mức mỗi ngày là {} MB. Vui lòng tải tiếp vào ngày mai, hoặc dùng lại giấy tờ đã có trong kho.",
                mb(today),
                mb(l.per_day)
            ),
            format!("You uploaded {} MB today; the daily limit is {} MB. Please continue tomorrow.", mb(today), mb(l.per_day)),
        )
    };
    AppError::bad_request("quota_exceeded", vi, en)
}
