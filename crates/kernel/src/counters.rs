//! Counters kept from folded dossiers: a dossier adds a set of counters (the operations
//! centre's facts, the staff inboxes' tally) that depends on its state alone, so a store keeps
//! totals current by adding `delta(before, after)` in each event's transaction, and a check
//! recomputes them by `accumulate`-ing every dossier's counters.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

/// `after - before`, without zeros.
pub fn delta<K: Ord>(before: Option<BTreeMap<K, i64>>, after: BTreeMap<K, i64>) -> BTreeMap<K, i64> {
    let mut out = after;
    for (k, v) in before.into_iter().flatten() {
        *out.entry(k).or_default() -= v;
    }
    out.retain(|_, v| *v != 0);
    out
}

/// Adds `more` into running totals; a counter that comes back to zero is dropped. Costs the
/// counters added, not the totals' size (ten million dossiers add up to about a million).
pub fn accumulate<K: Ord>(into: &mut BTreeMap<K, i64>, more: BTreeMap<K, i64>) {
    for (k, v) in more {
        match into.entry(k) {
            Entry::Occupied(mut e) => {
                *e.get_mut() += v;
                if *e.get() == 0 {
                    e.remove();
                }
            }
            Entry::Vacant(e) if v != 0 => {
                e.insert(v);
            }
            Entry::Vacant(_) => {}
        }
    }
}
