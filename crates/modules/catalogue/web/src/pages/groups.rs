//! Lists the procedure editor asks for one item at a time (the e-form's fields, the documents,
//! the steps): a group of inputs an item, each named as the catalogue names that item's
//! problems (`components[2].name`), so a problem shows beside its input and the error
//! summary links to it. Blank groups at the end add items, a ticked "remove" drops one, and a
//! place number moves one; no script needed. Each list says what its group holds ([`Row`]);
//! reading, ordering and naming problems are here, once.

use tinhso_kernel::error::Errors;
use tinhso_kernel::FieldError;

/// Blank groups offered after a list's items, for new ones.
pub const BLANK_ROWS: usize = 3;

/// More groups than any list has; a post naming a higher one is refused as unknown.
const MAX_ROWS: usize = 200;

/// What every group has besides its item's inputs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Slot {
    /// Where the item goes (1 = first), as typed; empty keeps its place.
    pub place: String,
    /// "Remove this one" is ticked.
    pub remove: bool,
    /// A blank group offered for a new item (its legend says so; it has nothing to remove).
    pub is_new: bool,
}

/// One group as typed (or as stored, for the editor's first view).
pub trait Row: Clone + Default {
    /// The list's name, the inputs' prefix and the catalogue's (`form_fields`).
    const AREA: &'static str;
    /// The item's inputs (every group also has `place` and `remove`: its [`Slot`]).
    const ATTRS: &'static [&'static str];
    /// Takes input `attr`'s value (a ticked box sends one, an unticked none).
    fn set(&mut self, attr: &str, value: &str);
    /// Nothing typed that would make an item.
    fn is_blank(&self) -> bool;
    /// A blank group as offered for a new item, its slot aside.
    fn blank() -> Self;
    fn slot(&self) -> &Slot;
    fn slot_mut(&mut self) -> &mut Slot;
}

/// `components[3].name` → (3, "name"), for the names a list's groups have and no other.
fn split<R: Row>(name: &str) -> Option<(usize, &str)> {
    let (n, attr) = name.strip_prefix(R::AREA)?.strip_prefix('[')?.split_once("].")?;
    if n.is_empty() || n.len() > 3 || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let i: usize = n.parse().ok()?;
    let known = R::ATTRS.contains(&attr) || attr == "place" || attr == "remove";
    (i < MAX_ROWS && known).then_some((i, attr))
}

/// Whether a posted name is one of list `R`'s inputs.
pub fn is_input<R: Row>(name: &str) -> bool {
    split::<R>(name).is_some()
}

/// The groups of list `R` as posted, in their order on the page.
pub fn rows_from<'a, R: Row>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<R> {
    let mut rows: Vec<R> = Vec::new();
    for (name, value) in pairs {
        let Some((i, attr)) = split::<R>(name) else { continue };
        if rows.len() <= i {
            rows.resize(i + 1, R::default());
        }
        match attr {
            "place" => rows[i].slot_mut().place = value.to_owned(),
            "remove" => rows[i].slot_mut().remove = true,
            _ => rows[i].set(attr, value),
        }
    }
    rows
}

/// Shown again (after a failed save, or first with a list's items): the groups as they are
/// and as many blank ones as before.
pub fn with_blanks<R: Row>(rows: &mut Vec<R>) {
    while rows.last().is_some_and(R::is_blank) {
        rows.pop();
    }
    rows.extend(std::iter::repeat_with(blank::<R>).take(BLANK_ROWS));
}

fn blank<R: Row>() -> R {
    let mut row = R::blank();
    row.slot_mut().is_new = true;
    row
}

/// A list's items as the editor first shows them, each in its place, with blank groups after.
pub fn rows_of<T, R: Row>(items: &[T], row: impl Fn(&T) -> R) -> Vec<R> {
    let mut rows: Vec<R> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let mut r = row(item);
            *r.slot_mut() = Slot { place: (i + 1).to_string(), remove: false, is_new: false };
            r
        })
        .collect();
    with_blanks(&mut rows);
    rows
}

/// The items the groups describe, in their order in the list ([`kept`]), with the group each
/// came from; `item` makes one of group `i` or says why it cannot (a choice not offered, a
/// number that is none) and leaves it out, so the catalogue still checks the others and every
/// problem is told at once.
pub fn items<R: Row, T>(
    rows: &[R],
    errs: &mut Errors,
    item: impl Fn(usize, &R, &mut Errors) -> Option<T>,
) -> (Vec<T>, Vec<usize>) {
    let mut out = Vec::new();
    let mut from = Vec::new();
    for i in kept(rows, errs) {
        if let Some(t) = item(i, &rows[i], errs) {
            out.push(t);
            from.push(i);
        }
    }
    (out, from)
}

/// The groups that make items, in their order in the list: blank and removed ones left out,
/// a place that is no number a problem of its group. A group moved up goes before the one
/// already in its place and a group moved down after it ("put item 5 at 1" makes it first,
/// "put item 1 at 3" makes it third); groups left alone keep their order.
pub fn kept<R: Row>(rows: &[R], errs: &mut Errors) -> Vec<usize> {
    let mut kept: Vec<(usize, u32)> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if row.slot().remove || row.is_blank() {
            continue;
        }
        let here = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let typed = row.slot().place.trim();
        let at = if typed.is_empty() {
            here
        } else if let Ok(n) = typed.parse::<u16>() {
            u32::from(n)
        } else {
            errs.push(FieldError::new(
                format!("{}[{i}].place", R::AREA),
                "invalid_number",
                "Nhập thứ tự bằng số, ví dụ 3",
                "Enter the place as a number, e.g. 3",
            ));
            here
        };
        kept.push((i, at));
    }
    kept.sort_by_key(|&(i, at)| {
        let here = u32::try_from(i + 1).unwrap_or(u32::MAX);
        (at, at.cmp(&here) as i8, i)
    });
    kept.into_iter().map(|(i, _)| i).collect()
}

