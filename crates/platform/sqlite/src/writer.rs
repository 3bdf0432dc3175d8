//! Group commit: one thread owns the write connection and commits many writes per fsync.
//!
//! A batch's jobs run one after another in one transaction, without a savepoint each (a
//! savepoint copies every page a job touches first): if a job fails, the transaction is rolled
//! back and the batch's other jobs run again, each in a savepoint of its own, as does every
//! later job of that batch. So a failing job undoes only itself, and jobs are `Fn`.
//!
//! A write is never acknowledged before its commit is on disk: the connection commits into the
//! WAL without syncing (`synchronous=NORMAL`), and a second thread fsyncs the WAL and only then
//! answers every job of the batches that fsync covers (as durable as `synchronous=FULL`). While
//! one fsync is in flight the writer keeps running newly arrived jobs into the next transaction
//! and commits it when the fsync is done, so a batch is as large as the disk's latency lets it
//! grow: its shared pages (table and index tails, counters, the chain head) reach the WAL once
//! per fsync instead of once per small commit. Readers may see a batch a moment before it is
//! durable; nothing that depends on it is answered before it is.
//!
//! Checkpoints (copying the WAL back into the database file, and its fsync) run on a third
//! thread, so a commit never waits for one; copying a second of WAL at once also writes each
//! hot page once rather than once per commit.

use crate::map_err;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, TryRecvError};
use std::sync::Arc;
use tinhso_store::{Result, StoreError};

/// Most jobs in one commit (bounds latency of the last one in a burst).
const MAX_BATCH: usize = 512;

/// A queued write.
pub trait Job: Send {
    /// Runs inside the batch's transaction (again, if a neighbour's failure undid it); says
    /// whether it succeeded. Only the last run's result is kept.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Answers once the batch's fate is known: its own result, or the commit's error.
    fn answer(self: Box<Self>, commit_error: Option<&StoreError>);
}

struct WriteJob<T, F> {
    f: F,
    out: Option<Result<T>>,
    answer: tokio::sync::oneshot::Sender<Result<T>>,
}

impl<T, F> Job for WriteJob<T, F>
where
    T: Send + 'static,
    F: Fn(&Connection) -> Result<T> + Send + 'static,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let out = (self.f)(conn);
        let ok = out.is_ok();
        self.out = Some(out);
        ok
    }

    fn answer(self: Box<Self>, commit_error: Option<&StoreError>) {
        let WriteJob { out, answer, .. } = *self;
        let _ = answer.send(match (commit_error, out) {
            (Some(e), _) => Err(StoreError::Backend(format!("commit failed: {e}"))),
            (None, Some(out)) => out,
            (None, None) => Err(StoreError::Backend("the write did not run".into())),
        });
    }
}

/// What the writer thread is told: a job, that an fsync finished, or to stop.
enum Msg {
    Job(Box<dyn Job>),
    Synced,
    Stop,
}

pub struct Writer {
    messages: mpsc::Sender<Msg>,
}

impl Drop for Writer {
    fn drop(&mut self) {
        let _ = self.messages.send(Msg::Stop);
    }
}

/// How often the checkpointer copies the WAL into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(1000);
/// WAL frames (pages) after which the writer lets the WAL start over from its beginning (270 MB
/// of WAL file with 4 KiB pages; about a second and a half of writes at full load).
const RESTART_FRAMES: i32 = 65_536;
/// The WAL file size kept when the WAL starts over: `RESTART_FRAMES` frames (a 24-byte header and
/// a 4 KiB page each) and room for a last batch.
const WAL_KEPT_BYTES: i64 = RESTART_FRAMES as i64 * (24 + 4096) + 32 * 1024 * 1024;

thread_local! {
    /// Frames in the WAL after the writer thread's last commit (SQLite's WAL hook says).
    static WAL_FRAMES: std::cell::Cell<i32> = const { std::cell::Cell::new(0) };
}

fn note_wal_frames(_: &rusqlite::hooks::Wal, frames: std::ffi::c_int) -> rusqlite::Result<()> {
    WAL_FRAMES.with(|f| f.set(frames));
    Ok(())
}

/// Copies committed WAL frames into the database while writes go on (PASSIVE: it never
/// blocks the writer or readers), until the writer is gone.
fn checkpoints(conn: Connection, writer: std::sync::Weak<()>) {
    while writer.strong_count() > 0 {
        std::thread::sleep(CHECKPOINT_EVERY);
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "WAL checkpoint failed; will retry");
        }
    }
}

