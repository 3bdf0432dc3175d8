//! E-form data checked against the procedure's typed fields. Values arrive as JSON (the API)
//! or as strings (HTML forms); what is stored is the normalised JSON.

use serde_json::{Map, Value};
use tinhso_catalogue::procedure::{FieldType, FormField};
use tinhso_kernel::error::{Errors, FieldError};
use tinhso_kernel::ids::{Email, PersonalId, Phone};
use tinhso_kernel::text;

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(text::clean(s)),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn missing(f: &FormField) -> FieldError {
    // A list is chosen from, not typed in.
    let (vi, en) = if f.field_type == FieldType::Select { ("Chọn", "Choose") } else { ("Nhập", "Enter") };
    let english = match &f.label_en {
        Some(l) => lower_first(l),
        None => f.label.clone(),
    };
    FieldError::new(
        format!("form.{}", f.key),
        "required",
        format!("{vi} {}", f.label.to_lowercase()),
        format!("{en} {english}"),
    )
}

/// "Full name" → "full name" inside a sentence; an acronym ("ID number") keeps its capitals.
fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if !b.is_uppercase() => a.to_lowercase().chain(std::iter::once(b)).chain(chars).collect(),
        _ => s.to_owned(),
    }
}

fn invalid(f: &FormField, vi: &str, en: &str) -> FieldError {
    FieldError::new(
        format!("form.{}", f.key),
        "invalid_value",
        format!("{}: {vi}", f.label),
        format!("{}: {en}", f.label_in(true).0),
    )
}

