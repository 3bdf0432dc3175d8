//! The storage boundary. The web layer and the CLI talk to `dyn Store`; each backend
//! (SQLite, PostgreSQL) lives in its own crate with its own migrations.

pub mod plan;
pub mod projections;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;
use tinhso_catalogue::procedure::Procedure;
use tinhso_dossier::tally::{Tally, TallyKey};
use tinhso_dossier::{Dossier, DossierState, Event};
use tinhso_ioc::{FactKey, Measure};
use tinhso_kernel::calendar::YearCalendar;
use tinhso_kernel::files::{FileKind, FilePurpose};
use tinhso_kernel::ids::{AccountId, AgencyCode, DossierCode, PersonalId, Phone, Sha256};
use tinhso_kernel::province::{Agency, Province, Unit};
use tinhso_ledger::chain::Link;
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

/// Everything a province starts with, written in one transaction: a province is set up
/// whole or not at all, and a second server starting at the same time sees all or nothing.
#[derive(Debug, Clone)]
pub struct ProvinceSetup {
    pub province: Province,
    pub units: Vec<Unit>,
    pub agencies: Vec<Agency>,
    pub accounts: Vec<NewAccount>,
    pub procedures: Vec<Procedure>,
    pub calendar_years: Vec<YearCalendar>,
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

/// Aggregate buckets: days, and months kept alongside so that long periods sum few rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grain {
    Day,
    Month,
}

impl Grain {
    pub fn key(self) -> &'static str {
        match self {
            Self::Day => "d",
            Self::Month => "m",
        }
    }

    pub fn bucket(self, day: NaiveDate) -> String {
        match self {
            Self::Day => day.format("%Y-%m-%d").to_string(),
            Self::Month => day.format("%Y-%m").to_string(),
        }
    }
}

