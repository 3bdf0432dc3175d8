//! Drawing an `OfficialDocument` as a tagged PDF/A-2a on A4 with krilla: the embedded DejaVu
//! font (subset, with its Unicode map, so `pdftotext` and screen readers get the Vietnamese
//! text back), a structure tree in reading order, and where the signature block sits, so
//! the signing step can put its field over it.

use crate::document::{Block, OfficialDocument};
use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder, Validator};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::tagging::{ArtifactType, ContentTag, Node, SpanTag, Tag, TagGroup, TagKind, TagTree};
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use skrifa::instance::{LocationRef, Size};
use skrifa::MetadataProvider;
use std::num::NonZeroU16;
use std::sync::OnceLock;

const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// A4 in points, and the margins Decree 30/2020 asks for (left 30 mm, others 20 mm).
pub const PAGE_W: f32 = 595.0;
pub const PAGE_H: f32 = 842.0;
const LEFT: f32 = 85.0;
const RIGHT: f32 = PAGE_W - 57.0;
const TOP: f32 = 57.0;
const BOTTOM: f32 = PAGE_H - 57.0;
const BODY: f32 = 11.0;

/// Where the visible signature block was drawn: the signing step puts the signature field's
/// widget exactly there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignatureArea {
    /// Zero-based page.
    pub page: usize,
    /// In PDF user space (origin bottom-left): x0, y0, x1, y1.
    pub rect: [f32; 4],
}

#[derive(Debug)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub pages: usize,
    pub signature: Option<SignatureArea>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError(pub String);

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PDF rendering failed: {}", self.0)
    }
}

struct Face {
    font: Font,
    /// The same font's tables, read once, for measuring text.
    tables: skrifa::FontRef<'static>,
    units_per_em: f32,
}

impl Face {
    fn load(data: &'static [u8]) -> Option<Face> {
        let tables = skrifa::FontRef::new(data).ok()?;
        let units_per_em = f32::from(tables.metrics(Size::unscaled(), LocationRef::default()).units_per_em);
        Some(Face { font: Font::new(data.into(), 0)?, tables, units_per_em })
    }

    /// Width of `s` at `size` points, from the font's own advances.
    fn width(&self, s: &str, size: f32) -> f32 {
        let f = &self.tables;
        let upem = self.units_per_em;
        let map = f.charmap();
        let metrics = f.glyph_metrics(Size::unscaled(), LocationRef::default());
        let units: f32 =
            s.chars().map(|c| map.map(c).and_then(|g| metrics.advance_width(g)).unwrap_or(upem / 2.0)).sum();
        units / upem * size
    }
}

fn faces() -> Option<&'static (Face, Face)> {
    static FACES: OnceLock<Option<(Face, Face)>> = OnceLock::new();
    FACES.get_or_init(|| Some((Face::load(REGULAR)?, Face::load(BOLD)?))).as_ref()
}

/// Greedy line breaking at spaces; a word wider than the line is cut where it no longer fits.
pub fn wrap(face_width: &dyn Fn(&str) -> f32, text: &str, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if face_width(&candidate) <= width || line.is_empty() && face_width(word) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word longer than a whole line (a URL, a code) is cut by characters.
            for c in word.chars() {
                let next = format!("{line}{c}");
                if face_width(&next) > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(c);
            }
        }
        lines.push(line);
    }
    lines
}

/// Lays out and draws pages, collecting the structure tree as it goes.
struct Writer<'f> {
    regular: &'f Face,
    bold: &'f Face,
    pages: Vec<Vec<Op>>,
    y: f32,
}

/// What goes on a page: text (tagged into a group later) and artifacts.
enum Op {
    Text { x: f32, y: f32, bold: bool, size: f32, text: String, group: usize },
    Rule { x0: f32, x1: f32, y: f32 },
    Frame(Rect),
    Qr { x: f32, y: f32, modules: Vec<bool>, width: usize, size: f32, group: usize },
}

/// A group of the structure tree under construction: its tag and the ops that fill it.
struct Group {
    kind: TagKind,
}

impl<'f> Writer<'f> {
    fn ensure(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
    }

    fn push(&mut self, op: Op) {
        if let Some(p) = self.pages.last_mut() {
            p.push(op);
        }
    }

    fn face(&self, bold: bool) -> &'f Face {
        if bold {
            self.bold
        } else {
            self.regular
        }
    }

    /// Text lines from `x` to `right`, each as a Span of group `group`.
    fn lines(&mut self, text: &str, (bold, size, center): (bool, f32, bool), (x, right): (f32, f32), group: usize) {
        let face = self.face(bold);
        let lead = size * 1.45;
        for line in wrap(&|s| face.width(s, size), text, right - x) {
            self.ensure(lead);
            let w = face.width(&line, size);
            let lx = if center { x + (right - x - w) / 2.0 } else { x };
            self.y += lead;
            self.push(Op::Text { x: lx, y: self.y - size * 0.3, bold, size, text: line, group });
        }
    }
}

