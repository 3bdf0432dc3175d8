//! The audit chain: every dossier event, in one global order with gap-free ids, each hashed
//! over the previous hash and its own content. Editing, deleting or reordering an event, or
//! cutting off the newest ones, breaks the chain at a place `verify` names.

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// The hash before the first event.
pub const GENESIS: Hash = [0; 32];

/// The content of one event as stored (text exactly as written; the hash covers these bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub id: i64,
    pub dossier: String,
    pub at: String,
    pub actor: i64,
    pub payload: String,
}

fn put(h: &mut Sha256, s: &[u8]) {
    h.update((s.len() as u64).to_be_bytes());
    h.update(s);
}

/// The hash of `link` following `prev`. Fields are length-prefixed so no two different
/// events can encode to the same bytes.
pub fn hash(prev: &Hash, link: &Link) -> Hash {
    let mut h = Sha256::new();
    h.update(b"tinhso-event-v1");
    h.update(prev);
    h.update(link.id.to_be_bytes());
    put(&mut h, link.dossier.as_bytes());
    put(&mut h, link.at.as_bytes());
    h.update(link.actor.to_be_bytes());
    put(&mut h, link.payload.as_bytes());
    h.finalize().into()
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The event's content no longer matches its hash (edited), or its hash was replaced.
    Altered { id: i64, dossier: String },
    /// Ids jump: events between were deleted.
    Missing { after: i64, next: i64 },
    /// Ids go backwards or repeat: events were reordered or duplicated.
    OutOfOrder { id: i64, after: i64 },
    /// The chain head (or a checkpoint) names events that are no longer there.
    Truncated { last: i64, expected: i64 },
    /// A checkpoint's hash differs from the recomputed chain at that event.
    Checkpoint { id: i64 },
    /// The event's kind or visibility column (outside the hash, read by the history pages)
    /// disagrees with its hashed payload: an event hidden from a history, or shown to the wrong eyes.
    Mislabelled { id: i64, dossier: String },
    /// A dossier's row no longer points to its first event, so its history would start wrong.
    Unlinked { dossier: String },
}

impl Break {
    pub fn describe_vi(&self) -> String {
        match self {
            Self::Altered { id, dossier } => {
                format!("sự kiện #{id} của hồ sơ {dossier} đã bị sửa (mã băm không khớp)")
            }
            Self::Missing { after, next } => {
                format!("thiếu sự kiện giữa #{after} và #{next} (đã bị xóa)")
            }
            Self::OutOfOrder { id, after } => {
                format!("sự kiện #{id} đứng sau #{after}: thứ tự đã bị thay đổi")
            }
            Self::Truncated { last, expected } => {
                format!("chuỗi dừng ở sự kiện #{last} nhưng đầu chuỗi ghi #{expected}: các sự kiện mới nhất đã bị xóa")
            }
            Self::Checkpoint { id } => format!("điểm kiểm tra tại sự kiện #{id} không khớp"),
            Self::Mislabelled { id, dossier } => {
                format!("loại hoặc phạm vi công khai của sự kiện #{id} (hồ sơ {dossier}) đã bị sửa")
            }
            Self::Unlinked { dossier } => format!("hồ sơ {dossier} không còn trỏ tới sự kiện đầu tiên của nó"),
        }
    }

    pub fn describe_en(&self) -> String {
        match self {
            Self::Altered { id, dossier } => {
                format!("event #{id} of dossier {dossier} was edited (hash mismatch)")
            }
            Self::Missing { after, next } => {
                format!("events between #{after} and #{next} are missing (deleted)")
            }
            Self::OutOfOrder { id, after } => {
                format!("event #{id} follows #{after}: the order was changed")
            }
            Self::Truncated { last, expected } => {
                format!(
                    "the chain ends at event #{last} but its head records #{expected}: the newest events were deleted"
                )
            }
            Self::Checkpoint { id } => format!("the checkpoint at event #{id} does not match"),
            Self::Mislabelled { id, dossier } => {
                format!("the kind or visibility column of event #{id} (dossier {dossier}) was edited")
            }
            Self::Unlinked { dossier } => format!("dossier {dossier} no longer points to its first event"),
        }
    }
}

/// Walks the chain one link at a time, so a chain of any length is checked in constant memory.
#[derive(Debug, Clone)]
pub struct Verifier {
    prev: Hash,
    last_id: i64,
    count: u64,
    /// Recorded checkpoints not yet reached, in id order.
    checkpoints: std::collections::VecDeque<(i64, Vec<u8>)>,
}

impl Verifier {
    /// `checkpoints`: the (id, hash) pairs recorded along the way, in any order.
    pub fn new(mut checkpoints: Vec<(i64, Vec<u8>)>) -> Self {
        checkpoints.sort_by_key(|(id, _)| *id);
        Self { prev: GENESIS, last_id: 0, count: 0, checkpoints: checkpoints.into() }
    }

