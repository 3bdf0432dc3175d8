//! Write plans: everything one dossier write does, computed once here (pure, no IO) and only
//! executed by each backend. A plan names the events to chain, the dossier row to store, the
//! files to attach, the messages to queue and the projections' row changes; the backends
//! (`tinhso-sqlite`, `tinhso-postgres`) turn each part into their SQL, in one
//! transaction, and decide nothing themselves.
//!
//! Projections are registered, not called: the composition root hands each store the list of
//! [`DossierProjection`]s to keep in the same transaction as every dossier write (the
//! operations centre's aggregates and drill-down index, the staff inbox counters), so the
//! dossier write path never names them.

use crate::{Attachment, NewDossier, Notification, Result, StoreError, StoredDossier};
use chrono::NaiveDate;
use std::sync::Arc;
use tinhso_dossier::{apply, Dossier, Event};
use tinhso_kernel::ids::DossierCode;

/// A column's type, so a backend can bind a whole column at once (PostgreSQL's `unnest`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Int,
    Date,
}

/// One value of a projection row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    Text(String),
    /// Text known at compile time (a measure's key, a grain): no allocation on the write path.
    Static(&'static str),
    Int(i64),
    Date(NaiveDate),
}

/// A table of counters: rows keyed by `key` columns with one count column `count`.
#[derive(Debug)]
pub struct CounterTable {
    pub name: &'static str,
    pub key: &'static [(&'static str, ColumnType)],
    pub count: &'static str,
    /// Remove a row whose count comes back to zero (kept otherwise: history buckets stay).
    pub drop_zero: bool,
}

impl CounterTable {
    /// Whether adding `n` to a row may leave it at zero, to be removed: only where zeros are
    /// dropped, and only when the count does not grow (a count is never below zero, so it
    /// cannot reach zero by growing). Engines skip the check for every other add.
    pub fn may_reach_zero(&self, n: i64) -> bool {
        self.drop_zero && n <= 0
    }
}

/// A table of set members: a row is there or not.
#[derive(Debug)]
pub struct SetTable {
    pub name: &'static str,
    pub columns: &'static [(&'static str, ColumnType)],
}

/// One change a projection makes to its own table.
#[derive(Debug, Clone, PartialEq)]
pub enum RowOp {
    /// Adds `n` to the counter at `key` (a missing row counts as zero).
    Add {
        table: &'static CounterTable,
        key: Vec<Value>,
        n: i64,
    },
    Insert {
        table: &'static SetTable,
        row: Vec<Value>,
    },
    Delete {
        table: &'static SetTable,
        row: Vec<Value>,
    },
}

impl PartialEq for CounterTable {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl PartialEq for SetTable {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

/// A read model kept in the same transaction as each dossier write.
pub trait DossierProjection: Send + Sync {
    /// The row changes of the dossier's move from `before` (None: new) to `after`.
    fn changes(&self, before: Option<&Dossier>, after: &Dossier, out: &mut Vec<RowOp>);
    /// The tables it alone writes, emptied when every projection is rebuilt.
    fn tables(&self) -> &'static [&'static str];
    /// `name:revision`: bump the revision whenever what `changes` derives from a dossier
    /// changes meaning, so that stores rebuild the tables from the events (see [`refold`]).
    fn revision(&self) -> &'static str;
}

/// What the stored rows were computed with: the domain's fold and each projection's revision.
/// A store whose recorded signature differs refolds every dossier before serving.
pub fn signature(projections: &[Box<dyn DossierProjection>]) -> String {
    let mut parts = vec![format!("fold:{}", tinhso_dossier::FOLD_REVISION)];
    parts.extend(projections.iter().map(|p| p.revision().to_owned()));
    parts.join(";")
}

/// The tables a rebuild empties first.
pub fn rebuilt_tables(projections: &[Box<dyn DossierProjection>]) -> Vec<&'static str> {
    projections.iter().flat_map(|p| p.tables().iter().copied()).collect()
}

/// One dossier refolded from its events, its row rewritten and its projection rows added
/// afresh (the tables were emptied first): no event is appended, nothing is notified.
pub fn refold(code: &str, events: &[Event], projections: &[Box<dyn DossierProjection>]) -> Result<DossierPlan> {
    let code = DossierCode::parse("code", code).map_err(|e| StoreError::Corrupt(format!("stored code {code}: {e}")))?;
    let mut folded: Option<Dossier> = None;
    for e in events {
        folded = Some(
            apply(folded, &code, e).ok_or_else(|| StoreError::Corrupt(format!("an event of {code} does not apply")))?,
        );
    }
    let dossier = folded.ok_or_else(|| StoreError::Corrupt(format!("{code} has no events")))?;
    Ok(DossierPlan {
        row: RowWrite::Update { expected: dossier.version },
        events: Vec::new(),
        files: Vec::new(),
        notify: Vec::new(),
        rows: project(projections, None, &dossier),
        dossier,
    })
}

