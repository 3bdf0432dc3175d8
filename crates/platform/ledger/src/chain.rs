//! The audit chain, in lanes. Every entry belongs to one lane (a stream's partition, e.g. the
//! dossiers one agency receives) and is hashed over the previous hash of its lane, its place
//! (lane, gap-free sequence number, global id) and its content. Writers of different lanes never
//! wait for each other, which is what lets several servers on one PostgreSQL write at once; a
//! provincial checkpoint chain periodically records every lane's head, each checkpoint hashed
//! over the one before, so cutting off a lane's newest entries is found as far back as the last
//! checkpoint. Editing, deleting or reordering an entry breaks its lane at a place `verify` names.
//!
//! The lane named "" is the single chain of databases made before lanes: its entries keep their
//! version-1 hashes (over the global id, which was gap-free then).

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, VecDeque};

pub type Hash = [u8; 32];

/// The hash before the first entry of every lane and before the first checkpoint.
pub const GENESIS: Hash = [0; 32];

/// The lane of entries written before lanes existed.
pub const LEGACY_LANE: &str = "";

/// The content of one entry as stored (text exactly as written; the hash covers these bytes).
/// `id`, `lane` and `seq` are its place, given by the ledger when it is appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub id: i64,
    pub lane: String,
    pub seq: i64,
    pub dossier: String,
    pub at: String,
    pub actor: i64,
    pub payload: String,
}

fn put(h: &mut Sha256, s: &[u8]) {
    h.update((s.len() as u64).to_be_bytes());
    h.update(s);
}

/// The hash of `link` following `prev` in its lane. Fields are length-prefixed so no two
/// different entries can encode to the same bytes.
pub fn hash(prev: &Hash, link: &Link) -> Hash {
    let mut h = Sha256::new();
    if link.lane == LEGACY_LANE {
        h.update(b"tinhso-event-v1");
        h.update(prev);
    } else {
        h.update(b"tinhso-event-v2");
        h.update(prev);
        put(&mut h, link.lane.as_bytes());
        h.update(link.seq.to_be_bytes());
    }
    h.update(link.id.to_be_bytes());
    put(&mut h, link.dossier.as_bytes());
    put(&mut h, link.at.as_bytes());
    h.update(link.actor.to_be_bytes());
    put(&mut h, link.payload.as_bytes());
    h.finalize().into()
}

/// A lane's newest entry as its head row records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaneHead {
    pub lane: String,
    pub seq: i64,
    pub id: i64,
    pub hash: Vec<u8>,
}

/// A lane's hash at one of its entries, as a checkpoint recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub lane: String,
    pub seq: i64,
    pub hash: Vec<u8>,
}

/// One link of the provincial checkpoint chain: the heads of the lanes that moved since the
/// checkpoint before, hashed over that checkpoint's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub n: i64,
    pub at: String,
    pub hash: Vec<u8>,
    pub marks: Vec<Mark>,
}

/// The hash of checkpoint `n` following `prev`; `marks` in any order (hashed sorted by lane).
pub fn checkpoint_hash(prev: &Hash, n: i64, at: &str, marks: &[Mark]) -> Hash {
    let mut sorted: Vec<&Mark> = marks.iter().collect();
    sorted.sort_by(|a, b| a.lane.cmp(&b.lane));
    let mut h = Sha256::new();
    h.update(b"tinhso-checkpoint-v1");
    h.update(prev);
    h.update(n.to_be_bytes());
    put(&mut h, at.as_bytes());
    h.update((sorted.len() as u64).to_be_bytes());
    for m in sorted {
        put(&mut h, m.lane.as_bytes());
        h.update(m.seq.to_be_bytes());
        put(&mut h, &m.hash);
    }
    h.finalize().into()
}

/// The next checkpoint after `last` (number and hash), recording `heads` that differ from what
/// `recorded` (each lane's latest mark) already holds; `None` when no lane moved.
pub fn next_checkpoint(
    last: Option<(i64, Hash)>,
    recorded: &BTreeMap<String, i64>,
    heads: &[LaneHead],
    at: &str,
) -> Option<Checkpoint> {
    let marks: Vec<Mark> = heads
        .iter()
        .filter(|h| recorded.get(&h.lane) != Some(&h.seq))
        .map(|h| Mark { lane: h.lane.clone(), seq: h.seq, hash: h.hash.clone() })
        .collect();
    if marks.is_empty() {
        return None;
    }
    let (n, prev) = last.map_or((1, GENESIS), |(n, h)| (n + 1, h));
    Some(Checkpoint { n, at: at.to_owned(), hash: checkpoint_hash(&prev, n, at, &marks).to_vec(), marks })
}

