//! The e-form's fields in the procedure editor: one group of inputs a field (its label, the
//! English label, its key, what it asks for, whether it is required, a select's choices and
//! their English words, its place on the form), each input named as the catalogue names that field's problems
//! (`form_fields[2].key`), so a problem shows beside its input and the error summary links
//! to it. Blank groups at the end add fields; a ticked "remove" drops one. No script needed.

use tinhso_catalogue::procedure::{FieldType, FormField};
use tinhso_kernel::error::Errors;
use tinhso_kernel::FieldError;

/// Blank groups offered after a procedure's fields, for new ones.
pub const BLANK_ROWS: usize = 3;

/// More groups than any form has; a post naming a higher one is refused as unknown.
const MAX_ROWS: usize = 200;

const ATTRS: [&str; 9] =
    ["key", "label", "label_en", "type", "required", "options", "options_en", "position", "remove"];

/// One group as typed (or as stored, for the editor's first view).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldRow {
    pub key: String,
    pub label: String,
    pub label_en: String,
    /// A `FieldType` key; anything else is refused with the group's other problems.
    pub kind: String,
    pub required: bool,
    /// A select's choices, separated by semicolons.
    pub options: String,
    /// The same in English, in the same order.
    pub options_en: String,
    /// Where the field goes on the form (1 = first); empty keeps its place.
    pub position: String,
    pub remove: bool,
    /// A blank group offered for a new field (its legend says so; it has nothing to remove).
    pub is_new: bool,
}

impl FieldRow {
    fn is_blank(&self) -> bool {
        [&self.key, &self.label, &self.label_en, &self.options, &self.options_en].iter().all(|s| s.trim().is_empty())
    }

    fn blank() -> Self {
        Self { kind: FieldType::Text.key().to_owned(), required: true, is_new: true, ..Self::default() }
    }
}

/// `form_fields[3].label` → (3, "label"), for the names this editor writes and no other.
fn split(name: &str) -> Option<(usize, &str)> {
    let (n, attr) = name.strip_prefix("form_fields[")?.split_once("].")?;
    if n.is_empty() || n.len() > 3 || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let i: usize = n.parse().ok()?;
    (i < MAX_ROWS && ATTRS.contains(&attr)).then_some((i, attr))
}

/// Whether a posted name is one of the editor's field inputs.
pub fn is_field_input(name: &str) -> bool {
    split(name).is_some()
}

/// The groups as posted, in their order on the page.
pub fn rows_from<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<FieldRow> {
    let mut rows: Vec<FieldRow> = Vec::new();
    for (name, value) in pairs {
        let Some((i, attr)) = split(name) else { continue };
        if rows.len() <= i {
            rows.resize(i + 1, FieldRow::default());
        }
        let row = &mut rows[i];
        match attr {
            "key" => row.key = value.to_owned(),
            "label" => row.label = value.to_owned(),
            "label_en" => row.label_en = value.to_owned(),
            "type" => row.kind = value.to_owned(),
            "required" => row.required = true,
            "options" => row.options = value.to_owned(),
            "options_en" => row.options_en = value.to_owned(),
            "position" => row.position = value.to_owned(),
            _ => row.remove = true,
        }
    }
    rows
}

/// A procedure's fields as the editor first shows them, with blank groups after.
pub fn rows_of(fields: &[FormField]) -> Vec<FieldRow> {
    let mut rows: Vec<FieldRow> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| FieldRow {
            key: f.key.clone(),
            label: f.label.clone(),
            label_en: f.label_en.clone().unwrap_or_default(),
            kind: f.field_type.key().to_owned(),
            required: f.required,
            options: f.options.join("; "),
            options_en: f.options_en.join("; "),
            position: (i + 1).to_string(),
            remove: false,
            is_new: false,
        })
        .collect();
    with_blanks(&mut rows);
    rows
}

