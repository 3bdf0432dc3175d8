//! The pool of read connections. Each keeps its read transaction (its snapshot) open between
//! uses for as long as nothing has been committed since it began, and never longer than
//! [`MAX_STALE`].
//!
//! Why: beginning and ending a read transaction in WAL mode takes and drops a lock on a slot of
//! the shared WAL index, and SQLite's unix VFS does both under one process-wide mutex with an
//! `fcntl` inside it. Under a load of public lookups the two request threads queued on that
//! mutex (a futex sleep and wake-up, a context switch) about once per three lookups; taking the
//! locks out of the path (the `unix-excl` VFS, measured, not kept because it shuts every other
//! process out of the file) served 19 % more lookups (BENCHMARKS.md, issue 13).
//!
//! What a reader sees stays what it saw before: every commit this process acknowledged (the
//! writer counts a commit in [`Readers::committed`] after it is durable and before it answers,
//! so a snapshot taken before it is replaced at the next use), and a commit by another process
//! (an operator's command) within [`MAX_STALE`]. A snapshot only ever holds durable data: the
//! writer commits with `synchronous=FULL`.
//!
//! An open snapshot keeps the WAL from being copied back past it and from starting over, so the
//! checkpointer ends the idle readers' stale snapshots before each checkpoint
//! ([`Readers::release_stale`]), and the writer ends every idle reader's before it lets the WAL
//! start over ([`Readers::release_all`]).

use crate::{backend, open_reader};
use rusqlite::Connection;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tinhso_store::Result;

/// Read connections kept open; about the number of requests served at once.
const MAX_IDLE_READERS: usize = 32;
/// The longest a reader keeps a snapshot: how late a commit by another process may be seen.
pub const MAX_STALE: Duration = Duration::from_millis(10);

pub(crate) struct Readers {
    path: PathBuf,
    pool: Mutex<Vec<Reader>>,
    /// Commits made durable by this process's writer.
    commits: AtomicU64,
}

struct Reader {
    conn: Connection,
    /// The open read transaction's start: the commit count seen before it began, and when.
    snapshot: Option<(u64, Instant)>,
}

impl Reader {
    /// Ends the read transaction, if any; false if the connection could not end it.
    fn end(&mut self) -> bool {
        self.snapshot = None;
        self.conn.is_autocommit() || self.conn.prepare_cached("COMMIT").and_then(|mut st| st.execute([])).is_ok()
    }

    fn is_stale(&self, commits: u64) -> bool {
        self.snapshot.is_some_and(|(seen, since)| seen != commits || since.elapsed() >= MAX_STALE)
    }
}

impl Readers {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self { path, pool: Mutex::new(Vec::new()), commits: AtomicU64::new(0) }
    }

    /// Runs `f` in a pooled reader's snapshot: the open one if still current, else a new one.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let mut reader = self.checkout()?;
        let out = f(&reader.conn).map_err(crate::map_err);
        if reader.conn.is_autocommit() {
            // The statement's failure ended the transaction.
            reader.snapshot = None;
        }
        let mut pool = self.pool.lock().map_err(backend)?;
        if pool.len() < MAX_IDLE_READERS {
            pool.push(reader);
        }
        out
    }

    fn checkout(&self) -> Result<Reader> {
        let pooled = self.pool.lock().map_err(backend)?.pop();
        // Read before the snapshot begins: a commit in between makes the snapshot newer than
        // its count says (replaced needlessly next time), never older.
        let commits = self.commits.load(Ordering::Acquire);
        let reusable = match pooled {
            Some(r) if r.snapshot.is_some() && !r.is_stale(commits) => return Ok(r),
            // A connection that cannot end its transaction is closed (which ends it).
            Some(mut r) => r.end().then_some(r),
            None => None,
        };
        let mut reader = match reusable {
            Some(r) => r,
            None => Reader { conn: open_reader(&self.path).map_err(backend)?, snapshot: None },
        };
        // Deferred: the snapshot is taken by the first read inside it.
        reader.conn.prepare_cached("BEGIN").and_then(|mut st| st.execute([])).map_err(backend)?;
        reader.snapshot = Some((commits, Instant::now()));
        Ok(reader)
    }

    /// The writer made a commit durable; called before anyone is told of it.
    pub(crate) fn committed(&self) {
        self.commits.fetch_add(1, Ordering::Release);
    }

    /// Ends the snapshots of idle readers that are stale, so a checkpoint can copy past them.
    pub(crate) fn release_stale(&self) {
        let commits = self.commits.load(Ordering::Acquire);
        self.release(|r| r.is_stale(commits));
    }

    /// Ends every idle reader's snapshot, so the WAL can start over.
    pub(crate) fn release_all(&self) {
        self.release(|r| r.snapshot.is_some());
    }

    fn release(&self, which: impl Fn(&Reader) -> bool) {
        if let Ok(mut pool) = self.pool.lock() {
            pool.retain_mut(|r| !which(r) || r.end());
        }
    }

    /// Connections open in the pool.
    pub(crate) fn idle(&self) -> usize {
        self.pool.lock().map(|p| p.len()).unwrap_or(0)
    }
}
