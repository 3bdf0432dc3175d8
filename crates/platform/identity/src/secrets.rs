//! Secrets the platform hands out or keeps: session tokens (only their SHA-256 is stored),
//! one-time passwords and claim codes from the letters and digits without look-alikes, each
//! character equally likely, and the hashed keys abuse limits count under.

use crate::IdentityError;
use base64::Engine;
use sha2::{Digest, Sha256};
use tinhso_store::GuardKey;

/// 32 random bytes, URL-safe: a session's token or a CSRF token.
pub fn random_token() -> Result<String, IdentityError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| IdentityError(format!("randomness: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// What is stored for a token: its SHA-256, so the sessions table holds no token that works.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Whether a secret sent equals the expected one, in time independent of where they differ.
pub fn same_secret(sent: &str, expected: &str) -> bool {
    tinhso_kernel::secret::same(sent.as_bytes(), expected.as_bytes())
}

/// A one-time claim code for an account the desk opened: 8 characters from the 31 letters and
/// digits without look-alikes (no 0/O, 1/I/L), each equally likely, printed as `XXXX-XXXX`
/// (31^8, about 39.6 bits; guessing is held back by the login's abuse limits too).
pub fn new_claim_code() -> Result<String, IdentityError> {
    unambiguous_groups(2)
}

/// A password an admin hands over (a new staff account's, or one given anew), to be typed once
/// and replaced at the first login: 16 unambiguous characters as `XXXX-XXXX-XXXX-XXXX` (about
/// 79 bits), which an officer reads off a screen without mistaking one character for another.
pub fn new_one_time_password() -> Result<String, IdentityError> {
    unambiguous_groups(4)
}

/// `groups` groups of 4 characters from the 31 letters and digits without look-alikes, each
/// equally likely, joined by dashes.
fn unambiguous_groups(groups: usize) -> Result<String, IdentityError> {
    let chars = random_chars(b"ABCDEFGHJKMNPQRSTUVWXYZ23456789", groups * 4)?;
    let parts: Vec<&str> = (0..groups).filter_map(|g| chars.get(g * 4..g * 4 + 4)).collect();
    Ok(parts.join("-"))
}

/// `len` characters of `alphabet` (ASCII, at most 256), each equally likely: random bytes at or
/// past the largest multiple of the alphabet's size are dropped, the rest fall evenly on it.
pub fn random_chars(alphabet: &[u8], len: usize) -> Result<String, IdentityError> {
    let size = alphabet.len().clamp(1, 256);
    let below = 256 - 256 % size;
    let mut chars = String::with_capacity(len);
    while chars.len() < len {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes).map_err(|e| IdentityError(format!("randomness: {e}")))?;
        let wanted = len - chars.len();
        chars.extend(
            bytes
                .iter()
                .filter(|b| usize::from(**b) < below)
                .take(wanted)
                .map(|b| char::from(alphabet[usize::from(*b) % size])),
        );
    }
    Ok(chars)
}

/// A claim code as typed: case, spaces and dashes do not matter.
pub fn normalise_claim_code(typed: &str) -> String {
    let plain: String = typed.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect();
    match plain.len() {
        8 => format!("{}-{}", &plain[..4], &plain[4..]),
        _ => plain,
    }
}

/// The stored form of a mailed reset code (normalised as typed): its SHA-256, so the database
/// never holds a code that works.
pub fn claim_code_digest(code: &str) -> [u8; 32] {
    Sha256::digest(normalise_claim_code(code).as_bytes()).into()
}

/// A guard key: the SHA-256 of what is limited, so the database holds no logins or addresses.
pub fn guard_key(kind: &str, parts: &[&str]) -> GuardKey {
    let mut h = Sha256::new();
    h.update(kind.as_bytes());
    for p in parts {
        h.update([0u8]);
        h.update(p.as_bytes());
    }
    h.finalize().into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn one_time_passwords_are_four_groups_of_unambiguous_characters() {
        let p = new_one_time_password().unwrap();
        assert_eq!(p.len(), 19, "{p}");
        assert!(p.split('-').all(|g| g.len() == 4 && g.chars().all(|c| !"0O1IL".contains(c))), "{p}");
        assert_ne!(p, new_one_time_password().unwrap());
    }

    #[test]
    fn claim_codes_use_every_unambiguous_character_evenly_and_read_back_as_typed() {
        let mut seen = std::collections::BTreeMap::<char, u32>::new();
        for _ in 0..2_000 {
            let code = new_claim_code().unwrap();
            assert!(code.len() == 9 && code.as_bytes()[4] == b'-', "{code}");
            assert_eq!(normalise_claim_code(&code.to_lowercase().replace('-', " ")), code);
            for c in code.chars().filter(|c| *c != '-') {
                *seen.entry(c).or_default() += 1;
            }
        }
        assert!(seen.keys().all(|c| !"0O1IL".contains(*c)), "no look-alikes: {seen:?}");
        assert_eq!(seen.len(), 31, "{seen:?}");
        // 16,000 characters: each expected 516 times; a character twice as likely (as a
        // duplicated one would be) or never drawn is far outside these bounds.
        assert!(seen.values().all(|n| (400..=640).contains(n)), "{seen:?}");
    }

    /// Registration codes: six digits, each digit equally likely (256 is no multiple of 10, so
    /// bytes from 250 up must be dropped, or 0 to 5 would come more often).
    #[test]
    fn digits_come_evenly() {
        let mut seen = [0u32; 10];
        for _ in 0..60_000 {
            let code = random_chars(b"0123456789", 6).unwrap();
            assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
            for b in code.bytes() {
                seen[usize::from(b - b'0')] += 1;
            }
        }
        // 360,000 digits: each expected 36,000 times, with a standard deviation of 180. Bounds at
        // six of them, so a fair generator falls outside about once in a hundred million runs
        // (at 3.3, as this test once had, one run in four hundred failed), while a digit never
        // drawn or twice as likely is thousands of deviations out.
        assert!(seen.iter().all(|n| (34_920..=37_080).contains(n)), "{seen:?}");
        // The modulo bias itself: keeping bytes from 250 up would make 0 to 5 come 156/256 of
        // the time (0.609) instead of 0.6, eleven standard deviations (0.0008) away at this
        // count; the bound is five.
        let low = f64::from(seen[..6].iter().sum::<u32>()) / 360_000.0;
        assert!((low - 0.6).abs() < 0.004, "0 to 5 drawn {low:.4} of the time: {seen:?}");
    }
}