/// The buckets that cover `[from, to]`: whole months as one month range, the rest as day
/// ranges. Each range is inclusive, as bucket strings.
pub fn period_ranges(from: NaiveDate, to: NaiveDate) -> Vec<(Grain, String, String)> {
    use chrono::Datelike;
    let mut out = Vec::new();
    if from > to {
        return out;
    }
    let first_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let next_month = |d: NaiveDate| first_of(d).checked_add_months(chrono::Months::new(1));
    // The first whole month starts at `from` if it is the 1st, else the next month.
    let whole_start = if from.day() == 1 { Some(from) } else { next_month(from) };
    let last_of_to_month = next_month(to).and_then(|n| n.pred_opt());
    let whole_end = if Some(to) == last_of_to_month {
        Some(first_of(to))
    } else {
        first_of(to).checked_sub_months(chrono::Months::new(1))
    };
    match (whole_start, whole_end) {
        (Some(ws), Some(we)) if ws <= we => {
            if from < ws {
                out.push((Grain::Day, Grain::Day.bucket(from), Grain::Day.bucket(ws.pred_opt().unwrap_or(ws))));
            }
            out.push((Grain::Month, Grain::Month.bucket(ws), Grain::Month.bucket(we)));
            let after = we.checked_add_months(chrono::Months::new(1));
            if let Some(a) = after.filter(|a| *a <= to) {
                out.push((Grain::Day, Grain::Day.bucket(a), Grain::Day.bucket(to)));
            }
        }
        _ => out.push((Grain::Day, Grain::Day.bucket(from), Grain::Day.bucket(to))),
    }
    out
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

/// Typed monthly rows.
pub fn monthly_rows(rows: Vec<(String, String, i64)>) -> Result<Vec<(String, Measure, i64)>> {
    rows.into_iter()
        .map(|(month, m, v)| {
            let m = Measure::parse(&m).ok_or_else(|| StoreError::Corrupt(format!("unknown measure {m}")))?;
            Ok((month, m, v))
        })
        .collect()
}

/// Parses a stored (agency, measure) pair.
pub fn ioc_key(agency: &str, measure: &str) -> Result<(AgencyCode, Measure)> {
    let a = AgencyCode::parse("agency", agency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let m = Measure::parse(measure).ok_or_else(|| StoreError::Corrupt(format!("unknown measure {measure}")))?;
    Ok((a, m))
}

/// Stored totals rows as typed triples, summing rows that name the same pair.
pub fn ioc_rows(rows: Vec<(String, String, i64)>) -> Result<Vec<(AgencyCode, Measure, i64)>> {
    let mut sums: std::collections::BTreeMap<(AgencyCode, Measure), i64> = std::collections::BTreeMap::new();
    for (a, m, v) in rows {
        *sums.entry(ioc_key(&a, &m)?).or_default() += v;
    }
    Ok(sums.into_iter().map(|((a, m), v)| (a, m, v)).collect())
}

/// An admin's value for an indicator the platform cannot measure, for a unit (an agency
/// code or `province`), with evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct IocEntry {
    pub indicator: String,
    pub unit: String,
    pub rate: f64,
    pub evidence: String,
    pub entered_by: String,
    pub entered_at: DateTime<Utc>,
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub account_id: AccountId,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub id: i64,
    pub dossier: String,
    pub event: Event,
    pub public: bool,
}

/// A dossier as stored: its folded state and its e-form as JSON text, for reads that pass them
/// on without building them (lookups and lists are the hottest reads).
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

#[derive(Debug, Clone, PartialEq)]
pub struct DossierRecord {
    pub dossier: Dossier,
    pub form: serde_json::Value,
    pub applicant_phone: Option<Phone>,
}

/// Which dossiers to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct DossierQuery {
    pub applicant: Option<AccountId>,
    /// Dossiers received by, or to be decided by, this agency.
    pub agency: Option<AgencyCode>,
    pub states: Vec<DossierState>,
    pub limit: usize,
    pub offset: usize,
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

/// What the chain must end at: the recorded head and the checkpoints along the way.
#[derive(Debug, Clone, Default)]
pub struct AuditAnchors {
    pub head: Option<(i64, Vec<u8>)>,
    pub checkpoints: Vec<(i64, Vec<u8>)>,
}

/// A notification to email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEmail {
    pub id: i64,
    pub to: String,
    pub full_name: String,
    pub subject: String,
    pub body: String,
    pub attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxMessage {
    pub id: i64,
    pub dossier: Option<String>,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// Which backend answers, and whether it does.
#[async_trait]
pub trait Health: Send + Sync + 'static {
    /// Which backend, for logs and `/healthz`.
    fn backend(&self) -> &'static str;
    /// A cheap round trip to the database.
    async fn ping(&self) -> Result<()>;
}

/// The province model: the province, its communes and agencies (platform: province).
#[async_trait]
pub trait ProvinceStore: Send + Sync + 'static {
    async fn province(&self) -> Result<Option<Province>>;
    /// Writes the whole set-up in one transaction; `Conflict` if a province exists.
    async fn setup_province(&self, setup: &ProvinceSetup) -> Result<()>;
    /// Units valid on `on`, ordered by code.
    async fn units(&self, on: NaiveDate) -> Result<Vec<Unit>>;
    async fn agencies(&self) -> Result<Vec<Agency>>;
}

/// Accounts and login sessions (platform: identity).
#[async_trait]
pub trait IdentityStore: Send + Sync + 'static {
    async fn create_account(&self, account: &NewAccount) -> Result<AccountId>;
    async fn account_by_login(&self, login: &str) -> Result<Option<Account>>;
    async fn accounts(&self) -> Result<Vec<Account>>;
    /// The citizen account holding a personal identification number, if any.
    async fn citizen_by_personal_id(&self, personal_id: &PersonalId) -> Result<Option<Account>>;
    /// Gives an account the desk created for a walk-in applicant its password and name;
    /// false when the account already has a password (someone claimed it).
    async fn claim_account(&self, id: AccountId, password_hash: &str, full_name: &str) -> Result<bool>;
    /// Staff of one agency (every role but citizen), by name: assignees for workflow steps.
    async fn staff(&self, agency: &AgencyCode) -> Result<Vec<Account>>;

    async fn create_session(&self, session: &Session) -> Result<()>;
    /// The live session with this token hash and its account (expired ones are not returned).
    async fn session(&self, token_hash: &[u8], now: DateTime<Utc>) -> Result<Option<(Session, Account)>>;
    async fn delete_session(&self, token_hash: &[u8]) -> Result<()>;
    /// Staff accounts with one role, across agencies.
    async fn staff_with_role(&self, role: Role) -> Result<Vec<Account>>;
}