/// SQLite restarts the WAL only when a write transaction begins with every frame copied back,
/// which a background checkpoint never sees under steady writes (the writer has always just
/// committed more). So when the WAL is long, the writer checkpoints between two batches itself:
/// the checkpointer has already copied nearly everything, so this copies one batch's frames.
fn restart_when_long(conn: &Connection) {
    if WAL_FRAMES.with(|f| f.replace(0)) < RESTART_FRAMES {
        return;
    }
    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
        tracing::warn!(error = %e, "WAL checkpoint by the writer failed; will retry");
    }
}

/// Committed jobs, waiting for the fsync that makes them durable.
type Committed = Vec<Box<dyn Job>>;

/// Fsyncs the WAL once for every batch committed since the last fsync, answers them, and tells
/// the writer the disk is free again.
fn syncs(wal: PathBuf, committed: mpsc::Receiver<Committed>, writer: mpsc::Sender<Msg>) {
    let mut file = None;
    while let Ok(mut waiting) = committed.recv() {
        while let Ok(more) = committed.try_recv() {
            waiting.extend(more);
        }
        match sync_wal(&wal, &mut file) {
            Ok(()) => waiting.into_iter().for_each(|j| j.answer(None)),
            Err(e) => {
                tracing::error!(error = %e, wal = %wal.display(), "fsync of the WAL failed");
                let e = StoreError::Backend(format!("fsync of the WAL failed: {e}"));
                waiting.into_iter().for_each(|j| j.answer(Some(&e)));
            }
        }
        let _ = writer.send(Msg::Synced);
    }
}

/// fdatasync of the WAL file, reopened if SQLite has replaced it since the last call. Runs on
/// the sync thread, never on the async runtime.
#[allow(clippy::disallowed_methods)]
fn sync_wal(path: &Path, file: &mut Option<std::fs::File>) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let current = std::fs::metadata(path)?.ino();
    let open = match file {
        Some(f) => f.metadata()?.ino() == current,
        None => false,
    };
    if !open {
        *file = Some(std::fs::File::open(path)?);
    }
    match file {
        Some(f) => f.sync_data(),
        None => Err(std::io::Error::other("WAL file not open")),
    }
}

impl Writer {
    /// Starts the writer thread on `conn`, the WAL's fsync thread and the checkpoint thread on
    /// `checkpointer`; `db` is the database file.
    pub fn start(conn: Connection, checkpointer: Connection, db: &Path) -> std::io::Result<Self> {
        // The WAL fsync moves to the sync thread. When the WAL starts over, its file is kept at
        // the size it reaches before a restart, so that commits overwrite blocks the file already
        // has: truncating it to less made every commit under load grow the file again, and the
        // filesystem's block allocation took two fifths of the commit's time (measured).
        conn.execute_batch(&format!(
            "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = {WAL_KEPT_BYTES};"
        ))
        .map_err(std::io::Error::other)?;
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        let wal = PathBuf::from(wal);
        let alive = Arc::new(());
        let watch = Arc::downgrade(&alive);
        std::thread::Builder::new().name("sqlite-checkpoint".into()).spawn(move || checkpoints(checkpointer, watch))?;
        let (messages, inbox) = mpsc::channel::<Msg>();
        let (to_sync, committed) = mpsc::channel::<Committed>();
        let synced = messages.clone();
        std::thread::Builder::new().name("sqlite-sync".into()).spawn(move || syncs(wal, committed, synced))?;
        std::thread::Builder::new().name("sqlite-writer".into()).spawn(move || {
            let _alive = alive;
            writes(conn, inbox, to_sync);
        })?;
        Ok(Self { messages })
    }

    /// Queues `f`; resolves after the commit that includes it is durable.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&Connection) -> Result<T> + Send + 'static,
    {
        let (answer, rx) = tokio::sync::oneshot::channel::<Result<T>>();
        self.messages
            .send(Msg::Job(Box::new(WriteJob { f, out: None, answer })))
            .map_err(|_| StoreError::Backend("the writer thread has stopped".into()))?;
        rx.await.map_err(|_| StoreError::Backend("the writer thread dropped a write".into()))?
    }
}

