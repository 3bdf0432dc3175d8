//! What a report write stores, computed once for both engines: the report folded from its
//! events, its row, its ledger entries; and the list filter as SQL with the engine's
//! placeholders.

use chrono::{DateTime, Utc};
use tinhso_ledger::chain::Link;
use tinhso_reports::{apply, Event, Report};
use tinhso_store::codec::{self, from_json, to_json};
use tinhso_store::{ReportQuery, Result, StoreError, StoredReport, StoredReportEvent};

/// The ledger lane of a report: its commune's (a commune's reports are written together and
/// rarely contend with another commune's), or the province's when it has none.
pub fn lane(commune: Option<u32>) -> String {
    match commune {
        Some(c) => format!("report/{c}"),
        None => "report/tinh".to_owned(),
    }
}

/// The subject reports' entries carry on the ledger.
pub fn subject(id: i64) -> String {
    tinhso_reports::public_id(id)
}

/// `current` after `events` (the first of a new report being its `Submitted`).
pub fn fold(current: Option<Report>, id: i64, events: &[Event]) -> Result<Report> {
    let mut r = current;
    for e in events {
        r = apply(r, id, e);
    }
    r.ok_or_else(|| StoreError::Corrupt(format!("report {id}: events do not start with its submission")))
}

/// The row a report is stored as.
pub struct Row {
    pub id: i64,
    pub lane: String,
    pub kind: &'static str,
    pub category: String,
    pub commune: Option<i64>,
    pub agency: String,
    pub state: &'static str,
    pub is_open: bool,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub search: String,
    pub received_at: String,
    pub handle_due: String,
    pub handled_on: Option<String>,
    pub client_token: Option<String>,
    pub version: i64,
    pub body: String,
}

/// The stored columns `audit verify` compares, in [`tinhso_store::StoredReport`]'s order.
pub const STORED_COLUMNS: &str =
    "id, lane, kind, category, commune, agency, state, is_open, lat, lon, received_at, handle_due, handled_on, version, body";

/// The first column of `stored` that disagrees with `folded`, the row its events fold to: a
/// report closed, moved or redated in the database without an event.
pub fn row_differs(folded: &Row, stored: &StoredReport) -> Option<&'static str> {
    [
        ("lane", stored.lane == folded.lane),
        ("kind", stored.kind == folded.kind),
        ("category", stored.category == folded.category),
        ("commune", stored.commune == folded.commune),
        ("agency", stored.agency == folded.agency),
        ("state", stored.state == folded.state),
        ("is_open", stored.is_open == folded.is_open),
        ("lat", stored.lat == folded.lat),
        ("lon", stored.lon == folded.lon),
        ("received_at", stored.received_at == folded.received_at),
        ("handle_due", stored.handle_due == folded.handle_due),
        ("handled_on", stored.handled_on == folded.handled_on),
        ("version", stored.version == folded.version),
        ("body", codec::same_json(&stored.body, &folded.body)),
    ]
    .into_iter()
    .find_map(|(column, agrees)| (!agrees).then_some(column))
}

/// An instant as stored (RFC 3339, microseconds, UTC): text order is time order.
pub fn micros(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub fn row(r: &Report) -> Result<Row> {
    Ok(Row {
        id: r.id,
        lane: lane(r.commune),
        kind: match r.kind {
            tinhso_reports::ReportKind::Place => "place",
            tinhso_reports::ReportKind::Service => "service",
        },
        category: r.category.clone(),
        commune: r.commune.map(i64::from),
        agency: r.agency.to_string(),
        state: r.state.key(),
        is_open: r.state.is_open(),
        lat: r.point.map(|p| p.lat),
        lon: r.point.map(|p| p.lon),
        search: tinhso_kernel::text::fold(&format!("{} {} {}", r.description, r.address, r.category)),
        received_at: micros(r.received_at),
        handle_due: r.deadlines.handle_due.to_string(),
        handled_on: r.handled_on.map(|d| d.to_string()),
        client_token: r.client_token.clone(),
        version: r.version,
        body: to_json(r)?,
    })
}

/// The ledger entries of `events` on report `id` in `lane`: (kind, public, link).
pub fn entries(id: i64, lane: &str, events: &[Event]) -> Result<Vec<(&'static str, bool, Link)>> {
    events
        .iter()
        .map(|e| {
            Ok((
                e.kind.key(),
                e.kind.public(),
                Link {
                    id: 0,
                    lane: lane.to_owned(),
                    seq: 0,
                    dossier: subject(id),
                    at: micros(e.at),
                    actor: e.actor.0,
                    payload: to_json(&e.kind)?,
                },
            ))
        })
        .collect()
}

/// An entry read back from the ledger.
pub fn stored_event(link: &Link, public: bool) -> Result<StoredReportEvent> {
    let at = DateTime::parse_from_rfc3339(&link.at)
        .map_err(|e| StoreError::Corrupt(format!("entry #{} time: {e}", link.id)))?
        .with_timezone(&Utc);
    Ok(StoredReportEvent {
        id: link.id,
        event: Event { at, actor: tinhso_kernel::ids::AccountId(link.actor), kind: from_json(&link.payload)? },
        public,
    })
}

/// A value bound to a filter's placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    Real(f64),
}

