//! Auditing a stored chain: every link's hash (through [`Verifier`]) and the two columns stores
//! keep beside each hashed payload for the history pages, its kind and whether the public may
//! see it. Which kind and visibility a payload implies is the module's to say ([`Labels`]); the
//! ledger checks that the stored columns agree, so hiding an event from a history or showing an
//! internal one is found like an edit.

use crate::chain::{Break, LaneHead, Link, Mark, Verifier};

/// What a module's payloads say about themselves.
pub trait Labels {
    /// The kind and visibility `payload`, written in `lane`, implies; `None` when it names no
    /// kind the module owning that lane knows.
    fn label<'p>(&self, lane: &str, payload: &'p str) -> Option<(&'p str, bool)>;
    /// Whether an entry of `kind` in `lane` opens a subject (counted as one subject of the audit).
    fn opens(&self, lane: &str, kind: &str) -> bool;
}

/// A chain audit in progress, fed one stored link at a time.
pub struct Audit<L> {
    verifier: Verifier,
    labels: L,
    opened: u64,
}

/// What an intact chain holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audited {
    pub entries: u64,
    pub subjects: u64,
}

impl<L: Labels> Audit<L> {
    /// `heads`: every lane's head read before the walk; `marks`: every recorded mark.
    pub fn new(heads: Vec<LaneHead>, marks: Vec<Mark>, labels: L) -> Self {
        Self { verifier: Verifier::new(heads, marks), labels, opened: 0 }
    }

    /// The next stored link, its stored hash and its stored kind and visibility columns.
    pub fn push(&mut self, link: &Link, hash: &[u8], kind: &str, public: bool) -> Result<(), Break> {
        if !self.verifier.push(link, hash)? {
            return Ok(());
        }
        if self.labels.label(&link.lane, &link.payload) != Some((kind, public)) {
            return Err(Break::Mislabelled { id: link.id, dossier: link.dossier.clone() });
        }
        self.opened += u64::from(self.labels.opens(&link.lane, kind));
        Ok(())
    }

    /// After the last link: the heads read before must name each lane's last entry, and those
    /// read after (`heads_after`) must cover what was written during the walk.
    pub fn finish(self, heads_after: &[LaneHead]) -> Result<Audited, Break> {
        let entries = self.verifier.finish(heads_after)?;
        Ok(Audited { entries, subjects: self.opened })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::{hash, GENESIS};

    /// Payloads are `{"kind":"…"}`; `secret` events are internal.
    struct Kinds;

    impl Labels for Kinds {
        fn label<'p>(&self, _lane: &str, payload: &'p str) -> Option<(&'p str, bool)> {
            let kind = payload.strip_prefix("{\"kind\":\"")?.split('"').next()?;
            Some((kind, kind != "secret"))
        }
        fn opens(&self, _lane: &str, kind: &str) -> bool {
            kind == "opened"
        }
    }

    fn chain(kinds: &[&str]) -> Vec<(Link, Vec<u8>)> {
        let mut prev = GENESIS;
        kinds
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let id = i64::try_from(i).unwrap() + 1;
                let link = Link {
                    id,
                    lane: "l".into(),
                    seq: id,
                    dossier: "S-1".into(),
                    at: "2026-12-02T00:00:00Z".into(),
                    actor: 1,
                    payload: format!("{{\"kind\":\"{k}\"}}"),
                };
                prev = hash(&prev, &link);
                (link, prev.to_vec())
            })
            .collect()
    }

    #[test]
    fn intact_chains_count_entries_and_subjects() {
        let c = chain(&["opened", "secret", "opened", "closed"]);
        let head = c.last().map(|(l, h)| LaneHead { lane: l.lane.clone(), seq: l.seq, id: l.id, hash: h.clone() });
        let heads: Vec<LaneHead> = head.into_iter().collect();
        let mut a = Audit::new(heads.clone(), Vec::new(), Kinds);
        for (l, h) in &c {
            let (kind, public) = Kinds.label(&l.lane, &l.payload).unwrap();
            a.push(l, h, kind, public).unwrap();
        }
        assert_eq!(a.finish(&heads), Ok(Audited { entries: 4, subjects: 2 }));
    }

    #[test]
    fn a_relabelled_column_is_found() {
        let c = chain(&["opened", "secret"]);
        let heads = vec![LaneHead { lane: "l".into(), seq: 2, id: 2, hash: c[1].1.clone() }];
        let mut a = Audit::new(heads, Vec::new(), Kinds);
        a.push(&c[0].0, &c[0].1, "opened", true).unwrap();
        // The internal event shown to the public: its hash is intact, its column is not.
        assert_eq!(a.push(&c[1].0, &c[1].1, "secret", true), Err(Break::Mislabelled { id: 2, dossier: "S-1".into() }));
    }
}
