//! Reading CKAN's data dicts (`package_create`, `_update`, `_patch`, `resource_*`) into a
//! [`Dataset`]. Every problem is found in one pass and reported per field, in Vietnamese, the
//! way CKAN's "Validation Error" lists them. Fields CKAN derives (`num_tags`, `organization`,
//! `metadata_modified`...) are ignored, as CKAN does, so a dict read from any CKAN loads back.

use crate::model::{Extra, Resource, Upload};
use crate::name;
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use tinhso_kernel::text;

/// Field → what is wrong with it.
pub type Errors = BTreeMap<String, Vec<String>>;

/// `Update` replaces the dataset (fields left out are emptied, resources left out removed, as
/// in CKAN); `Patch` changes only the fields given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Update,
    Patch,
}

/// What the rules ask of the catalogue while reading a dict.
pub trait Lookup {
    /// The id of the organization with this id or name.
    fn organization(&self, id_or_name: &str) -> Option<String>;
    /// The id of the theme with this id or name.
    fn group(&self, id_or_name: &str) -> Option<String>;
    /// Whether another dataset than `except_id` holds `name`.
    fn name_taken(&self, name: &str, except_id: &str) -> bool;
}

/// The time and the ids a new thing gets.
pub struct Fresh<'a> {
    pub now: NaiveDateTime,
    pub id: &'a mut dyn FnMut() -> String,
}

const MAX_TEXT: usize = 500;
const MAX_NOTES: usize = 20_000;
const MAX_TAGS: usize = 50;
const MAX_RESOURCES: usize = 200;
const MAX_EXTRAS: usize = 50;

/// Keys of CKAN's extras that are typed fields here.
const TYPED_EXTRAS: [&str; 6] =
    ["temporal_start", "temporal_end", "spatial", "frequency", "contact_name", "contact_email"];

struct Reader<'a> {
    input: &'a Map<String, Value>,
    errors: Errors,
}

impl Reader<'_> {
    fn err(&mut self, field: &str, msg: impl Into<String>) {
        self.errors.entry(field.to_owned()).or_default().push(msg.into());
    }

    /// A one-line text field: `None` when absent.
    fn line(&mut self, field: &str) -> Option<String> {
        let v = self.input.get(field)?;
        match v {
            Value::Null => Some(String::new()),
            Value::String(s) => {
                let s = text::clean(s);
                if s.chars().count() > MAX_TEXT {
                    self.err(field, format!("Tối đa {MAX_TEXT} ký tự."));
                }
                Some(s)
            }
            Value::Number(n) => Some(n.to_string()),
            _ => {
                self.err(field, "Phải là một chuỗi ký tự.");
                None
            }
        }
    }

    fn flag(&mut self, field: &str) -> Option<bool> {
        match self.input.get(field)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") || s == "1" => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") || s == "0" || s.is_empty() => Some(false),
            _ => {
                self.err(field, "Phải là true hoặc false.");
                None
            }
        }
    }
}

/// Text of several lines: NFC, invisible format characters removed, lines kept.
pub fn block(s: &str) -> String {
    let lines: Vec<String> = s.replace("\r\n", "\n").split('\n').map(text::clean).collect();
    lines.join("\n").trim().to_owned()
}

fn is_email(s: &str) -> bool {
    let Some((user, host)) = s.split_once('@') else { return false };
    !user.is_empty() && host.contains('.') && !s.contains(char::is_whitespace) && s.len() <= 254
}

fn date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
        .ok()
        .or_else(|| NaiveDate::parse_from_str(s, "%d/%m/%Y").ok())
}

/// A tag: 2–100 letters, digits, spaces, `-`, `_` or `.` (Vietnamese letters included).
pub fn tag(s: &str) -> Result<String, String> {
    let t = text::clean(s);
    let n = t.chars().count();
    if !(2..=100).contains(&n) {
        return Err(format!("Thẻ “{t}” phải dài từ 2 đến 100 ký tự."));
    }
    if !t.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.')) {
        return Err(format!("Thẻ “{t}” chỉ gồm chữ, số, dấu cách, “-”, “_” hoặc “.”."));
    }
    Ok(t)
}

fn tags(r: &mut Reader<'_>) -> Option<Vec<String>> {
    let raw: Vec<String> = match (r.input.get("tags"), r.input.get("tag_string")) {
        (Some(Value::Array(a)), _) => a
            .iter()
            .filter_map(|t| match t {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("name").and_then(Value::as_str).map(str::to_owned),
                _ => None,
            })
            .collect(),
        (None | Some(Value::Null), Some(Value::String(s))) => s.split(',').map(str::to_owned).collect(),
        (None, _) => return None,
        (Some(Value::Null), _) => Vec::new(),
        (Some(_), _) => {
            r.err("tags", "Phải là danh sách thẻ.");
            return None;
        }
    };
    let mut out: Vec<String> = Vec::new();
    for t in raw.iter().filter(|t| !t.trim().is_empty()) {
        match tag(t) {
            Ok(t) if !out.contains(&t) => out.push(t),
            Ok(_) => {}
            Err(e) => r.err("tags", e),
        }
    }
    if out.len() > MAX_TAGS {
        r.err("tags", format!("Tối đa {MAX_TAGS} thẻ."));
    }
    Some(out)
}

fn groups(r: &mut Reader<'_>, look: &dyn Lookup) -> Option<Vec<String>> {
    let list = match r.input.get("groups")? {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        _ => {
            r.err("groups", "Phải là danh sách chủ đề.");
            return None;
        }
    };
    let mut out = Vec::new();
    for g in &list {
        let key = match g {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => o.get("id").or_else(|| o.get("name")).and_then(Value::as_str),
            _ => None,
        };
        let found = key.and_then(|k| look.group(k)).or_else(|| {
            // A dict from another portal may name a theme this one has by name only.
            g.get("name").and_then(Value::as_str).and_then(|n| look.group(n))
        });
        match found {
            Some(id) if !out.contains(&id) => out.push(id),
            Some(_) => {}
            None => r.err("groups", format!("Không có chủ đề “{}”.", key.unwrap_or("?"))),
        }
    }
    Some(out)
}