/// Shown again after a failed save: the groups as typed, and as many blank ones as before.
pub fn with_blanks(rows: &mut Vec<FieldRow>) {
    while rows.last().is_some_and(FieldRow::is_blank) {
        rows.pop();
    }
    rows.extend(std::iter::repeat_with(FieldRow::blank).take(BLANK_ROWS));
}

/// Where each kept group goes: by its position, a group moved up before the one already
/// there and a group moved down after it (so "put field 5 at 1" makes it first, "put field 1
/// at 3" makes it third), groups left alone in their order.
fn order(kept: &mut [(usize, Option<u16>, FieldType)]) {
    kept.sort_by_key(|&(i, position, _)| {
        let here = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let at = position.map_or(here, u32::from);
        (at, at.cmp(&here) as i8, i)
    });
}

/// The fields the groups describe, in their order on the form, with the group each came
/// from (to name a problem the catalogue finds by the group's input). Blank and removed
/// groups are left out; a kind or position that cannot be read is a problem of its group.
pub fn fields(rows: &[FieldRow], errs: &mut Errors) -> (Vec<FormField>, Vec<usize>) {
    let mut kept = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if row.remove || row.is_blank() {
            continue;
        }
        let kind = FieldType::parse(&row.kind);
        if kind.is_none() {
            errs.push(FieldError::new(
                format!("form_fields[{i}].type"),
                "invalid_choice",
                "Chọn loại trường trong danh sách",
                "Choose the field's kind from the list",
            ));
        }
        let position = row.position.trim();
        let position = if position.is_empty() {
            None
        } else if let Ok(n) = position.parse::<u16>() {
            Some(n)
        } else {
            errs.push(FieldError::new(
                format!("form_fields[{i}].position"),
                "invalid_number",
                "Nhập thứ tự bằng số, ví dụ 3",
                "Enter the place as a number, e.g. 3",
            ));
            None
        };
        // A group of no known kind is not a field the catalogue can check (its problem is
        // told above); the others are, so every problem is told at once.
        if let Some(kind) = kind {
            kept.push((i, position, kind));
        }
    }
    order(&mut kept);
    let fields = kept
        .iter()
        .map(|&(i, _, field_type)| {
            let row = &rows[i];
            FormField {
                key: row.key.trim().to_owned(),
                label: row.label.clone(),
                label_en: Some(row.label_en.clone()).filter(|l| !l.trim().is_empty()),
                field_type,
                required: row.required,
                options: choices(&row.options),
                options_en: choices(&row.options_en),
            }
        })
        .collect();
    (fields, kept.into_iter().map(|(i, _, _)| i).collect())
}

fn choices(typed: &str) -> Vec<String> {
    typed.split(';').map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect()
}

