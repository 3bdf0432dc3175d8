//! CKAN's search parameters without Solr: the words of `q`, the filters of `q` and `fq`
//! (`field:value`, `field:"a phrase"`, `field:(a OR b)`, `-field:value`, `+field:value`,
//! `metadata_modified:[2024-01-01T00:00:00Z TO NOW]`, joined by spaces or `AND`), `sort` and
//! the facets. What this grammar does not cover is refused with a message that says what is,
//! never silently read as something else.

use chrono::NaiveDateTime;
use tinhso_kernel::text;

/// A field a filter or facet names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Organization,
    OwnerOrg,
    Groups,
    Tags,
    ResFormat,
    LicenseId,
    Name,
    Id,
    Frequency,
    Capacity,
    MetadataModified,
    MetadataCreated,
    DatasetType,
}

impl Field {
    pub const FACETS: [Field; 6] =
        [Self::Organization, Self::Groups, Self::Tags, Self::ResFormat, Self::LicenseId, Self::Frequency];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "organization" => Self::Organization,
            "owner_org" => Self::OwnerOrg,
            "groups" => Self::Groups,
            "tags" => Self::Tags,
            "res_format" => Self::ResFormat,
            "license_id" => Self::LicenseId,
            "name" => Self::Name,
            "id" => Self::Id,
            "frequency" => Self::Frequency,
            "capacity" => Self::Capacity,
            "metadata_modified" => Self::MetadataModified,
            "metadata_created" => Self::MetadataCreated,
            "dataset_type" | "type" => Self::DatasetType,
            _ => return None,
        })
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::Organization => "organization",
            Self::OwnerOrg => "owner_org",
            Self::Groups => "groups",
            Self::Tags => "tags",
            Self::ResFormat => "res_format",
            Self::LicenseId => "license_id",
            Self::Name => "name",
            Self::Id => "id",
            Self::Frequency => "frequency",
            Self::Capacity => "capacity",
            Self::MetadataModified => "metadata_modified",
            Self::MetadataCreated => "metadata_created",
            Self::DatasetType => "dataset_type",
        }
    }
}

/// One clause: the dataset's `field` holds any of `values` (or lies in `range`); `negate`
/// turns it into "holds none of them".
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub field: Field,
    pub values: Vec<String>,
    pub range: Option<(Option<NaiveDateTime>, Option<NaiveDateTime>)>,
    pub negate: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Score,
    Modified,
    Created,
    Title,
    Name,
    Resources,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// Folded words every result must contain.
    pub words: Vec<String>,
    pub filters: Vec<Filter>,
}

/// Splits `s` into clauses, keeping quoted phrases, parenthesised lists and ranges whole.
fn clauses(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quote, mut depth) = (false, 0i32);
    for c in s.chars() {
        match c {
            '"' => quote = !quote,
            '(' | '[' | '{' if !quote => depth += 1,
            ')' | ']' | '}' if !quote => depth -= 1,
            _ => {}
        }
        if c.is_whitespace() && !quote && depth == 0 {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(c);
        }
        if depth < 0 {
            return Err("Dấu ngoặc không khớp.".into());
        }
    }
    if quote || depth != 0 {
        return Err("Dấu ngoặc kép hoặc ngoặc đơn chưa đóng.".into());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

fn unquote(s: &str) -> String {
    s.strip_prefix('"').and_then(|x| x.strip_suffix('"')).unwrap_or(s).replace("\\\"", "\"")
}

fn when(s: &str, now: NaiveDateTime) -> Result<Option<NaiveDateTime>, String> {
    let s = s.trim();
    if s == "*" {
        return Ok(None);
    }
    if s.starts_with("NOW") {
        return Ok(Some(now));
    }
    let t = s.trim_end_matches('Z');
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(&format!("{t}T00:00:00"), "%Y-%m-%dT%H:%M:%S"))
        .map(Some)
        .map_err(|_| format!("Thời điểm “{s}” không hợp lệ (yyyy-mm-ddThh:mm:ssZ, * hoặc NOW)."))
}

