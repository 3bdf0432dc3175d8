//! Uploaded documents: which kinds are accepted, judged by content, never by name or header.

use serde::{Deserialize, Serialize};

/// Largest single file accepted (a scanned multi-page PDF fits).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
}

impl FileKind {
    /// The kind the bytes really are, from their signature.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"%PDF-") {
            Some(Self::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(Self::Png)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }

    pub fn from_mime(m: &str) -> Option<Self> {
        [Self::Pdf, Self::Jpeg, Self::Png].into_iter().find(|k| k.mime() == m)
    }
}

/// What an attached file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FilePurpose {
    /// One of the procedure's required components (by index).
    Component,
    /// Sent with a supplement.
    Supplement,
    /// The result issued by the agency.
    Result,
    /// The letter authorising the person who submits to act for an enterprise or a household
    /// business (when they are not its legal representative).
    Authorization,
}

impl FilePurpose {
    pub fn key(self) -> &'static str {
        match self {
            Self::Component => "component",
            Self::Supplement => "supplement",
            Self::Result => "result",
            Self::Authorization => "authorization",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Component, Self::Supplement, Self::Result, Self::Authorization].into_iter().find(|p| p.key() == s)
    }
}

/// A file name safe to show and to offer as a download name: no path, no control characters.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>')).take(120).collect();
    let cleaned = crate::text::clean(&cleaned);
    if cleaned.is_empty() {
        "tep".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(FileKind::sniff(b"%PDF-1.7\n..."), Some(FileKind::Pdf));
        assert_eq!(FileKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(FileKind::Jpeg));
        assert_eq!(FileKind::sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some(FileKind::Png));
        assert_eq!(FileKind::sniff(b"<html><script>"), None);
        assert_eq!(FileKind::sniff(b"MZ\x90\0"), None, "an executable renamed .pdf is refused");
    }

    #[test]
    fn names_lose_paths_and_controls() {
        assert_eq!(clean_name("C:\\Users\\an\\Giấy khai sinh.pdf"), "Giấy khai sinh.pdf");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\u{0}\"b<>.png"), "ab.png");
        assert_eq!(clean_name(""), "tep");
        assert_eq!(clean_name("hoa-don\u{202E}fdp.exe"), "hoa-donfdp.exe", "no right-to-left override");
        assert_eq!(clean_name("\u{200B}\u{FEFF}"), "tep");
    }
}