pub use crate::breaks::{Break, RowKind, Setting, SettingDiff};

/// Checks the provincial checkpoint chain alone: numbered 1, 2, … without gaps, each hashed
/// over the one before. `checkpoints` in any order.
pub fn verify_checkpoints(checkpoints: &[Checkpoint]) -> Result<(), Break> {
    let mut sorted: Vec<&Checkpoint> = checkpoints.iter().collect();
    sorted.sort_by_key(|c| c.n);
    let mut prev = GENESIS;
    for (i, c) in sorted.into_iter().enumerate() {
        let expected = i64::try_from(i).unwrap_or(i64::MAX).saturating_add(1);
        let h = checkpoint_hash(&prev, c.n, &c.at, &c.marks);
        if c.n != expected || c.hash.as_slice() != h.as_slice() {
            return Err(Break::CheckpointChain { n: expected.min(c.n) });
        }
        prev = h;
    }
    Ok(())
}

#[derive(Debug, Clone)]
struct LaneState {
    prev: Hash,
    seq: i64,
    id: i64,
    /// The head as read before the walk; `None` for a lane that had none then.
    head: Option<LaneHead>,
    /// Marks not yet reached, in sequence order.
    marks: VecDeque<(i64, Vec<u8>)>,
    /// The highest sequence number skipped as written after the heads were read.
    skipped: i64,
}

impl LaneState {
    fn new(head: Option<LaneHead>) -> Self {
        Self { prev: GENESIS, seq: 0, id: 0, head, marks: VecDeque::new(), skipped: 0 }
    }
}

/// Walks the lanes one entry at a time in id order, so a chain of any length is checked in
/// memory proportional to the number of lanes. The heads are read before the walk: entries
/// written after that (beyond a head, or in a lane that had none) are skipped, and
/// [`Verifier::finish`] checks them against the heads read after the walk, so a live server
/// can be audited.
#[derive(Debug, Clone)]
pub struct Verifier {
    lanes: BTreeMap<String, LaneState>,
    count: u64,
}

impl Verifier {
    /// `heads`: every lane's head read before the walk; `marks`: every recorded mark.
    pub fn new(heads: Vec<LaneHead>, marks: Vec<Mark>) -> Self {
        let mut lanes: BTreeMap<String, LaneState> =
            heads.into_iter().map(|h| (h.lane.clone(), LaneState::new(Some(h)))).collect();
        let mut marks = marks;
        marks.sort_by_key(|m| m.seq);
        for m in marks {
            lanes.entry(m.lane).or_insert_with(|| LaneState::new(None)).marks.push_back((m.seq, m.hash));
        }
        Self { lanes, count: 0 }
    }

    /// The next entry in id order with its stored hash. `Ok(false)` when it was written after
    /// the heads were read and is left to the next audit.
    pub fn push(&mut self, link: &Link, stored: &[u8]) -> Result<bool, Break> {
        let state = self.lanes.entry(link.lane.clone()).or_insert_with(|| LaneState::new(None));
        let Some(head) = &state.head else {
            state.skipped = state.skipped.max(link.seq);
            return Ok(false);
        };
        if link.seq > head.seq {
            state.skipped = state.skipped.max(link.seq);
            return Ok(false);
        }
        if link.seq <= state.seq || link.id <= state.id {
            return Err(Break::OutOfOrder { id: link.id, after: state.id });
        }
        if link.seq != state.seq + 1 {
            return Err(Break::Missing { lane: link.lane.clone(), after: state.id, next: link.id });
        }
        let h = hash(&state.prev, link);
        if stored != h.as_slice() {
            return Err(Break::Altered { id: link.id, dossier: link.dossier.clone() });
        }
        while let Some((seq, mark)) = state.marks.front() {
            if *seq > link.seq {
                break;
            }
            if *seq == link.seq && mark.as_slice() != h.as_slice() {
                return Err(Break::Checkpoint { id: link.id });
            }
            state.marks.pop_front();
        }
        state.prev = h;
        state.seq = link.seq;
        state.id = link.id;
        self.count += 1;
        Ok(true)
    }