/// Reads extras: the typed ones into `typed`, the rest returned.
fn extras(r: &mut Reader<'_>, typed: &mut BTreeMap<String, String>) -> Option<Vec<Extra>> {
    let list = match r.input.get("extras")? {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        _ => {
            r.err("extras", "Phải là danh sách {key, value}.");
            return None;
        }
    };
    let mut out: Vec<Extra> = Vec::new();
    for e in &list {
        let (Some(k), Some(v)) = (e.get("key").and_then(Value::as_str), e.get("value")) else {
            r.err("extras", "Mỗi mục cần key và value.");
            continue;
        };
        let v = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let k = text::clean(k);
        if TYPED_EXTRAS.contains(&k.as_str()) {
            typed.insert(k, v);
        } else if k.is_empty() || k.chars().count() > 100 {
            r.err("extras", "Khóa phải dài từ 1 đến 100 ký tự.");
        } else if out.iter().any(|x| x.key == k) {
            r.err("extras", format!("Khóa “{k}” bị lặp."));
        } else {
            out.push(Extra { key: k, value: block(&v) });
        }
    }
    if out.len() > MAX_EXTRAS {
        r.err("extras", format!("Tối đa {MAX_EXTRAS} mục."));
    }
    Some(out)
}

/// The format of a resource: given, or guessed from its file name or link.
pub fn format_of(given: &str, url_or_file: &str) -> String {
    let g = given.trim().trim_start_matches('.').to_ascii_uppercase();
    if !g.is_empty() {
        return g;
    }
    let path = url_or_file.split(['?', '#']).next().unwrap_or("");
    let ext = path.rsplit('/').next().and_then(|f| f.rsplit_once('.')).map(|(_, e)| e.to_ascii_uppercase());
    ext.filter(|e| (2..=7).contains(&e.len()) && e.bytes().all(|b| b.is_ascii_alphanumeric())).unwrap_or_default()
}

/// Reads one resource dict; `existing` is the dataset's resource with the same id, if any.
/// `uploading`: a file comes with the dict, so no link is needed.
pub fn resource(
    input: &Map<String, Value>,
    existing: Option<&Resource>,
    patch: bool,
    uploading: bool,
    fresh: &mut Fresh<'_>,
) -> Result<Resource, Errors> {
    let mut r = Reader { input, errors: Errors::new() };
    let keep = |f: fn(&Resource) -> String| if patch { existing.map(f).unwrap_or_default() } else { String::new() };
    let name = r.line("name").unwrap_or_else(|| keep(|x| x.name.clone()));
    let description = match input.get("description") {
        Some(Value::String(s)) => block(s),
        _ => keep(|x| x.description.clone()),
    };
    let url = r.line("url").unwrap_or_else(|| existing.map(|x| x.url.clone()).unwrap_or_default());
    let url_type = input.get("url_type").and_then(Value::as_str).unwrap_or("");
    // An upload stays one while the dict still says so (or says nothing of it).
    let upload = existing.and_then(|x| x.upload.clone()).filter(|_| url_type == "upload" || !input.contains_key("url"));
    if upload.is_none() && !uploading {
        if url.is_empty() {
            r.err("url", "Cần đường dẫn tới dữ liệu hoặc một tệp tải lên.");
        } else if !(url.starts_with("https://") || url.starts_with("http://")) {
            r.err("url", "Đường dẫn phải bắt đầu bằng http:// hoặc https://.");
        }
    }
    let given_format = r.line("format").unwrap_or_else(|| keep(|x| x.format.clone()));
    let format = format_of(&given_format, upload.as_ref().map_or(url.as_str(), |u| u.filename.as_str()));
    let id = match (existing, input.get("id").and_then(Value::as_str)) {
        (Some(x), _) => x.id.clone(),
        (None, Some(id)) if name::is_uuid(id) => id.to_ascii_lowercase(),
        (None, Some(_)) => {
            r.err("id", "Mã định danh phải là UUID.");
            String::new()
        }
        (None, None) => (fresh.id)(),
    };
    if !r.errors.is_empty() {
        return Err(r.errors);
    }
    // An upload keeps its file whatever link a client echoes back (the download address it
    // was shown); a link changes when its address does.
    let changed = existing.is_none_or(|x| x.upload != upload || (upload.is_none() && x.url != url));
    Ok(Resource {
        id,
        name: if name.is_empty() { upload.as_ref().map_or_else(|| url.clone(), |u| u.filename.clone()) } else { name },
        description,
        format,
        url: if upload.is_some() { String::new() } else { url },
        upload,
        created: existing.map_or(fresh.now, |x| x.created),
        last_modified: if changed { Some(fresh.now) } else { existing.and_then(|x| x.last_modified) },
        datastore_active: existing.is_some_and(|x| x.datastore_active && !changed),
    })
}

/// A resource made from a file received with the dict (CKAN's `upload` field).
pub fn with_upload(mut res: Resource, up: Upload, now: NaiveDateTime) -> Resource {
    if res.name.is_empty() || res.name == res.url {
        res.name.clone_from(&up.filename);
    }
    res.format = format_of(if res.format.is_empty() { "" } else { &res.format }, &up.filename);
    res.url = String::new();
    res.upload = Some(up);
    res.last_modified = Some(now);
    res.datastore_active = false;
    res
}

mod dataset;
pub use dataset::dataset;
