//! Putting a PAdES signature into a PDF the renderer made: an incremental update adding the
//! signature dictionary (with room for the CMS), a signature field whose widget covers the
//! drawn signature block, the AcroForm, and the page and catalogue rewritten to name them.
//! The signed byte ranges cover the whole file but the CMS itself; `read` finds them again.

use crate::render::SignatureArea;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Bytes reserved for the CMS beyond its certificates: the signer info and signed attributes
/// (under 1 KiB with an RSA-4096 signature), and a timestamp token with its authority's
/// certificates when one is asked for. Every reserved byte is two hex digits in the file, so
/// the room is sized to the signature rather than fixed large (a phone on 3G downloads it).
pub fn reserve(chain_bytes: usize, timestamped: bool) -> usize {
    chain_bytes + 2048 + if timestamped { 12 * 1024 } else { 0 }
}
const BYTE_RANGE_WIDTH: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfError(pub &'static str);

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// What the signature dictionary says besides the signature.
#[derive(Debug, Clone)]
pub struct SignatureInfo {
    pub name: String,
    pub reason: String,
    pub location: String,
    pub at: DateTime<Utc>,
}

/// A PDF with its signature's place made: hash `digest()`, have it signed, then `finish`.
#[derive(Debug, Clone)]
pub struct Prepared {
    pdf: Vec<u8>,
    /// Offsets of the `<` and one past the `>` of /Contents.
    contents: (usize, usize),
}

impl Prepared {
    /// How many bytes of CMS fit.
    pub fn room(&self) -> usize {
        (self.contents.1 - self.contents.0 - 2) / 2
    }
}

/// A PDF text string: ASCII as a literal, anything else as UTF-16BE with its byte-order mark.
fn text_string(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_graphic() || c == ' ') && !s.contains(['(', ')', '\\']) {
        format!("({s})")
    } else {
        let mut hex = String::from("<FEFF");
        for u in s.encode_utf16() {
            hex.push_str(&format!("{u:04X}"));
        }
        hex.push('>');
        hex
    }
}

