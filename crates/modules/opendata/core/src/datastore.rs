//! The shared data store's rules: a tabular file's columns and their types (inferred from
//! every value, so a column is numeric only if every cell is), cells parsed to those types,
//! CKAN's `datastore_search` parameters checked against a table's fields, and the first,
//! lexical gate of `datastore_search_sql` (one read-only SELECT). The engines enforce the rest
//! (SQLite's authorizer, PostgreSQL's read-only role); this gate only refuses early and says why.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A column's type, as CKAN names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Type {
    Int,
    Numeric,
    Date,
    Text,
}

impl Type {
    pub fn key(self) -> &'static str {
        match self {
            Self::Int => "int",
            Self::Numeric => "numeric",
            Self::Date => "date",
            Self::Text => "text",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// The column's name as the file's header gives it (cleaned, unique, at most 60 bytes).
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Type,
}

/// The columns worth an index, given each column's average length: numbers, dates and
/// short texts (what filters name); long free text is searched through `q` instead.
pub fn indexed(fields: &[Field], avg_len: &[f64]) -> Vec<String> {
    fields
        .iter()
        .zip(avg_len.iter().chain(std::iter::repeat(&0.0)))
        .filter(|(f, len)| f.kind != Type::Text || **len <= 40.0)
        .map(|(f, _)| f.id.clone())
        .collect()
}

/// A cell as stored.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Num(f64),
    Text(String),
}

/// Column names from a header: cleaned text, never empty, unique, short enough for every
/// engine's identifiers, and never `_id` (the row number CKAN adds) or `_text`.
pub fn field_ids(header: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(header.len());
    for (i, h) in header.iter().enumerate() {
        let mut id = tinhso_kernel::text::clean(h).replace('"', "'");
        while id.len() > 60 {
            id.pop();
        }
        if id.is_empty() || id.starts_with('_') {
            id = format!("cot_{}", i + 1);
        }
        let base = id.clone();
        let mut n = 2;
        while out.contains(&id) {
            id = format!("{base} ({n})");
            n += 1;
        }
        out.push(id);
    }
    out
}

fn int(s: &str) -> Option<i64> {
    let t = s.trim();
    if t.len() > 1 && t.starts_with('0') {
        // Codes with leading zeros ("001", phone numbers) stay text.
        return None;
    }
    t.parse().ok()
}

fn num(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty()
        || t.starts_with('.')
        || t.ends_with('.')
        || (t.len() > 1 && t.starts_with('0') && !t.starts_with("0."))
    {
        return None;
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// A date as ISO (yyyy-mm-dd), from ISO or dd/mm/yyyy.
pub fn date(s: &str) -> Option<String> {
    let t = s.trim();
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .ok()
        .map(|d| d.format("%Y-%m-%d").to_string())
}

/// Narrows a column's type with one more value (empty cells say nothing).
pub fn narrow(kind: Option<Type>, value: &str) -> Option<Type> {
    if value.trim().is_empty() {
        return kind;
    }
    let fits = |t: Type| match t {
        Type::Int => int(value).is_some(),
        Type::Numeric => num(value).is_some(),
        Type::Date => date(value).is_some(),
        Type::Text => true,
    };
    let order = [Type::Int, Type::Numeric, Type::Date, Type::Text];
    let start = match kind {
        None => 0,
        Some(k) => order.iter().position(|t| *t == k).unwrap_or(3),
    };
    // Int widens to numeric; a date column stays a date or becomes text.
    order[start..]
        .iter()
        .copied()
        .filter(|t| !(kind == Some(Type::Date) && *t != Type::Date && *t != Type::Text))
        .filter(|t| !(matches!(kind, Some(Type::Int | Type::Numeric)) && *t == Type::Date))
        .find(|t| fits(*t))
}

/// A cell of a column of type `kind`.
pub fn cell(kind: Type, value: &str) -> Cell {
    let v = value.trim();
    if v.is_empty() {
        return Cell::Null;
    }
    match kind {
        Type::Int => int(v).map_or_else(|| Cell::Text(v.to_owned()), Cell::Int),
        Type::Numeric => num(v).map_or_else(|| Cell::Text(v.to_owned()), Cell::Num),
        Type::Date => Cell::Text(date(v).unwrap_or_else(|| v.to_owned())),
        Type::Text => Cell::Text(tinhso_kernel::text::clean(v)),
    }
}

/// What `datastore_search` asks, checked against the table's fields.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Search {
    /// Field → any of these values.
    pub filters: Vec<(String, Vec<String>)>,
    /// Folded words every row must hold somewhere.
    pub words: Vec<String>,
    /// The fields to return (all when empty), in order.
    pub fields: Vec<String>,
    /// (field, descending).
    pub sort: Vec<(String, bool)>,
    pub limit: usize,
    pub offset: usize,
    /// Only rows numbered after this one (paging through a whole table in `_id` order
    /// without OFFSET's cost).
    pub after_id: Option<i64>,
}

pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 32_000;

fn strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Number(n) => Some(vec![n.to_string()]),
        Value::Bool(b) => Some(vec![b.to_string()]),
        Value::Array(a) => a.iter().map(|x| strings(x).and_then(|v| v.into_iter().next())).collect(),
        _ => None,
    }
}