/// Checks `values` against `fields`; `is_commune` says whether a unit code is a commune of
/// the province (for address fields). Returns the normalised values or every problem.
pub fn validate(
    fields: &[FormField],
    values: &Map<String, Value>,
    is_commune: &dyn Fn(u32) -> bool,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut errs = Errors::default();
    for k in values.keys() {
        if !fields.iter().any(|f| &f.key == k) {
            errs.push(FieldError::new(
                format!("form.{k}"),
                "unknown_field",
                format!("Tờ khai không có trường {k}"),
                format!("The form has no field {k}"),
            ));
        }
    }
    let mut out = Map::new();
    for f in fields {
        let v = values.get(&f.key).filter(|v| !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()));
        let Some(v) = v else {
            if f.required {
                errs.push(missing(f));
            }
            continue;
        };
        let checked: Result<Value, FieldError> = match f.field_type {
            FieldType::Address => {
                let detail = v.get("detail").and_then(as_text).unwrap_or_default();
                let commune =
                    v.get("commune").and_then(|c| c.as_u64().or_else(|| c.as_str().and_then(|s| s.parse().ok())));
                match commune.and_then(|c| u32::try_from(c).ok()).filter(|c| is_commune(*c)) {
                    Some(c) if !detail.is_empty() && detail.chars().count() <= 500 => {
                        Ok(serde_json::json!({ "detail": detail, "commune": c }))
                    }
                    _ => Err(invalid(
                        f,
                        "ghi số nhà, thôn/xóm và chọn xã, phường trong tỉnh",
                        "give the street and choose a commune of the province",
                    )),
                }
            }
            _ => match as_text(v) {
                None => Err(invalid(f, "giá trị không đúng kiểu", "wrong type")),
                Some(s) => match f.field_type {
                    FieldType::Text if s.chars().count() > 500 => {
                        Err(invalid(f, "không quá 500 ký tự", "at most 500 characters"))
                    }
                    FieldType::LongText if s.chars().count() > 5000 => {
                        Err(invalid(f, "không quá 5.000 ký tự", "at most 5,000 characters"))
                    }
                    FieldType::Text | FieldType::LongText => Ok(Value::String(s)),
                    FieldType::Number => s
                        .replace('.', "")
                        .replace(',', ".")
                        .parse::<f64>()
                        .ok()
                        .filter(|n| n.is_finite())
                        .and_then(serde_json::Number::from_f64)
                        .map(Value::Number)
                        .ok_or_else(|| invalid(f, "nhập một số", "enter a number")),
                    FieldType::Date => tinhso_kernel::format::parse_date(&s)
                        .map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
                        .map_err(|p| invalid(f, &p.vi, &p.en)),
                    FieldType::Select if f.options.contains(&s) => Ok(Value::String(s)),
                    FieldType::Select => {
                        Err(invalid(f, "chọn một lựa chọn trong danh sách", "choose one of the options"))
                    }
                    FieldType::PersonalId => {
                        PersonalId::parse(&format!("form.{}", f.key), &s).map(|p| Value::String(p.to_string()))
                    }
                    FieldType::Phone => {
                        Phone::parse(&format!("form.{}", f.key), &s).map(|p| Value::String(p.to_string()))
                    }
                    FieldType::Email => {
                        Email::parse(&format!("form.{}", f.key), &s).map(|p| Value::String(p.to_string()))
                    }
                    FieldType::Address => Err(invalid(f, "", "")),
                },
            },
        };
        if let Some(v) = errs.take(checked) {
            out.insert(f.key.clone(), v);
        }
    }
    errs.into_result(|| out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, t: FieldType, required: bool) -> FormField {
        FormField {
            key: key.into(),
            label: key.into(),
            label_en: None,
            field_type: t,
            required,
            options: vec!["Nam".into(), "Nữ".into()],
            options_en: Vec::new(),
        }
    }

    #[test]
    fn checks_each_type_and_reports_all() {
        let fields = vec![
            field("ho_ten", FieldType::Text, true),
            field("cccd", FieldType::PersonalId, true),
            field("sdt", FieldType::Phone, true),
            field("ngay", FieldType::Date, true),
            field("gioi", FieldType::Select, true),
            field("dia_chi", FieldType::Address, true),
            field("ghi_chu", FieldType::LongText, false),
        ];
        let ok = serde_json::json!({
            "ho_ten": " Nguyễn  Văn An ", "cccd": "008090001234", "sdt": "+84912345678", "ngay": "05/03/2025",
            "gioi": "Nữ", "dia_chi": {"detail": "Thôn Nà Lừa", "commune": 2269}
        });
        let out = validate(&fields, ok.as_object().unwrap(), &|c| c == 2269).unwrap();
        assert_eq!(out["ho_ten"], "Nguyễn Văn An");
        assert_eq!(out["sdt"], "0912345678");
        assert_eq!(out["ngay"], "2025-03-05");
        let bad = serde_json::json!({
            "cccd": "123", "sdt": "12", "ngay": "2025-02-30", "gioi": "Khác",
            "dia_chi": {"detail": "x", "commune": 1}, "la": 1
        });
        let errs = validate(&fields, bad.as_object().unwrap(), &|c| c == 2269).unwrap_err();
        let got: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            got,
            vec!["form.la", "form.ho_ten", "form.cccd", "form.sdt", "form.ngay", "form.gioi", "form.dia_chi"]
        );
        // What is missing is asked for the way it is given: typed, or chosen from a list.
        let errs = validate(&fields, serde_json::json!({}).as_object().unwrap(), &|_| true).unwrap_err();
        let said = |f: &str| errs.iter().find(|e| e.field == f).map(|e| e.message.as_str());
        assert_eq!(said("form.ho_ten"), Some("Nhập ho_ten"));
        assert_eq!(said("form.gioi"), Some("Chọn gioi"));
    }

    #[test]
    fn english_messages_use_the_english_label_where_given() {
        let mut name = field("ho_ten", FieldType::Text, true);
        name.label = "Họ và tên".into();
        name.label_en = Some("Full name".into());
        let mut id = field("cccd", FieldType::PersonalId, true);
        id.label = "Số định danh".into();
        id.label_en = Some("ID number".into());
        let mut phone = field("sdt", FieldType::Phone, true);
        phone.label = "Số điện thoại".into();
        let fields = [name, id, phone];
        let errs = validate(&fields, serde_json::json!({}).as_object().unwrap(), &|_| true).unwrap_err();
        let said: Vec<(&str, &str)> = errs.iter().map(|e| (e.message.as_str(), e.message_en.as_str())).collect();
        assert_eq!(
            said,
            [
                ("Nhập họ và tên", "Enter full name"),
                ("Nhập số định danh", "Enter ID number"),
                ("Nhập số điện thoại", "Enter Số điện thoại")
            ]
        );
        let bad = serde_json::json!({"ho_ten": "A".repeat(501), "cccd": "008090001234", "sdt": "0912345678"});
        let errs = validate(&fields, bad.as_object().unwrap(), &|_| true).unwrap_err();
        assert_eq!(errs[0].message_en, "Full name: at most 500 characters");
        assert_eq!(errs[0].message, "Họ và tên: không quá 500 ký tự");
    }
}