/// The first column of `stored` that disagrees with `folded`, the dossier its events fold to
/// ([`refold`]): a row edited outside the platform (a state, a due date or a whole body that
/// no event decided), which every page, list, lookup and export would otherwise show as true.
pub fn row_differs(folded: &Dossier, stored: &StoredDossier) -> Option<&'static str> {
    let date = |d: Option<NaiveDate>| d.map(|d| d.format("%F").to_string());
    // Parsed as a dossier, not as generic JSON: an audit of millions of rows spends most of its
    // time here. A live write keeps its last event's time to the nanosecond; the chain, and so
    // the fold, to the microsecond.
    let body_agrees = serde_json::from_str::<Dossier>(&stored.body).is_ok_and(|mut body| {
        body.last_event_at = body.last_event_at.map(|t| chrono::SubsecRound::trunc_subsecs(t, 6));
        body == *folded
    });
    [
        ("procedure_code", stored.procedure_code == folded.procedure.as_str()),
        ("applicant_id", stored.applicant_id == folded.applicant.0),
        ("receiving_agency", stored.receiving_agency == folded.receiving_agency.as_str()),
        ("competent_agency", stored.competent_agency == folded.competent_agency.as_str()),
        ("state", stored.state == folded.state.key()),
        ("due_on", stored.due_on == date(folded.due_on)),
        ("apology_due_on", stored.apology_due_on == date(folded.apology_due_on)),
        ("version", stored.version == i64::from(folded.version)),
        ("tax_code", stored.tax_code.as_deref() == folded.organization.as_ref().map(|o| o.tax_code.as_str())),
        ("assignee", stored.assignee == folded.assignee.map(|a| a.0)),
        ("body", body_agrees),
    ]
    .into_iter()
    .find_map(|(column, agrees)| (!agrees).then_some(column))
}

/// The first column of `stored` that its history does not vouch for: [`row_differs`], then the
/// e-form and the lookup's phone against the digests its `Submitted` event recorded (dossiers
/// submitted before the digests were recorded vouch for neither).
pub fn audit_row(events: &[Event], folded: &Dossier, stored: &StoredDossier) -> Option<&'static str> {
    row_differs(folded, stored).or_else(|| {
        let Some(tinhso_dossier::EventKind::Submitted { form_sha256, phone_sha256, .. }) =
            events.first().map(|e| &e.kind)
        else {
            return None;
        };
        if let Some(recorded) = form_sha256 {
            let form = serde_json::from_str::<serde_json::Value>(&stored.form).ok();
            if form.map(|f| tinhso_dossier::form_digest(&f)).as_ref() != Some(recorded) {
                return Some("form");
            }
        }
        // The digest of no phone is the empty text's, so a phone added later is found too.
        let phone = tinhso_dossier::phone_digest(stored.applicant_phone.as_deref().unwrap_or(""));
        phone_sha256.as_ref().is_some_and(|recorded| *recorded != phone).then_some("applicant_phone")
    })
}

/// The projections a store keeps, as the composition root registered them.
pub type Projections = Arc<[Box<dyn DossierProjection>]>;

/// How the dossier row is written.
#[derive(Debug, Clone, PartialEq)]
pub enum RowWrite {
    /// A new dossier: insert the row with its e-form and the phone the public lookup checks.
    Insert { form: serde_json::Value, applicant_phone: Option<tinhso_kernel::ids::Phone> },
    /// An existing dossier: update it if it is still at `expected` (optimistic concurrency).
    Update { expected: u32 },
}

/// Everything one dossier write does, in the order a backend does it.
#[derive(Debug, Clone, PartialEq)]
pub struct DossierPlan {
    /// The dossier as it will be stored.
    pub dossier: Dossier,
    pub row: RowWrite,
    /// Events to append to the chain, in order.
    pub events: Vec<Event>,
    pub files: Vec<Attachment>,
    /// Messages to queue, each with the index in `events` of the event it is about.
    pub notify: Vec<(usize, Notification)>,
    pub rows: Vec<RowOp>,
}

fn project(projections: &[Box<dyn DossierProjection>], before: Option<&Dossier>, after: &Dossier) -> Vec<RowOp> {
    let mut rows = Vec::new();
    for p in projections {
        p.changes(before, after, &mut rows);
    }
    rows
}