struct Trailer {
    size: usize,
    root: usize,
    rest: String,
    startxref: usize,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn number_after(s: &str, key: &str) -> Option<usize> {
    let at = s.find(key)? + key.len();
    let digits: String = s[at..].trim_start().chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn trailer(pdf: &[u8]) -> Result<Trailer, PdfError> {
    let bad = PdfError("the PDF has no classic trailer");
    let t = rfind(pdf, b"trailer").ok_or(bad.clone())?;
    let sx = rfind(pdf, b"startxref").ok_or(bad.clone())?;
    let dict = std::str::from_utf8(&pdf[t + 7..sx]).map_err(|_| bad.clone())?;
    let startxref = std::str::from_utf8(&pdf[sx + 9..])
        .ok()
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .ok_or(bad.clone())?;
    let size = number_after(dict, "/Size").ok_or(bad.clone())?;
    let root = number_after(dict, "/Root").ok_or(bad.clone())?;
    // Keep /Info and /ID as they were (PDF/A wants the same /ID in the update).
    let mut rest = String::new();
    for key in ["/Info", "/ID"] {
        if let Some(at) = dict.find(key) {
            let tail = &dict[at..];
            let end = if key == "/ID" { tail.find(']').map(|e| e + 1) } else { tail.find('R').map(|e| e + 1) };
            rest.push_str(&tail[..end.ok_or(bad.clone())?]);
            rest.push('\n');
        }
    }
    Ok(Trailer { size, root, rest, startxref })
}

/// The offset of object `id` from the classic xref table at `startxref`.
fn offset(pdf: &[u8], startxref: usize, id: usize) -> Option<usize> {
    let text = std::str::from_utf8(pdf.get(startxref..)?).ok()?;
    let mut lines = text.lines();
    if lines.next()?.trim() != "xref" {
        return None;
    }
    let mut first = 0usize;
    let mut count = 0usize;
    let mut seen = 0usize;
    for line in lines {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.first() == Some(&"trailer") {
            return None;
        }
        if parts.len() == 2 && seen == count {
            first = parts[0].parse().ok()?;
            count = parts[1].parse().ok()?;
            seen = 0;
            continue;
        }
        if first + seen == id && parts.get(2) == Some(&"n") {
            return parts.first()?.parse().ok();
        }
        seen += 1;
    }
    None
}

/// The dictionary of object `id`, without the closing `>>`.
fn object_dict(pdf: &[u8], startxref: usize, id: usize) -> Result<String, PdfError> {
    let at = offset(pdf, startxref, id).ok_or(PdfError("an object the signature needs is missing"))?;
    let tail = &pdf[at..];
    let end = find(tail, b"endobj").ok_or(PdfError("an object has no end"))?;
    let body = std::str::from_utf8(&tail[..end]).map_err(|_| PdfError("an object is not text"))?;
    let open = body.find("<<").ok_or(PdfError("an object is not a dictionary"))?;
    let close = body.rfind(">>").ok_or(PdfError("an object is not a dictionary"))?;
    Ok(body[open..close].to_owned())
}

fn reference_in(dict: &str, key: &str) -> Option<usize> {
    number_after(dict, key)
}

/// The n-th page's object number, through the catalogue's flat /Pages /Kids.
fn page_object(pdf: &[u8], t: &Trailer, page: usize) -> Result<usize, PdfError> {
    let catalog = object_dict(pdf, t.startxref, t.root)?;
    let pages = reference_in(&catalog, "/Pages").ok_or(PdfError("no /Pages"))?;
    let tree = object_dict(pdf, t.startxref, pages)?;
    let kids = tree.find("/Kids").and_then(|k| tree[k..].find('[').map(|o| k + o)).ok_or(PdfError("no /Kids"))?;
    let list = &tree[kids + 1..tree[kids..].find(']').map(|e| kids + e).ok_or(PdfError("no /Kids"))?];
    let ids: Vec<usize> =
        list.split_whitespace().collect::<Vec<_>>().chunks(3).filter_map(|c| c[0].parse().ok()).collect();
    ids.get(page).copied().ok_or(PdfError("no such page"))
}

/// Appends the signature's incremental update to `pdf`, leaving /Contents zeroed.
pub fn prepare(pdf: &[u8], area: SignatureArea, info: &SignatureInfo, reserved: usize) -> Result<Prepared, PdfError> {
    let t = trailer(pdf)?;
    if pdf.windows(7).any(|w| w == b"/AcroFo") {
        return Err(PdfError("the PDF already has a form"));
    }
    let page = page_object(pdf, &t, area.page)?;
    let page_dict = object_dict(pdf, t.startxref, page)?;
    if page_dict.contains("/Annots") {
        return Err(PdfError("the page already has annotations"));
    }
    let catalog = object_dict(pdf, t.startxref, t.root)?;
    let (sig, widget, appearance) = (t.size, t.size + 1, t.size + 2);
    let [x0, y0, x1, y1] = area.rect;
    let mut out = pdf.to_vec();
    if out.last() != Some(&b'\n') {
        out.push(b'\n');
    }
    let mut xref: Vec<(usize, usize)> = Vec::new();
    let mut object = |out: &mut Vec<u8>, id: usize, body: &str| {
        xref.push((id, out.len()));
        out.extend_from_slice(format!("{id} 0 obj\n{body}\nendobj\n").as_bytes());
    };
    object(&mut out, page, &format!("{page_dict}/Annots [{widget} 0 R]\n>>"));
    object(&mut out, t.root, &format!("{catalog}/AcroForm << /Fields [{widget} 0 R] /SigFlags 3 >>\n>>"));
    object(
        &mut out,
        widget,
        &format!(
            "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Chu ky so) /TU {} /F 132 /Rect [{x0:.2} {y0:.2} {x1:.2} {y1:.2}] /P {page} 0 R /V {sig} 0 R /AP << /N {appearance} 0 R >> >>",
            text_string("Chữ ký số của cơ quan ban hành"),
        ),
    );
    object(
        &mut out,
        appearance,
        &format!(
            "<< /Type /XObject /Subtype /Form /BBox [0 0 {:.2} {:.2}] /Resources << >> /Length 0 >>\nstream\n\nendstream",
            x1 - x0,
            y1 - y0
        ),
    );
    // The signature dictionary last but one, /Contents last in it, so its place is easy to see.
    xref.push((sig, out.len()));
    let head = format!(
        "{sig} 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /Name {} /Reason {} /Location {} /M (D:{}Z) /ByteRange [",
        text_string(&info.name),
        text_string(&info.reason),
        text_string(&info.location),
        info.at.format("%Y%m%d%H%M%S"),
    );
    out.extend_from_slice(head.as_bytes());
    let range_at = out.len();
    out.extend_from_slice(&[b' '; BYTE_RANGE_WIDTH]);
    out.extend_from_slice(b"] /Contents ");
    let contents_start = out.len();
    out.push(b'<');
    out.extend(std::iter::repeat_n(b'0', reserved * 2));
    out.push(b'>');
    let contents_end = out.len();
    out.extend_from_slice(b" >>\nendobj\n");
    xref.sort();
    let xref_at = out.len();
    let mut table = String::from("xref\n0 1\n0000000000 65535 f \n");
    for (id, off) in &xref {
        table.push_str(&format!("{id} 1\n{off:010} 00000 n \n"));
    }
    table.push_str(&format!(
        "trailer\n<< /Size {} /Root {} 0 R\n{}/Prev {} >>\nstartxref\n{xref_at}\n%%EOF\n",
        t.size + 3,
        t.root,
        t.rest,
        t.startxref
    ));
    out.extend_from_slice(table.as_bytes());
    let ranges = format!("0 {contents_start} {contents_end} {}", out.len() - contents_end);
    if ranges.len() > BYTE_RANGE_WIDTH {
        return Err(PdfError("the PDF is too large to sign"));
    }
    out[range_at..range_at + ranges.len()].copy_from_slice(ranges.as_bytes());
    Ok(Prepared { pdf: out, contents: (contents_start, contents_end) })
}

impl Prepared {
    /// SHA-256 over everything but /Contents: what the CMS's message digest must be.
    pub fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(&self.pdf[..self.contents.0]);
        h.update(&self.pdf[self.contents.1..]);
        h.finalize().into()
    }

    /// Writes the CMS into the reserved place.
    pub fn finish(mut self, cms: &[u8]) -> Result<Vec<u8>, PdfError> {
        if cms.len() > self.room() {
            return Err(PdfError("the signature is larger than the room reserved for it"));
        }
        let mut at = self.contents.0 + 1;
        for b in cms {
            let hex = format!("{b:02X}");
            self.pdf[at..at + 2].copy_from_slice(hex.as_bytes());
            at += 2;
        }
        Ok(self.pdf)
    }
}

/// The last signature of a PDF: its byte ranges and CMS, and the digest those ranges have now.
#[derive(Debug, Clone)]
pub struct Found {
    pub byte_range: [usize; 4],
    pub cms: Vec<u8>,
    pub digest: [u8; 32],
    /// The ranges start at 0 and end at the file's end, leaving out only /Contents.
    pub covers_whole_file: bool,
    /// /M of the signature dictionary, as written.
    pub m: Option<String>,
}

/// Finds the last signature in `pdf`; `None` when there is none or it is malformed.
pub fn find_signature(pdf: &[u8]) -> Option<Found> {
    let at = rfind(pdf, b"/ByteRange")?;
    let open = at + find(&pdf[at..], b"[")?;
    let close = open + find(&pdf[open..], b"]")?;
    let nums: Vec<usize> =
        std::str::from_utf8(&pdf[open + 1..close]).ok()?.split_whitespace().filter_map(|n| n.parse().ok()).collect();
    let [a, b, c, d] = <[usize; 4]>::try_from(nums).ok()?;
    let first = pdf.get(a..a.checked_add(b)?)?;
    let second = pdf.get(c..c.checked_add(d)?)?;
    let hole = pdf.get(a + b..c)?;
    if hole.first() != Some(&b'<') || hole.last() != Some(&b'>') {
        return None;
    }
    let hex = &hole[1..hole.len() - 1];
    let mut cms = Vec::with_capacity(hex.len() / 2);
    for pair in hex.chunks(2) {
        let s = std::str::from_utf8(pair).ok()?;
        cms.push(u8::from_str_radix(s, 16).ok()?);
    }
    // The CMS is DER: its own length says where the zero padding starts.
    let (whole, _) = crate::der::read(&cms)?;
    let cms = whole.raw.to_vec();
    let mut h = Sha256::new();
    h.update(first);
    h.update(second);
    let dict_start = rfind(&pdf[..at], b"obj").unwrap_or(0);
    let m = std::str::from_utf8(&pdf[dict_start..at])
        .ok()
        .and_then(|s| s.find("/M (").map(|i| s[i + 4..].chars().take_while(|c| *c != ')').collect()));
    Some(Found {
        byte_range: [a, b, c, d],
        cms,
        digest: h.finalize().into(),
        covers_whole_file: a == 0 && c + d == pdf.len(),
        m,
    })
}