/// Procedures and the working-day calendar (module: catalogue).
#[async_trait]
pub trait CatalogueStore: Send + Sync + 'static {
    async fn procedures(&self) -> Result<Vec<Procedure>>;
    /// Inserts or replaces all given procedures in one transaction; returns how many.
    async fn upsert_procedures(&self, procedures: &[Procedure]) -> Result<usize>;

    async fn calendar_years(&self) -> Result<Vec<YearCalendar>>;
    /// A fingerprint of the catalogue and calendar that changes whenever either does, so
    /// each server process can refresh its in-memory copies after another process's edit.
    async fn read_model_revision(&self) -> Result<String>;
    async fn put_calendar_year(&self, year: &YearCalendar) -> Result<()>;
}

/// Dossiers, their events, files and inbox counters (module: dossier). Writes go through
/// [`plan`]: computed once, executed by each backend.
#[async_trait]
pub trait DossierStore: Send + Sync + 'static {
    /// Allocates the dossier code (gap-free per receiving agency per day), writes the dossier,
    /// its first event on the audit chain and its notifications, in one transaction.
    async fn submit_dossier(&self, new: &NewDossier) -> Result<Dossier>;
    /// Appends `event` to dossier `code` if it is still at `expected_version`, with the folded
    /// result `next` and notifications, in one transaction; `Conflict` if it moved meanwhile.
    /// Appends `event` to the dossier as it was (`before`, whose version must still be the
    /// stored one), storing `next`, the notifications, files and the 766 aggregates' delta.
    async fn append_event(
        &self,
        before: &Dossier,
        event: &Event,
        next: &Dossier,
        notify: &[Notification],
        files: &[Attachment],
    ) -> Result<()>;
    /// Imports whole histories (a `Submitted` event, then the rest) in one transaction: for
    /// demo data and migrations from other one-stop systems. Each goes through the same chain.
    async fn import_dossiers(&self, items: &[(NewDossier, Vec<Event>)]) -> Result<usize>;
    async fn dossier_raw(&self, code: &DossierCode) -> Result<Option<RawDossier>>;
    async fn dossier(&self, code: &DossierCode) -> Result<Option<DossierRecord>> {
        self.dossier_raw(code).await?.map(|r| r.parse()).transpose()
    }
    async fn dossier_events(&self, code: &DossierCode) -> Result<Vec<StoredEvent>>;
    /// The folded dossiers a query finds, as stored JSON, newest first.
    async fn dossier_bodies(&self, query: &DossierQuery) -> Result<Vec<String>>;
    async fn dossiers(&self, query: &DossierQuery) -> Result<Vec<Dossier>> {
        self.dossier_bodies(query).await?.iter().map(|b| codec::from_json(b)).collect()
    }
    /// The events of the next `dossiers` dossiers after the cursor `after` (None: from the start),
    /// each dossier's in chain order: for refolding every dossier without holding the whole
    /// chain in memory. The cursor is the backend's own (insertion order where it has one, so
    /// that a page's events lie together on disk).
    async fn events_by_dossier(&self, after: Option<&str>, dossiers: usize) -> Result<EventPage>;
    /// Open dossiers (the clock running) an agency works on, as the deciding agency or the desk
    /// that received them, due on or before `until` (by `due_on`), most urgent first.
    async fn open_dossiers_of(&self, agency: &AgencyCode, until: NaiveDate, limit: usize) -> Result<Vec<Dossier>>;
    /// An inbox's stored counters: one agency's (both sides), or with `None` the province's
    /// (every agency's deciding side, so that each dossier counts once).
    async fn inbox_counts(&self, agency: Option<&AgencyCode>) -> Result<Vec<(TallyKey, i64)>>;
    /// Every stored inbox counter, for `tinhso ioc check`.
    async fn inbox_tally(&self) -> Result<Tally>;
    async fn dossier_files(&self, code: &DossierCode) -> Result<Vec<AttachedFile>>;
    /// Open dossiers (received, processing, awaiting payment) due on or before `until`, most
    /// urgent first.
    async fn open_dossiers_due(&self, until: NaiveDate, limit: usize) -> Result<Vec<Dossier>>;
}

