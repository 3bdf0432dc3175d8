//! Examining a PDF someone brings to the verifier: is it signed, do the signed bytes still
//! hash to what the signature says, is the signature the signer's, does it cover the whole
//! file, and when was it timestamped. Whether the platform issued it is the web crate's
//! question (by the file's hash); trust in the signer's CA is the certificates' registry.

use crate::cms::{read_signed_data, signature_valid, tst_info};
use crate::pades::find_signature;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Examination {
    pub sha256: [u8; 32],
    pub signature: Option<SignatureCheck>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureCheck {
    /// The signed bytes hash to the signature's message digest: nothing signed was changed.
    pub intact: bool,
    /// The signature is the signer's key's over the signed attributes.
    pub valid: bool,
    /// Nothing was added after the signature (no later revision).
    pub covers_whole_file: bool,
    pub signer: String,
    pub organisation: Option<String>,
    pub issuer: String,
    /// SHA-256 of the signer's certificate, hex: how the platform recognises an agency's key.
    pub certificate_sha256: String,
    /// The signature dictionary's /M, as dd/mm/yyyy hh:mm:ss UTC.
    pub claimed_time: Option<String>,
    /// A timestamp token over the signature: its time, and whether it stamps this signature
    /// and is validly signed by its authority.
    pub timestamp: Option<(String, bool)>,
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// "20261203094512" (or with a trailing Z or fraction) as "03/12/2026 09:45:12".
fn pdf_time(s: &str) -> Option<String> {
    let d = s.trim_start_matches("D:");
    let g = |r: std::ops::Range<usize>| d.get(r);
    Some(format!("{}/{}/{} {}:{}:{}", g(6..8)?, g(4..6)?, g(0..4)?, g(8..10)?, g(10..12)?, g(12..14)?))
}

pub fn examine(pdf: &[u8]) -> Examination {
    let sha256: [u8; 32] = Sha256::digest(pdf).into();
    let signature = find_signature(pdf).and_then(|found| {
        let sig = read_signed_data(&found.cms)?;
        let signer = sig.signer.clone()?;
        let timestamp = sig.timestamp_token.as_ref().and_then(|t| {
            let token = read_signed_data(t)?;
            let (time, hashed) = tst_info(&token)?;
            let stamps_this = hashed == Sha256::digest(&sig.signature).as_slice();
            Some((pdf_time(&time).map(|t| format!("{t} UTC")).unwrap_or(time), stamps_this && signature_valid(&token)))
        });
        Some(SignatureCheck {
            intact: sig.message_digest == found.digest,
            valid: signature_valid(&sig),
            covers_whole_file: found.covers_whole_file,
            signer: signer.common_name(),
            organisation: signer.organisation(),
            issuer: signer.issuer_common_name(),
            certificate_sha256: hex(&signer.sha256()),
            claimed_time: found.m.as_deref().and_then(pdf_time).map(|t| format!("{t} UTC")),
            timestamp,
        })
    });
    Examination { sha256, signature }
}

impl SignatureCheck {
    /// Intact, genuinely signed, and nothing after it.
    pub fn sound(&self) -> bool {
        self.intact && self.valid && self.covers_whole_file && self.timestamp.as_ref().is_none_or(|t| t.1)
    }
}

/// What the verifier concludes from a file and the platform's record of it (its status when
/// this very file was issued here): `valid`, `revoked`, `replaced`, `modified`,
/// `not_issued` or `unsigned`.
pub fn verdict(ex: &Examination, issued_status: Option<&str>) -> &'static str {
    match (&ex.signature, issued_status) {
        (None, _) => "unsigned",
        (Some(s), _) if !s.intact || !s.valid || !s.covers_whole_file => "modified",
        (Some(_), None) => "not_issued",
        (Some(_), Some("revoked")) => "revoked",
        (Some(_), Some("replaced")) => "replaced",
        (Some(_), Some(_)) => "valid",
    }
}

/// The verdict in words, for the page.
pub fn verdict_vi(verdict: &str) -> &'static str {
    match verdict {
        "valid" => "Hợp lệ: đúng văn bản do cơ quan nhà nước ban hành trên nền tảng, chữ ký số còn nguyên vẹn",
        "revoked" => "Văn bản đã bị thu hồi: không còn giá trị",
        "replaced" => "Văn bản đã được thay thế bằng văn bản khác",
        "modified" => "Không hợp lệ: nội dung đã bị thay đổi sau khi ký",
        "not_issued" => "Chữ ký còn nguyên vẹn nhưng đây không phải văn bản do nền tảng này ban hành",
        _ => "Tệp không có chữ ký số",
    }
}

/// `verdict_vi` in English.
pub fn verdict_en(verdict: &str) -> &'static str {
    match verdict {
        "valid" => "Valid: a document a state agency issued on the platform, its digital signature intact",
        "revoked" => "Revoked: the document is no longer valid",
        "replaced" => "Replaced by another document",
        "modified" => "Not valid: the content was changed after signing",
        "not_issued" => "The signature is intact, but the platform did not issue this document",
        _ => "The file has no digital signature",
    }
}
