//! A report's photo as its page shows it: at most `SIDE` pixels on its longer side, as a
//! JPEG. A phone's photo is 2–5 MB; a report page shows it 160 pixels wide, and on a
//! mountain commune's 3G line three originals take a minute. The original stays one tap away.
//!
//! Pure: bytes in, bytes out. Pictures larger than `MOST_PIXELS` are not decoded (a small PNG
//! can claim gigapixels and ask for gigabytes); the caller shows the original instead.

use crate::photo::PhotoKind;

/// The longer side of a thumbnail: sharp at 160 CSS pixels on a 3x phone screen.
pub const SIDE: u32 = 480;
/// The most pixels decoded (a 50-megapixel phone camera's full size).
pub const MOST_PIXELS: u64 = 50_000_000;
/// JPEG quality of a thumbnail.
const QUALITY: u8 = 80;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThumbnailError {
    /// More pixels than `MOST_PIXELS`.
    TooLarge,
    /// The picture could not be decoded or encoded.
    Unreadable(String),
}

/// Pixels, 8-bit RGB, row by row.
struct Rgb {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

/// The thumbnail of a stored photo (JPEG or PNG, already cleaned of metadata).
pub fn thumbnail(bytes: &[u8], kind: PhotoKind) -> Result<Vec<u8>, ThumbnailError> {
    let (picture, turn) = match kind {
        PhotoKind::Jpeg => (decode_jpeg(bytes)?, crate::photo::orientation(bytes)),
        PhotoKind::Png => (decode_png(bytes)?, None),
    };
    let (w, h) = fit(picture.width, picture.height, SIDE);
    let small = shrink(&picture, w, h);
    // The thumbnail carries no EXIF: it is turned as the photo's orientation says.
    encode_jpeg(&match turn {
        Some(o) => turned(&small, o),
        None => small,
    })
}

/// `p` as EXIF orientation `o` says it shows (2–8: mirrored, turned, or both).
fn turned(p: &Rgb, o: u16) -> Rgb {
    let (w, h) = (p.width as usize, p.height as usize);
    let swap = o >= 5;
    let (nw, nh) = if swap { (h, w) } else { (w, h) };
    let mut data = Vec::with_capacity(p.data.len());
    for y in 0..nh {
        for x in 0..nw {
            // The stored pixel that shows at (x, y).
            let (sx, sy) = match o {
                2 => (w - 1 - x, y),
                3 => (w - 1 - x, h - 1 - y),
                4 => (x, h - 1 - y),
                5 => (y, x),
                6 => (y, h - 1 - x),
                7 => (w - 1 - y, h - 1 - x),
                8 => (w - 1 - y, x),
                _ => (x, y),
            };
            let at = (sy * w + sx) * 3;
            data.extend_from_slice(&p.data[at..at + 3]);
        }
    }
    let (width, height) = if swap { (p.height, p.width) } else { (p.width, p.height) };
    Rgb { width, height, data }
}

/// The size that fits `side` on the longer side, proportions kept; a smaller picture keeps
/// its own size (never enlarged), and no side falls below one pixel.
pub fn fit(width: u32, height: u32, side: u32) -> (u32, u32) {
    let longer = width.max(height);
    if longer <= side || longer == 0 {
        return (width.max(1), height.max(1));
    }
    let scale = |n: u32| ((u64::from(n) * u64::from(side) + u64::from(longer) / 2) / u64::from(longer)).max(1);
    (u32::try_from(scale(width)).unwrap_or(side), u32::try_from(scale(height)).unwrap_or(side))
}

fn too_large(width: u64, height: u64) -> bool {
    width.saturating_mul(height) > MOST_PIXELS
}

fn unreadable(e: impl std::fmt::Display) -> ThumbnailError {
    ThumbnailError::Unreadable(e.to_string())
}

fn decode_jpeg(bytes: &[u8]) -> Result<Rgb, ThumbnailError> {
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::RGB)
        .set_max_width(usize::MAX)
        .set_max_height(usize::MAX);
    let mut d = zune_jpeg::JpegDecoder::new_with_options(std::io::Cursor::new(bytes), options);
    d.decode_headers().map_err(unreadable)?;
    let info = d.info().ok_or_else(|| unreadable("no JPEG header"))?;
    if too_large(u64::from(info.width), u64::from(info.height)) {
        return Err(ThumbnailError::TooLarge);
    }
    let data = d.decode().map_err(unreadable)?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    if data.len() != width as usize * height as usize * 3 {
        return Err(unreadable("unexpected JPEG output size"));
    }
    Ok(Rgb { width, height, data })
}