/// A new dossier under the code the backend allocated in the same transaction.
pub fn submit(new: &NewDossier, code: &DossierCode, projections: &[Box<dyn DossierProjection>]) -> Result<DossierPlan> {
    history(new, &[], code, projections)
}

/// A whole history at once (demo data, migrations from other one-stop systems): its events go
/// through the same chain, the row and the projections take the folded result once.
pub fn history(
    new: &NewDossier,
    events: &[Event],
    code: &DossierCode,
    projections: &[Box<dyn DossierProjection>],
) -> Result<DossierPlan> {
    let mut dossier = apply(None, code, &new.submitted)
        .ok_or_else(|| StoreError::Corrupt("a dossier starts with a Submitted event".into()))?;
    for e in events {
        dossier = apply(Some(dossier), code, e).ok_or_else(|| StoreError::Corrupt("event did not apply".into()))?;
    }
    let rows = project(projections, None, &dossier);
    Ok(DossierPlan {
        row: RowWrite::Insert { form: new.form.clone(), applicant_phone: new.applicant_phone.clone() },
        events: std::iter::once(new.submitted.clone()).chain(events.iter().cloned()).collect(),
        files: new.files.clone(),
        notify: new.notify.iter().map(|n| (0, n.for_code(code.as_str()))).collect(),
        rows,
        dossier,
    })
}

