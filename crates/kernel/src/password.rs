//! Password rules (NIST SP 800-63B spirit): length over composition, no common or personal passwords.

use crate::error::FieldError;
use crate::text::fold;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

const COMMON: &[&str] = &[
    "1234567890",
    "12345678910",
    "0123456789",
    "123456789a",
    "matkhau123",
    "matkhau1234",
    "password123",
    "password1234",
    "qwertyuiop",
    "abc1234567",
    "1111111111",
    "0000000000",
    "iloveyou12",
    "anhyeuem123",
    "tinhso2025",
    "admin12345",
    "vietnam123",
    "vietnam1234",
];

/// Checks a new password. `personal` are the person's own identifiers (phone, email, name).
pub fn check(field: &str, password: &str, personal: &[&str]) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(FieldError::new(
            field,
            "password_too_short",
            format!("Mật khẩu cần ít nhất {MIN_LEN} ký tự; một cụm từ dễ nhớ là lựa chọn tốt"),
            format!("Use at least {MIN_LEN} characters; an easy-to-remember phrase works well"),
        ));
    }
    if n > MAX_LEN {
        return Err(FieldError::new(
            field,
            "password_too_long",
            format!("Mật khẩu không dài quá {MAX_LEN} ký tự"),
            format!("Use at most {MAX_LEN} characters"),
        ));
    }
    let folded = fold(password);
    let all_same = password.chars().all(|c| password.starts_with(c));
    let personal_hit = personal.iter().any(|p| p.chars().count() >= 4 && folded.contains(&fold(p)));
    if all_same || COMMON.contains(&folded.as_str()) || personal_hit {
        return Err(FieldError::new(
            field,
            "password_weak",
            "Mật khẩu quá dễ đoán: không dùng mật khẩu phổ biến, số điện thoại hay thư điện tử của bạn",
            "This password is too easy to guess: avoid common passwords and your own phone or email",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn rules() {
        assert!(check("p", "short", &[]).is_err());
        assert!(check("p", "1234567890", &[]).is_err());
        assert!(check("p", "aaaaaaaaaaaa", &[]).is_err());
        assert!(check("p", "toi0912345678", &["0912345678"]).is_err());
        assert!(check("p", "mùa lúa chín vàng", &["0912345678"]).is_ok());
    }
}
