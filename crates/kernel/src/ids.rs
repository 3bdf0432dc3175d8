//! Identifiers that parse instead of validate: once built, they are known good.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Accessors, `Display`, and serde conversions that go through `parse` (so JSON input is
/// checked like form input; `$field` names the value in error messages).
macro_rules! string_newtype {
    ($name:ident, $field:literal) => {
        impl TryFrom<String> for $name {
            type Error = FieldError;
            fn try_from(s: String) -> Result<Self, FieldError> {
                Self::parse($field, &s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

/// Số định danh cá nhân: 12 digits; the first three are the province of birth registration
/// and the fourth encodes century and sex (0-3 covers births 1900-2099).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, pattern = "^(001|002|004|006|008|010|011|012|014|015|017|019|020|022|024|025|026|027|030|031|033|034|035|036|037|038|040|042|044|045|046|048|049|051|052|054|056|058|060|062|064|066|067|068|070|072|074|075|077|079|080|082|083|084|086|087|089|091|092|093|094|095|096)[0-3][0-9]{8}$", example = "008090001234")]
pub struct PersonalId(String);
string_newtype!(PersonalId, "personal_id");

/// Province codes used in the first three digits of personal ID numbers (the 63-province list).
const ID_PROVINCE_CODES: [u16; 63] = [
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37, 38, 40, 42, 44, 45,
    46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92,
    93, 94, 95, 96,
];

impl PersonalId {
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        let bad = || {
            FieldError::new(
                field,
                "invalid_personal_id",
                "Nhập số định danh cá nhân gồm 12 chữ số, in trên thẻ căn cước",
                "Enter the 12-digit personal ID number printed on the ID card",
            )
        };
        if s.len() != 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let province: u16 = s[0..3].parse().map_err(|_| bad())?;
        let century = s.as_bytes()[3] - b'0';
        if !ID_PROVINCE_CODES.contains(&province) || century > 3 {
            return Err(bad());
        }
        Ok(Self(s))
    }
}

/// Mã số doanh nghiệp (the enterprise's tax code): 10 digits whose last is a check digit over
/// the first nine, a branch adding `-` and 3 digits; or, for a household business or an
/// individual, the owner's 12-digit personal ID, which has served as their tax code since
/// 1 July 2025 (Circular 86/2024/TT-BTC). Spaces and dots are dropped; a branch typed without
/// its dash gets it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, pattern = "^([0-9]{10}(-[0-9]{3})?|[0-9]{12})$", example = "0100233488")]
pub struct TaxCode(String);
string_newtype!(TaxCode, "tax_code");

/// The check digit's weights over the first nine digits (the tax authority's mod-11 rule).
const TAX_CODE_WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

impl TaxCode {
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        let s: String = s.chars().filter(|c| !c.is_whitespace() && *c != '.').collect();
        let bad = || {
            FieldError::new(
                field,
                "invalid_tax_code",
                "Nhập mã số doanh nghiệp (mã số thuế) gồm 10 chữ số, chi nhánh thêm 3 số (0100233488-001); hộ kinh doanh nhập số định danh cá nhân 12 chữ số",
                "Enter the 10-digit enterprise (tax) code, a branch adding 3 digits (0100233488-001); a household business enters the owner's 12-digit personal ID",
            )
        };
        let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
        let (main, branch) = match s.split_once('-') {
            Some((m, b)) => (m.to_owned(), Some(b.to_owned())),
            None if s.len() == 13 => (s[..10].to_owned(), Some(s[10..].to_owned())),
            None if s.len() == 12 => return PersonalId::parse(field, &s).map(|id| Self(id.0)).map_err(|_| bad()),
            None => (s.clone(), None),
        };
        if main.len() != 10
            || !digits(&main)
            || branch.as_deref().is_some_and(|b| b.len() != 3 || !digits(b) || b == "000")
        {
            return Err(bad());
        }
        let d: Vec<u32> = main.bytes().map(|b| u32::from(b - b'0')).collect();
        let sum: u32 = TAX_CODE_WEIGHTS.iter().zip(&d).map(|(w, x)| w * x).sum();
        // 10 - (sum mod 11); a remainder of 0 would ask for "10", which no code is given, and
        // some registries write 0 there: accepted rather than refusing a code a company holds.
        let check = (10 + 11 - sum % 11) % 11 % 10;
        if d.get(9) != Some(&check) {
            // Ten digits, one mistyped: say so, rather than repeat the format.
            return Err(FieldError::new(
                field,
                "invalid_tax_code",
                "Mã số doanh nghiệp không đúng (chữ số cuối không khớp với 9 số đầu): kiểm tra lại từng chữ số trên giấy chứng nhận đăng ký",
                "This code does not check out (its last digit does not match the first nine): check each digit against the registration certificate",
            ));
        }
        Ok(Self(match branch {
            Some(b) => format!("{main}-{b}"),
            None => main,
        }))
    }
}

/// A Vietnamese phone number in national form: mobile `0[35789]xxxxxxxx` or landline `02xxxxxxxxx`.
/// `+84` and `84` prefixes, spaces, dots and dashes are accepted on input.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, pattern = "^(0[35789][0-9]{8}|02[0-9]{9})$", example = "0912345678")]
pub struct Phone(String);
string_newtype!(Phone, "phone");

impl Phone {
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        // Spaces of any kind (a number pasted from a message carries no-break spaces), dots,
        // dashes and brackets are how people group digits; none of them is part of the number.
        let mut digits: String =
            s.chars().filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '(' | ')')).collect();
        if let Some(rest) = digits.strip_prefix("+84").or_else(|| digits.strip_prefix("84").filter(|r| r.len() >= 9)) {
            digits = format!("0{rest}");
        }
        let ok = digits.bytes().all(|b| b.is_ascii_digit())
            && ((digits.len() == 10 && matches!(&digits[..2], "03" | "05" | "07" | "08" | "09"))
                || (digits.len() == 11 && digits.starts_with("02")));
        if ok {
            Ok(Self(digits))
        } else {
            Err(FieldError::new(
                field,
                "invalid_phone",
                "Nhập số điện thoại gồm 10 chữ số, ví dụ 0912345678",
                "Enter a 10-digit phone number, for example 0912345678",
            ))
        }
    }
}

