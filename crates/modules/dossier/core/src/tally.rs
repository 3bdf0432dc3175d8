//! What staff inboxes count: for every agency, how many of the dossiers it works on are in each
//! state, and how many open ones fall due on each day (so "overdue" and "due soon" are sums over
//! due dates). A pure function of the folded dossier: stores keep the counters current by adding
//! `delta(before, after)` in each event's transaction, and `tinhso ioc check` recomputes them.
//!
//! A dossier counts at the agency that decides it, and separately at the desk that received it
//! when that is another agency; summing the deciding side over all agencies counts each dossier
//! once (the province's view).

use super::{Dossier, DossierState};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use tinhso_kernel::ids::AgencyCode;

/// Which side of a dossier an agency is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// It decides the dossier (it may also have received it).
    Deciding,
    /// It received the dossier at its desk for another agency to decide.
    Desk,
}

/// One counter of an agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TallyKey {
    State(Side, DossierState),
    /// Open dossiers (the clock running) due on this day: the apology's new date if one was sent.
    Due(Side, NaiveDate),
}

impl TallyKey {
    /// As stored: `s:received`, `d:2026-12-05`, with `r` in front for the desk side.
    pub fn key(&self) -> String {
        let side = |s: &Side| if *s == Side::Desk { "r" } else { "" };
        match self {
            Self::State(s, st) => format!("{}s:{}", side(s), st.key()),
            Self::Due(s, d) => format!("{}d:{d}", side(s)),
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        let (side, rest) = match key.strip_prefix('r') {
            Some(rest) => (Side::Desk, rest),
            None => (Side::Deciding, key),
        };
        if let Some(s) = rest.strip_prefix("s:") {
            return DossierState::parse(s).map(|st| Self::State(side, st));
        }
        let d = rest.strip_prefix("d:")?;
        NaiveDate::parse_from_str(d, "%Y-%m-%d").ok().map(|d| Self::Due(side, d))
    }
}

/// Counters by agency.
pub type Tally = BTreeMap<(AgencyCode, TallyKey), i64>;

/// States in which the dossier's clock runs (received and not yet finished, not paused).
pub fn clock_runs(state: DossierState) -> bool {
    matches!(state, DossierState::Received | DossierState::Processing | DossierState::PaymentRequested)
}

/// What a dossier, as it stands, adds to the counters.
pub fn tally(d: &Dossier) -> Tally {
    let mut out = Tally::new();
    let mut sides = vec![(&d.competent_agency, Side::Deciding)];
    if d.receiving_agency != d.competent_agency {
        sides.push((&d.receiving_agency, Side::Desk));
    }
    for (agency, side) in sides {
        out.insert((agency.clone(), TallyKey::State(side, d.state)), 1);
        if let Some(due) = d.apology_due_on.or(d.due_on).filter(|_| clock_runs(d.state)) {
            out.insert((agency.clone(), TallyKey::Due(side, due)), 1);
        }
    }
    out
}

/// The change one event makes: `tally(after) - tally(before)`, without zeros.
pub fn delta(before: Option<&Dossier>, after: &Dossier) -> Tally {
    tinhso_kernel::counters::delta(before.map(tally), tally(after))
}

/// Adds `more` into running totals, dropping counters that come back to zero.
pub fn accumulate(into: &mut Tally, more: Tally) {
    tinhso_kernel::counters::accumulate(into, more)
}

/// An inbox's counters for today, from the stored counters of the agency (or of the province).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxCounts {
    pub by_state: BTreeMap<DossierState, i64>,
    pub overdue: i64,
    pub due_soon: i64,
}

impl InboxCounts {
    /// `rows`: (key, count) of one agency (both sides) or, for the province, the deciding side of
    /// every agency. Due today or before `soon` (inclusive) is "due soon"; before today, overdue.
    pub fn from_rows(rows: impl IntoIterator<Item = (TallyKey, i64)>, today: NaiveDate, soon: NaiveDate) -> Self {
        let mut c = Self::default();
        for (key, n) in rows {
            match key {
                TallyKey::State(_, s) => *c.by_state.entry(s).or_default() += n,
                TallyKey::Due(_, d) if d < today => c.overdue += n,
                TallyKey::Due(_, d) if d <= soon => c.due_soon += n,
                TallyKey::Due(..) => {}
            }
        }
        c.by_state.retain(|_, n| *n != 0);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        for k in [
            TallyKey::State(Side::Deciding, DossierState::Received),
            TallyKey::State(Side::Desk, DossierState::SupplementRequested),
            TallyKey::Due(Side::Deciding, d),
            TallyKey::Due(Side::Desk, d),
        ] {
            assert_eq!(TallyKey::parse(&k.key()), Some(k), "{}", k.key());
        }
        assert_eq!(TallyKey::Due(Side::Desk, d).key(), "rd:2026-12-05");
        assert_eq!(TallyKey::parse("x:1"), None);
    }

    #[test]
    fn counts_split_overdue_from_due_soon() {
        let day = |n| NaiveDate::from_ymd_opt(2026, 12, n).unwrap();
        let rows = vec![
            (TallyKey::State(Side::Deciding, DossierState::Received), 3),
            (TallyKey::State(Side::Desk, DossierState::Received), 2),
            (TallyKey::State(Side::Deciding, DossierState::Returned), 0),
            (TallyKey::Due(Side::Deciding, day(1)), 1),
            (TallyKey::Due(Side::Desk, day(2)), 1),
            (TallyKey::Due(Side::Deciding, day(3)), 2),
            (TallyKey::Due(Side::Deciding, day(4)), 1),
            (TallyKey::Due(Side::Deciding, day(9)), 5),
        ];
        let c = InboxCounts::from_rows(rows, day(3), day(4));
        assert_eq!(c.by_state.get(&DossierState::Received), Some(&5));
        assert!(!c.by_state.contains_key(&DossierState::Returned));
        assert_eq!((c.overdue, c.due_soon), (2, 3));
    }
}