/// Checks CKAN's parameters against `fields`; every problem at once, per parameter.
pub fn search(fields: &[Field], p: &Map<String, Value>) -> Result<Search, Vec<(String, String)>> {
    let mut errs = Vec::new();
    let known = |f: &str| f == "_id" || fields.iter().any(|x| x.id == f);
    let mut s = Search { limit: DEFAULT_LIMIT, ..Search::default() };
    let filters = match p.get("filters") {
        Some(Value::String(t)) if t.trim().is_empty() => None,
        Some(Value::String(t)) => match serde_json::from_str::<Value>(t) {
            Ok(v) => Some(v),
            Err(_) => {
                errs.push(("filters".into(), "Không đọc được filters: cần một đối tượng JSON {cột: giá trị}.".into()));
                None
            }
        },
        other => other.cloned(),
    };
    match filters {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                match (known(&k), strings(&v)) {
                    (false, _) => errs.push(("filters".into(), format!("Không có cột “{k}”."))),
                    (true, None) => {
                        errs.push(("filters".into(), format!("Giá trị lọc của “{k}” phải là chữ, số hoặc danh sách.")))
                    }
                    (true, Some(vals)) => s.filters.push((k, vals)),
                }
            }
        }
        Some(_) => errs.push(("filters".into(), "Phải là một đối tượng JSON {cột: giá trị}.".into())),
    }
    match p.get("q") {
        None | Some(Value::Null) => {}
        Some(Value::String(q)) => s.words = crate::query::words(q),
        Some(_) => errs.push(("q".into(), "Tìm theo cột (q là đối tượng) chưa được hỗ trợ; dùng filters.".into())),
    }
    let list = |v: Option<&Value>| -> Option<Vec<String>> {
        match v? {
            Value::String(t) => Some(t.split(',').map(|x| x.trim().to_owned()).filter(|x| !x.is_empty()).collect()),
            other => strings(other),
        }
    };
    for f in list(p.get("fields")).unwrap_or_default() {
        if known(&f) {
            s.fields.push(f);
        } else {
            errs.push(("fields".into(), format!("Không có cột “{f}”.")));
        }
    }
    for part in list(p.get("sort")).unwrap_or_default() {
        let (f, desc) = match part.rsplit_once(' ') {
            Some((f, d)) if d.eq_ignore_ascii_case("desc") => (f.trim().trim_matches('"').to_owned(), true),
            Some((f, d)) if d.eq_ignore_ascii_case("asc") => (f.trim().trim_matches('"').to_owned(), false),
            _ => (part.trim_matches('"').to_owned(), false),
        };
        if known(&f) {
            s.sort.push((f, desc));
        } else {
            errs.push(("sort".into(), format!("Không có cột “{f}”.")));
        }
    }
    for (k, slot, max) in [("limit", &mut s.limit, MAX_LIMIT), ("offset", &mut s.offset, usize::MAX)] {
        let n = match p.get(k) {
            None | Some(Value::Null) => continue,
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(t)) => t.trim().parse::<u64>().ok(),
            Some(_) => None,
        };
        match n.and_then(|n| usize::try_from(n).ok()) {
            Some(n) => *slot = n.min(max),
            None => errs.push((k.into(), "Phải là số nguyên không âm.".into())),
        }
    }
    if errs.is_empty() {
        Ok(s)
    } else {
        Err(errs)
    }
}

