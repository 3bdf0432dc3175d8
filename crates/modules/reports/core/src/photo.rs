//! Photos of a report: JPEG and PNG are kept, HEIC (iPhones' default) is refused with a way
//! out. The location a phone wrote into the photo's EXIF is read, then every metadata block
//! (EXIF with its GPS, camera serial and time; XMP; IPTC; comments; PNG text chunks) is cut out
//! before the photo is stored, so a published photo tells no more than its pixels.
//!
//! Cutting, not re-encoding: the pixels are untouched. A phone held upright stores its photo
//! sideways with an EXIF orientation flag that viewers turn it by, so that one flag is kept, in
//! a minimal EXIF block of its own (`orientation_block`): the photo shows upright and tells
//! nothing more.

use crate::geo::Point;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoKind {
    Jpeg,
    Png,
}

impl PhotoKind {
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoError {
    /// HEIC/HEIF: not shown by most browsers; the phone can save JPEG instead.
    Heic,
    /// Neither JPEG nor PNG.
    NotAPhoto,
    /// Starts like a JPEG or PNG but its structure is broken.
    Damaged,
}

impl PhotoError {
    pub fn message_vi(self) -> &'static str {
        match self {
            Self::Heic => "Ảnh HEIC chưa dùng được. Trên iPhone: Cài đặt > Camera > Định dạng > Tương thích nhất, rồi chụp lại; hoặc chọn ảnh JPEG/PNG.",
            Self::NotAPhoto => "Chỉ nhận ảnh JPEG hoặc PNG.",
            Self::Damaged => "Tệp ảnh bị hỏng, không đọc được.",
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            Self::Heic => "HEIC photos are not accepted yet: set the camera to 'Most compatible' or choose a JPEG/PNG.",
            Self::NotAPhoto => "Only JPEG or PNG photos are accepted.",
            Self::Damaged => "The photo is damaged and cannot be read.",
        }
    }
}

/// A photo without its metadata, and the location its EXIF gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Cleaned {
    pub bytes: Vec<u8>,
    pub kind: PhotoKind,
    pub point: Option<Point>,
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// `bytes` as a photo to store, or why not.
pub fn clean(bytes: &[u8]) -> Result<Cleaned, PhotoError> {
    if bytes.starts_with(&[0xff, 0xd8]) {
        return jpeg(bytes);
    }
    if bytes.starts_with(PNG_SIGNATURE) {
        return png(bytes);
    }
    if is_heif(bytes) {
        return Err(PhotoError::Heic);
    }
    Err(PhotoError::NotAPhoto)
}

fn is_heif(b: &[u8]) -> bool {
    b.len() >= 12
        && &b[4..8] == b"ftyp"
        && matches!(&b[8..12], b"heic" | b"heix" | b"hevc" | b"heim" | b"heis" | b"mif1" | b"msf1" | b"avif")
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?])))
}

/// Keeps every segment but the metadata ones; after the start of scan, the rest verbatim; the
/// orientation, if the photo must be turned, in a block of its own after the JFIF header.
fn jpeg(b: &[u8]) -> Result<Cleaned, PhotoError> {
    let (mut out, point, turn) = jpeg_segments(b)?;
    if let Some(o) = turn {
        let at = if out.get(2..4) == Some(&[0xff, 0xe0]) { 4 + be16(&out, 4).unwrap_or(0) } else { 2 };
        out.splice(at..at, orientation_block(o));
    }
    Ok(Cleaned { bytes: out, kind: PhotoKind::Jpeg, point })
}