/// An email address, lower-cased; checked for shape only (delivery proves the rest).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);
string_newtype!(Email, "email");

impl Email {
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        let s = s.trim().to_lowercase();
        let ok = s.len() <= 254
            && !s.chars().any(char::is_whitespace)
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if ok {
            Ok(Self(s))
        } else {
            Err(FieldError::new(
                field,
                "invalid_email",
                "Nhập địa chỉ thư điện tử đúng dạng, ví dụ ten@example.vn",
                "Enter an email address like name@example.vn",
            ))
        }
    }
}

/// What a person logs in with: a phone number or an email address, in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Login {
    Phone(Phone),
    Email(Email),
}

impl Login {
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        if s.contains('@') {
            return Email::parse(field, s).map(Login::Email);
        }
        Phone::parse(field, s).map(Login::Phone).map_err(|_| {
            FieldError::new(
                field,
                "invalid_login",
                "Nhập số điện thoại (10 chữ số) hoặc địa chỉ thư điện tử",
                "Enter a phone number (10 digits) or an email address",
            )
        })
    }

    pub fn as_str(&self) -> &str {
        match self {
            Login::Phone(p) => p.as_str(),
            Login::Email(e) => e.as_str(),
        }
    }
}

/// A national procedure code such as `1.001193`: digit groups joined by dots.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, pattern = "^[0-9]{1,8}\\.[0-9]{6}(\\.[0-9A-Za-z]{1,5}){0,4}$", example = "1.001193")]
pub struct ProcedureCode(String);
string_newtype!(ProcedureCode, "code");

impl ProcedureCode {
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        let s = s.trim();
        let parts: Vec<&str> = s.split('.').collect();
        let ok = (2..=6).contains(&parts.len())
            && s.len() <= 40
            && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()))
            && parts[0].bytes().all(|b| b.is_ascii_digit())
            && parts[1].len() == 6
            && parts[1].bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(FieldError::new(
                field,
                "invalid_procedure_code",
                "Nhập mã thủ tục theo Cơ sở dữ liệu quốc gia, ví dụ 1.001193",
                "Enter the national procedure code, for example 1.001193",
            ))
        }
    }
}

/// Mã định danh of an agency (Decision 20/2020/QĐ-TTg), e.g. `000.00.12.H59`: dot-separated
/// upper-case letters and digits. Dossier codes start with it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, pattern = "^[0-9A-Z]{1,9}(\\.[0-9A-Z]{1,9}){1,3}$", example = "000.00.12.H59")]
pub struct AgencyCode(String);
string_newtype!(AgencyCode, "agency");

