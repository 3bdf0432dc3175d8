//! Group commit: one thread owns the write connection and commits many writes per fsync.
//!
//! A batch's jobs run one after another in one transaction, without a savepoint each (a
//! savepoint copies every page a job touches first): if a job fails, the transaction is rolled
//! back and the batch's other jobs run again, each in a savepoint of its own, as does every
//! later job of that batch. So a failing job undoes only itself, and jobs are `Fn`.
//!
//! Durable before visible: the connection commits with `synchronous=FULL`, so SQLite syncs
//! (`fdatasync`) the WAL frames of a commit *before* it publishes them in the WAL index, where
//! readers find them. No reader, page, export or API answer can show a batch whose commit is not on disk,
//! and a code or chain id is never shown and then issued again after a power cut. Jobs that
//! arrive while a commit is syncing queue up and form the next batch, so a batch is as large
//! as the disk's latency lets it grow (one fsync for many writes).
//!
//! An I/O error (a failed fsync, a full or failing disk) stops the writer and the process:
//! after a failed fsync the kernel may have dropped the pages, and going on could acknowledge
//! later writes on top of lost ones. Every job of the failed batch and every later job is
//! answered with an error first; the operator restarts once the disk is sound, and SQLite
//! recovers the last durable state from the WAL.
//!
//! Checkpoints (copying the WAL back into the database file, and its fsync) run on another
//! thread, so a commit never waits for one; copying a second of WAL at once also writes each
//! hot page once rather than once per commit.

use crate::map_err;
use crate::readers::Readers;
use rusqlite::Connection;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, TryRecvError};
use std::sync::Arc;
use tinhso_store::stats::{self, Histogram};
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

/// What the writer thread is told: a job, or to stop.
enum Msg {
    Job(Box<dyn Job>),
    Stop,
}

pub struct Writer {
    messages: mpsc::Sender<Msg>,
    stats: Arc<Stats>,
}

/// The writer's counters (read by `/metrics`).
pub struct Stats {
    queued: std::sync::atomic::AtomicU64,
    /// Jobs per commit; each commit's time; the part of it spent waiting for the disk (their
    /// counts and sums are the totals of commits, writes and commit time).
    pub sizes: Histogram,
    pub commits: Histogram,
    pub syncs: Histogram,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            queued: Default::default(),
            sizes: Histogram::new(stats::BATCH_SIZES),
            commits: Histogram::new(stats::DISK_SECONDS),
            syncs: Histogram::new(stats::DISK_SECONDS),
        }
    }
}

impl Stats {
    /// Writes queued now.
    pub fn queued(&self) -> u64 {
        self.queued.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn committed(&self, jobs: usize, took: std::time::Duration) {
        self.sizes.observe(jobs as f64);
        self.commits.observe_duration(took);
        // The VFS's syncs since the last commit: this commit's, and any the writer made
        // between (a checkpoint before the WAL starts over).
        self.syncs.observe_duration(tinhso_sqlite_vfs::take_sync_time());
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        let _ = self.messages.send(Msg::Stop);
    }
}

/// How often the checkpointer copies the WAL into the database file. Often, so that each copy
/// (and the database file's fsync after it) is small: once a second, that fsync held the WAL's
/// commits back by tens of milliseconds; every 100 ms, open-loop p99 at 80 % load fell from 36
/// to 19 ms at the same throughput (BENCHMARKS.md, issue 13).
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);
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

/// Checkpoints in a row when the writer asks, at most.
const MAX_CATCH_UP_PASSES: usize = 4;
/// WAL frames not yet copied back that the checkpointer leaves to the writer (about 2 MiB).
const LEFT_FOR_THE_WRITER: i64 = 512;

/// Between the writer and the checkpointer: the writer asks for a checkpoint now when the WAL
/// has grown long, and hears when one that began after its asking has finished.
#[derive(Default)]
struct CatchUp {
    asked: AtomicBool,
    caught_up: AtomicBool,
}

