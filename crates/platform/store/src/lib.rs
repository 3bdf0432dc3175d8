//! The storage vocabulary: the ports (one small trait per platform piece, bundled as `Stores`,
//! which also holds by type the ports modules keep in their own folders), the records they
//! carry, the write plans computed once for both engines, and the migration vocabulary. The
//! engines (`tinhso-sqlite`, `tinhso-postgres`) implement the platform's ports; each module's
//! store crate implements its own. Four modules' ports (catalogue, dossier, ioc, reports) are
//! still here, with their settings' audit (ARCHITECTURE.md says why).
//!
//! May depend on: the kernel, the policy, the ledger and those four modules' pure cores.

pub mod admin;
pub mod audit_runs;
pub use audit_runs::{AuditFinding, AuditRun, AuditRunStore};
mod ioc;
pub use ioc::*;
pub mod migrate;
pub mod plan;
pub mod proof;
pub mod settings;
pub mod staff_audit;
pub mod staff_change;
pub use settings::BeforeLog;
pub mod stats;

use chrono::{DateTime, NaiveDate, Utc};
use tinhso_catalogue::procedure::Procedure;
use tinhso_dossier::tally::{Tally, TallyKey};
use tinhso_dossier::{Dossier, DossierState, Event};
use tinhso_ioc::{FactKey, Measure};
use tinhso_kernel::calendar::YearCalendar;
use tinhso_kernel::files::{FileKind, FilePurpose};
use tinhso_kernel::ids::{AccountId, AgencyCode, DossierCode, PersonalId, Phone, Sha256};
use tinhso_kernel::province::{Agency, Province, Unit};
use tinhso_ledger::chain::{Checkpoint, LaneHead, Link, Mark};
use tinhso_policy::Role;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key already exists (an account login, a province already set up).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database refused or failed; the message is for operators' logs.
    #[error("database: {0}")]
    Backend(String),
    /// A receiving desk has used all 9,999 dossier codes of a day (the national code format).
    #[error("daily dossier codes exhausted: {0}")]
    DailyCodesExhausted(String),
    /// Stored data that no longer parses (a bug or a manual edit).
    #[error("corrupt record: {0}")]
    Corrupt(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Dossiers of one month, deciding agency, procedure and channel (module: dossier).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyCount {
    pub month: String,
    pub agency: String,
    pub procedure: String,
    /// `in_person`, `online` or `postal`.
    pub channel: String,
    pub count: i64,
}

/// Everything a province starts with, written in one transaction: a province is set up
/// whole or not at all, and a second server starting at the same time sees all or nothing.
#[derive(Debug, Clone)]
pub struct ProvinceSetup {
    pub province: Province,
    pub units: Vec<Unit>,
    pub agencies: Vec<Agency>,
    pub accounts: Vec<NewAccount>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    /// Canonical phone number or lower-case email.
    pub login: String,
    pub full_name: String,
    pub password_hash: String,
    pub role: Role,
    pub agency: Option<AgencyCode>,
    pub personal_id: Option<PersonalId>,
    pub created_at: DateTime<Utc>,
    pub disabled: bool,
    /// Its password was chosen by an admin: it must be changed before anything else.
    pub must_change_password: bool,
}

/// The roles of staff as an SQL list (`'receptionist', ...`): every role but the citizen's.
pub fn staff_roles_sql() -> String {
    Role::ALL.iter().filter(|r| **r != Role::Citizen).map(|r| format!("'{}'", r.key())).collect::<Vec<_>>().join(", ")
}

/// Orders people as a Vietnamese register does (given name, then family name, then middle
/// names), the same on every engine: neither SQLite's nor PostgreSQL's collation knows it.
pub fn by_name(accounts: &mut [Account]) {
    accounts.sort_by_cached_key(|a| (tinhso_kernel::text::person_key(&a.full_name), a.id.0));
}

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub login: String,
    pub full_name: String,
    pub password_hash: String,
    pub role: Role,
    pub agency: Option<AgencyCode>,
    pub personal_id: Option<PersonalId>,
}

/// Where a staff member works: their role, and the agency they belong to (none only for a
/// province-wide role: an auditor, the DTI's appraisers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffPost {
    pub role: Role,
    pub agency: Option<AgencyCode>,
}

impl StaffPost {
    pub fn of(a: &Account) -> Self {
        Self { role: a.role, agency: a.agency.clone() }
    }
}