impl AgencyCode {
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        let s = s.trim().to_uppercase();
        let ok = (2..=40).contains(&s.len())
            && s.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()));
        if ok {
            Ok(Self(s))
        } else {
            Err(FieldError::new(
                field,
                "invalid_agency_code",
                "Nhập mã định danh cơ quan gồm chữ in hoa và số, ngăn cách bằng dấu chấm, ví dụ 000.00.12.H59",
                "Enter the agency identifier code: capitals and digits separated by dots, e.g. 000.00.12.H59",
            ))
        }
    }
}

/// A SHA-256 digest as 64 lower-case hex digits: the name of a stored file's content.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, pattern = "^[0-9a-f]{64}$")]
pub struct Sha256(String);
string_newtype!(Sha256, "sha256");

impl Sha256 {
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        let s = s.trim().to_ascii_lowercase();
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(s))
        } else {
            Err(FieldError::new(
                field,
                "invalid_sha256",
                "Mã tệp không hợp lệ (cần 64 ký tự thập lục phân)",
                "Not a file hash (64 hex digits)",
            ))
        }
    }

    /// The SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        use sha2::Digest;
        Self(sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The digest of `bytes` as computed here.
    pub fn of_digest(digest: &[u8]) -> Option<Self> {
        (digest.len() == 32).then(|| Self(digest.iter().map(|b| format!("{b:02x}")).collect()))
    }
}

/// A dossier code in the national format: the receiving agency's code, the day (yymmdd) and
/// a four-digit number of that day, e.g. `000.00.90.H08-261126-0001`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, pattern = "^[0-9A-Z]{1,9}(\\.[0-9A-Z]{1,9}){1,3}-[0-9]{6}-[0-9]{4}$", example = "000.00.90.H08-261126-0001")]
pub struct DossierCode(String);
string_newtype!(DossierCode, "code");

impl DossierCode {
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        let s = s.trim().to_uppercase();
        let mut parts = s.rsplitn(3, '-');
        let (seq, day, agency) = (parts.next(), parts.next(), parts.next());
        let digits =
            |p: Option<&str>, n: usize| p.is_some_and(|p| p.len() == n && p.bytes().all(|b| b.is_ascii_digit()));
        if digits(seq, 4) && digits(day, 6) && agency.is_some_and(|a| AgencyCode::parse(field, a).is_ok()) {
            Ok(Self(s))
        } else {
            Err(FieldError::new(
                field,
                "invalid_dossier_code",
                "Mã hồ sơ không đúng dạng, ví dụ 000.00.90.H08-261126-0001",
                "Not a dossier code, e.g. 000.00.90.H08-261126-0001",
            ))
        }
    }

    /// A desk's numbers per day: the national format has four digits.
    pub const MAX_DAILY: u32 = 9999;

    /// The code of number `seq` received by `agency` on `day` (1 to `MAX_DAILY`).
    pub fn new(agency: &AgencyCode, day: chrono::NaiveDate, seq: u32) -> Option<Self> {
        (1..=Self::MAX_DAILY).contains(&seq).then(|| Self(format!("{agency}-{}-{seq:04}", day.format("%y%m%d"))))
    }
}

/// An account's number, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct AccountId(pub i64);

impl AccountId {
    /// Actor 0, no person's account (accounts are numbered from 1): the platform acting on an
    /// outside party's verified word, the operator's console, an anonymous reporter. Never a
    /// login.
    pub const NO_PERSON: Self = Self(0);
}

#[cfg(feature = "rusqlite")]
impl rusqlite::ToSql for AccountId {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::Owned(rusqlite::types::Value::Integer(self.0)))
    }
}

#[cfg(feature = "rusqlite")]
impl rusqlite::types::FromSql for AccountId {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        i64::column_result(v).map(AccountId)
    }
}

#[cfg(feature = "postgres-types")]
impl postgres_types::ToSql for AccountId {
    fn to_sql(
        &self,
        ty: &postgres_types::Type,
        out: &mut postgres_types::private::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        self.0.to_sql(ty, out)
    }

    fn accepts(ty: &postgres_types::Type) -> bool {
        <i64 as postgres_types::ToSql>::accepts(ty)
    }

    postgres_types::to_sql_checked!();
}