/// Copies committed WAL frames into the database while writes go on (PASSIVE: it never
/// blocks the writer or readers), every `CHECKPOINT_EVERY` or at once when the writer asks,
/// until the writer is gone.
fn checkpoints(conn: Connection, writer: std::sync::Weak<()>, readers: &Readers, catch_up: &CatchUp) {
    while writer.strong_count() > 0 {
        std::thread::park_timeout(CHECKPOINT_EVERY);
        let asked = catch_up.asked.swap(false, Ordering::AcqRel);
        // Asked, it copies again what was committed during its last copy, until little is left
        // for the writer to copy while holding commits back.
        for _ in 0..if asked { MAX_CATCH_UP_PASSES } else { 1 } {
            readers.release_stale();
            match conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))
            {
                Ok((frames, copied)) if frames - copied > LEFT_FOR_THE_WRITER => continue,
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "WAL checkpoint failed; will retry");
                    break;
                }
            }
        }
        if asked {
            catch_up.caught_up.store(true, Ordering::Release);
        }
    }
}

/// SQLite restarts the WAL only when a write transaction begins with every frame copied back,
/// which a background checkpoint never sees under steady writes (the writer has always just
/// committed more). So when the WAL is long, the writer checkpoints between two batches itself,
/// holding back the next commit meanwhile. To keep that short, it first asks the checkpointer
/// to copy everything so far while it goes on committing, and copies only what it committed
/// since: done in one go, the writer's copy took about 33 ms (up to 100 ms of writes and the
/// database file's fsync), long enough to show in every p99.
fn restart_when_long(conn: &Connection, readers: &Readers, checkpointer: &std::thread::Thread, catch_up: &CatchUp) {
    if WAL_FRAMES.with(std::cell::Cell::get) < RESTART_FRAMES {
        return;
    }
    if !catch_up.caught_up.swap(false, Ordering::AcqRel) {
        if !catch_up.asked.swap(true, Ordering::AcqRel) {
            checkpointer.unpark();
        }
        return;
    }
    // An idle reader's snapshot would keep the WAL from starting over.
    readers.release_all();
    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
        tracing::warn!(error = %e, "WAL checkpoint by the writer failed; will retry");
    }
}

/// The exit status of a process whose storage failed (`EX_IOERR`).
pub const EXIT_STORAGE_FAILED: i32 = 74;

/// Whether an error means the disk cannot be trusted: I/O, a full disk, a file that vanished.
fn is_storage_failure(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode as C;
    matches!(
        e.sqlite_error_code(),
        Some(C::SystemIoFailure | C::DiskFull | C::CannotOpen | C::DatabaseCorrupt | C::NotADatabase | C::ReadOnly)
    )
}

/// Stops the process after a storage failure, saying why (nothing more is acknowledged).
fn storage_failed(e: &dyn std::fmt::Display) -> ! {
    tracing::error!(error = %e, "the database's storage failed: stopping");
    eprintln!(
        "LỖI NGHIÊM TRỌNG: ghi cơ sở dữ liệu thất bại ({e}). Máy chủ dừng để không xác nhận dữ liệu chưa lưu bền; \
         kiểm tra ổ đĩa rồi khởi động lại. / FATAL: database storage failed ({e}); stopping so that nothing \
         is acknowledged that is not durable; check the disk, then restart."
    );
    std::process::exit(EXIT_STORAGE_FAILED)
}