/// Renders `doc` as PDF/A-2a; fails only if krilla refuses the document.
pub fn render(doc: &OfficialDocument) -> Result<Rendered, RenderError> {
    let (regular, bold) = faces().ok_or_else(|| RenderError("the embedded font cannot be read".into()))?;
    let mut w = Writer { regular, bold, pages: vec![Vec::new()], y: TOP };
    let mut groups: Vec<Group> = Vec::new();
    let mut group = |kind: TagKind| {
        groups.push(Group { kind });
        groups.len() - 1
    };

    // Header: the issuer on the left, the national motto on the right, both centred in their half.
    let mid = LEFT + (RIGHT - LEFT) * 0.42;
    let top = w.y;
    let g = group(Tag::P.into());
    if !doc.superior.is_empty() {
        w.lines(&doc.superior, (false, 10.5, true), (LEFT, mid), g);
    }
    w.lines(&doc.issuer, (true, 10.5, true), (LEFT, mid), g);
    let left_end = w.y;
    w.push(Op::Rule { x0: LEFT + (mid - LEFT) * 0.3, x1: LEFT + (mid - LEFT) * 0.7, y: left_end + 3.0 });
    w.y = left_end + 6.0;
    w.lines(&doc.number, (false, 10.5, true), (LEFT, mid), g);
    let after_left = w.y;
    w.y = top;
    let g = group(Tag::P.into());
    w.lines("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", (true, 10.5, true), (mid, RIGHT), g);
    w.lines("Độc lập - Tự do - Hạnh phúc", (true, 11.0, true), (mid, RIGHT), g);
    let motto_end = w.y;
    w.push(Op::Rule { x0: mid + (RIGHT - mid) * 0.25, x1: mid + (RIGHT - mid) * 0.75, y: motto_end + 3.0 });
    w.y = motto_end + 6.0;
    w.lines(&doc.place_date, (false, 10.5, true), (mid, RIGHT), g);
    w.y = w.y.max(after_left) + 18.0;

    let g = group(Tag::Hn(NonZeroU16::MIN, Some(doc.title.clone())).into());
    w.lines(&doc.title, (true, 13.5, true), (LEFT, RIGHT), g);
    if let Some(sub) = &doc.subtitle {
        let g = group(Tag::P.into());
        w.lines(sub, (false, BODY, true), (LEFT, RIGHT), g);
    }
    w.y += 10.0;

    for block in &doc.body {
        match block {
            Block::Para(t) => {
                let g = group(Tag::P.into());
                w.lines(t, (false, BODY, false), (LEFT, RIGHT), g);
            }
            Block::Heading(t) => {
                w.y += 4.0;
                let g = group(Tag::Hn(NonZeroU16::new(2).unwrap_or(NonZeroU16::MIN), Some(t.clone())).into());
                w.lines(t, (true, BODY, false), (LEFT, RIGHT), g);
            }
            Block::Field { label, value } => {
                let g = group(Tag::P.into());
                w.lines(&format!("{label}: {value}"), (false, BODY, false), (LEFT, RIGHT), g);
            }
            Block::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    let g = group(Tag::P.into());
                    w.lines(&format!("{}. {item}", i + 1), (false, BODY, false), (LEFT + 14.0, RIGHT), g);
                }
            }
        }
        w.y += 3.0;
    }

    // The foot: the QR code to the verifier on the left, the signature block on the right.
    let mut signature = None;
    let foot_h = 120.0;
    w.y += 14.0;
    w.ensure(foot_h);
    let foot_top = w.y;
    if let Some((url, caption)) = &doc.qr {
        if let Ok(code) = qrcode::QrCode::new(url.as_bytes()) {
            let width = code.width();
            let modules = code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect();
            let g = group(Tag::Figure(Some(format!("Mã QR: {url}"))).into());
            let size = 84.0 / width as f32;
            w.push(Op::Qr { x: LEFT, y: foot_top, modules, width, size, group: g });
            w.y = foot_top + 86.0;
            let g = group(Tag::P.into());
            w.lines(caption, (false, 8.0, false), (LEFT, LEFT + 180.0), g);
        }
    }
    if let Some(sig) = &doc.signature {
        let x0 = PAGE_W - 57.0 - 230.0;
        w.y = foot_top;
        let g = group(Tag::P.into());
        w.lines(&sig.capacity, (true, BODY, true), (x0, RIGHT), g);
        let box_top = w.y + 4.0;
        w.y = box_top + 2.0;
        let g = group(Tag::P.into());
        w.lines(&format!("Ký bởi: {}", sig.signer), (false, 9.0, false), (x0 + 6.0, RIGHT - 6.0), g);
        w.lines(&format!("Cơ quan: {}", sig.agency), (false, 9.0, false), (x0 + 6.0, RIGHT - 6.0), g);
        w.lines(&format!("Thời gian ký: {}", sig.at), (false, 9.0, false), (x0 + 6.0, RIGHT - 6.0), g);
        let box_bottom = w.y + 6.0;
        if let Some(r) = Rect::from_ltrb(x0, box_top, RIGHT, box_bottom) {
            w.push(Op::Frame(r));
        }
        signature =
            Some(SignatureArea { page: w.pages.len() - 1, rect: [x0, PAGE_H - box_bottom, RIGHT, PAGE_H - box_top] });
    }

    draw(doc, w.pages, groups, signature)
}

