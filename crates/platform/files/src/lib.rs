//! Content-addressed file storage: on the data directory's disk (`files/ab/cd/<sha256>`), in
//! the database (PostgreSQL's `file_content`, so servers share files without a shared disk), or
//! in an S3-compatible object store (`s3`). Uploads stream to a local temporary file while
//! hashed and checked; the bytes are durable in their store before the database row that names
//! them is committed, so a committed record never points at a missing file; a crash can leave
//! only unreferenced content.
//!
//! May depend on: the kernel (hashes, file kinds and the size cap) and the storage ports (the
//! database's blob store). Nothing of HTTP: the HTTP crate turns a [`FileError`] into its
//! answer, and takes uploads from requests as streams of chunks.

pub mod room;
pub mod s3;

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tinhso_kernel::files::{FileKind, HEAD_BYTES, MAX_FILE_BYTES, TAIL_BYTES};
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
    S3(s3::S3),
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
    /// Bytes uploads leave free on the data directory's disk (`room`).
    reserve: u64,
    /// Uploads refused for want of room, since the start (for `/metrics`).
    refused_for_room: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// Why a file was not stored or read.
#[derive(Debug)]
pub enum FileError {
    /// Not a file the store takes (empty, too large, not a PDF, JPEG or PNG): said to the
    /// person who sent it, in both languages.
    Refused { vi: String, en: String },
    /// The body carrying the file could not be read (too slow, cut off, over the request's
    /// limit): the HTTP crate says which.
    Body(Box<dyn std::error::Error + Send + Sync>),
    /// No content under that hash.
    NotFound,
    /// The database's blob store failed.
    Store(tinhso_store::StoreError),
    /// The data directory's disk has no room for an upload beyond the database's reserve
    /// (`room`): nothing was stored; said to the sender as the server's trouble, not theirs.
    NoRoom,
    /// The disk or the object store failed.
    Io(String),
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused { en, .. } => f.write_str(en),
            Self::Body(e) => write!(f, "reading the file: {e}"),
            Self::NotFound => f.write_str("no such file"),
            Self::NoRoom => f.write_str("no room on the data directory's disk for an upload"),
            Self::Store(e) => write!(f, "{e}"),
            Self::Io(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for FileError {}

impl From<tinhso_store::StoreError> for FileError {
    fn from(e: tinhso_store::StoreError) -> Self {
        Self::Store(e)
    }
}

fn s3_failed(e: s3::S3Error) -> FileError {
    FileError::Io(e.to_string())
}

fn invalid_file(vi: &str, en: &str) -> FileError {
    FileError::Refused { vi: vi.to_owned(), en: en.to_owned() }
}

fn internal(e: impl std::fmt::Display) -> FileError {
    FileError::Io(e.to_string())
}

impl FileStore {
    /// `root`: the data directory's `files` (contents on disk, and every upload's staging).
    pub fn new(root: impl Into<PathBuf>, blobs: Blobs) -> Self {
        Self { root: root.into(), blobs, reserve: room::DEFAULT_RESERVE_BYTES, refused_for_room: Default::default() }
    }

    /// The same store leaving `bytes` free on the data directory's disk for the database.
    pub fn with_reserve(self, bytes: u64) -> Self {
        Self { reserve: bytes, ..self }
    }

    /// The reserve uploads leave free.
    pub fn reserve(&self) -> u64 {
        self.reserve
    }

    /// The room on the data directory's disk now.
    pub async fn room(&self) -> Result<room::Room, FileError> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || room::room(&root)).await.map_err(internal)?.map_err(internal)
    }

