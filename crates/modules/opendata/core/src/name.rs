//! CKAN's URL names and the platform's ids. A name is what a dataset, organization or theme
//! is known by in URLs: 2 to 100 characters of lower-case ASCII letters, digits, `-` and `_`.
//! Ids are UUIDs; those of organizations and themes are derived from what they stand for, so
//! two servers made from the same province agree on them (a `ckanapi dump`, then `load`
//! into another server, keeps each dataset's organization).

use sha2::{Digest, Sha256};

/// Whether `s` is a valid CKAN name.
pub fn is_name(s: &str) -> bool {
    (2..=100).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A name made from a Vietnamese title: folded ("Đất đai" → "dat-dai"), words joined by `-`,
/// at most 90 characters (room for a `-2` suffix).
pub fn slug(title: &str) -> String {
    let folded = tinhso_kernel::text::fold(title);
    let mut out = String::new();
    for w in folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if out.len() + w.len() + 1 > 90 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(w);
    }
    if out.len() < 2 {
        out.push_str("-du-lieu");
    }
    out
}

/// A UUID (version 5 layout, over SHA-256 rather than SHA-1) naming `what`; the same `what`
/// gives the same id everywhere.
pub fn derived_id(what: &str) -> String {
    let d = Sha256::digest(format!("tinhso:opendata:{what}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid_text(&b)
}

/// A random UUID (version 4) from 16 random bytes the caller draws.
pub fn random_id(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid_text(&b)
}

fn uuid_text(b: &[u8; 16]) -> String {
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// Whether `s` has a UUID's shape (what CKAN accepts as a given `id`).
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() })
}

/// The organization name of an agency: its code in lower case, dots as dashes
/// ("000.00.15.H60" → "000-00-15-h60").
pub fn agency_name(code: &str) -> String {
    code.to_ascii_lowercase().replace('.', "-")
}