/// One page of `events_by_dossier`.
#[derive(Debug, Clone)]
pub struct EventPage {
    pub dossiers: Vec<(String, Vec<Event>)>,
    /// Where the next page starts; None after the last.
    pub next: Option<String>,
}

/// Links in dossier order, grouped per dossier as events.
pub fn group_links(links: Vec<Link>) -> Result<Vec<(String, Vec<Event>)>> {
    let mut out: Vec<(String, Vec<Event>)> = Vec::new();
    for link in links {
        let event = event_from_link(&link)?;
        match out.last_mut() {
            Some((code, events)) if *code == link.dossier => events.push(event),
            _ => out.push((link.dossier, vec![event])),
        }
    }
    Ok(out)
}

/// A login session. Only the SHA-256 of the cookie token is stored.
#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: Vec<u8>,
    pub account_id: AccountId,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A dossier to create: its `Submitted` event and its form data. The store allocates the code.
#[derive(Debug, Clone)]
pub struct NewDossier {
    pub submitted: Event,
    pub form: serde_json::Value,
    /// The applicant's phone, for the public lookup by code and phone.
    pub applicant_phone: Option<Phone>,
    /// Files attached at submission (the citizen's own documents).
    pub files: Vec<Attachment>,
    /// `{code}` in their subject and body is replaced by the allocated dossier code.
    pub notify: Vec<Notification>,
}

/// How much a citizen may keep in their document store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadQuota {
    /// Bytes of documents added since `day_start`.
    pub per_day: u64,
    /// Bytes of documents in all.
    pub total: u64,
    /// The start of today (Vietnam's day).
    pub day_start: DateTime<Utc>,
}

impl UploadQuota {
    /// What adding a file of `size` bytes to an account holding `today` bytes added today and
    /// `total` in all does: the one rule both engines apply inside their transaction.
    pub fn admit(&self, today: u64, total: u64, size: u64) -> Added {
        if today.saturating_add(size) > self.per_day || total.saturating_add(size) > self.total {
            Added::OverQuota { today, total }
        } else {
            Added::Added
        }
    }
}

/// What adding a document did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    Added,
    /// Refused: the quota would be exceeded. What the account already holds, today and in all.
    OverQuota {
        today: u64,
        total: u64,
    },
}

/// A file's content, stored once under its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub sha256: Sha256,
    pub size: u64,
    pub kind: FileKind,
}

/// A file attached to a dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub sha256: Sha256,
    pub name: String,
    pub purpose: FilePurpose,
    /// Index of the procedure component it stands for.
    pub component: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedFile {
    pub attachment: Attachment,
    pub size: u64,
    pub kind: FileKind,
    pub created_at: DateTime<Utc>,
}

/// A file in a citizen's document store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub sha256: Sha256,
    pub name: String,
    pub size: u64,
    pub kind: FileKind,
    pub created_at: DateTime<Utc>,
}

/// A message to deliver after commit: always to the in-app inbox, and by email when configured.
/// Written in Vietnamese, and in English too where the sender says it (the inbox shows the
/// reader's language; empty English reads as the Vietnamese).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub account_id: AccountId,
    pub subject: String,
    pub body: String,
    pub subject_en: String,
    pub body_en: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub id: i64,
    pub dossier: String,
    pub event: Event,
    pub public: bool,
}

/// A dossier as stored: its folded state and its e-form as JSON text, parsed only by the reads
/// that need them (a public lookup reads the narrower `RawStanding`).
#[derive(Debug, Clone, PartialEq)]
pub struct RawDossier {
    pub body: String,
    pub form: String,
    pub applicant_phone: Option<String>,
}

impl RawDossier {
    pub fn parse(&self) -> Result<DossierRecord> {
        Ok(DossierRecord {
            dossier: codec::from_json(&self.body)?,
            form: codec::from_json(&self.form)?,
            applicant_phone: self
                .applicant_phone
                .as_deref()
                .map(|p| Phone::parse("applicant_phone", p).map_err(|e| StoreError::Corrupt(e.to_string())))
                .transpose()?,
        })
    }
}