impl Writer {
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Starts the writer thread on `conn` and the checkpoint thread on `checkpointer`.
    pub fn start(conn: Connection, checkpointer: Connection, readers: Arc<Readers>) -> std::io::Result<Self> {
        // FULL: each commit's WAL frames are synced before readers can see them. When the WAL
        // starts over, its file is kept at the size it reaches before a restart, so that
        // commits overwrite blocks the file already has: truncating it to less made every
        // commit under load grow the file again, and the filesystem's block allocation took two
        // fifths of the commit's time (measured).
        conn.execute_batch(&format!(
            "PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = {WAL_KEPT_BYTES};"
        ))
        .map_err(std::io::Error::other)?;
        let alive = Arc::new(());
        let watch = Arc::downgrade(&alive);
        let (checkpointed, catch_up) = (readers.clone(), Arc::new(CatchUp::default()));
        let asking = catch_up.clone();
        let checkpoint_thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoints(checkpointer, watch, &checkpointed, &catch_up))?
            .thread()
            .clone();
        let (messages, inbox) = mpsc::channel::<Msg>();
        let stats = Arc::new(Stats::default());
        let counted = stats.clone();
        std::thread::Builder::new().name("sqlite-writer".into()).spawn(move || {
            let _alive = alive;
            let restart = |c: &Connection| restart_when_long(c, &readers, &checkpoint_thread, &asking);
            writes(conn, inbox, &counted, &readers, restart);
        })?;
        Ok(Self { messages, stats })
    }

    /// Queues `f`; resolves after the commit that includes it is durable.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&Connection) -> Result<T> + Send + 'static,
    {
        let (answer, rx) = tokio::sync::oneshot::channel::<Result<T>>();
        self.stats.queued.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.messages
            .send(Msg::Job(Box::new(WriteJob { f, out: None, answer })))
            .map_err(|_| StoreError::Backend("the writer thread has stopped".into()))?;
        rx.await.map_err(|_| StoreError::Backend("the writer thread dropped a write".into()))?
    }
}

/// The writer thread: batches jobs into transactions, one commit (and fsync) per batch; the
/// jobs that arrive during a commit make the next batch.
fn writes(
    mut conn: Connection,
    inbox: mpsc::Receiver<Msg>,
    stats: &Stats,
    readers: &Readers,
    restart_when_long: impl Fn(&Connection),
) {
    use std::sync::atomic::Ordering::Relaxed;
    conn.wal_hook(Some(note_wal_frames));
    // Syncs before this thread (the migrations, on this connection) are no commit's.
    let _ = tinhso_sqlite_vfs::take_sync_time();
    let taken = |n: u64| stats.queued.fetch_sub(n.min(stats.queued.load(Relaxed)), Relaxed);
    loop {
        let first = match inbox.recv() {
            Ok(Msg::Job(j)) => j,
            Ok(Msg::Stop) | Err(_) => return,
        };
        taken(1);
        let mut batch = Batch::begin(&mut conn);
        batch.run(first);
        let mut stop = false;
        while batch.done.len() < MAX_BATCH {
            match inbox.try_recv() {
                Ok(Msg::Job(j)) => {
                    taken(1);
                    batch.run(j)
                }
                Err(TryRecvError::Empty) => break,
                Ok(Msg::Stop) | Err(TryRecvError::Disconnected) => {
                    stop = true;
                    break;
                }
            }
        }
        // Durable (FULL) and only then visible: readers told, then answered at once.
        let started = std::time::Instant::now();
        if let Some(jobs) = batch.commit() {
            readers.committed();
            stats.committed(jobs.len(), started.elapsed());
            jobs.into_iter().for_each(|j| j.answer(None));
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
        let broken = match conn.execute_batch("BEGIN IMMEDIATE") {
            Err(e) if is_storage_failure(&e) => storage_failed(&e),
            r => r.map_err(map_err).err(),
        };
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

    /// Commits; returns the jobs to answer, their commit durable (none if the batch failed,
    /// whose jobs are answered at once). A storage failure answers them and stops the process.
    fn commit(self) -> Option<Vec<Box<dyn Job>>> {
        let Batch { conn, done, broken, .. } = self;
        if let Some(e) = broken {
            done.into_iter().for_each(|j| j.answer(Some(&e)));
            return None;
        }
        match conn.execute_batch("COMMIT") {
            Ok(()) => Some(done),
            Err(e) => {
                let (fatal, said) = (is_storage_failure(&e), e.to_string());
                let _ = conn.execute_batch("ROLLBACK");
                let err = map_err(e);
                done.into_iter().for_each(|j| j.answer(Some(&err)));
                if fatal {
                    storage_failed(&said);
                }
                None
            }
        }
    }
}