/// The hash chain as stored, for `tinhso audit verify` (platform: ledger).
#[async_trait]
pub trait LedgerStore: Send + Sync + 'static {
    /// Chain links with ids above `after`, in id order, at most `limit` (`tinhso audit verify`
    /// streams the chain through this).
    async fn audit_page(&self, after: i64, limit: usize) -> Result<Vec<AuditRow>>;
    async fn audit_anchors(&self) -> Result<AuditAnchors>;
    /// Dossiers whose row does not point to their first event (a backend that finds first events
    /// through such a pointer checks it; others have none).
    async fn audit_unlinked(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
}

/// The outbox: in-app messages, email delivery, alerts sent once (platform: notify).
#[async_trait]
pub trait NotifyStore: Send + Sync + 'static {
    async fn inbox(&self, account_id: AccountId) -> Result<Vec<InboxMessage>>;
    /// Writes an alert's notifications to the outbox unless an alert with `key` was already
    /// sent; returns whether it was sent now.
    async fn send_alert(&self, key: &str, notes: &[Notification]) -> Result<bool>;

    /// Leases up to `limit` notifications due for email until `lease_until`, so that several
    /// servers never send the same one; notifications to accounts without an email address
    /// are set aside.
    async fn claim_emails(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<PendingEmail>>;
    async fn email_sent(&self, id: i64) -> Result<()>;
    /// Records a failed attempt: retried at `retry_at`, or given up when `None`.
    async fn email_failed(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()>;
}

/// A citizen's document store: files kept for reuse (platform: files).
#[async_trait]
pub trait DocumentStore: Send + Sync + 'static {
    /// Records a file (once per content) in `account_id`'s document store.
    async fn add_document(&self, account_id: AccountId, file: &StoredFile, name: &str) -> Result<()>;
    async fn documents(&self, account_id: AccountId) -> Result<Vec<Document>>;
    /// Those of `hashes` that are in `account_id`'s document store.
    async fn documents_named(&self, account_id: AccountId, hashes: &[Sha256]) -> Result<Vec<Document>>;
}