/// `event` appended to `before`, giving `next` (the domain's `decide` and `apply` made both).
pub fn append(
    before: &Dossier,
    event: &Event,
    next: &Dossier,
    notify: &[Notification],
    files: &[Attachment],
    projections: &[Box<dyn DossierProjection>],
) -> DossierPlan {
    DossierPlan {
        dossier: next.clone(),
        row: RowWrite::Update { expected: before.version },
        events: vec![event.clone()],
        files: files.to_vec(),
        notify: notify.iter().map(|n| (0, n.for_code(before.code.as_str()))).collect(),
        rows: project(projections, Some(before), next),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A received dossier's body as a live write stores it (nanoseconds in `last_event_at`).
    const BODY: &str = r#"{"code":"000.20.01.H08-261205-0001","procedure":"1.004884","applicant":1,
        "applicant_type":"citizen","channel":"online","receiving_agency":"000.20.01.H08",
        "competent_agency":"000.20.01.H08","processing_days":3,"fee_vnd":null,"state":"received",
        "submitted_on":"2026-12-05","received_on":"2026-12-05","due_on":"2026-12-10","supplement_requests":0,
        "paused_on":null,"resume_state":null,"apology_due_on":null,"step":0,"steps":[],"assignee":null,
        "step_started_on":null,"paid_online":null,"paid_on":null,"component_files":0,"reused_files":0,
        "working_days":null,"rated_on":null,"finished_on":null,"timeliness":null,"electronic_result":false,
        "returned_on":null,"rating":null,"version":2,"last_event_at":"2026-12-05T01:56:22.341770383Z"}"#;

    fn stored() -> StoredDossier {
        StoredDossier {
            code: "000.20.01.H08-261205-0001".into(),
            procedure_code: "1.004884".into(),
            applicant_id: 1,
            receiving_agency: "000.20.01.H08".into(),
            competent_agency: "000.20.01.H08".into(),
            state: "received".into(),
            due_on: Some("2026-12-10".into()),
            apology_due_on: None,
            version: 2,
            body: BODY.into(),
            form: "{}".into(),
            applicant_phone: None,
            tax_code: None,
            assignee: None,
        }
    }

    #[test]
    fn a_row_that_says_what_its_history_says_agrees() {
        let mut folded: Dossier = serde_json::from_str(BODY).unwrap();
        // The chain keeps the event's time to the microsecond.
        folded.last_event_at = Some("2026-12-05T01:56:22.341770Z".parse().unwrap());
        assert_eq!(row_differs(&folded, &stored()), None);
    }

    #[test]
    fn each_column_edited_without_an_event_is_named() {
        let mut folded: Dossier = serde_json::from_str(BODY).unwrap();
        folded.last_event_at = Some("2026-12-05T01:56:22.341770Z".parse().unwrap());
        type Edit = (&'static str, fn(&mut StoredDossier));
        let edits: [Edit; 9] = [
            ("state", |r| r.state = "returned".into()),
            ("due_on", |r| r.due_on = Some("2099-01-01".into())),
            ("due_on", |r| r.due_on = None),
            ("apology_due_on", |r| r.apology_due_on = Some("2026-12-11".into())),
            ("competent_agency", |r| r.competent_agency = "000.00.90.H08".into()),
            ("body", |r| r.body = r.body.replace("\"supplement_requests\":0", "\"supplement_requests\":1")),
            ("body", |r| r.body = "not json".into()),
            // A person's dossier made to turn up in a company's search.
            ("tax_code", |r| r.tax_code = Some("0100233488".into())),
            // Someone else's dossier made to turn up in an officer's own list.
            ("assignee", |r| r.assignee = Some(7)),
        ];
        for (column, edit) in edits {
            let mut row = stored();
            edit(&mut row);
            assert_eq!(row_differs(&folded, &row), Some(column), "{row:?}");
        }
        // An event time moved by a second is an edit too, not a rounding.
        let mut row = stored();
        row.body = row.body.replace("01:56:22.3", "01:56:23.3");
        assert_eq!(row_differs(&folded, &row), Some("body"));
    }

    #[test]
    fn the_e_form_is_checked_against_its_submitted_digest() {
        let mut folded: Dossier = serde_json::from_str(BODY).unwrap();
        folded.last_event_at = Some("2026-12-05T01:56:22.341770Z".parse().unwrap());
        let declared = serde_json::json!({ "ho_ten": "Nguyễn Văn An", "dia_chi": { "commune": 2269 } });
        let submitted = |digest: Option<tinhso_kernel::ids::Sha256>| -> Vec<Event> {
            let mut kind = serde_json::json!({
                "kind": "submitted", "procedure": "1.004884", "applicant": 1, "applicant_type": "citizen",
                "channel": "online", "receiving_agency": "000.20.01.H08", "competent_agency": "000.20.01.H08",
                "processing_days": 3, "fee_vnd": null,
            });
            if let Some(d) = digest {
                kind["form_sha256"] = serde_json::json!(d.as_str());
            }
            vec![serde_json::from_value(
                serde_json::json!({ "kind": kind, "at": "2026-12-05T01:56:22.341770Z", "actor": 1 }),
            )
            .unwrap()]
        };
        let recorded = submitted(Some(tinhso_dossier::form_digest(&declared)));
        let mut row = stored();
        // Stored with other key order and spacing (PostgreSQL's jsonb): the same form.
        row.form = r#"{"dia_chi": {"commune": 2269}, "ho_ten": "Nguyễn Văn An"}"#.into();
        assert_eq!(audit_row(&recorded, &folded, &row), None);
        row.form = r#"{"dia_chi": {"commune": 2270}, "ho_ten": "Nguyễn Văn An"}"#.into();
        assert_eq!(audit_row(&recorded, &folded, &row), Some("form"));
        row.form = "not json".into();
        assert_eq!(audit_row(&recorded, &folded, &row), Some("form"));
        // A dossier from before the digest was recorded: its form is vouched for by nothing.
        assert_eq!(audit_row(&submitted(None), &folded, &row), None);
    }

    #[test]
    fn the_lookup_phone_is_checked_against_its_submitted_digest() {
        let mut folded: Dossier = serde_json::from_str(BODY).unwrap();
        folded.last_event_at = Some("2026-12-05T01:56:22.341770Z".parse().unwrap());
        let submitted = |phone: Option<&str>| -> Vec<Event> {
            let mut kind = serde_json::json!({
                "kind": "submitted", "procedure": "1.004884", "applicant": 1, "applicant_type": "citizen",
                "channel": "online", "receiving_agency": "000.20.01.H08", "competent_agency": "000.20.01.H08",
                "processing_days": 3, "fee_vnd": null,
            });
            if let Some(p) = phone {
                kind["phone_sha256"] = serde_json::json!(tinhso_dossier::phone_digest(p).as_str());
            }
            vec![serde_json::from_value(
                serde_json::json!({ "kind": kind, "at": "2026-12-05T01:56:22.341770Z", "actor": 1 }),
            )
            .unwrap()]
        };
        let mut row = stored();
        row.applicant_phone = Some("0912345678".into());
        assert_eq!(audit_row(&submitted(Some("0912345678")), &folded, &row), None);
        // Another phone written in: the public lookup would answer whoever holds it.
        row.applicant_phone = Some("0987654321".into());
        assert_eq!(audit_row(&submitted(Some("0912345678")), &folded, &row), Some("applicant_phone"));
        // A phone added where none was given is found too; none recorded, nothing is checked.
        assert_eq!(audit_row(&submitted(Some("")), &folded, &row), Some("applicant_phone"));
        row.applicant_phone = None;
        assert_eq!(audit_row(&submitted(Some("")), &folded, &row), None);
        assert_eq!(audit_row(&submitted(None), &folded, &row), None);
    }
}