/// An APP1 EXIF segment holding only the orientation `o` (big-endian TIFF, one IFD entry).
fn orientation_block(o: u16) -> Vec<u8> {
    let mut s = vec![0xff, 0xe1, 0, 34];
    s.extend_from_slice(b"Exif\0\0MM\0\x2a\0\0\0\x08");
    s.extend_from_slice(&[0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    s.extend_from_slice(&o.to_be_bytes());
    s.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    s
}

#[cfg(test)]
pub(crate) fn orientation_block_for_tests(o: u16) -> Vec<u8> {
    orientation_block(o)
}

/// The EXIF orientation of a JPEG (2 to 8: the photo must be turned or mirrored to show as
/// taken), read from its first EXIF block; None when it shows as stored.
pub fn orientation(b: &[u8]) -> Option<u16> {
    let mut i = 2;
    while b.get(i) == Some(&0xff) {
        let marker = *b.get(i + 1)?;
        if marker == 0xda || marker == 0xd9 {
            return None;
        }
        let end = i + 2 + be16(b, i + 2)?;
        if marker == 0xe1 {
            if let Some(tiff) = b.get(i + 4..end)?.strip_prefix(b"Exif\0\0") {
                return exif_orientation(tiff);
            }
        }
        i = end;
    }
    None
}

/// What the segments' walk keeps: their bytes, the GPS position, the orientation.
type Kept = (Vec<u8>, Option<Point>, Option<u16>);

/// Walks the segments up to the start of scan (or the end), keeping all but the metadata.
fn jpeg_segments(b: &[u8]) -> Result<Kept, PhotoError> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..2]);
    let mut point = None;
    let mut turn = None;
    // A frame header (SOF: the picture's size and components) must come before the scan.
    let mut frame = false;
    let mut i = 2;
    loop {
        if i >= b.len() {
            return Err(PhotoError::Damaged);
        }
        // Fill bytes (0xff runs) may precede a marker.
        if b[i] != 0xff {
            return Err(PhotoError::Damaged);
        }
        while b.get(i + 1) == Some(&0xff) {
            i += 1;
        }
        let marker = *b.get(i + 1).ok_or(PhotoError::Damaged)?;
        match marker {
            // The end before any scan: a file that starts like a photo and holds no picture
            // (a browser shows it broken; better said now, while the person has the photo).
            0xd9 => return Err(PhotoError::Damaged),
            // Markers without a length.
            0x01 | 0xd0..=0xd7 => {
                out.extend_from_slice(&b[i..i + 2]);
                i += 2;
                continue;
            }
            _ => {}
        }
        let len = be16(b, i + 2).ok_or(PhotoError::Damaged)?;
        let end = i + 2 + len;
        if len < 2 || end > b.len() {
            return Err(PhotoError::Damaged);
        }
        let body = &b[i + 4..end];
        let metadata = match marker {
            0xe1 => {
                if let Some(tiff) = body.strip_prefix(b"Exif\0\0") {
                    point = point.or_else(|| gps(tiff));
                    turn = turn.or_else(|| exif_orientation(tiff));
                }
                true
            }
            // APP2 carries the colour profile (kept); APP3-APP15 and comments are metadata.
            0xe2 => !body.starts_with(b"ICC_PROFILE\0"),
            0xe3..=0xef | 0xfe => true,
            // Frame headers; 0xc4 (Huffman tables), 0xc8 and 0xcc (arithmetic coding) are not.
            0xc0..=0xcf if !matches!(marker, 0xc4 | 0xc8 | 0xcc) => {
                frame = true;
                false
            }
            _ => false,
        };
        if !metadata {
            out.extend_from_slice(&b[i..end]);
        }
        i = end;
        if marker == 0xda && !frame {
            return Err(PhotoError::Damaged);
        }
        if marker == 0xda {
            // Start of scan: entropy-coded data and whatever follows, as they are.
            out.extend_from_slice(&b[i..]);
            return Ok((out, point, turn));
        }
    }
}

fn be32(b: &[u8], at: usize) -> Option<usize> {
    let v = u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?);
    usize::try_from(v).ok()
}

/// Keeps every chunk but the metadata ones (EXIF, text, time).
fn png(b: &[u8]) -> Result<Cleaned, PhotoError> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(PNG_SIGNATURE);
    let mut point = None;
    // The header first and some image data before the end, or there is no picture.
    let mut data = false;
    let mut i = PNG_SIGNATURE.len();
    if b.get(i + 4..i + 8) != Some(b"IHDR".as_slice()) {
        return Err(PhotoError::Damaged);
    }
    while i < b.len() {
        let len = be32(b, i).ok_or(PhotoError::Damaged)?;
        let end = i.checked_add(12).and_then(|x| x.checked_add(len)).ok_or(PhotoError::Damaged)?;
        if end > b.len() {
            return Err(PhotoError::Damaged);
        }
        let kind = &b[i + 4..i + 8];
        match kind {
            b"eXIf" => point = point.or_else(|| gps(&b[i + 8..i + 8 + len])),
            b"tEXt" | b"zTXt" | b"iTXt" | b"tIME" => {}
            _ => out.extend_from_slice(&b[i..end]),
        }
        i = end;
        data |= kind == b"IDAT";
        if kind == b"IEND" {
            return if data {
                Ok(Cleaned { bytes: out, kind: PhotoKind::Png, point })
            } else {
                Err(PhotoError::Damaged)
            };
        }
    }
    Err(PhotoError::Damaged)
}

