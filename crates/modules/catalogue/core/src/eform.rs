//! An e-form's fields (a procedure's `form_fields`): what each asks for, its labels and a
//! select's choices in Vietnamese and English, and the checks serde cannot make (keys, lengths,
//! choices that match their type).

use crate::procedure::required_text;
use serde::{Deserialize, Serialize};
use tinhso_kernel::error::{Errors, FieldError};
use tinhso_kernel::text;

/// The type of an e-form field; the web layer renders and checks each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    LongText,
    Number,
    Date,
    /// One of the field's `options`.
    Select,
    PersonalId,
    Phone,
    Email,
    /// Street address plus a commune chosen from the province's communes.
    Address,
}

impl FieldType {
    pub const ALL: [FieldType; 9] = [
        Self::Text,
        Self::LongText,
        Self::Number,
        Self::Date,
        Self::Select,
        Self::PersonalId,
        Self::Phone,
        Self::Email,
        Self::Address,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::LongText => "long_text",
            Self::Number => "number",
            Self::Date => "date",
            Self::Select => "select",
            Self::PersonalId => "personal_id",
            Self::Phone => "phone",
            Self::Email => "email",
            Self::Address => "address",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.key() == s)
    }

    /// What the field asks for, as the procedure editor offers it.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Text => "Chữ, một dòng",
            Self::LongText => "Chữ, nhiều dòng",
            Self::Number => "Số",
            Self::Date => "Ngày (dd/mm/yyyy)",
            Self::Select => "Chọn một trong các lựa chọn",
            Self::PersonalId => "Số định danh cá nhân",
            Self::Phone => "Số điện thoại",
            Self::Email => "Thư điện tử",
            Self::Address => "Địa chỉ (kèm xã, phường)",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Text => "Text, one line",
            Self::LongText => "Text, several lines",
            Self::Number => "Number",
            Self::Date => "Date (dd/mm/yyyy)",
            Self::Select => "One of the choices",
            Self::PersonalId => "Personal ID number",
            Self::Phone => "Phone number",
            Self::Email => "Email",
            Self::Address => "Address (with its commune)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    /// Stable key of the value in a dossier's form data (`ho_ten`, `ngay_sinh`).
    pub key: String,
    /// What the form asks, in Vietnamese: the label of record (the printed declaration's).
    pub label: String,
    /// The same label in English for the English pages, where the province gave one; without
    /// it those pages show the Vietnamese label, marked as Vietnamese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub required: bool,
    /// The choices of a `select` field; empty for every other type. A dossier keeps the
    /// choice made as written here (in Vietnamese, whatever the page's language).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// The same choices in English, in the same order, as the English pages offer them; empty
    /// where the province gave none (those pages show the Vietnamese, marked as such).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options_en: Vec<String>,
}

impl FormField {
    /// How a page in English (`en`) or Vietnamese shows the choice `value` (one of the
    /// `options`), and whether that is Vietnamese.
    pub fn option_in<'a>(&'a self, value: &'a str, en: bool) -> (&'a str, bool) {
        let english = self.options.iter().position(|o| o == value).and_then(|i| self.options_en.get(i));
        match english {
            Some(e) if en => (e, false),
            _ => (value, true),
        }
    }

    /// The label a page in English (`en`) or Vietnamese shows, and whether it is Vietnamese
    /// (an English page marks it so, for screen readers and translators).
    pub fn label_in(&self, en: bool) -> (&str, bool) {
        match &self.label_en {
            Some(l) if en => (l, false),
            _ => (&self.label, true),
        }
    }
}