/// Decision 766 aggregates, the drill-down index, indicator entries (module: ioc).
#[async_trait]
pub trait IocStore: Send + Sync + 'static {
    /// Decision 766 totals per deciding agency and measure over `[from, to]`.
    async fn ioc_totals(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<(AgencyCode, Measure, i64)>>;
    /// Province-wide totals per month (`YYYY-MM`) and measure, months `from` to `to` inclusive.
    async fn ioc_monthly(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<(String, Measure, i64)>>;
    /// Every stored counter of one grain (`'d'` or `'m'`), for `tinhso ioc check`.
    async fn ioc_buckets(&self, grain: Grain) -> Result<Vec<(Grain, String, AgencyCode, Measure, i64)>>;
    async fn ioc_entries(&self) -> Result<Vec<IocEntry>>;
    /// The dossiers behind a counter: (day, code), in the query's order.
    async fn ioc_members(&self, q: &MemberQuery) -> Result<Vec<(NaiveDate, String)>>;
    /// How many dossiers are behind an agency's counter over `[from, to]` (`after`, `limit`
    /// ignored).
    async fn ioc_member_count(&self, q: &MemberQuery) -> Result<i64>;
    /// How many dossiers are behind each counter of each day, for `tinhso ioc check`.
    async fn ioc_member_counts(&self) -> Result<Vec<(FactKey, i64)>>;
    /// Open dossiers (received, processing, awaiting payment) past their due date on `today`,
    /// per deciding agency, from the `open_due` aggregate.
    async fn overdue_counts(&self, today: NaiveDate) -> Result<Vec<(AgencyCode, i64)>>;
    async fn put_ioc_entry(&self, entry: &IocEntry) -> Result<()>;
}

/// Every port of one backend: what a backend implements, and what the composition root splits
/// into [`Stores`] for the modules. Nothing above the backends names this trait's methods
/// through it: each module holds only the ports it uses.
pub trait Store:
    Health + ProvinceStore + IdentityStore + CatalogueStore + DossierStore + LedgerStore + NotifyStore + DocumentStore
{
}

impl<T> Store for T where
    T: Health
        + ProvinceStore
        + IdentityStore
        + CatalogueStore
        + DossierStore
        + LedgerStore
        + NotifyStore
        + DocumentStore
{
}

/// The ports of one backend, each held on its own so that a module's state holds what that
/// module uses. Made once by the composition root.
#[derive(Clone)]
pub struct Stores {
    pub health: Arc<dyn Health>,
    pub province: Arc<dyn ProvinceStore>,
    pub identity: Arc<dyn IdentityStore>,
    pub catalogue: Arc<dyn CatalogueStore>,
    pub dossiers: Arc<dyn DossierStore>,
    pub ledger: Arc<dyn LedgerStore>,
    pub notify: Arc<dyn NotifyStore>,
    pub documents: Arc<dyn DocumentStore>,
    pub ioc: Arc<dyn IocStore>,
}

impl Stores {
    /// The platform's ports from one backend, and the modules' ports that live in their own
    /// store crates (the operations centre's, `tinhso-ioc-store`) on the same engine.
    pub fn of<S: Store>(backend: Arc<S>, ioc: Arc<dyn IocStore>) -> Self {
        Self {
            health: backend.clone(),
            province: backend.clone(),
            identity: backend.clone(),
            catalogue: backend.clone(),
            dossiers: backend.clone(),
            ledger: backend.clone(),
            notify: backend.clone(),
            documents: backend,
            ioc,
        }
    }
}

impl Notification {
    /// The notification with `{code}` filled in.
    pub fn for_code(&self, code: &str) -> Notification {
        Notification {
            account_id: self.account_id,
            subject: self.subject.replace("{code}", code),
            body: self.body.replace("{code}", code),
        }
    }
}

/// Checks that a backend's `migrations/` folder holds exactly `registered` files named
/// `0001_…`, `0002_…` in order: a new file that was not registered would silently not run.
#[allow(clippy::disallowed_methods)] // called by the backends' unit tests, never on the runtime
pub fn check_migration_files(dir: &std::path::Path, registered: usize) -> std::result::Result<(), String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    files.sort();
    if files.len() != registered {
        return Err(format!("{} migration files, {registered} registered: {files:?}", files.len()));
    }
    match files.iter().enumerate().find(|(i, f)| !f.starts_with(&format!("{:04}_", i + 1))) {
        Some((_, f)) => Err(format!("{f} is out of sequence")),
        None => Ok(()),
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

/// Every this many events the chain's hash is also kept as a checkpoint.
pub const CHECKPOINT_EVERY: i64 = 1000;

/// How an event is written on the chain: the exact text the hash covers.
pub fn chain_link(id: i64, dossier: &str, event: &Event) -> Result<Link> {
    Ok(Link {
        id,
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

#[cfg(test)]
mod period_tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn ranges(from: NaiveDate, to: NaiveDate) -> Vec<(&'static str, String, String)> {
        period_ranges(from, to).into_iter().map(|(g, a, b)| (g.key(), a, b)).collect()
    }

    #[test]
    fn periods_split_into_whole_months_and_edge_days() {
        let s = |x: &str| x.to_owned();
        assert_eq!(ranges(d(2025, 1, 1), d(2025, 12, 31)), vec![("m", s("2025-01"), s("2025-12"))]);
        assert_eq!(
            ranges(d(2025, 1, 15), d(2025, 4, 10)),
            vec![
                ("d", s("2025-01-15"), s("2025-01-31")),
                ("m", s("2025-02"), s("2025-03")),
                ("d", s("2025-04-01"), s("2025-04-10"))
            ]
        );
        assert_eq!(ranges(d(2025, 2, 3), d(2025, 2, 20)), vec![("d", s("2025-02-03"), s("2025-02-20"))]);
        assert_eq!(ranges(d(2024, 2, 1), d(2024, 2, 29)), vec![("m", s("2024-02"), s("2024-02"))]);
        assert_eq!(
            ranges(d(2025, 3, 31), d(2025, 4, 30)),
            vec![("d", s("2025-03-31"), s("2025-03-31")), ("m", s("2025-04"), s("2025-04"))]
        );
        assert!(ranges(d(2025, 3, 2), d(2025, 3, 1)).is_empty());
    }
}