/// A problem the catalogue found in its field `j` named by the group it came from.
pub fn by_group(mut e: FieldError, groups: &[usize]) -> FieldError {
    let renamed = e.field.strip_prefix("form_fields[").and_then(|rest| {
        let (j, attr) = rest.split_once("].")?;
        let group = groups.get(j.parse::<usize>().ok()?)?;
        Some(format!("form_fields[{group}].{attr}"))
    });
    if let Some(field) = renamed {
        e.field = field;
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, position: &str) -> FieldRow {
        FieldRow {
            key: key.into(),
            label: key.to_uppercase(),
            kind: "text".into(),
            required: true,
            position: position.into(),
            ..FieldRow::default()
        }
    }

    fn keys(rows: &[FieldRow]) -> Vec<String> {
        let mut errs = Errors::default();
        let (fields, _) = fields(rows, &mut errs);
        assert!(errs.is_empty(), "{:?}", errs.0);
        fields.into_iter().map(|f| f.key).collect()
    }

    #[test]
    fn a_field_moved_up_goes_before_and_one_moved_down_after_the_field_in_its_place() {
        let at = |p: [&str; 4]| vec![row("a", p[0]), row("b", p[1]), row("c", p[2]), row("d", p[3])];
        assert_eq!(keys(&at(["1", "2", "3", "4"])), ["a", "b", "c", "d"]);
        assert_eq!(keys(&at(["1", "2", "3", "1"])), ["d", "a", "b", "c"], "the last made first");
        assert_eq!(keys(&at(["3", "2", "3", "4"])), ["b", "c", "a", "d"], "the first made third");
        assert_eq!(keys(&at(["", "", "", ""])), ["a", "b", "c", "d"], "no places: as on the page");
        assert_eq!(keys(&at(["9", "", "", ""])), ["b", "c", "d", "a"], "past the end: last");
    }

    #[test]
    fn blank_and_removed_groups_are_left_out_and_problems_keep_their_group() {
        let mut rows = vec![row("a", "1"), FieldRow::blank(), row("c", "3"), row("d", "4")];
        rows[2].remove = true;
        rows[3].kind = "picture".into();
        rows[3].position = "bốn".into();
        let mut errs = Errors::default();
        let (fields, groups) = fields(&rows, &mut errs);
        assert_eq!(fields.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(), ["a"], "d's kind is unknown");
        assert_eq!(groups, [0], "one group for each field checked");
        let names: Vec<&str> = errs.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["form_fields[3].type", "form_fields[3].position"]);
    }

    #[test]
    fn the_catalogues_problems_are_named_by_the_group_they_came_from() {
        let e = FieldError::new("form_fields[1].key", "duplicate_key", "Khóa a bị trùng", "Key a is used twice");
        assert_eq!(by_group(e, &[0, 4]).field, "form_fields[4].key");
        let e = FieldError::new("name", "required", "Nhập tên", "Enter the name");
        assert_eq!(by_group(e, &[0, 4]).field, "name", "other problems unchanged");
    }

    #[test]
    fn a_form_round_trips_through_the_groups() {
        let stored = vec![
            FormField {
                key: "gioi_tinh".into(),
                label: "Giới tính".into(),
                label_en: Some("Sex".into()),
                field_type: FieldType::Select,
                required: true,
                options: vec!["Nam".into(), "Nữ".into()],
                options_en: vec!["Male".into(), "Female".into()],
            },
            FormField {
                key: "ghi_chu".into(),
                label: "Ghi chú".into(),
                label_en: None,
                field_type: FieldType::LongText,
                required: false,
                options: Vec::new(),
                options_en: Vec::new(),
            },
        ];
        let rows = rows_of(&stored);
        assert_eq!(rows.len(), 2 + BLANK_ROWS);
        let mut errs = Errors::default();
        assert_eq!(fields(&rows, &mut errs).0, stored);
        assert!(errs.is_empty());
    }

    #[test]
    fn only_the_editors_own_names_are_read() {
        let posted = [
            ("form_fields[1].label", "Họ tên"),
            ("form_fields[1].required", "1"),
            ("form_fields[0].remove", "1"),
            ("form_fields[200].label", "too far"),
            ("form_fields[+1].label", "not a number"),
            ("form_fields[1].colour", "no such input"),
            ("name", "the procedure's"),
        ];
        let rows = rows_from(posted.into_iter());
        assert_eq!(rows.len(), 2);
        assert!(rows[0].remove);
        assert_eq!((rows[1].label.as_str(), rows[1].required), ("Họ tên", true));
        assert!(is_field_input("form_fields[199].options"));
        for (name, _) in &posted[3..] {
            assert!(!is_field_input(name), "{name}");
        }
    }

    #[test]
    fn a_failed_save_offers_as_many_blank_groups_as_before() {
        let mut rows = vec![row("a", "1"), FieldRow::blank(), FieldRow::blank()];
        with_blanks(&mut rows);
        assert_eq!(rows.len(), 1 + BLANK_ROWS);
        assert!(rows[1..].iter().all(|r| r.is_new && r.required && r.kind == "text"));
    }
}