/// Normalises the fields' text to NFC and checks each: a label, a key of lower-case ASCII used
/// once, choices only on a select (at least one there), English words beside them one by one.
pub(crate) fn normalise(fields: &mut [FormField], errs: &mut Errors) {
    let mut keys = std::collections::HashSet::new();
    for (i, f) in fields.iter_mut().enumerate() {
        required_text(errs, &format!("form_fields[{i}].label"), &mut f.label, "nhãn của trường", "field label", 200);
        if let Some(l) = &mut f.label_en {
            *l = text::clean(l);
            if l.chars().count() > 200 {
                errs.push(FieldError::new(
                    format!("form_fields[{i}].label_en"),
                    "too_long",
                    "Nhãn tiếng Anh của trường dài quá 200 ký tự",
                    "The field's English label is longer than 200 characters",
                ));
            }
        }
        // An English label left blank is no English label: the Vietnamese one shows.
        f.label_en = f.label_en.take().filter(|l| !l.is_empty());
        let key_ok = !f.key.is_empty()
            && f.key.len() <= 64
            && f.key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !key_ok {
            errs.push(FieldError::new(
                format!("form_fields[{i}].key"),
                "invalid_key",
                "Khóa của trường chỉ gồm chữ thường không dấu, số và dấu gạch dưới, ví dụ ho_ten",
                "A field key uses lower-case ASCII letters, digits and underscores, e.g. ho_ten",
            ));
        } else if !keys.insert(f.key.clone()) {
            errs.push(FieldError::new(
                format!("form_fields[{i}].key"),
                "duplicate_key",
                format!("Khóa {} bị trùng", f.key),
                format!("Key {} is used twice", f.key),
            ));
        }
        f.options.iter_mut().for_each(|o| *o = text::clean(o));
        f.options.retain(|o| !o.is_empty());
        f.options_en.iter_mut().for_each(|o| *o = text::clean(o));
        f.options_en.retain(|o| !o.is_empty());
        // The English choices stand beside the Vietnamese one by one, or not at all.
        if !f.options_en.is_empty() && f.field_type != FieldType::Select {
            errs.push(FieldError::new(
                format!("form_fields[{i}].options_en"),
                "unexpected_options",
                "Chỉ trường lựa chọn mới có lựa chọn tiếng Anh",
                "Only select fields have English choices",
            ));
        } else if !f.options_en.is_empty() && f.options_en.len() != f.options.len() {
            let n = f.options.len();
            errs.push(FieldError::new(
                format!("form_fields[{i}].options_en"),
                "count_mismatch",
                format!("Cần đúng {n} lựa chọn tiếng Anh, theo thứ tự các lựa chọn (hoặc để trống)"),
                format!("Give exactly {n} English choices, in the order of the choices (or none)"),
            ));
        }
        if f.options.iter().chain(&f.options_en).any(|o| o.chars().count() > 200) {
            errs.push(FieldError::new(
                format!("form_fields[{i}].options"),
                "too_long",
                "Mỗi lựa chọn không dài quá 200 ký tự",
                "Each choice is at most 200 characters",
            ));
        }
        if f.field_type == FieldType::Select {
            if f.options.is_empty() {
                errs.push(FieldError::new(
                    format!("form_fields[{i}].options"),
                    "required",
                    "Trường lựa chọn cần ít nhất một lựa chọn",
                    "A select field needs at least one option",
                ));
            }
        } else if !f.options.is_empty() {
            errs.push(FieldError::new(
                format!("form_fields[{i}].options"),
                "unexpected_options",
                "Chỉ trường lựa chọn mới có danh sách lựa chọn",
                "Only select fields have options",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> serde_json::Value {
        serde_json::json!([
            {"key": "ho_ten", "label": "Họ và tên", "type": "text", "required": true},
            {"key": "gioi_tinh", "label": "Giới tính", "type": "select", "options": ["Nam", "Nữ"], "required": true}
        ])
    }

    fn checked(v: serde_json::Value) -> Result<Vec<FormField>, Vec<FieldError>> {
        let mut fields: Vec<FormField> = serde_json::from_value(v).unwrap();
        let mut errs = Errors::default();
        normalise(&mut fields, &mut errs);
        errs.into_result(|| fields)
    }

    #[test]
    fn an_english_label_is_cleaned_and_shown_only_on_english_pages() {
        let mut v = sample();
        v[0]["label_en"] = "  Full   name ".into();
        v[1]["label_en"] = " ".into();
        let fields = checked(v).unwrap();
        let (name, sex) = (&fields[0], &fields[1]);
        assert_eq!(name.label_en.as_deref(), Some("Full name"));
        assert_eq!(name.label_in(true), ("Full name", false));
        assert_eq!(name.label_in(false), ("Họ và tên", true));
        assert_eq!(sex.label_en, None, "a blank English label is none");
        assert_eq!(sex.label_in(true), ("Giới tính", true), "an English page falls back to Vietnamese");
        // Written back without an English label where there is none: old exports read the same.
        let json = serde_json::to_value(&fields).unwrap();
        assert!(json[1].get("label_en").is_none());
        let mut v = sample();
        v[0]["label_en"] = "x".repeat(201).into();
        let errs = checked(v).unwrap_err();
        assert_eq!(errs[0].field, "form_fields[0].label_en");
    }

    #[test]
    fn english_choices_stand_beside_the_choices_one_by_one() {
        let mut v = sample();
        v[1]["options_en"] = serde_json::json!([" Male ", "Female"]);
        let fields = checked(v).unwrap();
        let sex = &fields[1];
        assert_eq!(sex.options_en, ["Male", "Female"]);
        assert_eq!(sex.option_in("Nữ", true), ("Female", false));
        assert_eq!(sex.option_in("Nữ", false), ("Nữ", true));
        assert_eq!(sex.option_in("Khác", true), ("Khác", true), "a value no longer offered shows as kept");
        assert_eq!(fields[0].option_in("Lò Văn Páo", true), ("Lò Văn Páo", true));
        let json = serde_json::to_value(&fields).unwrap();
        assert!(json[0].get("options_en").is_none(), "none written where none is given");

        let refused = |options_en: serde_json::Value, at: usize| {
            let mut v = sample();
            v[at]["options_en"] = options_en;
            let errs = checked(v).unwrap_err();
            (errs[0].field.clone(), errs[0].code)
        };
        let one = serde_json::json!(["Male"]);
        assert_eq!(refused(one.clone(), 1), ("form_fields[1].options_en".to_owned(), "count_mismatch"));
        assert_eq!(refused(one, 0), ("form_fields[0].options_en".to_owned(), "unexpected_options"));
        assert_eq!(
            refused(serde_json::json!(["Male", "F".repeat(201)]), 1),
            ("form_fields[1].options".to_owned(), "too_long")
        );
    }
}