/// A dossier row as stored, with every column its history decides: what `audit verify`
/// compares with the row the dossier's events fold to ([`plan::row_differs`]). Dates and JSON
/// as text, so that a row edited into nonsense is reported, not refused by a parser.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDossier {
    pub code: String,
    pub procedure_code: String,
    pub applicant_id: i64,
    pub receiving_agency: String,
    pub competent_agency: String,
    pub state: String,
    /// `YYYY-MM-DD`.
    pub due_on: Option<String>,
    pub apology_due_on: Option<String>,
    pub version: i64,
    pub body: String,
    pub form: String,
    /// The phone the public lookup asks for.
    pub applicant_phone: Option<String>,
    /// The tax code of the organisation the dossier is for (the desk's search).
    pub tax_code: Option<String>,
    /// Who holds the current step (an officer's own list).
    pub assignee: Option<i64>,
}

/// A report row as stored, with every column its history decides (its search text and
/// idempotency token aside): what `audit verify` compares with the row its events fold to.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredReport {
    pub id: i64,
    pub lane: String,
    pub kind: String,
    pub category: String,
    pub commune: Option<i64>,
    pub agency: String,
    pub state: String,
    pub is_open: bool,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub received_at: String,
    pub handle_due: String,
    pub handled_on: Option<String>,
    pub version: i64,
    pub body: String,
}

/// Where a stored dossier stands and the phone its applicant gave, from the dossier's own
/// columns (not its folded body or its e-form): what a public lookup reads. On SQLite these
/// columns are one covering index, so a lookup reads one small B-tree and parses no JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct RawStanding {
    pub state: String,
    pub receiving_agency: String,
    pub due_on: Option<NaiveDate>,
    pub apology_due_on: Option<NaiveDate>,
    pub applicant_phone: Option<String>,
}

impl RawStanding {
    /// Where the dossier `code` (the code it was read by, already parsed) stands.
    pub fn parse(&self, code: &DossierCode) -> Result<tinhso_dossier::notice::Standing> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("dossier {code}: {what}"));
        Ok(tinhso_dossier::notice::Standing {
            code: code.clone(),
            state: DossierState::parse(&self.state).ok_or_else(|| corrupt("state"))?,
            receiving_agency: AgencyCode::parse("receiving_agency", &self.receiving_agency)
                .map_err(|_| corrupt("receiving agency"))?,
            due_on: self.due_on,
            apology_due_on: self.apology_due_on,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DossierRecord {
    pub dossier: Dossier,
    pub form: serde_json::Value,
    pub applicant_phone: Option<Phone>,
}

/// The order a dossier list comes in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DossierOrder {
    /// Newest submission first: read in index order.
    #[default]
    Newest,
    /// Earliest due date first, dossiers without one (not yet received) last: a sort, so
    /// meant for lists bounded by state (open work), not for a whole archive.
    DueFirst,
}

/// Which dossiers to list, and in which order.
#[derive(Debug, Clone, Default)]
pub struct DossierQuery {
    pub applicant: Option<AccountId>,
    /// Dossiers received by, or to be decided by, this agency.
    pub agency: Option<AgencyCode>,
    pub states: Vec<DossierState>,
    /// Only the dossiers whose applicant gave this phone number (a staff search).
    pub phone: Option<Phone>,
    /// Only the dossiers of the organisation with this tax code (a staff search).
    pub tax_code: Option<tinhso_kernel::ids::TaxCode>,
    /// Only the dossiers whose current step this officer holds (their own work).
    pub assignee: Option<AccountId>,
    pub limit: usize,
    pub offset: usize,
    pub order: DossierOrder,
}

/// The dossiers behind one agency's counter over a period, newest day first (then code
/// descending): a page of at most `limit` strictly after the cursor `after`.
#[derive(Debug, Clone)]
pub struct MemberQuery {
    pub agency: AgencyCode,
    pub measure: Measure,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub after: Option<(NaiveDate, String)>,
    pub limit: usize,
}

/// One stored link of the chain with its stored hash, and the kind and visibility columns the
/// history pages read (outside the hash, so `audit verify` checks them against the payload).
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub link: Link,
    pub hash: Vec<u8>,
    pub kind: String,
    pub public: bool,
}

/// What the chain must end at: each lane's head, the provincial checkpoint chain with the marks
/// each checkpoint recorded, and the marks kept before checkpoints were chained (lane '').
#[derive(Debug, Clone, Default)]
pub struct AuditAnchors {
    pub heads: Vec<LaneHead>,
    pub checkpoints: Vec<Checkpoint>,
    pub loose_marks: Vec<Mark>,
}

