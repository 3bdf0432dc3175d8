//! The published order of a group's units: by final points, most first; equal points share
//! a rank (1, 2, 2, 4) and are listed in the Vietnamese order of their names; units with no
//! appraised assessment follow, unranked.

use crate::points::Points;
use tinhso_kernel::text::vi_cmp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked<T> {
    /// `None` for a unit without an appraised assessment.
    pub rank: Option<usize>,
    pub name: String,
    pub total: Option<Points>,
    pub unit: T,
}

pub fn rank<T>(units: Vec<(T, String, Option<Points>)>) -> Vec<Ranked<T>> {
    let mut units = units;
    units.sort_by(|a, b| match (a.2, b.2) {
        (Some(x), Some(y)) => y.cmp(&x).then_with(|| vi_cmp(&a.1, &b.1)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => vi_cmp(&a.1, &b.1),
    });
    let mut out: Vec<Ranked<T>> = Vec::with_capacity(units.len());
    for (i, (unit, name, total)) in units.into_iter().enumerate() {
        let rank = total.map(|t| match out.last() {
            Some(prev) if prev.total == Some(t) => prev.rank.unwrap_or(i + 1),
            _ => i + 1,
        });
        out.push(Ranked { rank, name, total, unit });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn equal_points_share_a_rank_and_the_unassessed_follow() {
        let r = rank(vec![
            (1, "Sở Tư pháp".to_owned(), Some(Points(70000))),
            (2, "Sở Công Thương".to_owned(), Some(Points(81050))),
            (3, "Sở Y tế".to_owned(), None),
            (4, "Sở Đào tạo".to_owned(), Some(Points(70000))),
            (5, "Sở Ăn uống".to_owned(), None),
            (6, "Sở Xây dựng".to_owned(), Some(Points(10))),
        ]);
        let got: Vec<(Option<usize>, i32)> = r.iter().map(|x| (x.rank, x.unit)).collect();
        // Equal points in the Vietnamese order: "Đ" comes before "T", "Ă" before "Y".
        assert_eq!(got, [(Some(1), 2), (Some(2), 4), (Some(2), 1), (Some(4), 6), (None, 5), (None, 3)]);
    }

    proptest! {
        #[test]
        fn ranks_never_fall_as_points_rise(points in proptest::collection::vec(proptest::option::of(0u32..50), 0..30)) {
            let units = points.iter().enumerate().map(|(i, p)| (i, format!("Đơn vị {i:02}"), p.map(Points))).collect();
            let r = rank(units);
            for w in r.windows(2) {
                match (w[0].total, w[1].total) {
                    (Some(a), Some(b)) => {
                        prop_assert!(a >= b);
                        prop_assert_eq!(a == b, w[0].rank == w[1].rank);
                    }
                    (None, Some(_)) => prop_assert!(false, "an unassessed unit above an assessed one"),
                    _ => {}
                }
            }
            let ranked = r.iter().filter(|x| x.rank.is_some()).count();
            prop_assert_eq!(ranked, points.iter().filter(|p| p.is_some()).count());
            for (i, x) in r.iter().enumerate() {
                if let Some(k) = x.rank {
                    prop_assert!(k <= i + 1, "a rank counts the units strictly above");
                    prop_assert_eq!(k, 1 + r.iter().filter(|y| y.total > x.total && y.total.is_some()).count());
                }
            }
        }
    }
}