    /// After the last entry: every head read before the walk must name its lane's last entry,
    /// no mark may lie beyond it, and entries skipped as newer must be covered by the heads read
    /// after the walk (`heads_after`). Returns the count of entries checked.
    pub fn finish(self, heads_after: &[LaneHead]) -> Result<u64, Break> {
        let after: BTreeMap<&str, &LaneHead> = heads_after.iter().map(|h| (h.lane.as_str(), h)).collect();
        for (lane, state) in self.lanes {
            match &state.head {
                Some(head) => {
                    if state.seq != head.seq {
                        return Err(Break::Truncated { lane, last: state.id, expected: head.id });
                    }
                    if head.hash.as_slice() != state.prev.as_slice() {
                        return Err(Break::Checkpoint { id: head.id });
                    }
                    if let Some((seq, _)) = state.marks.front() {
                        return Err(Break::Truncated { lane, last: state.id, expected: *seq });
                    }
                }
                None if !state.marks.is_empty() || !after.contains_key(lane.as_str()) => {
                    return Err(Break::Unanchored { lane });
                }
                None => {}
            }
            if state.skipped > 0 && after.get(lane.as_str()).is_none_or(|h| h.seq < state.skipped) {
                return Err(Break::Truncated { lane, last: state.id, expected: state.skipped });
            }
        }
        Ok(self.count)
    }
}

