//! The e-form's fields in the procedure editor, a group each (`groups.rs`): its label, the
//! English label, its key, what it asks for, whether it is required, a select's choices and
//! their English words, its place on the form.

use super::groups::{self, Row, Slot};
use tinhso_catalogue::procedure::{FieldType, FormField};
use tinhso_kernel::error::Errors;
use tinhso_kernel::FieldError;

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
    pub slot: Slot,
}

impl Row for FieldRow {
    const AREA: &'static str = "form_fields";
    const ATTRS: &'static [&'static str] = &["key", "label", "label_en", "type", "required", "options", "options_en"];

    fn set(&mut self, attr: &str, value: &str) {
        let value = value.to_owned();
        match attr {
            "key" => self.key = value,
            "label" => self.label = value,
            "label_en" => self.label_en = value,
            "type" => self.kind = value,
            "required" => self.required = true,
            "options" => self.options = value,
            _ => self.options_en = value,
        }
    }

    fn is_blank(&self) -> bool {
        [&self.key, &self.label, &self.label_en, &self.options, &self.options_en].iter().all(|s| s.trim().is_empty())
    }

    fn blank() -> Self {
        Self { kind: FieldType::Text.key().to_owned(), required: true, ..Self::default() }
    }

    fn slot(&self) -> &Slot {
        &self.slot
    }

    fn slot_mut(&mut self) -> &mut Slot {
        &mut self.slot
    }
}

/// A procedure's fields as the editor first shows them, with blank groups after.
pub fn rows_of(fields: &[FormField]) -> Vec<FieldRow> {
    groups::rows_of(fields, |f| FieldRow {
        key: f.key.clone(),
        label: f.label.clone(),
        label_en: f.label_en.clone().unwrap_or_default(),
        kind: f.field_type.key().to_owned(),
        required: f.required,
        options: f.options.join("; "),
        options_en: f.options_en.join("; "),
        slot: Slot::default(),
    })
}

/// The fields the groups describe, in their order on the form, with the group each came from.
pub fn fields(rows: &[FieldRow], errs: &mut Errors) -> (Vec<FormField>, Vec<usize>) {
    groups::items(rows, errs, |i, row, errs| {
        let Some(field_type) = FieldType::parse(&row.kind) else {
            errs.push(FieldError::new(
                format!("form_fields[{i}].type"),
                "invalid_choice",
                "Chọn loại trường trong danh sách",
                "Choose the field's kind from the list",
            ));
            return None;
        };
        Some(FormField {
            key: row.key.trim().to_owned(),
            label: row.label.clone(),
            label_en: Some(row.label_en.clone()).filter(|l| !l.trim().is_empty()),
            field_type,
            required: row.required,
            options: choices(&row.options),
            options_en: choices(&row.options_en),
        })
    })
}

fn choices(typed: &str) -> Vec<String> {
    typed.split(';').map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(rows.len(), 2 + groups::BLANK_ROWS);
        assert!(rows[2..].iter().all(|r| r.slot.is_new && r.required && r.kind == "text"));
        let mut errs = Errors::default();
        assert_eq!(fields(&rows, &mut errs), (stored, vec![0, 1]));
        assert!(errs.is_empty());
    }

    #[test]
    fn a_group_of_no_known_kind_is_its_own_problem_and_the_others_are_kept() {
        let mut rows = rows_of(&[]);
        rows[0].key = "a".into();
        rows[0].label = "A".into();
        rows[1].key = "b".into();
        rows[1].kind = "picture".into();
        rows[2].key = "c".into();
        let mut errs = Errors::default();
        let (fields, from) = fields(&rows, &mut errs);
        assert_eq!(fields.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(), ["a", "c"]);
        assert_eq!(from, [0, 2], "each field knows its group");
        assert_eq!(errs.0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["form_fields[1].type"]);
    }
}
