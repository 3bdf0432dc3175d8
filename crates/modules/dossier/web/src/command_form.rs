//! The dossier page's action forms as commands. A form's fields become the command's JSON,
//! with the names and types the API takes, and `Command::from_json`, the API's own parser,
//! decides: a value the API refuses is refused here too, and nothing falls back to a default.
//! What only a form needs is done here: numbers typed with thousands separators, a date typed
//! dd/mm/yyyy, a list typed one item per line, a checkbox, an empty optional choice.

use serde_json::{Map, Value};
use tinhso_dossier::{Command, CommandKind};
use tinhso_http::error::AppError;
use tinhso_http::form::FormData;
use tinhso_kernel::FieldError;

fn invalid(field: &str, vi: &str, en: &str) -> FieldError {
    FieldError::new(field, "invalid_input", vi, en)
}

/// An amount of dong as typed: digits, with `.` or spaces between thousands.
fn amount(s: &str) -> Option<u64> {
    let digits: String = s.chars().filter(|c| !matches!(c, '.' | ' ')).collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The command an action form asks for, every problem of its fields reported at once.
pub fn command(f: &FormData) -> Result<Command, AppError> {
    let key = f.text("action");
    let kind = CommandKind::parse(&key)
        .ok_or_else(|| AppError::bad_request("invalid_action", "Thao tác không hợp lệ", "Unknown action"))?;
    let mut json = Map::new();
    json.insert("action".into(), Value::String(key));
    let mut errors = Vec::new();
    // `xac_nhan` is the page's own confirmation box (withdrawing), checked by the page.
    for (name, raw) in f.pairs().filter(|(k, _)| !matches!(*k, "csrf" | "action" | "xac_nhan")) {
        let v = raw.trim();
        let (field, value) = match name {
            "amount" => match amount(v) {
                Some(n) => ("amount_vnd", Value::from(n)),
                None => {
                    errors.push(invalid("amount", "Nhập số tiền bằng số đồng", "Enter the amount in dong"));
                    continue;
                }
            },
            "items" => ("items", Value::Array(v.lines().map(|l| Value::String(l.trim().to_owned())).collect())),
            "assignee" | "next_assignee" if v.is_empty() => continue,
            "assignee" | "next_assignee" => match v.parse::<i64>() {
                Ok(id) => (name, Value::from(id)),
                Err(_) => {
                    errors.push(invalid(name, "Chọn cán bộ trong danh sách", "Choose from the list"));
                    continue;
                }
            },
            "new_due_on" => match tinhso_kernel::format::parse_date(v) {
                Ok(d) => ("new_due_on", Value::String(d.format("%Y-%m-%d").to_string())),
                Err(p) => {
                    errors.push(invalid(
                        "new_due_on",
                        &format!("Ngày hẹn mới: {}", p.vi),
                        &format!("New due date: {}", p.en),
                    ));
                    continue;
                }
            },
            // A checkbox is sent only when ticked; its value does not matter.
            "electronic_result" => ("electronic_result", Value::Bool(true)),
            other => (other, Value::String(v.to_owned())),
        };
        if json.insert(field.to_owned(), value).is_some() {
            errors.push(invalid(field, "Biểu mẫu gửi một trường hai lần", "A field was sent twice"));
        }
    }
    match kind {
        CommandKind::Approve => {
            json.entry("electronic_result").or_insert(Value::Bool(false));
        }
        // At the desk a payment is recorded as paid at the counter; online payments come
        // from the payment gateway, never from a form.
        CommandKind::RecordPayment => {
            json.insert("online".into(), Value::Bool(false));
        }
        CommandKind::Assign if !json.contains_key("assignee") => {
            errors.push(invalid("assignee", "Chọn cán bộ được giao", "Choose a staff member"));
        }
        CommandKind::Rate if !json.contains_key("rating") => {
            errors.push(invalid("rating", "Chọn mức độ hài lòng", "Choose a rating"));
        }
        _ => {}
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Command::from_json(Value::Object(json)).map_err(|r| AppError::BadRequest { code: r.code, vi: r.vi, en: r.en })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tinhso_dossier::{Rating, ReturnMethod};

    fn form(pairs: &[(&str, &str)]) -> FormData {
        let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        FormData::parse(body.as_bytes())
    }

    #[test]
    fn forms_become_the_apis_commands() {
        assert_eq!(
            command(&form(&[("csrf", "x"), ("action", "request_payment"), ("amount", "1.500.000")])).unwrap(),
            Command::RequestPayment { amount_vnd: 1_500_000 }
        );
        assert_eq!(
            command(&form(&[("action", "return"), ("method", "post")])).unwrap(),
            Command::Return { method: ReturnMethod::Post }
        );
        assert_eq!(
            command(&form(&[("action", "rate"), ("rating", "very_satisfied"), ("comment", "")])).unwrap(),
            Command::Rate { rating: Rating::VerySatisfied, comment: String::new() }
        );
        assert_eq!(
            command(&form(&[("action", "approve")])).unwrap(),
            Command::Approve { electronic_result: false, result: None }
        );
        assert_eq!(
            command(&form(&[("action", "apologise"), ("reason", "Chờ ý kiến"), ("new_due_on", "05/03/2025")])).unwrap(),
            Command::Apologise {
                reason: "Chờ ý kiến".into(),
                new_due_on: chrono::NaiveDate::from_ymd_opt(2025, 3, 5).unwrap()
            }
        );
    }

    #[test]
    fn bad_values_are_refused_not_coerced() {
        // An unknown return method used to become "online".
        assert!(matches!(
            command(&form(&[("action", "return"), ("method", "pigeon")])),
            Err(AppError::BadRequest { .. })
        ));
        assert!(matches!(command(&form(&[("action", "return")])), Err(AppError::BadRequest { .. })));
        assert!(matches!(command(&form(&[("action", "rate"), ("rating", "meh")])), Err(AppError::BadRequest { .. })));
        // A field the command does not have is refused, as the API refuses it.
        assert!(matches!(command(&form(&[("action", "receive"), ("reason", "x")])), Err(AppError::BadRequest { .. })));
        assert!(matches!(command(&form(&[("action", "destroy")])), Err(AppError::BadRequest { .. })));
    }

    #[test]
    fn every_field_error_at_once() {
        let Err(AppError::Invalid(errs)) =
            command(&form(&[("action", "request_payment"), ("amount", "mười nghìn"), ("next_assignee", "x")]))
        else {
            panic!("expected field errors");
        };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["amount", "next_assignee"]);
        let Err(AppError::Invalid(errs)) = command(&form(&[("action", "assign")])) else { panic!("expected") };
        assert_eq!(errs[0].message, "Chọn cán bộ được giao");
    }
}
