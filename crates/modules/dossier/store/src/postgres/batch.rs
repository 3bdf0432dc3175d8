//! Submissions arriving together share one transaction: a worker takes whatever has queued
//! (up to `MOST`) and writes it with one statement per kind of row. On PostgreSQL a
//! submission's cost is mostly per statement (parse, plan, executor start, wake-up), not per
//! row, so at load the database does a fraction of the work per dossier; alone, a submission
//! goes straight through as a batch of one. Nothing is answered before its batch commits.
//! A batch that fails is retried one dossier at a time, so each citizen gets their own answer
//! (a desk's codes exhausted for the day fails only its own dossiers).
//!
//! Each receiving desk's submissions go to one worker (of `WORKERS`, by the desk's code): a
//! desk's batches lock its day's code sequence and its lane until they commit, so two batches
//! of one desk in flight at once would only wait for each other, each smaller; one at a time,
//! the next batch gathers everything that arrived meanwhile. Desks on different workers are
//! written at the same time.

use crate::postgres::write;
use std::sync::Arc;
use tinhso_dossier::{Dossier, EventKind};
use tinhso_postgres::{map_err, PgStore};
use tinhso_store::plan::Projections;
use tinhso_store::{NewDossier, Result, StoreError};
use tokio::sync::{mpsc, oneshot};

/// Workers per server: desks written at the same time. Few, because a worker's batch grows
/// with what arrives while the one before it is written (a batch takes a few milliseconds
/// whatever its size, up to `MOST`), so fewer workers mean fewer statements per dossier; two,
/// so that one batch waiting on a lock another server holds does not stop every desk.
const WORKERS: usize = 2;
/// Dossiers per batch at most: bounds one transaction's locks and a retry's cost.
const MOST: usize = 64;
/// Submissions waiting per worker at most; further ones wait to be queued (back-pressure, not
/// memory).
const QUEUE: usize = 1024;

struct Job {
    new: NewDossier,
    done: oneshot::Sender<Result<Dossier>>,
}

/// The workers' queues; the workers stop when it is dropped.
pub struct Batcher {
    queues: Vec<mpsc::Sender<Job>>,
}

impl Batcher {
    /// Starts the workers (on the current Tokio runtime).
    pub fn start(db: Arc<PgStore>, projections: Projections) -> Self {
        let queues = (0..WORKERS)
            .map(|_| {
                let (queue, rx) = mpsc::channel(QUEUE);
                tokio::spawn(work(db.clone(), projections.clone(), rx));
                queue
            })
            .collect();
        Self { queues }
    }

    /// Submits `new` and waits until it is durable.
    pub async fn submit(&self, new: &NewDossier) -> Result<Dossier> {
        let desk = match &new.submitted.kind {
            EventKind::Submitted { receiving_agency, .. } => receiving_agency.as_str(),
            _ => "",
        };
        // A stable spread of desks over the workers (FNV-1a).
        let hash =
            desk.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        let queue = usize::try_from(hash % self.queues.len().max(1) as u64)
            .ok()
            .and_then(|i| self.queues.get(i))
            .ok_or_else(|| StoreError::Backend("no submission worker".into()))?;
        let (done, answer) = oneshot::channel();
        let gone = || StoreError::Backend("the submission queue has stopped".into());
        queue.send(Job { new: new.clone(), done }).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

async fn work(db: Arc<PgStore>, projections: Projections, mut rx: mpsc::Receiver<Job>) {
    loop {
        let mut jobs = Vec::new();
        match rx.recv().await {
            Some(job) => jobs.push(job),
            None => return,
        }
        while jobs.len() < MOST {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let (news, dones): (Vec<NewDossier>, Vec<_>) = jobs.into_iter().map(|j| (j.new, j.done)).unzip();
        match write_batch(&db, &projections, &news).await {
            Ok(dossiers) => {
                for (done, d) in dones.into_iter().zip(dossiers) {
                    // A submitter that has gone away (its request cancelled) finds its dossier
                    // on its next visit; nothing to do here.
                    let _ = done.send(Ok(d));
                }
            }
            Err(e) if news.len() == 1 => {
                if let Some(done) = dones.into_iter().next() {
                    let _ = done.send(Err(e));
                }
            }
            Err(e) => {
                tracing::warn!(dossiers = news.len(), error = %e, "a batch of submissions failed; retrying them one by one");
                let alone = news.iter().map(|n| write_batch(&db, &projections, std::slice::from_ref(n)));
                for (done, r) in dones.into_iter().zip(futures_util::future::join_all(alone).await) {
                    let _ =
                        done.send(r.and_then(|mut d| d.pop().ok_or_else(|| StoreError::Corrupt("no dossier".into()))));
                }
            }
        }
    }
}

async fn write_batch(db: &PgStore, projections: &Projections, news: &[NewDossier]) -> Result<Vec<Dossier>> {
    let mut client = db.client().await?;
    let tx = client.transaction().await.map_err(map_err)?;
    let dossiers = write::submit_many(&tx, news, projections).await?;
    let started = std::time::Instant::now();
    tx.commit().await.map_err(map_err)?;
    db.record_batch(news.len(), started.elapsed());
    Ok(dossiers)
}
