//! Group commit: one thread owns the write connection and commits many writes per fsync.
//!
//! Each job runs in its own savepoint inside the batch's transaction, so a failing job undoes
//! only itself; the batch commits once and only then is every job answered. A write is never
//! acknowledged before its commit is on disk (WAL, `synchronous=FULL`): throughput comes from
//! batching, not from weakening durability.

use crate::map_err;
use rusqlite::{Connection, TransactionBehavior};
use std::sync::mpsc;
use tinhso_store::{Result, StoreError};

/// Most jobs in one commit (bounds latency of the last one in a burst).
const MAX_BATCH: usize = 512;

/// A queued write: run it inside the batch, or fail it without running.
pub trait Job: Send {
    /// Runs against the batch's open savepoint; says whether to keep the work, and returns how
    /// to answer once the batch's commit is known.
    fn run(self: Box<Self>, conn: &Connection) -> (bool, Reply);
    /// Answers without running (the batch could not start).
    fn fail(self: Box<Self>, e: &StoreError);
}

/// Called after the commit, with the commit's error if it failed.
pub type Reply = Box<dyn FnOnce(Option<&StoreError>) + Send>;

struct WriteJob<T, F> {
    f: F,
    answer: tokio::sync::oneshot::Sender<Result<T>>,
}

impl<T, F> Job for WriteJob<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<T> + Send + 'static,
{
    fn run(self: Box<Self>, conn: &Connection) -> (bool, Reply) {
        let WriteJob { f, answer } = *self;
        let out = f(conn);
        let keep = out.is_ok();
        let reply: Reply = Box::new(move |commit_error| {
            let _ = answer.send(match commit_error {
                Some(e) => Err(StoreError::Backend(format!("commit failed: {e}"))),
                None => out,
            });
        });
        (keep, reply)
    }

    fn fail(self: Box<Self>, e: &StoreError) {
        let _ = self.answer.send(Err(StoreError::Backend(e.to_string())));
    }
}

pub struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    pub fn start(mut conn: Connection) -> std::io::Result<Self> {
        let (jobs, rx) = mpsc::channel::<Box<dyn Job>>();
        std::thread::Builder::new().name("sqlite-writer".into()).spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(j) => batch.push(j),
                        Err(_) => break,
                    }
                }
                run_batch(&mut conn, batch);
            }
        })?;
        Ok(Self { jobs })
    }

    /// Queues `f`; resolves after the commit that includes it.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let (answer, rx) = tokio::sync::oneshot::channel::<Result<T>>();
        self.jobs
            .send(Box::new(WriteJob { f, answer }))
            .map_err(|_| StoreError::Backend("the writer thread has stopped".into()))?;
        rx.await.map_err(|_| StoreError::Backend("the writer thread dropped a write".into()))?
    }
}

fn run_batch(conn: &mut Connection, batch: Vec<Box<dyn Job>>) {
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            let e = map_err(e);
            batch.into_iter().for_each(|job| job.fail(&e));
            return;
        }
    };
    let mut replies = Vec::with_capacity(batch.len());
    for job in batch {
        match tx.savepoint() {
            Ok(mut sp) => {
                let (keep, reply) = job.run(&sp);
                let settled = if keep { sp.commit() } else { sp.rollback() };
                match settled {
                    Ok(()) => replies.push(reply),
                    Err(e) => reply(Some(&map_err(e))),
                }
            }
            Err(e) => job.fail(&map_err(e)),
        }
    }
    match tx.commit() {
        Ok(()) => replies.into_iter().for_each(|r| r(None)),
        Err(e) => {
            let e = map_err(e);
            replies.into_iter().for_each(|r| r(Some(&e)));
        }
    }
}