/// The lexical gate of `datastore_search_sql`: one statement, a SELECT (or WITH ... SELECT),
/// none of the words that write, change settings or reach outside the data store. String
/// literals and quoted names are skipped, so `WHERE "Ghi chú" = 'xóa'` passes.
pub fn check_sql(sql: &str) -> Result<String, String> {
    let trimmed = sql.trim().trim_end_matches(';').trim();
    if trimmed.is_empty() {
        return Err("Thiếu câu lệnh SQL.".into());
    }
    if trimmed.len() > 20_000 {
        return Err("Câu lệnh SQL quá dài (tối đa 20.000 ký tự).".into());
    }
    let mut words: Vec<String> = Vec::new();
    let mut chars = trimmed.chars().peekable();
    let mut word = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' => {
                let close = c;
                let mut closed = false;
                while let Some(n) = chars.next() {
                    if n == close {
                        if chars.peek() == Some(&close) {
                            chars.next();
                            continue;
                        }
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    return Err("Chuỗi hoặc tên trong ngoặc chưa đóng.".into());
                }
            }
            ';' => return Err("Chỉ được một câu lệnh SELECT (không có dấu “;” ở giữa).".into()),
            '-' if chars.peek() == Some(&'-') => return Err("Không dùng chú thích (--) trong câu lệnh.".into()),
            '/' if chars.peek() == Some(&'*') => return Err("Không dùng chú thích (/* */) trong câu lệnh.".into()),
            '$' => return Err("Không dùng chuỗi $$ hoặc tham số $n.".into()),
            c if c.is_alphanumeric() || c == '_' => {
                word.push(c.to_ascii_lowercase());
                continue;
            }
            _ => {}
        }
        if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    if !matches!(words.first().map(String::as_str), Some("select" | "with")) {
        return Err("Chỉ chấp nhận câu lệnh SELECT.".into());
    }
    const FORBIDDEN: &[&str] = &[
        "insert",
        "update",
        "delete",
        "drop",
        "create",
        "alter",
        "truncate",
        "replace",
        "merge",
        "upsert",
        "grant",
        "revoke",
        "attach",
        "detach",
        "pragma",
        "vacuum",
        "reindex",
        "analyze",
        "copy",
        "set",
        "reset",
        "begin",
        "commit",
        "rollback",
        "savepoint",
        "release",
        "lock",
        "listen",
        "notify",
        "call",
        "do",
        "execute",
        "prepare",
        "load_extension",
        "readfile",
        "writefile",
        "sqlite_master",
        "sqlite_schema",
        "sqlite_temp_master",
        "information_schema",
        "into",
        "returning",
        "for",
        "randomblob",
        "zeroblob",
    ];
    if let Some(w) = words.iter().find(|w| {
        FORBIDDEN.contains(&w.as_str()) || w.starts_with("pg_") || w.starts_with("lo_") || w.starts_with("dblink")
    }) {
        return Err(format!("Câu lệnh chỉ được đọc dữ liệu của kho dữ liệu; không dùng “{w}”."));
    }
    Ok(trimmed.to_owned())
}