impl AuditAnchors {
    /// Groups marks read as (checkpoint, mark) rows under their checkpoints.
    pub fn new(heads: Vec<LaneHead>, mut checkpoints: Vec<Checkpoint>, marks: Vec<(Option<i64>, Mark)>) -> Self {
        let mut loose_marks = Vec::new();
        let index: std::collections::BTreeMap<i64, usize> =
            checkpoints.iter().enumerate().map(|(i, c)| (c.n, i)).collect();
        for (n, m) in marks {
            match n.and_then(|n| index.get(&n)) {
                Some(&i) => checkpoints[i].marks.push(m),
                // A mark whose checkpoint row is gone still binds its lane; the checkpoint
                // chain's own check names the missing checkpoint.
                None => loose_marks.push(m),
            }
        }
        Self { heads, checkpoints, loose_marks }
    }

    /// Every mark, recorded by a checkpoint or not.
    pub fn all_marks(&self) -> Vec<Mark> {
        self.checkpoints.iter().flat_map(|c| c.marks.iter().cloned()).chain(self.loose_marks.iter().cloned()).collect()
    }
}

/// A notification to email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEmail {
    pub id: i64,
    pub to: String,
    pub full_name: String,
    pub subject: String,
    pub body: String,
    /// The message's English side, empty when it has none.
    pub subject_en: String,
    pub body_en: String,
    pub attempts: u32,
    /// The dossier the message is about, if any: the mail links to it.
    pub dossier: Option<String>,
    /// Listed in the in-app inbox; `false` for a password reset's code, which is not.
    pub in_inbox: bool,
}

/// A notification to send as a text message (SMS) to the phone its account logs in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingText {
    /// The outbox message's id.
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub dossier: Option<String>,
    /// Listed in the in-app inbox; `false` for a password reset's code, which is not.
    pub in_inbox: bool,
    pub attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxMessage {
    pub id: i64,
    pub dossier: Option<String>,
    pub subject: String,
    pub body: String,
    /// Empty for a message sent in Vietnamese only (and for every message stored before
    /// messages had an English side).
    pub subject_en: String,
    pub body_en: String,
    pub created_at: DateTime<Utc>,
}

impl InboxMessage {
    /// The subject and body in English when the message has them, else in Vietnamese.
    pub fn in_english(&self) -> (&str, &str) {
        if self.subject_en.is_empty() {
            (&self.subject, &self.body)
        } else {
            (&self.subject_en, &self.body_en)
        }
    }
}

mod ports;
pub use ports::*;
mod stores;
pub use stores::*;
mod ports_drafts;
pub use ports_drafts::*;

impl Notification {
    /// A message in Vietnamese only.
    pub fn new(account_id: AccountId, subject: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            account_id,
            subject: subject.into(),
            body: body.into(),
            subject_en: String::new(),
            body_en: String::new(),
        }
    }

    /// The same message with its English side.
    pub fn with_english(mut self, subject: impl Into<String>, body: impl Into<String>) -> Self {
        self.subject_en = subject.into();
        self.body_en = body.into();
        self
    }

    /// The notification with `{code}` filled in.
    pub fn for_code(&self, code: &str) -> Notification {
        Notification {
            account_id: self.account_id,
            subject: self.subject.replace("{code}", code),
            body: self.body.replace("{code}", code),
            subject_en: self.subject_en.replace("{code}", code),
            body_en: self.body_en.replace("{code}", code),
        }
    }
}