/// The writer thread: batches jobs into transactions, one commit per fsync the disk can do.
fn writes(mut conn: Connection, inbox: mpsc::Receiver<Msg>, to_sync: mpsc::Sender<Committed>) {
    conn.wal_hook(Some(note_wal_frames));
    // Whether a committed batch is still waiting for its fsync.
    let mut syncing = false;
    loop {
        let first = match inbox.recv() {
            Ok(Msg::Job(j)) => j,
            Ok(Msg::Synced) => {
                syncing = false;
                continue;
            }
            Ok(Msg::Stop) | Err(_) => return,
        };
        let mut batch = Batch::begin(&mut conn);
        batch.run(first);
        let mut stop = false;
        // While the last commit is syncing, every job that arrives joins this batch.
        while batch.done.len() < MAX_BATCH {
            let msg = if syncing {
                inbox.recv().ok()
            } else {
                match inbox.try_recv() {
                    Ok(m) => Some(m),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => None,
                }
            };
            match msg {
                Some(Msg::Job(j)) => batch.run(j),
                Some(Msg::Synced) => syncing = false,
                Some(Msg::Stop) | None => {
                    stop = true;
                    break;
                }
            }
        }
        if let Some(jobs) = batch.commit() {
            if let Err(mpsc::SendError(jobs)) = to_sync.send(jobs) {
                let e = StoreError::Backend("the WAL sync thread has stopped".into());
                jobs.into_iter().for_each(|j| j.answer(Some(&e)));
            }
            syncing = true;
        }
        restart_when_long(&conn);
        if stop {
            return;
        }
    }
}

/// One open transaction and the jobs run in it.
struct Batch<'c> {
    conn: &'c mut Connection,
    /// Jobs run (succeeded or failed), answered after the commit.
    done: Vec<Box<dyn Job>>,
    /// After a failure: each job in a savepoint of its own.
    careful: bool,
    /// The transaction could not be (re)started: every job gets this error.
    broken: Option<StoreError>,
}

impl<'c> Batch<'c> {
    fn begin(conn: &'c mut Connection) -> Self {
        let broken = conn.execute_batch("BEGIN IMMEDIATE").map_err(map_err).err();
        Self { conn, done: Vec::new(), careful: false, broken }
    }

    fn run(&mut self, mut job: Box<dyn Job>) {
        if let Some(e) = &self.broken {
            job.answer(Some(e));
            return;
        }
        if self.careful {
            self.run_alone(job);
            return;
        }
        if job.run(self.conn) {
            self.done.push(job);
            return;
        }
        // The job may have written before failing: undo the whole transaction and redo the
        // others, each alone; its own stored result is its error.
        self.careful = true;
        let redo = std::mem::take(&mut self.done);
        self.done.push(job);
        // (An I/O error may have ended the transaction already.)
        let restart = if self.conn.is_autocommit() { "BEGIN IMMEDIATE" } else { "ROLLBACK; BEGIN IMMEDIATE" };
        let restarted = self.conn.execute_batch(restart).map_err(map_err);
        if let Err(e) = restarted {
            redo.into_iter().for_each(|j| j.answer(Some(&e)));
            self.broken = Some(e);
            return;
        }
        redo.into_iter().for_each(|j| self.run_alone(j));
    }

    /// Runs `job` in a savepoint, kept if it succeeded.
    fn run_alone(&mut self, mut job: Box<dyn Job>) {
        if let Err(e) = self.conn.execute_batch("SAVEPOINT job").map_err(map_err) {
            job.answer(Some(&e));
            return;
        }
        let end = if job.run(self.conn) { "RELEASE job" } else { "ROLLBACK TO job; RELEASE job" };
        match self.conn.execute_batch(end).map_err(map_err) {
            Ok(()) => self.done.push(job),
            Err(e) => job.answer(Some(&e)),
        }
    }

    /// Commits; returns the jobs to answer once the commit is durable (none if the batch
    /// failed, whose jobs are answered at once).
    fn commit(self) -> Option<Committed> {
        let Batch { conn, done, broken, .. } = self;
        if let Some(e) = broken {
            done.into_iter().for_each(|j| j.answer(Some(&e)));
            return None;
        }
        match conn.execute_batch("COMMIT").map_err(map_err) {
            Ok(()) => Some(done),
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                done.into_iter().for_each(|j| j.answer(Some(&e)));
                None
            }
        }
    }
}