/// Reads a TIFF structure (EXIF's) in its byte order.
struct Tiff<'a> {
    b: &'a [u8],
    little: bool,
}

impl Tiff<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        let s: [u8; 2] = self.b.get(at..at + 2)?.try_into().ok()?;
        Some(if self.little { u16::from_le_bytes(s) } else { u16::from_be_bytes(s) })
    }

    fn u32(&self, at: usize) -> Option<u32> {
        let s: [u8; 4] = self.b.get(at..at + 4)?.try_into().ok()?;
        Some(if self.little { u32::from_le_bytes(s) } else { u32::from_be_bytes(s) })
    }

    /// The entries of the IFD at `at`: (tag, type, count, value-or-offset field position).
    fn entries(&self, at: usize) -> Option<Vec<(u16, u16, u32, usize)>> {
        let n = usize::from(self.u16(at)?);
        (0..n.min(512))
            .map(|k| {
                let e = at + 2 + k * 12;
                Some((self.u16(e)?, self.u16(e + 2)?, self.u32(e + 4)?, e + 8))
            })
            .collect()
    }

    /// Three RATIONALs (degrees, minutes, seconds) as decimal degrees.
    fn dms(&self, ty: u16, count: u32, field: usize) -> Option<f64> {
        if ty != 5 || count != 3 {
            return None;
        }
        let at = usize::try_from(self.u32(field)?).ok()?;
        let r = |k: usize| -> Option<f64> {
            let den = self.u32(at + k * 8 + 4)?;
            (den != 0).then(|| f64::from(self.u32(at + k * 8).unwrap_or(0)) / f64::from(den))
        };
        Some(r(0)? + r(1)? / 60.0 + r(2)? / 3600.0)
    }
}

impl<'a> Tiff<'a> {
    /// An EXIF TIFF block read in its byte order, and where its first IFD starts.
    fn open(tiff: &'a [u8]) -> Option<(Self, usize)> {
        let little = match tiff.get(..2)? {
            b"II" => true,
            b"MM" => false,
            _ => return None,
        };
        let t = Tiff { b: tiff, little };
        if t.u16(2)? != 42 {
            return None;
        }
        let ifd0 = usize::try_from(t.u32(4)?).ok()?;
        Some((t, ifd0))
    }
}

/// The orientation tag (0x0112) of an EXIF TIFF block's first IFD, when it asks for a turn
/// (2 to 8; 1 is "as stored").
fn exif_orientation(tiff: &[u8]) -> Option<u16> {
    let (t, ifd0) = Tiff::open(tiff)?;
    let e = t.entries(ifd0)?.into_iter().find(|e| e.0 == 0x0112 && e.1 == 3 && e.2 == 1)?;
    t.u16(e.3).filter(|o| (2..=8).contains(o))
}

