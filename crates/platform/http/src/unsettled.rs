//! Failures this server has decided on but the database may not show yet: what keeps a limit
//! counted after the outcome (a public lookup that found nothing) from being outrun by a burst.
//!
//! Why: such a limit reads its tally with the request's own read and records a failure after
//! it, so requests sent at once all read the tally as it was before any of them, and all would
//! be answered. Counting every attempt beforehand in the database would make every lookup a
//! write. Instead each request decides here, under one lock, after its read: the tally it read
//! plus the failures decided since that read began (still being recorded, or recorded after
//! it), folded in as if stored one after another (`guard::check_with`). So on one server a
//! burst is answered exactly as the same requests sent one by one would be; over `n` servers,
//! a burst that starts on a clean tally gets at most `n` times the free failures.

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tinhso_kernel::guard::{self, Rule, Tally, Verdict};
use tinhso_store::GuardKey;

/// How long a recorded failure still counts here: far longer than a read takes from its
/// start to its decision. A read that began before the record may not have seen it.
const KEEP: Duration = Duration::from_secs(10);
/// Above this many keys, a decision first forgets the keys with nothing left to count; after
/// that, not before the map has doubled (so a flood of distinct keys costs each decision O(1)
/// on average, never a scan of the whole map).
const PRUNE_ABOVE: usize = 4096;

#[derive(Default)]
struct Entry {
    /// Failures decided and not yet recorded in the database.
    pending: u32,
    /// When recent failures were recorded.
    recorded: Vec<Instant>,
}

impl Entry {
    /// The failures a read that began at `start` may not show.
    fn unseen(&self, start: Instant) -> u32 {
        let late = self.recorded.iter().filter(|at| **at >= start).count();
        self.pending.saturating_add(u32::try_from(late).unwrap_or(u32::MAX))
    }

    fn forget_old(&mut self, now: Instant) {
        self.recorded.retain(|at| now.duration_since(*at) < KEEP);
    }

    fn idle(&self) -> bool {
        self.pending == 0 && self.recorded.is_empty()
    }
}

/// This server's undecided-in-the-database failures, by guard key.
#[derive(Default)]
pub struct Unsettled {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    keys: HashMap<GuardKey, Entry>,
    /// The size at which the next decision prunes (0: `PRUNE_ABOVE`).
    prune_above: usize,
}

/// When a request's read of its tallies began; taken just before the read.
#[derive(Debug, Clone, Copy)]
pub struct ReadStart(Instant);

impl ReadStart {
    pub fn now() -> Self {
        Self(Instant::now())
    }
}

/// A failure decided here under some keys, to be recorded in the database: once it is (or the
/// request is dropped), dropping this moves it from pending to recorded.
pub struct Counted {
    owner: Arc<Unsettled>,
    keys: Vec<GuardKey>,
}