fn decode_png(bytes: &[u8]) -> Result<Rgb, ThumbnailError> {
    let limits = png::Limits { bytes: usize::try_from(MOST_PIXELS * 4).unwrap_or(usize::MAX) };
    let mut d = png::Decoder::new_with_limits(std::io::Cursor::new(bytes), limits);
    d.set_transformations(png::Transformations::normalize_to_color8());
    // The size is read from the header before any pixel data is looked for.
    let (width, height) = d.read_header_info().map_err(unreadable)?.size();
    if too_large(u64::from(width), u64::from(height)) {
        return Err(ThumbnailError::TooLarge);
    }
    let mut reader = d.read_info().map_err(unreadable)?;
    let mut buf = vec![0; reader.output_buffer_size().ok_or_else(|| unreadable("PNG too large"))?];
    let frame = reader.next_frame(&mut buf).map_err(unreadable)?;
    let channels = match frame.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Err(unreadable("indexed PNG not expanded")),
    };
    let mut data = Vec::with_capacity(width as usize * height as usize * 3);
    for row in buf.chunks(frame.line_size).take(height as usize) {
        for px in row.chunks_exact(channels).take(width as usize) {
            // Transparent parts show on white, as on the page.
            let (rgb, alpha) = match px {
                [g] => ([*g; 3], 255),
                [g, a] => ([*g; 3], *a),
                [r, g, b] => ([*r, *g, *b], 255),
                [r, g, b, a] => ([*r, *g, *b], *a),
                _ => ([255; 3], 255),
            };
            let a = u64::from(alpha);
            data.extend(rgb.map(|c| byte((u64::from(c) * a + 255 * (255 - a)) / 255)));
        }
    }
    if data.len() != width as usize * height as usize * 3 {
        return Err(unreadable("unexpected PNG output size"));
    }
    Ok(Rgb { width, height, data })
}

/// Area averaging: each thumbnail pixel is the mean of the original pixels it covers, so
/// fine detail blends rather than flickers (as it would by picking one pixel in many).
fn shrink(p: &Rgb, width: u32, height: u32) -> Rgb {
    if (width, height) == (p.width, p.height) {
        return Rgb { width, height, data: p.data.clone() };
    }
    // Sizes are at most `MOST_PIXELS`, so these products fit a usize.
    let span = |i: u32, to: u32, from: u32| {
        let (i, to, from) = (i as usize, to as usize, from as usize);
        let start = i * from / to;
        let end = ((i + 1) * from).div_ceil(to).max(start + 1);
        start..end.min(from)
    };
    let stride = p.width as usize * 3;
    let mut data = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height {
        let rows = span(y, height, p.height);
        for x in 0..width {
            let cols = span(x, width, p.width);
            let mut sum = [0u64; 3];
            for r in rows.clone() {
                let line = &p.data[r * stride + cols.start * 3..r * stride + cols.end * 3];
                for px in line.chunks_exact(3) {
                    for (s, c) in sum.iter_mut().zip(px) {
                        *s += u64::from(*c);
                    }
                }
            }
            let n = (rows.len() * cols.len()).max(1) as u64;
            data.extend(sum.map(|s| byte((s + n / 2) / n)));
        }
    }
    Rgb { width, height, data }
}