fn draw(
    doc: &OfficialDocument,
    pages: Vec<Vec<Op>>,
    groups: Vec<Group>,
    signature: Option<SignatureArea>,
) -> Result<Rendered, RenderError> {
    let (regular, bold) = faces().ok_or_else(|| RenderError("the embedded font cannot be read".into()))?;
    let configuration = ConfigurationBuilder::new()
        .set_validator(Validator::A(Archival::A2_A))
        .finish()
        .map_err(|e| RenderError(format!("{e:?}")))?;
    let settings = SerializeSettings { configuration, enable_tagging: true, ..SerializeSettings::default() };
    let mut document = Document::new_with(settings);
    let mut children: Vec<Vec<Node>> = groups.iter().map(|_| Vec::new()).collect();
    let page_count = pages.len();
    for ops in pages {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| RenderError("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut s = page.surface();
        for op in ops {
            match op {
                Op::Text { x, y, bold: b, size, text, group } => {
                    let id = s.start_tagged(ContentTag::Span(SpanTag::empty()));
                    let face = if b { bold } else { regular };
                    s.draw_text(Point::from_xy(x, y), face.font.clone(), size, &text, false, TextDirection::Auto);
                    s.end_tagged();
                    if let Some(c) = children.get_mut(group) {
                        c.push(id.into());
                    }
                }
                Op::Rule { x0, x1, y } => artifact(&mut s, |pb| {
                    pb.move_to(x0, y);
                    pb.line_to(x1, y);
                }),
                Op::Frame(r) => artifact(&mut s, |pb| pb.push_rect(r)),
                Op::Qr { x, y, modules, width, size, group } => {
                    let id = s.start_tagged(ContentTag::Other);
                    let mut pb = PathBuilder::new();
                    for (i, dark) in modules.iter().enumerate() {
                        if *dark {
                            let (col, row) = ((i % width) as f32, (i / width) as f32);
                            if let Some(r) = Rect::from_xywh(x + col * size, y + row * size, size, size) {
                                pb.push_rect(r);
                            }
                        }
                    }
                    if let Some(path) = pb.finish() {
                        s.set_fill(Some(Fill::default()));
                        s.draw_path(&path);
                    }
                    s.end_tagged();
                    if let Some(c) = children.get_mut(group) {
                        c.push(id.into());
                    }
                }
            }
        }
        s.finish();
        page.finish();
    }
    let mut tree = TagTree::new().with_lang(Some("vi".into()));
    for (g, nodes) in groups.into_iter().zip(children) {
        if !nodes.is_empty() {
            tree.push(TagGroup::with_children(g.kind, nodes));
        }
    }
    document.set_tag_tree(tree);
    document.set_metadata(
        Metadata::new()
            .title(doc.title.clone())
            .description(doc.subject.clone())
            .language("vi".into())
            .creator("Tỉnh Số".into())
            .producer("Tỉnh Số (krilla)".into())
            .creation_date(pdf_date(doc.created)),
    );
    let pdf = document.finish().map_err(|e| RenderError(format!("{e:?}")))?;
    Ok(Rendered { pdf, pages: page_count, signature })
}

#[allow(clippy::cast_possible_truncation, reason = "calendar fields are small")]
fn pdf_date(t: chrono::DateTime<chrono::Utc>) -> krilla::metadata::DateTime {
    use chrono::{Datelike, Timelike};
    krilla::metadata::DateTime::new(u16::try_from(t.year()).unwrap_or(2000))
        .month(t.month() as u8)
        .day(t.day() as u8)
        .hour(t.hour() as u8)
        .minute(t.minute() as u8)
        .second(t.second() as u8)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

/// Lines and frames are decoration: marked as artifacts, outside the structure tree.
fn artifact(s: &mut Surface<'_>, build: impl FnOnce(&mut PathBuilder)) {
    let mut pb = PathBuilder::new();
    build(&mut pb);
    let Some(path) = pb.finish() else { return };
    s.start_tagged(ContentTag::Artifact(krilla::tagging::Artifact::with_kind(ArtifactType::Other)));
    s.set_fill(None);
    s.set_stroke(Some(Stroke { paint: rgb::Color::new(0, 0, 0).into(), width: 0.6, ..Stroke::default() }));
    s.draw_path(&path);
    s.set_stroke(None);
    s.set_fill(Some(Fill { opacity: NormalizedF32::ONE, ..Fill::default() }));
    s.end_tagged();
}