fn filter(field: Field, raw: &str, negate: bool, now: NaiveDateTime) -> Result<Filter, String> {
    let (values, range) = if let Some(inner) = raw.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        if !matches!(field, Field::MetadataModified | Field::MetadataCreated) {
            return Err(format!(
                "Khoảng [a TO b] chỉ dùng cho metadata_modified và metadata_created, không cho {}.",
                field.key()
            ));
        }
        let (a, b) = inner.split_once(" TO ").ok_or("Khoảng phải có dạng [a TO b].")?;
        (Vec::new(), Some((when(a, now)?, when(b, now)?)))
    } else if let Some(inner) = raw.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        let parts = clauses(inner)?;
        let vals: Vec<String> = parts.iter().filter(|p| p.as_str() != "OR").map(|p| unquote(p)).collect();
        if parts.iter().any(|p| p == "AND" || p == "NOT") {
            return Err("Trong ngoặc chỉ dùng OR giữa các giá trị.".into());
        }
        (vals, None)
    } else {
        if matches!(field, Field::MetadataModified | Field::MetadataCreated) {
            return Err(format!("{} cần một khoảng [a TO b].", field.key()));
        }
        (vec![unquote(raw)], None)
    };
    if values.is_empty() && range.is_none() {
        return Err(format!("Thiếu giá trị cho {}.", field.key()));
    }
    Ok(Filter { field, values, range, negate })
}

/// Parses `q` (words and filters) and `fq` (filters only).
pub fn parse(q: &str, fq: &str, now: NaiveDateTime) -> Result<Parsed, String> {
    let mut out = Parsed::default();
    for (source, words_allowed) in [(q, true), (fq, false)] {
        let source = source.trim();
        if source.is_empty() || source == "*:*" {
            continue;
        }
        for c in clauses(source)? {
            if c == "AND" || c == "&&" {
                continue;
            }
            if c == "OR" || c == "||" || c == "NOT" {
                return Err("Chỉ hỗ trợ AND giữa các điều kiện; dùng trường:(a OR b) để chọn một trong nhiều giá trị, -trường:giá_trị để loại trừ.".into());
            }
            if c == "*:*" {
                continue;
            }
            let (negate, body) = match c.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, c.strip_prefix('+').unwrap_or(&c)),
            };
            match body.split_once(':') {
                Some((f, v)) if !f.starts_with('"') && !v.is_empty() => {
                    if f == "text" && !negate {
                        out.words.extend(words(&unquote(v)));
                        continue;
                    }
                    let field = Field::parse(f).ok_or_else(|| {
                        format!("Không hỗ trợ lọc theo trường “{f}”; dùng organization, groups, tags, res_format, license_id, name, id, frequency, capacity, metadata_modified, metadata_created.")
                    })?;
                    out.filters.push(filter(field, v, negate, now)?);
                }
                _ if words_allowed && !negate => out.words.extend(words(&unquote(body))),
                _ if words_allowed => return Err("Không hỗ trợ loại trừ từ khóa; dùng -trường:giá_trị.".into()),
                _ => return Err(format!("Điều kiện “{c}” trong fq phải có dạng trường:giá_trị.")),
            }
        }
    }
    Ok(out)
}

/// The folded words of a text, as the index keeps them.
pub fn words(s: &str) -> Vec<String> {
    text::words(&text::fold(s)).into_iter().map(str::to_owned).collect()
}

/// Parses CKAN's `sort` ("score desc, metadata_modified desc"): keys with `true` for descending.
pub fn sort(s: &str) -> Result<Vec<(SortKey, bool)>, String> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut it = part.split_whitespace();
        let key = match it.next().unwrap_or("") {
            "score" | "rank" => SortKey::Score,
            "metadata_modified" => SortKey::Modified,
            "metadata_created" => SortKey::Created,
            "title_string" | "title" => SortKey::Title,
            "name" => SortKey::Name,
            "num_resources" => SortKey::Resources,
            other => return Err(format!("Không sắp xếp được theo “{other}”; dùng score, metadata_modified, metadata_created, title_string, name hoặc num_resources.")),
        };
        let desc = match it.next().unwrap_or("asc") {
            "desc" => true,
            "asc" => false,
            other => return Err(format!("Chiều sắp xếp “{other}” phải là asc hoặc desc.")),
        };
        out.push((key, desc));
    }
    if out.is_empty() {
        out = vec![(SortKey::Score, true), (SortKey::Modified, true)];
    }
    Ok(out)
}