/// A channel's value, from a mean that cannot exceed 255.
fn byte(v: u64) -> u8 {
    u8::try_from(v).unwrap_or(u8::MAX)
}

fn encode_jpeg(p: &Rgb) -> Result<Vec<u8>, ThumbnailError> {
    let (w, h) = (u16::try_from(p.width).map_err(unreadable)?, u16::try_from(p.height).map_err(unreadable)?);
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, QUALITY)
        .encode(&p.data, w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(unreadable)?;
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A photo-like picture: red grows left to right, green top to bottom; the left half is
    /// blue, or a one-pixel blue checkerboard when `fine`.
    fn picture(width: u32, height: u32, fine: bool) -> Rgb {
        let mut data = Vec::new();
        for y in 0..height {
            for x in 0..width {
                let blue = x < width / 2 && (!fine || (x + y) % 2 == 0);
                data.extend([
                    byte(u64::from(x * 255 / width)),
                    byte(u64::from(y * 255 / height)),
                    if blue { 255 } else { 0 },
                ]);
            }
        }
        Rgb { width, height, data }
    }

    fn size_of_jpeg(bytes: &[u8]) -> (u32, u32) {
        let p = decode_jpeg(bytes).unwrap();
        (p.width, p.height)
    }

    #[test]
    fn sizes_fit_the_longer_side_and_never_grow() {
        assert_eq!(fit(4000, 3000, 480), (480, 360));
        assert_eq!(fit(3000, 4000, 480), (360, 480));
        assert_eq!(fit(1000, 800, 480), (480, 384));
        assert_eq!(fit(300, 200, 480), (300, 200));
        assert_eq!(fit(10_000, 3, 480), (480, 1));
        assert_eq!(fit(0, 0, 480), (1, 1));
    }

    #[test]
    fn a_large_jpeg_becomes_a_small_one_with_its_colours() {
        let original = encode_jpeg(&picture(2000, 1500, false)).unwrap();
        let small = thumbnail(&original, PhotoKind::Jpeg).unwrap();
        assert_eq!(size_of_jpeg(&small), (480, 360));
        assert!(small.len() * 4 < original.len(), "{} of {}", small.len(), original.len());
        let p = decode_jpeg(&small).unwrap();
        let px = |x: usize, y: usize| &p.data[(y * 480 + x) * 3..(y * 480 + x) * 3 + 3];
        assert!(px(100, 180)[2] > 230 && px(400, 180)[2] < 30, "{:?} {:?}", px(100, 180), px(400, 180));
        // Red follows x, green follows y.
        assert!(px(470, 180)[0] > 230 && px(10, 350)[1] > 230 && px(10, 10)[0] < 30);
    }

    #[test]
    fn each_orientation_turns_the_corners_where_they_belong() {
        // A 3 x 2 picture whose pixels are numbered 0..6 in their red channel.
        let p = Rgb { width: 3, height: 2, data: (0..6u8).flat_map(|i| [i, 0, 0]).collect() };
        let red = |q: &Rgb| q.data.chunks(3).map(|c| c[0]).collect::<Vec<_>>();
        // Stored:  0 1 2
        //          3 4 5
        let cases: [(u16, (u32, u32), [u8; 6]); 8] = [
            (1, (3, 2), [0, 1, 2, 3, 4, 5]),
            (2, (3, 2), [2, 1, 0, 5, 4, 3]),
            (3, (3, 2), [5, 4, 3, 2, 1, 0]),
            (4, (3, 2), [3, 4, 5, 0, 1, 2]),
            (5, (2, 3), [0, 3, 1, 4, 2, 5]),
            // 90 degrees clockwise: the stored left column becomes the top row, bottom first.
            (6, (2, 3), [3, 0, 4, 1, 5, 2]),
            (7, (2, 3), [5, 2, 4, 1, 3, 0]),
            (8, (2, 3), [2, 5, 1, 4, 0, 3]),
        ];
        for (o, size, expected) in cases {
            let q = turned(&p, o);
            assert_eq!(((q.width, q.height), red(&q)), (size, expected.to_vec()), "orientation {o}");
        }
    }

    #[test]
    fn a_photo_stored_sideways_gets_an_upright_thumbnail() {
        // Stored 1000 x 500 with orientation 6: shows 500 wide, 1000 tall; its stored left half
        // (blue) shows as the top half.
        let stored = encode_jpeg(&picture(1000, 500, false)).unwrap();
        let with_flag = [&stored[..2], &crate::photo::orientation_block_for_tests(6), &stored[2..]].concat();
        let small = thumbnail(&with_flag, PhotoKind::Jpeg).unwrap();
        let p = decode_jpeg(&small).unwrap();
        assert_eq!((p.width, p.height), (240, 480));
        assert!(p.data[(40 * 240 + 120) * 3 + 2] > 230 && p.data[(440 * 240 + 120) * 3 + 2] < 30);
    }

    #[test]
    fn shrinking_averages_what_each_pixel_covers() {
        // A one-pixel checkerboard becomes an even mid-tone, not a pattern of picked pixels.
        let p = shrink(&picture(1000, 800, true), 480, 384);
        let blue: Vec<u8> = (0..240).map(|x| p.data[(200 * 480 + x) * 3 + 2]).collect();
        assert!(blue.iter().all(|b| (100..=155).contains(b)), "{blue:?}");
        assert!((240..480).all(|x| p.data[(200 * 480 + x) * 3 + 2] == 0));
        // The same size is a copy.
        let q = picture(30, 20, true);
        assert_eq!(shrink(&q, 30, 20).data, q.data);
    }

    #[test]
    fn a_png_with_transparency_shows_on_white() {
        let mut png_bytes = Vec::new();
        {
            let mut e = png::Encoder::new(&mut png_bytes, 600, 300);
            e.set_color(png::ColorType::Rgba);
            e.set_depth(png::BitDepth::Eight);
            let mut w = e.write_header().unwrap();
            let data: Vec<u8> =
                (0..600 * 300).flat_map(|i| if i % 600 < 300 { [255, 0, 0, 255] } else { [0, 0, 0, 0] }).collect();
            w.write_image_data(&data).unwrap();
        }
        let small = thumbnail(&png_bytes, PhotoKind::Png).unwrap();
        let p = decode_jpeg(&small).unwrap();
        assert_eq!((p.width, p.height), (480, 240));
        let at = |x: usize| &p.data[(120 * 480 + x) * 3..(120 * 480 + x) * 3 + 3];
        assert!(at(50)[0] > 230 && at(50)[1] < 30, "opaque red stays red: {:?}", at(50));
        assert!(at(430).iter().all(|c| *c > 230), "transparent shows white: {:?}", at(430));
    }

    #[test]
    fn what_cannot_be_shrunk_is_said() {
        assert!(matches!(thumbnail(b"not a picture", PhotoKind::Jpeg), Err(ThumbnailError::Unreadable(_))));
        assert!(matches!(thumbnail(b"\x89PNG\r\n\x1a\n", PhotoKind::Png), Err(ThumbnailError::Unreadable(_))));
        // A PNG that claims 100,000 x 100,000 pixels is not decoded.
        let mut png_bytes = Vec::new();
        {
            let mut e = png::Encoder::new(&mut png_bytes, 100_000, 100_000);
            e.set_color(png::ColorType::Grayscale);
            let _ = e.write_header().unwrap();
        }
        assert_eq!(thumbnail(&png_bytes, PhotoKind::Png), Err(ThumbnailError::TooLarge));
        // A small picture keeps its size.
        let tiny = encode_jpeg(&picture(40, 30, false)).unwrap();
        assert_eq!(size_of_jpeg(&thumbnail(&tiny, PhotoKind::Jpeg).unwrap()), (40, 30));
    }
}
