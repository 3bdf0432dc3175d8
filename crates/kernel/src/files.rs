//! Uploaded documents: which kinds are accepted, judged by content, never by name or header.

use serde::{Deserialize, Serialize};

/// Largest single file accepted (a scanned multi-page PDF fits).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// How much of a file's start [`FileKind::intact`] reads: a JPEG's frame header comes after its
/// metadata, which a phone photo's EXIF (with its thumbnail) makes up to 64 KiB long, and more
/// with other segments before it.
pub const HEAD_BYTES: usize = 256 * 1024;
/// How much of a file's end it reads: a PDF's end-of-file marker is in its last 1,024 bytes.
pub const TAIL_BYTES: usize = 1024;

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

    /// Whether a file of this kind is whole, from its first bytes (`head`, up to
    /// [`HEAD_BYTES`]), its last (`tail`, up to [`TAIL_BYTES`]) and its `size`: a PDF ends
    /// with its end-of-file marker; a PNG begins with a picture's header (a width and a
    /// height) and ends with its end chunk; a JPEG has a frame header with a width before its
    /// picture data. A file cut short on its way from a phone, or one with a picture's
    /// signature and no picture, is not; the person can take or export it again at once,
    /// rather than an officer finding it unreadable days later. A JPEG is not held to its end
    /// marker: phones write their own data after it.
    pub fn intact(self, head: &[u8], tail: &[u8], size: usize) -> bool {
        let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        match self {
            Self::Pdf => contains(tail, b"%%EOF"),
            Self::Png => {
                let dimension =
                    |at: usize| head.get(at..at + 4).map(|b| b.iter().fold(0u32, |n, x| n << 8 | u32::from(*x)));
                head.get(12..16) == Some(b"IHDR")
                    && dimension(16).is_some_and(|w| w > 0)
                    && dimension(20).is_some_and(|h| h > 0)
                    && contains(tail, b"IEND\xAE\x42\x60\x82")
            }
            // Beyond the head without a verdict: a frame header that far in is unusual but
            // possible, so the file is given the benefit of the doubt.
            Self::Jpeg => jpeg_frame(head).unwrap_or(size > head.len()),
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

/// Whether a JPEG's segments, walked from its start, reach a frame header with a width before
/// its picture data (`Some(true)`) or not (`Some(false)`); `None` when `head` ends first.
fn jpeg_frame(head: &[u8]) -> Option<bool> {
    let two = |at: usize| head.get(at..at + 2).map(|b| usize::from(b[0]) << 8 | usize::from(b[1]));
    let mut i = 2;
    loop {
        if *head.get(i)? != 0xFF {
            return Some(false);
        }
        while *head.get(i)? == 0xFF {
            i += 1;
        }
        let marker = *head.get(i)?;
        i += 1;
        match marker {
            // Markers that stand alone.
            0x01 | 0xD0..=0xD8 => {}
            // The end, or picture data, before any frame header.
            0xD9 | 0xDA => return Some(false),
            // A frame header (SOF0-SOF15; C4, C8 and CC are other tables): length, precision,
            // height, width. A height of 0 is allowed (a later marker gives it); a width is not.
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => return Some(two(i + 5)? > 0),
            _ => {
                let length = two(i)?;
                if length < 2 {
                    return Some(false);
                }
                i += length;
            }
        }
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

    /// A 2×2 picture as Pillow saves it, in each format.
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x02\0\0\0\x02\x08\x02\0\0\0\xfd\xd4\x9as\0\0\0\x16IDATx\x9cc<!'\xc7\xc0\xc0\xc0\xc4\xc0\xc0\xc0\xc0\xc0\0\0\r\x04\x01\x08}q\xcaf\0\0\0\0IEND\xaeB`\x82";
    /// A JPEG's segments up to its frame header (2×2), then its picture data, cut short.
    const JPEG_HEAD: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xfe\0\x04ab\xff\xc0\0\x11\x08\0\x02\0\x02\x03\x01\x22\0\x02\x11\x01\x03\x11\x01\xff\xda\0\x0c";

    fn whole(kind: FileKind, bytes: &[u8]) -> bool {
        let tail = &bytes[bytes.len().saturating_sub(TAIL_BYTES)..];
        kind.intact(&bytes[..bytes.len().min(HEAD_BYTES)], tail, bytes.len())
    }

    #[test]
    fn a_file_cut_short_or_without_a_picture_is_not_whole() {
        let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
        assert!(whole(FileKind::Pdf, pdf));
        assert!(!whole(FileKind::Pdf, &pdf[..40]), "cut short");
        let mut padded = pdf.to_vec();
        padded.extend([0u8; 500]);
        assert!(whole(FileKind::Pdf, &padded), "bytes after the marker, as some writers leave");
        assert!(whole(FileKind::Png, PNG));
        assert!(!whole(FileKind::Png, &PNG[..PNG.len() - 12]), "no end chunk");
        assert!(!whole(FileKind::Png, &PNG[..33]), "a header alone");
        let mut flat = PNG.to_vec();
        flat[16..20].copy_from_slice(&[0; 4]);
        assert!(!whole(FileKind::Png, &flat), "no width");
        assert!(whole(FileKind::Jpeg, JPEG_HEAD));
        assert!(!whole(FileKind::Jpeg, b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xd9"), "no frame");
        assert!(!whole(FileKind::Jpeg, &JPEG_HEAD[..30]), "ends inside its segments");
        assert!(!whole(FileKind::Jpeg, &[0xFF, 0xD8, 0xFF]), "a signature alone");
        let mut narrow = JPEG_HEAD.to_vec();
        narrow[33..35].copy_from_slice(&[0, 0]);
        assert!(!whole(FileKind::Jpeg, &narrow), "no width");
        // A phone photo's metadata longer than the head: not judged, kept.
        let mut long = b"\xff\xd8".to_vec();
        while long.len() < HEAD_BYTES + 10 {
            let at = long.len();
            long.extend(b"\xff\xe1\xff\xff");
            long.resize(at + 2 + 0xFFFF, 0);
        }
        assert!(FileKind::Jpeg.intact(&long[..HEAD_BYTES], &long[long.len() - TAIL_BYTES..], long.len()));
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