impl Unsettled {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The verdict on an attempt under `keys` (each with its rule and its tally as read since
    /// `start`): `Err(seconds)` to wait, nothing counted, when any of them says wait; else, if
    /// the attempt `failed`, its failure counted under every key until the caller has recorded
    /// it (`Some`), and `None` for a success, which counts nothing.
    pub fn decide(
        self: &Arc<Self>,
        start: ReadStart,
        keys: &[(GuardKey, Rule, Option<Tally>)],
        failed: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<Counted>, i64> {
        let mut inner = self.lock();
        let longest = keys
            .iter()
            .filter_map(|(key, rule, tally)| {
                let unseen = inner.keys.get(key).map_or(0, |e| e.unseen(start.0));
                match guard::check_with(tally.as_ref(), unseen, now, *rule) {
                    Verdict::Wait(s) => Some(s),
                    Verdict::Go => None,
                }
            })
            .max();
        if let Some(wait) = longest {
            return Err(wait);
        }
        if !failed {
            return Ok(None);
        }
        if inner.keys.len() > inner.prune_above.max(PRUNE_ABOVE) {
            let at = Instant::now();
            inner.keys.retain(|_, e| {
                e.forget_old(at);
                !e.idle()
            });
            inner.prune_above = inner.keys.len().saturating_mul(2);
        }
        for (key, _, _) in keys {
            let e = inner.keys.entry(*key).or_default();
            e.pending = e.pending.saturating_add(1);
        }
        Ok(Some(Counted { owner: self.clone(), keys: keys.iter().map(|(k, _, _)| *k).collect() }))
    }

    /// Keys with something still counted here (for tests of the pruning).
    pub fn len(&self) -> usize {
        self.lock().keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        let at = Instant::now();
        let mut inner = self.owner.lock();
        for key in &self.keys {
            let e = inner.keys.entry(*key).or_default();
            e.pending = e.pending.saturating_sub(1);
            e.forget_old(at);
            e.recorded.push(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: Rule = Rule::LOOKUP_MISSES;

    #[test]
    fn a_burst_read_before_any_record_is_decided_as_if_one_by_one() {
        let unsettled = Arc::new(Unsettled::default());
        let key = [7u8; 32];
        let start = ReadStart::now();
        let now = Utc::now();
        // Sixty requests all read an empty tally before any failure was recorded.
        let mut held = Vec::new();
        let mut answered = 0;
        for _ in 0..60 {
            match unsettled.decide(start, &[(key, RULE, None)], true, now) {
                Ok(c) => {
                    answered += 1;
                    held.push(c);
                }
                Err(wait) => assert!(wait >= 1),
            }
        }
        assert_eq!(answered, 11, "10 free failures and the one that starts the wait");
        // A right guess in the same burst is refused too, and so is one after the records.
        assert_eq!(unsettled.decide(start, &[(key, RULE, None)], false, now).err(), Some(1));
        held.clear();
        assert!(unsettled.decide(start, &[(key, RULE, None)], false, now).is_err());
    }

    #[test]
    fn a_read_begun_after_the_record_is_trusted_alone() {
        let unsettled = Arc::new(Unsettled::default());
        let key = [8u8; 32];
        let now = Utc::now();
        for _ in 0..11 {
            drop(unsettled.decide(ReadStart::now(), &[(key, RULE, None)], true, now));
        }
        // The database, read afterwards, shows the records (here: none, as if swept): it
        // decides alone, so nothing is counted twice.
        assert!(unsettled.decide(ReadStart::now(), &[(key, RULE, None)], false, now).is_ok());
    }

    #[test]
    fn a_flood_of_distinct_keys_is_pruned_in_rounds_and_lets_idle_keys_go() {
        let unsettled = Arc::new(Unsettled::default());
        let now = Utc::now();
        let key = |i: u32| {
            let mut k = [0u8; 32];
            k[..4].copy_from_slice(&i.to_be_bytes());
            k
        };
        // Failures still being recorded are never forgotten, however many keys there are.
        let held: Vec<_> = (0..5000)
            .filter_map(|i| unsettled.decide(ReadStart::now(), &[(key(i), RULE, None)], true, now).ok().flatten())
            .collect();
        assert_eq!(unsettled.len(), 5000);
        // Once recorded and older than `KEEP`, they go at the next prune.
        drop(held);
        {
            let mut inner = unsettled.lock();
            let long_ago = Instant::now().checked_sub(KEEP * 2).unwrap();
            for e in inner.keys.values_mut() {
                e.recorded = vec![long_ago];
            }
            inner.prune_above = 0;
        }
        drop(unsettled.decide(ReadStart::now(), &[(key(99_999), RULE, None)], true, now));
        assert_eq!(unsettled.len(), 1, "only the new key is left");
    }

    #[test]
    fn successes_leave_nothing_behind() {
        let unsettled = Arc::new(Unsettled::default());
        for i in 0..100u8 {
            assert!(unsettled.decide(ReadStart::now(), &[([i; 32], RULE, None)], false, Utc::now()).is_ok());
        }
        assert!(unsettled.is_empty());
    }
}