    /// The next link in stored order with its stored hash.
    pub fn push(&mut self, link: &Link, stored: &[u8]) -> Result<(), Break> {
        if link.id <= self.last_id {
            return Err(Break::OutOfOrder { id: link.id, after: self.last_id });
        }
        if link.id != self.last_id + 1 {
            return Err(Break::Missing { after: self.last_id, next: link.id });
        }
        let h = hash(&self.prev, link);
        if stored != h.as_slice() {
            return Err(Break::Altered { id: link.id, dossier: link.dossier.clone() });
        }
        while let Some((cid, chash)) = self.checkpoints.front() {
            if *cid > link.id {
                break;
            }
            if *cid == link.id && chash.as_slice() != h.as_slice() {
                return Err(Break::Checkpoint { id: *cid });
            }
            self.checkpoints.pop_front();
        }
        self.prev = h;
        self.last_id = link.id;
        self.count += 1;
        Ok(())
    }

    /// After the last link: the recorded head must name it. Returns the count.
    pub fn finish(mut self, head: Option<(i64, Vec<u8>)>) -> Result<u64, Break> {
        if let Some((cid, _)) = self.checkpoints.pop_front() {
            return Err(Break::Truncated { last: self.last_id, expected: cid });
        }
        match head {
            Some((id, _)) if id != self.last_id => Err(Break::Truncated { last: self.last_id, expected: id }),
            Some((id, h)) if h.as_slice() != self.prev.as_slice() => Err(Break::Checkpoint { id }),
            _ => Ok(self.count),
        }
    }
}

/// Walks a whole chain. `links` in stored order with their stored hashes; `head` the recorded
/// last id and hash; `checkpoints` (id, hash) pairs recorded along the way. Returns the count.
pub fn verify(
    links: impl IntoIterator<Item = (Link, Vec<u8>)>,
    head: Option<(i64, Vec<u8>)>,
    checkpoints: &[(i64, Vec<u8>)],
) -> Result<u64, Break> {
    let mut v = Verifier::new(checkpoints.to_vec());
    for (link, stored) in links {
        v.push(&link, &stored)?;
    }
    v.finish(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<(Link, Vec<u8>)> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|id| {
                let link = Link {
                    id,
                    dossier: format!("X-250101-{:04}", id % 3 + 1),
                    at: format!("2025-01-01T00:00:{id:02}Z"),
                    actor: id * 7,
                    payload: format!("{{\"kind\":\"k{id}\"}}"),
                };
                prev = hash(&prev, &link);
                (link, prev.to_vec())
            })
            .collect()
    }

    fn head(c: &[(Link, Vec<u8>)]) -> Option<(i64, Vec<u8>)> {
        c.last().map(|(l, h)| (l.id, h.clone()))
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(10);
        let cps = vec![(5, c[4].1.clone())];
        assert_eq!(verify(c.clone(), head(&c), &cps), Ok(10));
        assert_eq!(verify(Vec::new(), None, &[]), Ok(0));
    }

    #[test]
    fn every_tampering_is_named() {
        let c = chain(10);
        let h = head(&c);
        let mut edited = c.clone();
        edited[3].0.payload = "{\"kind\":\"forged\"}".into();
        assert!(matches!(verify(edited, h.clone(), &[]), Err(Break::Altered { id: 4, .. })));

        let mut deleted = c.clone();
        deleted.remove(5);
        assert_eq!(verify(deleted, h.clone(), &[]), Err(Break::Missing { after: 5, next: 7 }));

        let mut swapped = c.clone();
        swapped.swap(2, 3);
        assert_eq!(verify(swapped, h.clone(), &[]), Err(Break::Missing { after: 2, next: 4 }));

        let mut renumbered = c.clone();
        let (a, b) = (renumbered[2].0.id, renumbered[3].0.id);
        renumbered[2].0.id = b;
        renumbered[3].0.id = a;
        assert!(verify(renumbered, h.clone(), &[]).is_err());

        let truncated: Vec<_> = c[..8].to_vec();
        assert_eq!(verify(truncated, h.clone(), &[]), Err(Break::Truncated { last: 8, expected: 10 }));

        // Rewriting the whole tail with fresh hashes is caught by the head.
        let mut rewritten = c.clone();
        rewritten[9].0.payload = "{}".into();
        let prev: Hash = rewritten[8].1.as_slice().try_into().unwrap();
        rewritten[9].1 = hash(&prev, &rewritten[9].0).to_vec();
        assert_eq!(verify(rewritten, h, &[]), Err(Break::Checkpoint { id: 10 }));
    }
}
