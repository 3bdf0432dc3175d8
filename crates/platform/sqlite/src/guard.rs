//! `GuardStore` on the embedded engine: the tallies read and written in the writer's
//! transaction, so concurrent attempts on one key are counted one after another.

use crate::{exec, map_err, SqliteStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use tinhso_kernel::guard::{self, Rule, Tally, Verdict};
use tinhso_store::{GuardCount, GuardKey, GuardStore, Result};

/// The tally under `key`, read on `c` inside whatever transaction it is in.
fn tally_in(c: &Connection, key: &GuardKey) -> rusqlite::Result<Option<Tally>> {
    c.prepare_cached("SELECT failures, wait_until, updated_at FROM guard_tally WHERE key = ?1")?
        .query_row([&key[..]], |r| tally_from(r, 0))
        .optional()
        .map(Option::flatten)
}

/// The tally in three columns from `i` (failures, wait until, updated at); none when they are
/// NULL (a LEFT JOIN that found no tally).
fn tally_from(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Option<Tally>> {
    match r.get::<_, Option<u32>>(i)? {
        None => Ok(None),
        Some(failures) => Ok(Some(Tally { failures, wait_until: r.get(i + 1)?, updated_at: r.get(i + 2)? })),
    }
}

/// For a module's point read that needs the abuse limits too (the public lookup): two tallies
/// joined to the module's own row in ONE statement, so all come from one snapshot without a
/// read transaction around several statements (BEGIN, a second read and COMMIT were an eighth
/// of a lookup). The module writes `SELECT {TALLY_COLUMNS}, <its columns> FROM {TALLY_FROM}
/// LEFT JOIN <its table> ON <its key> = ?3`, binds the tallies' keys as `?1` and `?2`, and reads
/// the six leading columns with `tallies_at` (no row of its own gives NULLs after them).
pub const TALLY_COLUMNS: &str = "g.failures, g.wait_until, g.updated_at, h.failures, h.wait_until, h.updated_at";
/// See `TALLY_COLUMNS`.
pub const TALLY_FROM: &str =
    "(SELECT ?1 AS k, ?2 AS k2) q LEFT JOIN guard_tally g ON g.key = q.k LEFT JOIN guard_tally h ON h.key = q.k2";

/// The two tallies in the six leading columns of a row read with `TALLY_COLUMNS`.
pub fn tallies_at(r: &rusqlite::Row) -> rusqlite::Result<[Option<Tally>; 2]> {
    Ok([tally_from(r, 0)?, tally_from(r, 3)?])
}

fn tally(c: &Connection, key: &GuardKey) -> Result<Option<Tally>> {
    tally_in(c, key).map_err(map_err)
}

/// Stores `t` under `key`, counted under `rule` (None: the rule it was counted under before).
fn store(tx: &Connection, key: &GuardKey, t: &Tally, rule: Option<&Rule>) -> Result<()> {
    exec(
        tx,
        "INSERT INTO guard_tally (key, failures, wait_until, updated_at, rule) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, wait_until = excluded.wait_until,
                                         updated_at = excluded.updated_at,
                                         rule = coalesce(nullif(excluded.rule, ''), guard_tally.rule)",
        params![&key[..], t.failures, t.wait_until, t.updated_at, rule.map_or("", |r| r.name)],
    )
    .map(drop)
}

#[async_trait]
impl GuardStore for SqliteStore {
    async fn guard_tally(&self, key: &GuardKey) -> Result<Option<Tally>> {
        let key = *key;
        // Every login asks this first: a point read, on this thread.
        self.read_now(move |c| Ok(tally(c, &key)))?
    }

    async fn guard_attempt(&self, keys: &[(GuardKey, Rule)], now: DateTime<Utc>) -> Result<Verdict> {
        let keys = keys.to_vec();
        self.write(move |tx| {
            let tallies = keys.iter().map(|(k, rule)| Ok((tally(tx, k)?, *rule))).collect::<Result<Vec<_>>>()?;
            match guard::attempt_all(&tallies, now) {
                Err(wait) => Ok(Verdict::Wait(wait)),
                Ok(counted) => {
                    for ((k, rule), t) in keys.iter().zip(&counted) {
                        store(tx, k, t, Some(rule))?;
                    }
                    Ok(Verdict::Go)
                }
            }
        })
        .await
    }

    async fn guard_fail(&self, keys: &[(GuardKey, Rule)], now: DateTime<Utc>) -> Result<()> {
        let keys = keys.to_vec();
        self.write(move |tx| {
            for (key, rule) in &keys {
                store(tx, key, &guard::fail(tally(tx, key)?.as_ref(), now, *rule), Some(rule))?;
            }
            Ok(())
        })
        .await
    }

    async fn guard_settle(&self, clear: &[GuardKey], forgive: &[GuardKey], now: DateTime<Utc>) -> Result<()> {
        let (clear, forgive) = (clear.to_vec(), forgive.to_vec());
        self.write(move |tx| {
            for k in &clear {
                exec(tx, "DELETE FROM guard_tally WHERE key = ?1", [&k[..]])?;
            }
            for k in &forgive {
                if let Some(t) = tally(tx, k)? {
                    store(tx, k, &guard::forgive(&t, now), None)?;
                }
            }
            Ok(())
        })
        .await
    }

    async fn guard_sweep(&self, before: DateTime<Utc>) -> Result<u64> {
        self.write(move |tx| {
            exec(tx, "DELETE FROM guard_tally WHERE updated_at < ?1", params![before]).map(|n| n as u64)
        })
        .await
    }

    async fn guard_counts(&self, now: DateTime<Utc>, since: DateTime<Utc>) -> Result<Vec<GuardCount>> {
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT rule, failures, COUNT(*), SUM(wait_until > ?1) FROM guard_tally
                 WHERE updated_at >= ?2 GROUP BY rule, failures",
            )?;
            let rows = st.query_map(params![now, since], |r| {
                Ok(GuardCount { rule: r.get(0)?, failures: r.get(1)?, keys: r.get(2)?, waiting: r.get(3)? })
            })?;
            rows.collect()
        })
        .await
    }
}