    /// Uploads refused for want of room since the start.
    pub fn refused_for_room(&self) -> u64 {
        self.refused_for_room.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn no_room(&self) -> FileError {
        self.refused_for_room.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        FileError::NoRoom
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

    /// Stores a file arriving as a stream of chunks (a request body, a multipart part): written
    /// to a temporary file as it comes, hashed on the way, refused past the size cap, never
    /// held in memory whole.
    pub async fn put_chunks<S, E>(&self, chunks: S) -> Result<StoredFile, FileError>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        E: std::error::Error + Send + Sync + 'static,
    {
        let (sha256, size, kind) = self
            .put_checked(chunks, Some(self.reserve), |head, tail, size| {
                let kind = FileKind::sniff(head).ok_or_else(|| {
                    invalid_file("Chỉ nhận tệp PDF, JPEG hoặc PNG", "Only PDF, JPEG or PNG files are accepted")
                })?;
                match (kind.intact(head, tail, size), kind) {
                    (true, _) => Ok(Some(kind)),
                    (false, FileKind::Pdf) => Err(invalid_file(
                        "Tệp PDF không đầy đủ (thiếu phần cuối tệp), có thể do tải về hoặc sao chép bị gián đoạn: mở thử tệp trên máy, tải hoặc xuất lại rồi chọn lại",
                        "The PDF is incomplete (its end is missing), perhaps cut off while downloading or copying: open it on your device, download or export it again, then choose it again",
                    )),
                    (false, FileKind::Jpeg | FileKind::Png) => Err(invalid_file(
                        "Ảnh không đầy đủ hoặc bị hỏng (không đọc được hình): chụp hoặc xuất lại ảnh rồi chọn lại",
                        "The picture is incomplete or damaged (no image can be read from it): take or export it again, then choose it again",
                    )),
                }
            })
            .await?;
        let kind = kind.ok_or_else(|| internal("unsniffed file"))?;
        Ok(StoredFile { sha256, size: size as u64, kind })
    }

    /// Stores a file of any type (open data: CSV, XLSX, JSON...), the same way: streamed,
    /// hashed, capped, durable before its name is. Returns its hash and size.
    pub async fn put_any<S, E>(&self, chunks: S) -> Result<(Hash, usize), FileError>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        E: std::error::Error + Send + Sync + 'static,
    {
        self.put_checked(chunks, Some(self.reserve), |_, _, _| Ok(None)).await.map(|(h, n, _)| (h, n))
    }

    /// Stores a document the platform itself made (a signed result), checked like an upload
    /// but not held to the uploads' reserve: it finishes work already done, is small, and the
    /// reserve is kept for exactly such writes.
    pub async fn put_issued(&self, pdf: Vec<u8>) -> Result<StoredFile, FileError> {
        let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(pdf))]);
        let (sha256, size, kind) = self
            .put_checked(chunks, None, |head, tail, size| match FileKind::sniff(head) {
                Some(kind) if kind.intact(head, tail, size) => Ok(Some(kind)),
                _ => Err(internal("the platform made a file that is not a whole PDF, JPEG or PNG")),
            })
            .await?;
        let kind = kind.ok_or_else(|| internal("unsniffed file"))?;
        Ok(StoredFile { sha256, size: size as u64, kind })
    }

    /// `reserve`: the room to leave on the data directory's disk (None: only what the disk has).
    async fn put_checked<S, E, F>(
        &self,
        chunks: S,
        reserve: Option<u64>,
        check: F,
    ) -> Result<(Hash, usize, Option<FileKind>), FileError>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        E: std::error::Error + Send + Sync + 'static,
        // Given the file's first bytes (up to `HEAD_BYTES`), its last (up to `TAIL_BYTES`) and
        // its size, once all of it has come.
        F: Fn(&[u8], &[u8], usize) -> Result<Option<FileKind>, FileError>,
    {
        use futures_util::StreamExt;
        use tokio::io::AsyncWriteExt;
        let io = |e: std::io::Error| match room::is_no_room(&e) {
            true => FileError::NoRoom,
            false => FileError::Io(format!("storing a file: {e}")),
        };
        let tmp_dir = self.root.join("tmp");
        let made = tmp_dir.clone();
        let room = tokio::task::spawn_blocking(move || create_dir_durably(&made).map(|()| room::room(&made)))
            .await
            .map_err(internal)?
            .map_err(io)?;
        // A disk that cannot say its room still takes the file: a full one refuses the write.
        let room = room.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the data directory's disk could not be measured");
            room::Room { free: u64::MAX, size: u64::MAX }
        });
        if let Some(reserve) = reserve.filter(|r| !room.takes_upload(*r)) {
            tracing::error!(free = room.free, reserve, "an upload was refused: the data disk is down to its reserve");
            return Err(self.no_room());
        }
        let mut nonce = [0u8; 8];
        getrandom::getrandom(&mut nonce).map_err(internal)?;
        let tmp = tmp_dir.join(hex::encode(nonce));
        let result = async {
            let mut file = tokio::fs::File::create(&tmp).await.map_err(io)?;
            let mut hasher = Sha256::new();
            let (mut head, mut tail): (Vec<u8>, Vec<u8>) = (Vec::new(), Vec::new());
            let mut size = 0usize;
            let mut chunks = chunks;
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.map_err(|e| FileError::Body(Box::new(e)))?;
                size += chunk.len();
                if size > MAX_FILE_BYTES {
                    return Err(invalid_file(
                        &format!("Tệp lớn hơn {} MB", MAX_FILE_BYTES / 1024 / 1024),
                        &format!("The file is larger than {} MB", MAX_FILE_BYTES / 1024 / 1024),
                    ));
                }
                if head.len() < HEAD_BYTES {
                    head.extend(chunk.iter().take(HEAD_BYTES - head.len()));
                }
                tail.extend_from_slice(&chunk[chunk.len().saturating_sub(TAIL_BYTES)..]);
                if tail.len() > 2 * TAIL_BYTES {
                    tail.drain(..tail.len() - TAIL_BYTES);
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
            let kind = check(&head, &tail[tail.len().saturating_sub(TAIL_BYTES)..], size)?;
            // tokio hands writes to a background thread: wait until the last one is done, or a
            // read of the staged file below can see it short (found on PostgreSQL in a clean run).
            file.flush().await.map_err(io)?;
            if matches!(self.blobs, Blobs::Disk) {
                // The staged file becomes the stored one: its bytes must be on disk first.
                file.sync_all().await.map_err(io)?;
            }
            let sha256 = Hash::of_digest(&hasher.finalize()).ok_or_else(|| internal("bad hash"))?;
            Ok((sha256, size, kind))
        }
        .await;
        let (sha256, size, kind) = match result {
            Ok(v) => v,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(match e {
                    FileError::NoRoom => self.no_room(),
                    e => e,
                });
            }
        };
        // The staged bytes, whole, for a store that takes them in one piece.
        let staged = || async {
            let bytes = tokio::fs::read(&tmp).await.map_err(io)?;
            if bytes.len() != size {
                return Err(internal(format!("staged file holds {} of {size} bytes", bytes.len())));
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
                    .map_err(internal)?
                    .map_err(io)
            }
            Blobs::Database(db) => match staged().await {
                Ok(bytes) => db.put_blob(&sha256, bytes).await.map_err(FileError::from),
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
        stored.map_err(|e| match e {
            FileError::NoRoom => self.no_room(),
            e => e,
        })?;
        Ok((sha256, size, kind))
    }

    pub async fn read(&self, sha256: &Hash) -> Result<Vec<u8>, FileError> {
        let on_disk = || async { tokio::fs::read(self.path(sha256)).await.map_err(|_| FileError::NotFound) };
        match &self.blobs {
            Blobs::Disk => on_disk().await,
            Blobs::Database(db) => match db.blob(sha256).await? {
                Some(bytes) => Ok(bytes),
                None => on_disk().await,
            },
            Blobs::S3(s3) => s3.get(&Self::key(sha256)).await.map_err(s3_failed)?.ok_or(FileError::NotFound),
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