/// Walks a whole chain read at rest (the heads before and after the walk are the same).
pub fn verify(
    links: impl IntoIterator<Item = (Link, Vec<u8>)>,
    heads: &[LaneHead],
    marks: Vec<Mark>,
) -> Result<u64, Break> {
    let mut v = Verifier::new(heads.to_vec(), marks);
    for (link, stored) in links {
        v.push(&link, &stored)?;
    }
    v.finish(heads)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` entries spread over lanes "a" and "b" (every third in "b"), as an append would write them.
    fn chain(n: i64) -> Vec<(Link, Vec<u8>)> {
        let mut heads: BTreeMap<String, (i64, Hash)> = BTreeMap::new();
        (1..=n)
            .map(|id| {
                let lane = if id % 3 == 0 { "b" } else { "a" };
                let (seq, prev) = heads.get(lane).copied().unwrap_or((0, GENESIS));
                let link = Link {
                    id,
                    lane: lane.into(),
                    seq: seq + 1,
                    dossier: format!("X-250101-{:04}", id % 3 + 1),
                    at: format!("2025-01-01T00:00:{id:02}Z"),
                    actor: id * 7,
                    payload: format!("{{\"kind\":\"k{id}\"}}"),
                };
                let h = hash(&prev, &link);
                heads.insert(lane.into(), (seq + 1, h));
                (link, h.to_vec())
            })
            .collect()
    }

    fn heads(c: &[(Link, Vec<u8>)]) -> Vec<LaneHead> {
        let mut out: BTreeMap<String, LaneHead> = BTreeMap::new();
        for (l, h) in c {
            out.insert(l.lane.clone(), LaneHead { lane: l.lane.clone(), seq: l.seq, id: l.id, hash: h.clone() });
        }
        out.into_values().collect()
    }

    fn mark(c: &[(Link, Vec<u8>)], id: i64) -> Mark {
        let (l, h) = &c[usize::try_from(id - 1).unwrap()];
        Mark { lane: l.lane.clone(), seq: l.seq, hash: h.clone() }
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(10);
        assert_eq!(verify(c.clone(), &heads(&c), vec![mark(&c, 5), mark(&c, 6)]), Ok(10));
        assert_eq!(verify(Vec::new(), &[], Vec::new()), Ok(0));
    }

    #[test]
    fn the_same_content_in_another_place_hashes_differently() {
        let c = chain(1);
        let mut moved = c[0].0.clone();
        moved.lane = "b".into();
        assert_ne!(hash(&GENESIS, &moved).to_vec(), c[0].1);
        let mut renumbered = c[0].0.clone();
        renumbered.seq = 2;
        assert_ne!(hash(&GENESIS, &renumbered).to_vec(), c[0].1);
    }

    #[test]
    fn every_tampering_is_named() {
        let c = chain(10);
        let h = heads(&c);
        let mut edited = c.clone();
        edited[3].0.payload = "{\"kind\":\"forged\"}".into();
        assert!(matches!(verify(edited, &h, vec![]), Err(Break::Altered { id: 4, .. })));

        // Lane "a" holds 1, 2, 4, 5, 7, 8, 10: deleting 5 leaves a gap between 4 and 7.
        let mut deleted = c.clone();
        deleted.remove(4);
        assert_eq!(verify(deleted, &h, vec![]), Err(Break::Missing { lane: "a".into(), after: 4, next: 7 }));

        let mut renumbered = c.clone();
        let (a, b) = (renumbered[0].0.id, renumbered[1].0.id);
        renumbered[0].0.id = b;
        renumbered[1].0.id = a;
        renumbered.swap(0, 1);
        assert!(verify(renumbered, &h, vec![]).is_err());

        // The newest of lane "a" (10) cut off: its head still names it.
        let truncated: Vec<_> = c[..9].to_vec();
        assert_eq!(verify(truncated, &h, vec![]), Err(Break::Truncated { lane: "a".into(), last: 8, expected: 10 }));

        // Cut off and the head rewound too: the checkpoint that recorded entry 10 finds it.
        let rewound: Vec<_> = c[..9].to_vec();
        assert!(matches!(
            verify(rewound.clone(), &heads(&rewound), vec![mark(&c, 10)]),
            Err(Break::Truncated { last: 8, .. })
        ));

        // Rewriting the whole tail with fresh hashes is caught by the head.
        let mut rewritten = c.clone();
        rewritten[9].0.payload = "{}".into();
        let prev: Hash = rewritten[7].1.as_slice().try_into().unwrap();
        rewritten[9].1 = hash(&prev, &rewritten[9].0).to_vec();
        assert_eq!(verify(rewritten, &h, vec![]), Err(Break::Checkpoint { id: 10 }));

        // A lane's head row deleted.
        let headless: Vec<LaneHead> = h.iter().filter(|x| x.lane != "b").cloned().collect();
        assert_eq!(verify(c.clone(), &headless, vec![]), Err(Break::Unanchored { lane: "b".into() }));

        // A head rewound to hide newer, edited entries: they are beyond it when read before and after.
        let mut behind = h.clone();
        behind[0] = LaneHead { lane: "a".into(), seq: 6, id: 8, hash: c[7].1.clone() };
        assert!(matches!(verify(c.clone(), &behind, vec![]), Err(Break::Truncated { expected: 7, .. })));
    }

    #[test]
    fn entries_written_during_the_walk_are_left_for_the_next_audit() {
        let c = chain(10);
        let before = heads(&c[..6]);
        let mut v = Verifier::new(before, vec![]);
        for (l, h) in &c {
            v.push(l, h).unwrap();
        }
        assert_eq!(v.clone().finish(&heads(&c)), Ok(6));
        // The heads read after the walk must cover what was skipped.
        assert!(v.finish(&heads(&c[..6])).is_err());
    }

    #[test]
    fn the_checkpoint_chain_links_and_records_only_moved_lanes() {
        let c = chain(10);
        let first = next_checkpoint(None, &BTreeMap::new(), &heads(&c[..4]), "t1").unwrap();
        assert_eq!((first.n, first.marks.len()), (1, 2));
        let recorded: BTreeMap<String, i64> = first.marks.iter().map(|m| (m.lane.clone(), m.seq)).collect();
        assert_eq!(
            next_checkpoint(Some((1, first.hash.clone().try_into().unwrap())), &recorded, &heads(&c[..4]), "t2"),
            None
        );
        // Entry 5 is in lane "a": only "a" moved.
        let second =
            next_checkpoint(Some((1, first.hash.clone().try_into().unwrap())), &recorded, &heads(&c[..5]), "t2")
                .unwrap();
        assert_eq!(second.marks.iter().map(|m| m.lane.as_str()).collect::<Vec<_>>(), ["a"]);
        assert_eq!(verify_checkpoints(&[second.clone(), first.clone()]), Ok(()));
        let marks: Vec<Mark> = first.marks.iter().chain(&second.marks).cloned().collect();
        assert_eq!(verify(c.clone(), &heads(&c), marks), Ok(10));

        let mut edited = second.clone();
        edited.marks[0].seq += 1;
        assert_eq!(verify_checkpoints(&[first.clone(), edited]), Err(Break::CheckpointChain { n: 2 }));
        assert_eq!(verify_checkpoints(&[second]), Err(Break::CheckpointChain { n: 1 }));
    }

    #[test]
    fn legacy_entries_keep_their_first_hashes() {
        let link = Link {
            id: 1,
            lane: LEGACY_LANE.into(),
            seq: 1,
            dossier: "X".into(),
            at: "t".into(),
            actor: 1,
            payload: "{}".into(),
        };
        let mut h = Sha256::new();
        h.update(b"tinhso-event-v1");
        h.update(GENESIS);
        h.update(1i64.to_be_bytes());
        for s in ["X", "t"] {
            put(&mut h, s.as_bytes());
        }
        h.update(1i64.to_be_bytes());
        put(&mut h, b"{}");
        let v1: Hash = h.finalize().into();
        assert_eq!(hash(&GENESIS, &link), v1);
    }
}