/// Escapes LIKE's wildcards in a searched word (the pattern uses `\` as its escape).
fn like_escape(w: &str) -> String {
    w.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// `q` as a WHERE clause (without the keyword; `1=1` when it filters nothing) over the
/// `report` table, with placeholders numbered from 1 by `ph`, and their values. `open` is the
/// engine's spelling of "still open", the one its partial indexes name.
pub fn filter(q: &ReportQuery, ph: fn(usize) -> String, open: &str) -> (String, Vec<Value>) {
    let mut w = Where { parts: Vec::new(), values: Vec::new(), ph };
    if let Some(k) = q.kind {
        w.one(
            "kind = ",
            Value::Text(
                match k {
                    tinhso_reports::ReportKind::Place => "place",
                    tinhso_reports::ReportKind::Service => "service",
                }
                .to_owned(),
            ),
        );
    }
    if let Some(c) = &q.category {
        w.one("category = ", Value::Text(c.clone()));
    }
    if let Some(c) = q.commune {
        w.one("commune = ", Value::Int(i64::from(c)));
    }
    if let Some(a) = &q.agency {
        w.one("agency = ", Value::Text(a.to_string()));
    }
    if !q.states.is_empty() {
        w.list("state", q.states.iter().map(|s| Value::Text(s.key().to_owned())).collect());
    }
    for word in &q.words {
        let p = w.bind(Value::Text(like_escape(word)));
        w.parts.push(format!("search LIKE '%' || {p} || '%' ESCAPE '\\'"));
    }
    if let Some(t) = q.since {
        w.one("received_at >= ", Value::Text(micros(t)));
    }
    if let Some(t) = q.until {
        w.one("received_at < ", Value::Text(micros(t)));
    }
    if let Some((la0, la1, lo0, lo1)) = q.bbox {
        w.one("lat >= ", Value::Real(la0));
        w.one("lat <= ", Value::Real(la1));
        w.one("lon >= ", Value::Real(lo0));
        w.one("lon <= ", Value::Real(lo1));
    }
    if !q.ids.is_empty() {
        w.list("id", q.ids.iter().map(|id| Value::Int(*id)).collect());
    }
    if let Some(d) = q.overdue_on {
        w.one("handle_due < ", Value::Text(d.to_string()));
    }
    if let Some(d) = q.due_from {
        w.one("handle_due >= ", Value::Text(d.to_string()));
    }
    if q.open_only {
        w.parts.push(open.to_owned());
    }
    if let Some(b) = q.before_id {
        w.one("id < ", Value::Int(b));
    }
    if w.parts.is_empty() {
        w.parts.push("1=1".to_owned());
    }
    (w.parts.join(" AND "), w.values)
}

struct Where {
    parts: Vec<String>,
    values: Vec<Value>,
    ph: fn(usize) -> String,
}

impl Where {
    fn bind(&mut self, v: Value) -> String {
        self.values.push(v);
        (self.ph)(self.values.len())
    }

    /// `<column op> <placeholder>`.
    fn one(&mut self, column_op: &str, v: Value) {
        let p = self.bind(v);
        self.parts.push(format!("{column_op}{p}"));
    }

    fn list(&mut self, column: &str, vs: Vec<Value>) {
        let ps: Vec<String> = vs.into_iter().map(|v| self.bind(v)).collect();
        self.parts.push(format!("{column} IN ({})", ps.join(", ")));
    }
}

/// A list's order: newest first, or the earliest handling due date first (then the oldest).
pub fn order(q: &ReportQuery) -> &'static str {
    if q.due_first {
        "handle_due, id"
    } else {
        "id DESC"
    }
}

/// The most a list returns at once.
pub const MAX_LIMIT: usize = 1000;

/// The list's limit: the query's, at least 1 and at most [`MAX_LIMIT`].
pub fn limit(q: &ReportQuery) -> i64 {
    q.limit.clamp(1, MAX_LIMIT) as i64
}