/// The GPS position in an EXIF TIFF block, if it holds one.
fn gps(tiff: &[u8]) -> Option<Point> {
    let (t, ifd0) = Tiff::open(tiff)?;
    let gps_at = t.entries(ifd0)?.into_iter().find(|e| e.0 == 0x8825).and_then(|e| t.u32(e.3))?;
    let entries = t.entries(usize::try_from(gps_at).ok()?)?;
    let reference = |tag: u16| entries.iter().find(|e| e.0 == tag).and_then(|e| tiff.get(e.3).copied());
    let value = |tag: u16| entries.iter().find(|e| e.0 == tag).and_then(|e| t.dms(e.1, e.2, e.3));
    let mut lat = value(2)?;
    let mut lon = value(4)?;
    if reference(1) == Some(b'S') {
        lat = -lat;
    }
    if reference(3) == Some(b'W') {
        lon = -lon;
    }
    // A camera without a fix writes 0, 0; a place outside the country is no place for a report,
    // and the citizen did not type it: the photo then gives none rather than a refusal.
    Point::new(lat, lon).filter(|p| crate::geo::in_viet_nam(*p))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A big-endian EXIF block with a GPS IFD at 21°49'25"N 105°12'50.4"E.
    fn exif_with_gps() -> Vec<u8> {
        let mut t = b"MM\0\x2a\0\0\0\x08".to_vec();
        // IFD0: one entry, the GPS pointer to offset 26.
        t.extend_from_slice(&[0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
        // GPS IFD at 26: four entries, then the rationals at 26 + 2 + 48 + 4 = 80.
        t.extend_from_slice(&[0, 4]);
        t.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
        t.extend_from_slice(&[0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 80]);
        t.extend_from_slice(&[0, 3, 0, 2, 0, 0, 0, 2, b'E', 0, 0, 0]);
        t.extend_from_slice(&[0, 4, 0, 5, 0, 0, 0, 3, 0, 0, 0, 104]);
        t.extend_from_slice(&[0, 0, 0, 0]);
        for (n, d) in [(21u32, 1u32), (49, 1), (25, 1), (105, 1), (12, 1), (504, 10)] {
            t.extend_from_slice(&n.to_be_bytes());
            t.extend_from_slice(&d.to_be_bytes());
        }
        t
    }

    fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
        let len = u16::try_from(body.len() + 2).unwrap();
        [&[0xff, marker][..], &len.to_be_bytes(), body].concat()
    }

    /// A baseline frame header: 8 bits, 1 x 1 pixel, one component.
    fn frame() -> Vec<u8> {
        segment(0xc0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0])
    }

    /// A frame and a scan of one byte, then the end.
    fn picture() -> Vec<u8> {
        [frame(), segment(0xda, &[1, 1, 0, 0, 63, 0]), vec![0x12, 0xff, 0xd9]].concat()
    }

    #[test]
    fn jpeg_location_is_read_then_every_metadata_block_cut() {
        let exif = [b"Exif\0\0".as_slice(), &exif_with_gps()].concat();
        let photo = [
            &[0xff, 0xd8][..],
            &segment(0xe0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"),
            &segment(0xe1, &exif),
            &segment(0xe1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>"),
            &segment(0xe2, b"ICC_PROFILE\0\x01\x01colour"),
            &segment(0xed, b"Photoshop 3.0\0IPTC"),
            &segment(0xfe, b"camera serial 1234"),
            &segment(0xdb, &[0; 65]),
            &frame(),
            &segment(0xda, &[1, 1, 0, 0, 63, 0]),
            &[0x12, 0x34, 0xff, 0x00, 0x56, 0xff, 0xd9],
        ]
        .concat();
        let c = clean(&photo).unwrap();
        let p = c.point.unwrap();
        assert!((p.lat - 21.823_611).abs() < 1e-5 && (p.lon - 105.214).abs() < 1e-5, "{p:?}");
        let expected = [
            &[0xff, 0xd8][..],
            &segment(0xe0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"),
            &segment(0xe2, b"ICC_PROFILE\0\x01\x01colour"),
            &segment(0xdb, &[0; 65]),
            &frame(),
            &segment(0xda, &[1, 1, 0, 0, 63, 0]),
            &[0x12, 0x34, 0xff, 0x00, 0x56, 0xff, 0xd9],
        ]
        .concat();
        assert_eq!(c.bytes, expected);
        assert_eq!(c.kind, PhotoKind::Jpeg);
    }

    /// An EXIF block in either byte order with the camera's maker and an orientation.
    fn exif_with_orientation(o: u16, little: bool) -> Vec<u8> {
        let u16b = |v: u16| if little { v.to_le_bytes() } else { v.to_be_bytes() };
        let u32b = |v: u32| if little { v.to_le_bytes() } else { v.to_be_bytes() };
        let mut t = if little { b"II".to_vec() } else { b"MM".to_vec() };
        t.extend(u16b(42));
        t.extend(u32b(8));
        t.extend(u16b(2));
        // Make (ASCII, 4 bytes inline), then Orientation (SHORT).
        t.extend([u16b(0x010f), u16b(2)].concat());
        t.extend(u32b(4));
        t.extend(b"Cam\0");
        t.extend([u16b(0x0112), u16b(3)].concat());
        t.extend(u32b(1));
        t.extend(u16b(o));
        t.extend([0, 0]);
        t.extend(u32b(0));
        [b"Exif\0\0".as_slice(), &t].concat()
    }

    #[test]
    fn a_photo_taken_upright_keeps_only_its_orientation() {
        for little in [true, false] {
            let photo = [
                &[0xff, 0xd8][..],
                &segment(0xe0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"),
                &segment(0xe1, &exif_with_orientation(6, little)),
                &segment(0xdb, &[0; 65]),
                &frame(),
                &segment(0xda, &[1, 1, 0, 0, 63, 0]),
                &[0x12, 0xff, 0xd9],
            ]
            .concat();
            assert_eq!(orientation(&photo), Some(6));
            let c = clean(&photo).unwrap();
            let expected = [
                &[0xff, 0xd8][..],
                &segment(0xe0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"),
                &orientation_block(6),
                &segment(0xdb, &[0; 65]),
                &frame(),
                &segment(0xda, &[1, 1, 0, 0, 63, 0]),
                &[0x12, 0xff, 0xd9],
            ]
            .concat();
            assert_eq!(c.bytes, expected);
            assert_eq!(orientation(&c.bytes), Some(6), "read back from the block written");
            assert!(!c.bytes.windows(3).any(|w| w == b"Cam"), "nothing else of the EXIF is left");
            // Cleaning a cleaned photo changes nothing.
            assert_eq!(clean(&c.bytes).unwrap().bytes, c.bytes);
        }
        // "As stored" (1) and no JFIF header: no block is written; the orientation block goes
        // right after the start when there is no JFIF header.
        let plain = [&[0xff, 0xd8][..], &segment(0xe1, &exif_with_orientation(1, true)), &picture()].concat();
        assert_eq!(clean(&plain).unwrap().bytes, [&[0xff, 0xd8][..], &picture()].concat());
        let turned = [&[0xff, 0xd8][..], &segment(0xe1, &exif_with_orientation(8, true)), &picture()].concat();
        assert_eq!(clean(&turned).unwrap().bytes, [&[0xff, 0xd8][..], &orientation_block(8), &picture()].concat());
    }

    #[test]
    fn png_text_and_exif_chunks_are_cut() {
        let chunk = |kind: &[u8], data: &[u8]| {
            let len = u32::try_from(data.len()).unwrap().to_be_bytes();
            [&len[..], kind, data, &[0, 0, 0, 0]].concat()
        };
        let head = chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
        let idat = chunk(b"IDAT", &[1, 2, 3]);
        let end = chunk(b"IEND", &[]);
        let photo = [
            PNG_SIGNATURE,
            &head,
            &chunk(b"eXIf", &exif_with_gps()),
            &chunk(b"tEXt", b"Author\0Nguyen Van A"),
            &idat,
            &chunk(b"tIME", &[7, 234, 12, 3, 1, 2, 3]),
            &end,
        ]
        .concat();
        let c = clean(&photo).unwrap();
        assert!(c.point.is_some());
        assert_eq!(c.bytes, [PNG_SIGNATURE, &head, &idat, &end].concat());
    }

    #[test]
    fn heic_and_others_are_refused_and_damage_is_named() {
        assert_eq!(clean(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic").unwrap_err(), PhotoError::Heic);
        assert_eq!(clean(b"%PDF-1.7").unwrap_err(), PhotoError::NotAPhoto);
        assert_eq!(clean(&[0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff]).unwrap_err(), PhotoError::Damaged);
        assert_eq!(clean(&[0xff, 0xd8]).unwrap_err(), PhotoError::Damaged);
        let mut png = PNG_SIGNATURE.to_vec();
        png.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, b'I', b'D', b'A', b'T']);
        assert_eq!(clean(&png).unwrap_err(), PhotoError::Damaged);
        // A JPEG without EXIF passes unchanged.
        let jfif = segment(0xe0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        let plain = [&[0xff, 0xd8][..], &jfif, &picture()].concat();
        assert_eq!(clean(&plain).unwrap().bytes, plain);
        // Files that start like a photo and hold no picture: a JPEG that ends before any scan,
        // one whose scan has no frame header, a PNG without image data or without its header.
        let no_scan = [&[0xff, 0xd8][..], &jfif, &[0xff, 0xd9]].concat();
        assert_eq!(clean(&no_scan).unwrap_err(), PhotoError::Damaged);
        let no_frame = [&[0xff, 0xd8][..], &jfif, &segment(0xda, &[1, 1, 0, 0, 63, 0]), &[0x12, 0xff, 0xd9]].concat();
        assert_eq!(clean(&no_frame).unwrap_err(), PhotoError::Damaged);
        let chunk = |kind: &[u8], data: &[u8]| {
            let len = u32::try_from(data.len()).unwrap().to_be_bytes();
            [&len[..], kind, data, &[0, 0, 0, 0]].concat()
        };
        let head = chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
        let no_data = [PNG_SIGNATURE, &head, &chunk(b"IEND", &[])].concat();
        assert_eq!(clean(&no_data).unwrap_err(), PhotoError::Damaged);
        let headless = [PNG_SIGNATURE, &chunk(b"IDAT", &[1, 2, 3]), &chunk(b"IEND", &[])].concat();
        assert_eq!(clean(&headless).unwrap_err(), PhotoError::Damaged);
    }
}