/// Reads a stored file hash back.
pub fn sha256(s: &str) -> Result<Sha256> {
    Sha256::parse("sha256", s).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Reads a stored MIME type back.
pub fn file_kind(mime: &str) -> Result<FileKind> {
    FileKind::from_mime(mime).ok_or_else(|| StoreError::Corrupt(format!("file type {mime}")))
}

pub fn file_purpose(s: &str) -> Result<FilePurpose> {
    FilePurpose::parse(s).ok_or_else(|| StoreError::Corrupt(format!("file purpose {s}")))
}

/// The ledger lane a dossier's events go to: the receiving agency's, so that desks of different
/// agencies never wait for each other's appends (they already serialise per agency on the day's
/// code sequence and counters).
pub fn dossier_lane(receiving: &AgencyCode) -> String {
    format!("dossier/{receiving}")
}

/// How an event is written on the chain: the exact text the hash covers. Its place (id and
/// sequence number) is given by the ledger when it is appended.
pub fn chain_link(lane: &str, dossier: &str, event: &Event) -> Result<Link> {
    Ok(Link {
        id: 0,
        lane: lane.to_owned(),
        seq: 0,
        dossier: dossier.to_owned(),
        at: event.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        actor: event.actor.0,
        payload: codec::to_json(&event.kind)?,
    })
}

/// Reads an event back from its chain text.
pub fn event_from_link(link: &Link) -> Result<Event> {
    let at = DateTime::parse_from_rfc3339(&link.at)
        .map_err(|e| StoreError::Corrupt(format!("event #{} time: {e}", link.id)))?
        .with_timezone(&Utc);
    Ok(Event { kind: codec::from_json(&link.payload)?, at, actor: AccountId(link.actor) })
}

/// Helpers the backends share to move domain values through text columns.
/// Stored inbox counter rows, parsed.
pub fn tally_rows(rows: Vec<(String, String, i64)>) -> Result<Tally> {
    rows.into_iter()
        .map(|(agency, key, n)| {
            let a = AgencyCode::parse("agency", &agency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let k = TallyKey::parse(&key).ok_or_else(|| StoreError::Corrupt(format!("inbox counter {key}")))?;
            Ok(((a, k), n))
        })
        .collect()
}

/// Stored (key, count) rows of one inbox, parsed.
pub fn count_rows(rows: Vec<(String, i64)>) -> Result<Vec<(TallyKey, i64)>> {
    rows.into_iter()
        .map(|(key, n)| {
            TallyKey::parse(&key).map(|k| (k, n)).ok_or_else(|| StoreError::Corrupt(format!("inbox counter {key}")))
        })
        .collect()
}

pub mod codec {
    use super::{Result, StoreError};
    use tinhso_kernel::ids::AgencyCode;
    use tinhso_policy::Role;

    pub fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
        serde_json_string(v)
    }

    fn serde_json_string<T: serde::Serialize>(v: &T) -> Result<String> {
        serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    pub fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
        serde_json::from_str(s).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// Each of `texts` parsed, in order.
    pub fn from_json_all<T: serde::de::DeserializeOwned>(texts: &[String]) -> Result<Vec<T>> {
        texts.iter().map(|s| from_json(s)).collect()
    }

    /// Whether two JSON texts say the same (`audit verify`: a stored body and its fold's): key
    /// order and spacing aside (PostgreSQL's `jsonb` reorders), and instants to the microsecond,
    /// because a live write keeps its event's time to the nanosecond while the chain stores
    /// microseconds.
    pub fn same_json(stored: &str, folded: &str) -> bool {
        let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).ok();
        match (parse(stored), parse(folded)) {
            (Some(mut a), Some(mut b)) => {
                to_microseconds(&mut a);
                to_microseconds(&mut b);
                a == b
            }
            _ => false,
        }
    }

    fn to_microseconds(v: &mut serde_json::Value) {
        use chrono::SubsecRound;
        match v {
            serde_json::Value::String(s) if s.len() > 20 && s.as_bytes().get(10) == Some(&b'T') => {
                if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
                    let t = t.with_timezone(&chrono::Utc).trunc_subsecs(6);
                    *s = t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(to_microseconds),
            serde_json::Value::Object(map) => map.values_mut().for_each(to_microseconds),
            _ => {}
        }
    }

    pub fn role(s: &str) -> Result<Role> {
        Role::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown role {s}")))
    }

    pub fn personal_id(s: Option<String>) -> Result<Option<tinhso_kernel::ids::PersonalId>> {
        s.map(|s| {
            tinhso_kernel::ids::PersonalId::parse("personal_id", &s).map_err(|e| StoreError::Corrupt(e.to_string()))
        })
        .transpose()
    }

    pub fn agency(s: Option<String>) -> Result<Option<AgencyCode>> {
        s.map(|s| AgencyCode::parse("agency", &s).map_err(|e| StoreError::Corrupt(e.to_string()))).transpose()
    }

    pub fn key<T: serde::Serialize>(v: &T) -> Result<String> {
        match serde_json::to_value(v).map_err(|e| StoreError::Corrupt(e.to_string()))? {
            serde_json::Value::String(s) => Ok(s),
            other => Err(StoreError::Corrupt(format!("not a string key: {other}"))),
        }
    }

    pub fn from_key<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|e| StoreError::Corrupt(e.to_string()))
    }
}
