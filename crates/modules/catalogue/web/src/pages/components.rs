//! The documents a dossier holds (thành phần hồ sơ) in the procedure editor, a group each
//! (`groups.rs`): the document's name, original, copy or electronic, whether it is required,
//! where its blank form is on the web, its place in the list.

use super::groups::{self, Row, Slot};
use tinhso_catalogue::procedure::{Component, CopyKind};
use tinhso_kernel::error::Errors;
use tinhso_kernel::FieldError;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComponentRow {
    pub name: String,
    /// A `CopyKind` key.
    pub copy_kind: String,
    pub mandatory: bool,
    pub template: String,
    pub slot: Slot,
}

impl Row for ComponentRow {
    const AREA: &'static str = "components";
    const ATTRS: &'static [&'static str] = &["name", "copy_kind", "mandatory", "template"];

    fn set(&mut self, attr: &str, value: &str) {
        let value = value.to_owned();
        match attr {
            "name" => self.name = value,
            "copy_kind" => self.copy_kind = value,
            "mandatory" => self.mandatory = true,
            _ => self.template = value,
        }
    }

    fn is_blank(&self) -> bool {
        self.name.trim().is_empty() && self.template.trim().is_empty()
    }

    fn blank() -> Self {
        Self { copy_kind: CopyKind::Original.key().to_owned(), mandatory: true, ..Self::default() }
    }

    fn slot(&self) -> &Slot {
        &self.slot
    }

    fn slot_mut(&mut self) -> &mut Slot {
        &mut self.slot
    }
}

/// A procedure's documents as the editor first shows them, with blank groups after.
pub fn rows_of(components: &[Component]) -> Vec<ComponentRow> {
    groups::rows_of(components, |c| ComponentRow {
        name: c.name.clone(),
        copy_kind: c.copy_kind.key().to_owned(),
        mandatory: c.mandatory,
        template: c.template.clone().unwrap_or_default(),
        slot: Slot::default(),
    })
}

/// The documents the groups describe, in their order, with the group each came from.
pub fn components(rows: &[ComponentRow], errs: &mut Errors) -> (Vec<Component>, Vec<usize>) {
    groups::items(rows, errs, |i, row, errs| {
        let Some(copy_kind) = CopyKind::parse(&row.copy_kind) else {
            errs.push(FieldError::new(
                format!("components[{i}].copy_kind"),
                "invalid_choice",
                "Chọn bản chính, bản sao hoặc bản điện tử",
                "Choose original, copy or electronic",
            ));
            return None;
        };
        Some(Component {
            name: row.name.clone(),
            copy_kind,
            mandatory: row.mandatory,
            template: Some(row.template.trim().to_owned()).filter(|t| !t.is_empty()),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_round_trip_through_the_groups() {
        let stored = vec![
            Component {
                name: "Tờ khai đăng ký khai sinh".into(),
                copy_kind: CopyKind::Original,
                mandatory: true,
                template: Some("https://example.vn/mau.docx".into()),
            },
            Component {
                name: "Văn bản ủy quyền".into(), copy_kind: CopyKind::Copy, mandatory: false, template: None
            },
        ];
        let rows = rows_of(&stored);
        assert_eq!(rows.len(), 2 + groups::BLANK_ROWS);
        let mut errs = Errors::default();
        assert_eq!(components(&rows, &mut errs), (stored, vec![0, 1]));
        assert!(errs.is_empty());
    }

    #[test]
    fn a_kind_not_offered_is_its_groups_problem() {
        let mut rows = rows_of(&[]);
        rows[0].name = "Đơn".into();
        rows[0].copy_kind = "photocopy".into();
        let mut errs = Errors::default();
        assert!(components(&rows, &mut errs).0.is_empty());
        assert_eq!(errs.0[0].field, "components[0].copy_kind");
    }
}