/// A problem the catalogue found in item `j` of list `area` named by the group it came from
/// (`groups[j]`), its input renamed where the group calls it otherwise (`renamed`: the
/// catalogue's name, the group's).
pub fn by_group(mut e: FieldError, area: &str, groups: &[usize], renamed: &[(&str, &str)]) -> FieldError {
    let found = e.field.strip_prefix(area).and_then(|r| r.strip_prefix('[')).and_then(|rest| {
        let (j, attr) = rest.split_once("].")?;
        let group = groups.get(j.parse::<usize>().ok()?)?;
        let attr = renamed.iter().find(|(from, _)| *from == attr).map_or(attr, |(_, to)| *to);
        Some(format!("{area}[{group}].{attr}"))
    });
    if let Some(field) = found {
        e.field = field;
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default, Debug, PartialEq)]
    struct Item {
        name: String,
        slot: Slot,
    }

    impl Row for Item {
        const AREA: &'static str = "items";
        const ATTRS: &'static [&'static str] = &["name"];
        fn set(&mut self, _: &str, value: &str) {
            self.name = value.to_owned();
        }
        fn is_blank(&self) -> bool {
            self.name.trim().is_empty()
        }
        fn blank() -> Self {
            Self::default()
        }
        fn slot(&self) -> &Slot {
            &self.slot
        }
        fn slot_mut(&mut self) -> &mut Slot {
            &mut self.slot
        }
    }

    fn at(places: [&str; 4]) -> Vec<Item> {
        ["a", "b", "c", "d"]
            .iter()
            .zip(places)
            .map(|(n, p)| Item { name: (*n).into(), slot: Slot { place: p.into(), ..Slot::default() } })
            .collect()
    }

    fn order(rows: &[Item]) -> Vec<&str> {
        let mut errs = Errors::default();
        let kept = kept(rows, &mut errs);
        assert!(errs.is_empty(), "{:?}", errs.0);
        kept.into_iter().map(|i| rows[i].name.as_str()).collect()
    }

    #[test]
    fn an_item_moved_up_goes_before_and_one_moved_down_after_the_item_in_its_place() {
        assert_eq!(order(&at(["1", "2", "3", "4"])), ["a", "b", "c", "d"]);
        assert_eq!(order(&at(["1", "2", "3", "1"])), ["d", "a", "b", "c"], "the last made first");
        assert_eq!(order(&at(["3", "2", "3", "4"])), ["b", "c", "a", "d"], "the first made third");
        assert_eq!(order(&at(["", "", "", ""])), ["a", "b", "c", "d"], "no places: as on the page");
        assert_eq!(order(&at(["9", "", "", ""])), ["b", "c", "d", "a"], "past the end: last");
    }

    #[test]
    fn blank_and_removed_groups_are_left_out_and_a_bad_place_is_its_groups_problem() {
        let mut rows = at(["1", "2", "3", "bốn"]);
        rows[1].name = " ".into();
        rows[2].slot.remove = true;
        let mut errs = Errors::default();
        assert_eq!(kept(&rows, &mut errs), [0, 3]);
        assert_eq!(errs.0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["items[3].place"]);
    }

    #[test]
    fn the_catalogues_problems_are_named_by_the_group_they_came_from() {
        let e = FieldError::new("items[1].name", "required", "Nhập tên", "Enter the name");
        assert_eq!(by_group(e, "items", &[0, 4], &[]).field, "items[4].name");
        let e = FieldError::new("items[0].budget_hours", "out_of_range", "x", "x");
        assert_eq!(by_group(e, "items", &[2], &[("budget_hours", "budget")]).field, "items[2].budget");
        let e = FieldError::new("name", "required", "Nhập tên", "Enter the name");
        assert_eq!(by_group(e, "items", &[0, 4], &[]).field, "name", "other problems unchanged");
        let e = FieldError::new("items", "too_many", "x", "x");
        assert_eq!(by_group(e, "items", &[0], &[]).field, "items", "the list's own problems too");
    }

    #[test]
    fn only_a_lists_own_names_are_read() {
        let posted = [
            ("items[1].name", "Đơn"),
            ("items[0].remove", "1"),
            ("items[200].name", "too far"),
            ("items[+1].name", "not a number"),
            ("items[1].colour", "no such input"),
            ("other[1].name", "another list's"),
            ("name", "the procedure's"),
        ];
        let rows: Vec<Item> = rows_from(posted.into_iter());
        assert_eq!(rows.len(), 2);
        assert!(rows[0].slot.remove);
        assert_eq!(rows[1].name, "Đơn");
        assert!(is_input::<Item>("items[199].place"));
        for (name, _) in &posted[2..] {
            assert!(!is_input::<Item>(name), "{name}");
        }
    }

    #[test]
    fn groups_are_offered_again_with_as_many_blank_ones_as_before() {
        let mut rows = at(["", "", "", ""]);
        rows.extend([blank(), blank()]);
        with_blanks(&mut rows);
        assert_eq!(rows.len(), 4 + BLANK_ROWS);
        assert!(rows[4..].iter().all(|r| r.slot.is_new));
        let shown: Vec<Item> = rows_of(&["x", "y"], |n| Item { name: (*n).into(), ..Item::default() });
        assert_eq!(shown.iter().map(|r| r.slot.place.as_str()).collect::<Vec<_>>(), ["1", "2", "", "", ""]);
    }
}
