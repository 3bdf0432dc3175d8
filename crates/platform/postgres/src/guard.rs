//! `GuardStore` on PostgreSQL: each attempt locks its keys' rows (in key order, so that two
//! attempts never wait on each other crosswise) for one transaction, so concurrent attempts on
//! one key, from any server, are counted one after another.

use crate::Cached;
use crate::{map_err, PgStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use tinhso_kernel::guard::{self, Rule, Tally, Verdict};
use tinhso_store::{GuardCount, GuardKey, GuardStore, Result};

fn tally_of(r: &tokio_postgres::Row) -> Result<Tally> {
    let failures: i32 = r.get(0);
    Ok(Tally { failures: u32::try_from(failures).unwrap_or(0), wait_until: r.get(1), updated_at: r.get(2) })
}

/// The tally under `key`, unlocked: what a check reads.
async fn tally_read(c: &impl Cached, key: &GuardKey) -> Result<Option<Tally>> {
    let row = c
        .query_opt_cached("SELECT failures, wait_until, updated_at FROM guard_tally WHERE key = $1", &[&&key[..]])
        .await
        .map_err(map_err)?;
    row.as_ref().map(tally_of).transpose()
}

/// The tallies under two keys, unlocked, in one statement: what a module's read asks for in the
/// same round trip as its own rows (the public lookup pipelines both on one connection).
pub async fn tallies_read(c: &impl Cached, keys: &[GuardKey; 2]) -> Result<[Option<Tally>; 2]> {
    let rows = c
        .query_cached(
            "SELECT failures, wait_until, updated_at, key FROM guard_tally WHERE key IN ($1, $2)",
            &[&&keys[0][..], &&keys[1][..]],
        )
        .await
        .map_err(map_err)?;
    let mut out = [None, None];
    for r in &rows {
        let (t, key): (Tally, &[u8]) = (tally_of(r)?, r.get(3));
        for (slot, k) in out.iter_mut().zip(keys) {
            if key == &k[..] {
                *slot = Some(t);
            }
        }
    }
    Ok(out)
}

/// The key's tally, its row locked until the transaction ends (created empty if missing).
async fn locked(tx: &Transaction<'_>, key: &GuardKey) -> Result<Option<Tally>> {
    tx.execute_cached(
        "INSERT INTO guard_tally (key, failures, wait_until, updated_at) VALUES ($1, 0, 'epoch', 'epoch')
         ON CONFLICT (key) DO NOTHING",
        &[&&key[..]],
    )
    .await
    .map_err(map_err)?;
    let row = tx
        .query_one_cached(
            "SELECT failures, wait_until, updated_at FROM guard_tally WHERE key = $1 FOR UPDATE",
            &[&&key[..]],
        )
        .await
        .map_err(map_err)?;
    // A new row (0 failures, waits ended in 1970) reads as no tally at all.
    Ok(Some(tally_of(&row)?))
}

/// Stores `t` under `key` (locked), counted under `rule` (None: the rule it was counted under).
async fn store(tx: &Transaction<'_>, key: &GuardKey, t: &Tally, rule: Option<&Rule>) -> Result<()> {
    let failures = i32::try_from(t.failures).unwrap_or(i32::MAX);
    let rule = rule.map_or("", |r| r.name);
    tx.execute_cached(
        "UPDATE guard_tally SET failures = $2, wait_until = $3, updated_at = $4, rule = coalesce(nullif($5, ''), rule)
         WHERE key = $1",
        &[&&key[..], &failures, &t.wait_until, &t.updated_at, &rule],
    )
    .await
    .map_err(map_err)
    .map(drop)
}

#[async_trait]
impl GuardStore for PgStore {
    async fn guard_tally(&self, key: &GuardKey) -> Result<Option<Tally>> {
        tally_read(&*self.client().await?, key).await
    }

    async fn guard_attempt(&self, keys: &[(GuardKey, Rule)], now: DateTime<Utc>) -> Result<Verdict> {
        let mut sorted = keys.to_vec();
        sorted.sort_by_key(|k| k.0);
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let mut tallies = Vec::with_capacity(sorted.len());
        for (k, rule) in &sorted {
            tallies.push((locked(&tx, k).await?, *rule));
        }
        let verdict = match guard::attempt_all(&tallies, now) {
            Err(wait) => Verdict::Wait(wait),
            Ok(counted) => {
                for ((k, rule), t) in sorted.iter().zip(&counted) {
                    store(&tx, k, t, Some(rule)).await?;
                }
                Verdict::Go
            }
        };
        tx.commit().await.map_err(map_err)?;
        Ok(verdict)
    }

    async fn guard_fail(&self, keys: &[(GuardKey, Rule)], now: DateTime<Utc>) -> Result<()> {
        let mut sorted = keys.to_vec();
        sorted.sort_by_key(|k| k.0);
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        for (key, rule) in &sorted {
            let t = locked(&tx, key).await?;
            store(&tx, key, &guard::fail(t.as_ref(), now, *rule), Some(rule)).await?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn guard_settle(&self, clear: &[GuardKey], forgive: &[GuardKey], now: DateTime<Utc>) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        for k in clear {
            tx.execute_cached("DELETE FROM guard_tally WHERE key = $1", &[&&k[..]]).await.map_err(map_err)?;
        }
        let mut forgive = forgive.to_vec();
        forgive.sort();
        for k in &forgive {
            if let Some(t) = locked(&tx, k).await? {
                store(&tx, k, &guard::forgive(&t, now), None).await?;
            }
        }
        tx.commit().await.map_err(map_err)
    }

    async fn guard_sweep(&self, before: DateTime<Utc>) -> Result<u64> {
        self.client()
            .await?
            .execute_cached("DELETE FROM guard_tally WHERE updated_at < $1", &[&before])
            .await
            .map_err(map_err)
    }

    async fn guard_counts(&self, now: DateTime<Utc>, since: DateTime<Utc>) -> Result<Vec<GuardCount>> {
        let rows = self
            .client()
            .await?
            .query_cached(
                "SELECT rule, failures, count(*), count(*) FILTER (WHERE wait_until > $1) FROM guard_tally
                 WHERE updated_at >= $2 GROUP BY rule, failures",
                &[&now, &since],
            )
            .await
            .map_err(map_err)?;
        Ok(rows
            .iter()
            .map(|r| {
                let (failures, keys, waiting): (i32, i64, i64) = (r.get(1), r.get(2), r.get(3));
                GuardCount {
                    rule: r.get(0),
                    failures: u32::try_from(failures).unwrap_or(0),
                    keys: u64::try_from(keys).unwrap_or(0),
                    waiting: u64::try_from(waiting).unwrap_or(0),
                }
            })
            .collect())
    }
}