#[cfg(feature = "postgres-types")]
impl<'a> postgres_types::FromSql<'a> for AccountId {
    fn from_sql(ty: &postgres_types::Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        i64::from_sql(ty, raw).map(AccountId)
    }

    fn accepts(ty: &postgres_types::Type) -> bool {
        <i64 as postgres_types::FromSql>::accepts(ty)
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_codes() {
        for (typed, kept) in [
            ("0100233488", "0100233488"),
            ("0314409058-002", "0314409058-002"),
            ("0314409058002", "0314409058-002"),
            ("0100 233 488", "0100233488"),
            ("008090001234", "008090001234"),
        ] {
            assert_eq!(TaxCode::parse("t", typed).map(String::from).as_deref(), Ok(kept), "{typed}");
        }
        // A wrong check digit, wrong lengths, a branch 000, letters, a 12-digit non-ID.
        for typed in [
            "0100233489",
            "010023348",
            "01002334881",
            "0100233488-000",
            "0100233488-01",
            "01002334AB",
            "",
            "999090001234",
        ] {
            assert!(TaxCode::parse("t", typed).is_err(), "{typed}");
        }
        // Every nine-digit stem has exactly one check digit that passes.
        for stem in [0u32, 1, 123_456_789, 987_654_321, 10_023_348] {
            let stem = format!("{stem:09}");
            let ok = (0..10).filter(|c| TaxCode::parse("t", &format!("{stem}{c}")).is_ok()).count();
            assert_eq!(ok, 1, "{stem}");
        }
    }

    #[test]
    fn hashes_and_dossier_codes() {
        let h = "AB".repeat(32);
        assert_eq!(Sha256::parse("f", &h).map(|x| x.0), Ok("ab".repeat(32)));
        assert!(Sha256::parse("f", "../../etc/passwd").is_err());
        assert!(Sha256::parse("f", &"g".repeat(64)).is_err());
        let code = DossierCode::parse("c", "000.00.90.h08-261126-0001").unwrap();
        assert_eq!(code.as_str(), "000.00.90.H08-261126-0001");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert_eq!(DossierCode::new(&AgencyCode::parse("a", "000.00.90.H08").unwrap(), day, 1), Some(code));
        for bad in ["000.00.90.H08-261126-1", "000.00.90.H08-2611-0001", "-261126-0001", "x", "' OR 1=1 --"] {
            assert!(DossierCode::parse("c", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn personal_id() {
        assert!(PersonalId::parse("id", "001099012345").is_ok());
        assert!(PersonalId::parse("id", "008 2030 12345").is_ok());
        assert!(PersonalId::parse("id", "00109901234").is_err(), "11 digits");
        assert!(PersonalId::parse("id", "003099012345").is_err(), "003 is no province");
        assert!(PersonalId::parse("id", "001999012345").is_err(), "century digit 9");
        assert!(PersonalId::parse("id", "00109901234a").is_err());
    }

    #[test]
    fn phone() {
        assert_eq!(Phone::parse("p", "0912 345 678").map(|p| p.0), Ok("0912345678".into()));
        assert_eq!(Phone::parse("p", "+84912345678").map(|p| p.0), Ok("0912345678".into()));
        assert_eq!(Phone::parse("p", "\t0912\u{a0}345\u{a0}678\n").map(|p| p.0), Ok("0912345678".into()));
        assert_eq!(Phone::parse("p", "02073822222").map(|p| p.0), Ok("02073822222".into()));
        assert!(Phone::parse("p", "0112345678").is_err());
        assert!(Phone::parse("p", "091234567").is_err());
    }

    #[test]
    fn login_and_email() {
        assert!(matches!(Login::parse("l", "A@B.VN"), Ok(Login::Email(e)) if e.as_str() == "a@b.vn"));
        assert!(Login::parse("l", "a@b").is_err());
        assert!(matches!(Login::parse("l", "0987654321"), Ok(Login::Phone(_))));
    }

    #[test]
    fn codes() {
        assert!(ProcedureCode::parse("c", "1.001193").is_ok());
        assert!(ProcedureCode::parse("c", "1.1193").is_err());
        assert!(ProcedureCode::parse("c", "abc").is_err());
        assert_eq!(AgencyCode::parse("a", "000.00.12.h59").map(|c| c.0), Ok("000.00.12.H59".into()));
        assert!(AgencyCode::parse("a", "000..12").is_err());
    }
}
