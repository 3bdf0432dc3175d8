//! What the data store's statements say, written once for both engines: quoted names, the
//! table's columns, and the search (filters typed by their column, `q` as folded words over
//! `_text`, sort, paging); each engine only supplies its placeholder style and table name.

use tinhso_opendata::datastore::{self, Cell, Field, Search, Type};

/// An identifier quoted for SQL (a field id never holds `"`, but doubling keeps that so).
pub fn quote(id: &str) -> String {
    format!("\"{}\"", id.replace('"', "\"\""))
}

/// A filter value as its column's type holds it; `None` when it cannot be one (no row can
/// match it).
fn typed(kind: Type, v: &str) -> Option<Cell> {
    match datastore::cell(kind, v) {
        Cell::Text(_) if matches!(kind, Type::Int | Type::Numeric) => None,
        Cell::Null => None,
        c => Some(c),
    }
}

/// The ready tables of resources of active, public datasets (the same text on both engines).
pub const PUBLIC_TABLES: &str = "SELECT t.resource FROM datastore_table t JOIN dataset_resource r ON r.id = t.resource
     JOIN dataset d ON d.id = r.dataset
     WHERE t.state = 'ready' AND d.state = 'active' AND NOT d.private";

pub struct Statement {
    pub select: String,
    pub count: String,
    pub params: Vec<Cell>,
    /// The selected columns, `_id` first.
    pub columns: Vec<(String, Option<Type>)>,
}

/// The search over `table` (already quoted): `ph(n, type)` spells the n-th placeholder for a
/// value compared with a column of that type.
pub fn search(table: &str, fields: &[Field], s: &Search, ph: fn(usize, Option<Type>) -> String) -> Statement {
    let kind = |id: &str| fields.iter().find(|f| f.id == id).map(|f| f.kind);
    let mut columns: Vec<(String, Option<Type>)> = vec![("_id".into(), Some(Type::Int))];
    let wanted: Vec<&Field> = if s.fields.is_empty() {
        fields.iter().collect()
    } else {
        fields.iter().filter(|f| s.fields.contains(&f.id)).collect()
    };
    columns.extend(wanted.iter().map(|f| (f.id.clone(), Some(f.kind))));
    let mut params: Vec<Cell> = Vec::new();
    let mut clauses: Vec<String> = Vec::new();
    for (field, values) in &s.filters {
        let k = if field == "_id" { Some(Type::Int) } else { kind(field) };
        let cells: Vec<Cell> = values.iter().filter_map(|v| k.and_then(|k| typed(k, v))).collect();
        if cells.is_empty() {
            clauses.push("1 = 0".into());
            continue;
        }
        let marks: Vec<String> = cells
            .into_iter()
            .map(|c| {
                params.push(c);
                ph(params.len(), k)
            })
            .collect();
        clauses.push(format!("{} IN ({})", quote(field), marks.join(", ")));
    }
    for w in &s.words {
        let pattern = format!("%{}%", w.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        params.push(Cell::Text(pattern));
        clauses.push(format!("\"_text\" LIKE {} ESCAPE '\\'", ph(params.len(), Some(Type::Text))));
    }
    if let Some(after) = s.after_id {
        params.push(Cell::Int(after));
        clauses.push(format!("\"_id\" > {}", ph(params.len(), Some(Type::Int))));
    }
    let filter = if clauses.is_empty() { String::new() } else { format!(" WHERE {}", clauses.join(" AND ")) };
    let order: Vec<String> = s
        .sort
        .iter()
        .map(|(f, desc)| format!("{} {}", quote(f), if *desc { "DESC" } else { "ASC" }))
        .chain(std::iter::once("\"_id\" ASC".to_owned()))
        .collect();
    let list: Vec<String> = columns.iter().map(|(c, _)| quote(c)).collect();
    Statement {
        select: format!(
            "SELECT {} FROM {table}{filter} ORDER BY {} LIMIT {} OFFSET {}",
            list.join(", "),
            order.join(", "),
            s.limit,
            s.offset
        ),
        count: format!("SELECT count(*) FROM {table}{filter}"),
        params,
        columns,
    }
}

/// Whether a search needs no count (it filters nothing: the loaded row count is the total).
pub fn unfiltered(s: &Search) -> bool {
    s.filters.is_empty() && s.words.is_empty() && s.after_id.is_none()
}
