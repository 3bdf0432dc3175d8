//! The storage ports: one small trait per concern, each implemented by every backend (or, for a
//! module that keeps its own store crate, by that crate on each engine). The bundle the
//! composition root hands the modules is in `stores.rs`.

use crate::admin::{AdminAct, Basis};
use crate::*;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use tinhso_kernel::guard::{Rule, Verdict};

/// Which backend answers, and whether it does.
#[async_trait]
pub trait Health: Send + Sync + 'static {
    /// Which backend, for logs and `/healthz`.
    fn backend(&self) -> &'static str;
    /// A cheap round trip to the database.
    async fn ping(&self) -> Result<()>;
    /// The engine's own counters, for `/metrics`.
    fn engine_stats(&self) -> EngineStats;
    /// Notification emails waiting to be sent: how many, and the age in seconds of the oldest.
    async fn outbox_lag(&self, now: DateTime<Utc>) -> Result<(i64, i64)>;
}

/// What an engine counts about its writes and connections.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EngineStats {
    /// Writes queued for the writer now.
    pub queued: u64,
    /// Database connections open, and requests waiting for one (pooled engines).
    pub connections: u64,
    pub waiting_for_connection: u64,
    /// Writes per batched commit (SQLite's group commit of every write; PostgreSQL's batched
    /// submissions), and how long each commit took (durable: its sync included). Their counts
    /// and sums are the totals: commits, writes, seconds spent committing.
    pub batch_sizes: crate::stats::Distribution,
    pub commit_durations: crate::stats::Distribution,
    /// How long each commit waited for the disk (its WAL writes and `fdatasync`), where the
    /// engine can tell it apart: SQLite. PostgreSQL syncs inside its own commit.
    pub syncs: Option<crate::stats::Distribution>,
}

impl EngineStats {
    /// Batched commits so far.
    pub fn batches(&self) -> u64 {
        self.batch_sizes.count
    }

    /// Writes those commits held.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // a sum of whole sizes
    pub fn batched_writes(&self) -> u64 {
        self.batch_sizes.sum.round() as u64
    }
}

/// The province model: the province, its communes and agencies (platform: province).
#[async_trait]
pub trait ProvinceStore: Send + Sync + 'static {
    async fn province(&self) -> Result<Option<Province>>;
    /// Writes the whole set-up in one transaction; `Conflict` if a province exists.
    async fn setup_province(&self, setup: &ProvinceSetup) -> Result<()>;
    /// Records a province set up before the set-up was logged in the administrators' log, as it
    /// stands (its digest), once; whether it did.
    async fn adopt_province_before_log(&self, by: &crate::admin::AdminAct) -> Result<bool>;
    /// Units valid on `on`, ordered by code.
    async fn units(&self, on: NaiveDate) -> Result<Vec<Unit>>;
    async fn agencies(&self) -> Result<Vec<Agency>>;
}

/// Accounts and login sessions (platform: identity).
#[async_trait]
pub trait IdentityStore: Send + Sync + 'static {
    async fn create_account(&self, account: &NewAccount) -> Result<AccountId>;
    async fn account_by_login(&self, login: &str) -> Result<Option<Account>>;
    async fn account(&self, id: AccountId) -> Result<Option<Account>>;
    async fn accounts(&self) -> Result<Vec<Account>>;
    /// Every account but citizens' (found through the role index: staff are few, citizens
    /// may be millions), by id.
    async fn staff_accounts(&self) -> Result<Vec<Account>>;
    /// The staff accounts a database upgraded in place held before the administrators' log
    /// recorded who created them, with the role and agency they then had.
    async fn staff_before_log(&self) -> Result<crate::staff_audit::StaffBeforeLog>;
    /// Every locked account, citizens' included (for the audit: no page locks a citizen, so
    /// one locked is one locked behind the platform). A scan: locks are few and not indexed.
    async fn locked_accounts(&self) -> Result<Vec<Account>>;
    /// The citizen account holding a personal identification number, if any.
    async fn citizen_by_personal_id(&self, personal_id: &PersonalId) -> Result<Option<Account>>;
    /// Gives an account the desk created for a walk-in applicant its password and name, when
    /// `code` is the claim code the desk issued for it (printed on the applicant's receipt);
    /// false when the code is wrong or the account already has a password.
    async fn claim_account(&self, id: AccountId, code: &str, password_hash: &str, full_name: &str) -> Result<bool>;
    /// The claim code of an account without a password: the one issued before, else `code`
    /// (stored now); None for an account that has a password.
    async fn issue_claim_code(&self, id: AccountId, code: &str) -> Result<Option<String>>;
    /// A citizen who forgot their password, their identity checked at a desk, in one
    /// transaction: the password is cleared, every session ends and `code` becomes the
    /// account's only claim code (an earlier reset's code no longer works), so that the account
    /// is claimed again with it (`claim_account`). Returns the code; None for a staff account or
    /// one without a personal id (which could not be claimed), left as it was. The officer's act
    /// is recorded on the ledger with it (`admin`).
    async fn reset_password(&self, id: AccountId, code: &str, by: &AdminAct) -> Result<Option<String>>;
    /// A reset a citizen asked for by email (or, for a phone login, by text), in one
    /// transaction: `code_sha256` (of the one-time code `mail` carries) becomes the account's
    /// only such reset code until `until`, and `mail` is queued for delivery only (email, or the
    /// text queue for a phone login), never listed in the inbox (where a borrowed session could
    /// read it). The password stays as it is until the code is used.
    async fn issue_email_reset(
        &self,
        id: AccountId,
        code_sha256: &[u8; 32],
        until: DateTime<Utc>,
        mail: &Notification,
    ) -> Result<()>;
    /// Sets the password when `code_sha256` is the account's email reset code and `now` is before
    /// its end: the code is used up and every session of the account ends; false otherwise.
    async fn redeem_email_reset(
        &self,
        id: AccountId,
        code_sha256: &[u8; 32],
        now: DateTime<Utc>,
        password_hash: &str,
    ) -> Result<bool>;
    /// A staff account an admin adds, recorded on the ledger with it (`admin`).
    async fn create_staff(&self, a: &NewAccount, by: &AdminAct) -> Result<AccountId>;
    /// An admin's change to a staff account (`StaffChange`: a lock or unlock, a new password,
    /// another role or agency), in one transaction with the sessions it ends and its entry on
    /// the administrators' lane. False, with nothing written, for a citizen's or no account, or
    /// when the account no longer holds the post the change was decided on.
    async fn change_staff(&self, change: &crate::staff_change::StaffChange, by: &AdminAct) -> Result<bool>;
    /// The claim code issued for an account not yet claimed, to print.
    async fn claim_code(&self, id: AccountId) -> Result<Option<String>>;
    /// Staff of one agency (every role but citizen), as a register orders names (`by_name`):
    /// assignees for workflow steps.
    async fn staff(&self, agency: &AgencyCode) -> Result<Vec<Account>>;
    /// The names of these accounts (those that exist), for lists that show who applied.
    async fn account_names(&self, ids: &[AccountId]) -> Result<Vec<(AccountId, String)>>;

    async fn create_session(&self, session: &Session) -> Result<()>;
    /// The live session with this token hash and its account (expired ones are not returned).
    async fn session(&self, token_hash: &[u8], now: DateTime<Utc>) -> Result<Option<(Session, Account)>>;
    async fn delete_session(&self, token_hash: &[u8]) -> Result<()>;
    /// Gives an account a new password hash and ends every other session it has (all but
    /// `keep`, the one that changed it), in one transaction; false if the account is gone.
    async fn change_password(&self, id: AccountId, password_hash: &str, keep: &[u8]) -> Result<bool>;
    /// Staff accounts with one role, across agencies.
    async fn staff_with_role(&self, role: Role) -> Result<Vec<Account>>;
}

/// A setting as one save left it: when, by whom (the console's saves, the set-up's and an
/// upgrade's by [`crate::admin::CONSOLE`]), and the setting whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Version<T> {
    pub at: DateTime<Utc>,
    pub actor: AccountId,
    pub value: T,
}

pub type ProcedureVersion = Version<Procedure>;
pub type CalendarVersion = Version<YearCalendar>;

/// Procedures and the working-day calendar (module: catalogue).
#[async_trait]
pub trait CatalogueStore: Send + Sync + 'static {
    async fn procedures(&self) -> Result<Vec<Procedure>>;
    /// Inserts or replaces all given procedures in one transaction; returns how many. Each is
    /// recorded on the ledger as saved (`admin`, with its digest) in the same transaction, the
    /// province's set-up included (by the console).
    async fn upsert_procedures(&self, procedures: &[Procedure], by: &AdminAct) -> Result<usize>;
    /// Saves one procedure as an administrator edited it, if the stored one is still what the
    /// editor began from (`basis`); `Conflict` and nothing written otherwise. Recorded on the
    /// ledger in the same transaction.
    async fn save_procedure(&self, procedure: &Procedure, basis: &Basis, by: &AdminAct) -> Result<()>;
    /// Every saved version of procedure `code` (of every procedure with `None`), oldest first,
    /// as the saves above and `upsert_procedures` wrote them.
    async fn procedure_history(&self, code: Option<&str>) -> Result<Vec<ProcedureVersion>>;

    async fn calendar_years(&self) -> Result<Vec<YearCalendar>>;
    /// A fingerprint of the catalogue and calendar that changes whenever either does, so
    /// each server process can refresh its in-memory copies after another process's edit.
    async fn read_model_revision(&self) -> Result<String>;
    /// Every saved version of `year`'s calendar (of every year with `None`), oldest first.
    async fn calendar_history(&self, year: Option<i32>) -> Result<Vec<CalendarVersion>>;
    /// Stores a year's calendar if the stored one (if any) is still what `basis` says
    /// (`Conflict` and nothing written otherwise), recorded on the ledger (with its digest) in
    /// the same transaction.
    async fn put_calendar_year(&self, year: &YearCalendar, basis: &Basis, by: &AdminAct) -> Result<()>;
    /// The procedures and calendar years stored before the administrators' log recorded saves
    /// (an upgraded database), which the audit accepts without an entry.
    async fn saved_before_log(&self) -> Result<BeforeLog>;
    /// Records in the log, as they now stand, the procedures and calendar years saved before
    /// it (one entry for the procedures, one per year) and forgets them as such, in one
    /// transaction; how many. Run at start-up, so an upgraded database is vouched for whole.
    async fn adopt_before_log(&self, by: &AdminAct) -> Result<usize>;
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
    /// A public lookup's one read: the abuse-limit tallies under `guards` (the asking address's,
    /// the code's) and where the dossier `code` stands (its state, dates, desk and phone, not its
    /// body or form), together (one statement on SQLite, one round trip on PostgreSQL), because
    /// every lookup needs all of them before it answers. The tallies are the platform's, read
    /// through its engine.
    async fn dossier_for_lookup(
        &self,
        code: &DossierCode,
        guards: &[GuardKey; 2],
    ) -> Result<([Option<tinhso_kernel::guard::Tally>; 2], Option<RawStanding>)>;
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
    /// The stored rows of those of `codes` that have one (any order): for `audit verify`.
    async fn stored_dossiers(&self, codes: &[String]) -> Result<Vec<StoredDossier>>;
    /// When the stored rows were computed with another fold or projection revision
    /// (`plan::signature`): empties the projections' tables and refolds every dossier from its
    /// events, then records the signature. Run before serving; returns how many dossiers were
    /// refolded, or None when nothing was stale. Servers sharing a database do it once.
    async fn refold_if_stale(&self) -> Result<Option<usize>>;
    /// Open dossiers (the clock running) an agency works on, as the deciding agency or the desk
    /// that received them, due on or before `until` (by `due_on`), most urgent first.
    async fn open_dossiers_of(&self, agency: &AgencyCode, until: NaiveDate, limit: usize) -> Result<Vec<Dossier>>;
    /// An inbox's stored counters: one agency's (both sides), or with `None` the province's
    /// (every agency's deciding side, so that each dossier counts once).
    async fn inbox_counts(&self, agency: Option<&AgencyCode>) -> Result<Vec<(TallyKey, i64)>>;
    /// How many dossiers still open (in no final state) have their current step held by each
    /// of `assignees`, among `agency`'s when given; those holding none are left out. The count
    /// beside an officer's own list, and each colleague's load where work is assigned.
    async fn held_counts(&self, assignees: &[AccountId], agency: Option<&AgencyCode>) -> Result<Vec<(AccountId, i64)>>;

    /// [`held_counts`](Self::held_counts) of one officer.
    async fn held_count(&self, assignee: AccountId, agency: Option<&AgencyCode>) -> Result<i64> {
        Ok(self.held_counts(&[assignee], agency).await?.first().map_or(0, |(_, n)| *n))
    }
    /// Every stored inbox counter, for `tinhso ioc check`.
    async fn inbox_tally(&self) -> Result<Tally>;
    /// Dossiers submitted in `[from, to)`, counted per month of their submission day (Vietnam's
    /// calendar, `YYYY-MM`), deciding agency, procedure and channel: open data's figures.
    async fn monthly_counts(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<MonthlyCount>>;
    async fn dossier_files(&self, code: &DossierCode) -> Result<Vec<AttachedFile>>;
    /// Open dossiers (received, processing, awaiting payment) due on or before `until`, most
    /// urgent first.
    async fn open_dossiers_due(&self, until: NaiveDate, limit: usize) -> Result<Vec<Dossier>>;
}

/// File contents kept in the database (platform: files), on an engine that can hold them for
/// several servers (PostgreSQL). Content-addressed: storing the same bytes twice is one row.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Stores `bytes` under their hash, durably, before anything that names them is written.
    async fn put_blob(&self, sha256: &Sha256, bytes: Vec<u8>) -> Result<()>;
    async fn blob(&self, sha256: &Sha256) -> Result<Option<Vec<u8>>>;
}

/// The hash chain as stored, for `tinhso audit verify` (platform: ledger).
#[async_trait]
pub trait LedgerStore: Send + Sync + 'static {
    /// Chain links with ids above `after`, in id order, at most `limit` (`tinhso audit verify`
    /// streams the chain through this).
    async fn audit_page(&self, after: i64, limit: usize) -> Result<Vec<AuditRow>>;
    async fn audit_anchors(&self) -> Result<AuditAnchors>;
    /// The newest `limit` administrative entries (lane `admin`) that `filter` lets through,
    /// older than entry `before` (None: from the newest), newest first.
    async fn admin_log(
        &self,
        before: Option<i64>,
        limit: usize,
        filter: &crate::admin::LogFilter,
    ) -> Result<Vec<crate::admin::AdminEntry>>;
    /// Every lane's head (read again after an audit's walk).
    async fn lane_heads(&self) -> Result<Vec<LaneHead>>;
    /// Records the next provincial checkpoint when a lane moved since the last one, at `at`;
    /// returns its number. Servers sharing a database take turns.
    async fn checkpoint(&self, at: DateTime<Utc>) -> Result<Option<i64>>;
    /// Dossiers whose row does not point to their first event (a backend that finds first events
    /// through such a pointer checks it; others have none).
    async fn audit_unlinked(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
}

/// Registrations waiting for their login's proof (platform: identity, `proof`): the account is
/// made only when the code sent to the login comes back.
#[async_trait]
pub trait LoginProofStore: Send + Sync + 'static {
    /// A registration waits for its login's proof: stored in place of any other waiting for the
    /// same login.
    async fn stage_registration(&self, r: &crate::proof::StagedRegistration) -> Result<()>;
    /// A new code for the registration waiting for `login` (its wrong tries start again);
    /// false when none waits or it ended.
    async fn restage_code(&self, login: &str, code_sha256: &[u8; 32], until: DateTime<Utc>) -> Result<bool>;
    /// The code sent for `login`'s registration, carried out as `proof::step` decides, in one
    /// transaction.
    async fn prove_registration(
        &self,
        login: &str,
        code_sha256: &[u8; 32],
        now: DateTime<Utc>,
    ) -> Result<crate::proof::Proven>;
    /// Forgets registrations whose code ended before `now` (a name, a personal id and a
    /// password hash nobody proved); how many.
    async fn sweep_registrations(&self, now: DateTime<Utc>) -> Result<u64>;
}

/// The outbox: in-app messages, email delivery, alerts sent once (platform: notify).
#[async_trait]
pub trait NotifyStore: Send + Sync + 'static {
    async fn inbox(&self, account_id: AccountId) -> Result<Vec<InboxMessage>>;
    /// Messages in the account's inbox it has not read yet (newer than `mark_read`'s mark),
    /// counted up to 100 (a page shows "99+"; an inbox never read stays cheap to count).
    async fn unread(&self, account_id: AccountId) -> Result<u64>;
    /// The account has read its inbox up to message `up_to` (a mark never moves back).
    async fn mark_read(&self, account_id: AccountId, up_to: i64) -> Result<()>;
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

    /// Moves the text-message cursor over the next `scan` messages of the outbox, queueing a
    /// text for each one to an account that logs in with a phone, written since `since`
    /// (older ones are passed over: a late text helps nobody). Returns how many were passed,
    /// fewer than `scan` once the cursor is at the end. The cursor starts at the outbox's end
    /// when the table is made, so turning texts on never sends the past.
    async fn queue_texts(&self, since: DateTime<Utc>, scan: usize) -> Result<usize>;
    /// Leases up to `limit` queued texts due by `now` until `lease_until` (as `claim_emails`).
    async fn claim_texts(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<PendingText>>;
    async fn text_sent(&self, id: i64) -> Result<()>;
    /// Whether the account gets its notices as texts too (it has not turned them off).
    async fn texts_wanted(&self, account: AccountId) -> Result<bool>;
    async fn set_texts_wanted(&self, account: AccountId, wanted: bool) -> Result<()>;
    /// Records a failed attempt: retried at `retry_at`, or given up when `None`.
    async fn text_failed(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()>;
}

/// A citizen's document store: files kept for reuse (platform: files).
#[async_trait]
pub trait DocumentStore: Send + Sync + 'static {
    /// Records a file (once per content) in `account_id`'s document store, unless `quota` is
    /// given and the account's documents would then exceed it (checked in the same
    /// transaction as the insert, so concurrent uploads cannot slip past together).
    async fn add_document(
        &self,
        account_id: AccountId,
        file: &StoredFile,
        name: &str,
        quota: Option<&UploadQuota>,
    ) -> Result<Added>;
    /// Records a stored file so that a dossier may name it, without putting it in anyone's
    /// document store (a result signed for an approval not yet written: its applicant gets it
    /// once the approval is).
    async fn add_file(&self, file: &StoredFile) -> Result<()>;
    async fn documents(&self, account_id: AccountId) -> Result<Vec<Document>>;
    /// Those of `hashes` that are in `account_id`'s document store.
    async fn documents_named(&self, account_id: AccountId, hashes: &[Sha256]) -> Result<Vec<Document>>;
    /// The upload limits the province admin set, in megabytes (per day, in all; 0: none), or
    /// `None` when never set (the server's start-up limits apply).
    async fn upload_limits(&self) -> Result<Option<(u64, u64)>>;
    /// Sets the limits, recorded on the ledger (`admin`) in the same transaction, if the limits
    /// stored are still those the admin began from (`basis`, of [`DocumentStore::upload_limits`]'s
    /// answer); `Conflict` otherwise, with nothing written.
    async fn set_upload_limits(&self, per_day_mb: u64, total_mb: u64, basis: &Basis, by: &AdminAct) -> Result<()>;
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
    /// Stores a figure entered by hand, recorded on the ledger (`admin`) in the same transaction.
    async fn put_ioc_entry(&self, entry: &IocEntry, by: &AdminAct) -> Result<()>;
}

/// Which reports a list shows (module: reports). Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportQuery {
    pub kind: Option<tinhso_reports::ReportKind>,
    pub category: Option<String>,
    pub commune: Option<u32>,
    pub agency: Option<AgencyCode>,
    pub states: Vec<tinhso_reports::ReportState>,
    /// Only reports still being handled (Open311's `open`).
    pub open_only: bool,
    /// Words every report must contain, already folded (`tinhso_kernel::text::fold`).
    pub words: Vec<String>,
    /// Received on or after / before this instant.
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Lat/lon box: (min lat, max lat, min lon, max lon).
    pub bbox: Option<(f64, f64, f64, f64)>,
    /// Only these ids (Open311's `service_request_id` list).
    pub ids: Vec<i64>,
    /// Only reports whose handling due date is before this day (with `open_only`: overdue).
    pub overdue_on: Option<NaiveDate>,
    /// Only reports whose handling due date is this day or later (with `open_only`: in time).
    pub due_from: Option<NaiveDate>,
    /// Newest first, ids below this one (paging without offsets).
    pub before_id: Option<i64>,
    /// Earliest handling due date first (what staff handle first) instead of newest first.
    pub due_first: bool,
    pub limit: usize,
}

/// Reports received in a period with the same category, commune and handling agency, counted
/// for the operations centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportStat {
    pub category: String,
    pub commune: Option<u32>,
    pub agency: String,
    pub total: i64,
    pub open: i64,
    /// Open past their handling due date.
    pub overdue: i64,
    pub handled: i64,
    /// Handled by their due date.
    pub on_time: i64,
}

/// One entry of a report's history as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredReportEvent {
    pub id: i64,
    pub event: tinhso_reports::Event,
    pub public: bool,
}

/// Who hears of field reports (module: reports): each report's followers, and the people
/// told of new reports in a commune.
#[async_trait]
pub trait ReportAudience: Send + Sync + 'static {
    async fn follow_report(&self, id: i64, account: AccountId) -> Result<()>;
    async fn report_followers(&self, id: i64) -> Result<Vec<AccountId>>;
    /// The reports `account` follows (those they sent, unless they stopped), newest first.
    async fn followed_reports(&self, account: AccountId) -> Result<Vec<i64>>;
    /// Starts (`on`) or stops telling `account` of new reports in `commune`.
    async fn subscribe_commune(&self, commune: u32, account: AccountId, on: bool) -> Result<()>;
    async fn commune_subscribers(&self, commune: u32) -> Result<Vec<AccountId>>;
}

/// Citizens' feedback and field reports (module: reports): reports and their history on the
/// ledger, the province's categories and routing table, commune boundaries, Open311 keys; who
/// hears of them through `ReportAudience`.
#[async_trait]
pub trait ReportStore: ReportAudience {
    /// Records a new report from its `Submitted` event: numbers it, writes it and its first
    /// ledger entry, makes its reporter (if any) a follower, in one transaction.
    async fn create_report(&self, first: &tinhso_reports::Event) -> Result<tinhso_reports::Report>;
    /// Records `events` on report `id` if it is still at `version`; `StoreError::Conflict`
    /// otherwise (someone acted first: decide again on the fresh report). `notify` goes to the
    /// outbox in the same transaction.
    async fn record_report_events(
        &self,
        id: i64,
        version: i64,
        events: &[tinhso_reports::Event],
        notify: &[Notification],
    ) -> Result<tinhso_reports::Report>;
    async fn report(&self, id: i64) -> Result<Option<tinhso_reports::Report>>;
    async fn report_by_token(&self, token: &str) -> Result<Option<i64>>;
    async fn report_history(&self, id: i64) -> Result<Vec<StoredReportEvent>>;
    async fn reports(&self, q: &ReportQuery) -> Result<Vec<tinhso_reports::Report>>;
    async fn report_count(&self, q: &ReportQuery) -> Result<i64>;
    /// Counts of the reports received in `[since, until)` (duplicates left out), grouped by
    /// category, commune and agency; overdue as of `today`.
    async fn report_stats(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<Vec<ReportStat>>;
    /// Every report of kind `service` received in `[since, until)`, for Decision 766 group 5.
    async fn service_feedback(&self, since: DateTime<Utc>, until: DateTime<Utc>)
        -> Result<Vec<tinhso_reports::Report>>;
    /// Every report's stored row with its history, `limit` at a time after id `after`.
    async fn report_rows_with_history(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(StoredReport, Vec<StoredReportEvent>)>>;
    /// Every report with its history, `limit` at a time after id `after`, for `tinhso ioc check`.
    async fn reports_with_history(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(tinhso_reports::Report, Vec<StoredReportEvent>)>> {
        self.report_rows_with_history(after, limit)
            .await?
            .into_iter()
            .map(|(row, history)| Ok((codec::from_json(&row.body)?, history)))
            .collect()
    }
    async fn report_categories(&self) -> Result<Vec<tinhso_reports::Category>>;
    /// Adds or edits a category if the stored one (by its code) is still what `basis` says
    /// (`Conflict` and nothing written otherwise), recorded on the ledger (`admin`) in the
    /// same transaction.
    async fn put_report_category(&self, c: &tinhso_reports::Category, basis: &Basis, by: &AdminAct) -> Result<()>;
    /// The routing table, in (category, commune) order.
    async fn report_routes(&self) -> Result<Vec<tinhso_reports::routing::Route>>;
    /// Replaces the routing table if it is still what `basis` says (the whole table as
    /// [`ReportStore::report_routes`] reads it); `Conflict` and nothing written otherwise.
    async fn set_report_routes(
        &self,
        routes: &[tinhso_reports::routing::Route],
        basis: &Basis,
        by: &AdminAct,
    ) -> Result<()>;
    /// Replaces every commune's boundary, recorded on the ledger (`admin`, with their digest).
    async fn set_commune_boundaries(&self, b: &[(u32, tinhso_reports::geo::Territory)], by: &AdminAct) -> Result<()>;
    async fn commune_boundaries(&self) -> Result<Vec<(u32, tinhso_reports::geo::Territory)>>;
    /// Moves on with every `set_commune_boundaries`: a cheap way to know a kept copy is stale.
    async fn commune_boundaries_version(&self) -> Result<i64>;
    /// Records an Open311 client's key by its SHA-256 `hash`, and on the ledger.
    async fn add_open311_key(&self, name: &str, hash: &[u8], by: &AdminAct) -> Result<()>;
    /// Every key ever issued, revoked or not (for the audit).
    async fn open311_keys(&self) -> Result<Vec<crate::settings::Open311Key>>;
    /// The name of the client whose unrevoked key hashes to `hash`.
    async fn open311_client(&self, hash: &[u8]) -> Result<Option<String>>;
    /// Revokes every key of client `name`; how many. Recorded on the ledger when there were some.
    async fn revoke_open311_keys(&self, name: &str, by: &AdminAct) -> Result<u64>;
}

/// Abuse limits (platform: guard), kept in the database so that every server sees the same
/// tallies. Keys are SHA-256 digests of what is limited (a login at an address, an address),
/// never the logins or addresses themselves; the rule is `tinhso_kernel::guard`.
#[async_trait]
pub trait GuardStore: Send + Sync + 'static {
    /// The tally under `key`, as stored (for a verdict with `guard::check`), counting nothing.
    async fn guard_tally(&self, key: &GuardKey) -> Result<Option<tinhso_kernel::guard::Tally>>;
    /// Counts an attempt under every key at once, before its outcome is known: `Go` only when
    /// all of them allow it now (each then counts it as a failure until settled), else the
    /// longest wait and nothing counted. Concurrent attempts are serialised per key.
    async fn guard_attempt(&self, keys: &[(GuardKey, Rule)], now: DateTime<Utc>) -> Result<Verdict>;
    /// Records one failure under each key, in one transaction (lookups count only what found
    /// nothing).
    async fn guard_fail(&self, keys: &[(GuardKey, Rule)], now: DateTime<Utc>) -> Result<()>;
    /// An attempt counted beforehand succeeded: `clear` forgets those keys' tallies, `forgive`
    /// uncounts the one attempt.
    async fn guard_settle(&self, clear: &[GuardKey], forgive: &[GuardKey], now: DateTime<Utc>) -> Result<()>;
    /// Forgets tallies untouched since `before`; returns how many.
    async fn guard_sweep(&self, before: DateTime<Utc>) -> Result<u64>;
    /// What the limits hold, by rule (the name stored with each tally) and failure count: how
    /// many tallies touched since `since` have that many failures, and how many of them make
    /// their next try wait at `now`. Whose keys they are is not known (they are hashes); the
    /// kernel's `guard::overview` reads what is being tried from these.
    async fn guard_counts(&self, now: DateTime<Utc>, since: DateTime<Utc>) -> Result<Vec<GuardCount>>;
}

/// One row of [`GuardStore::guard_counts`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardCount {
    pub rule: String,
    pub failures: u32,
    pub keys: u64,
    pub waiting: u64,
}

/// A guard tally's key: the SHA-256 of what is limited.
pub type GuardKey = [u8; 32];

/// Periodic jobs (platform: schedule): each job's last run, shared by every server, so that a
/// job sweeping the whole province runs once per period, not once per server or per restart.
#[async_trait]
pub trait ScheduleStore: Send + Sync + 'static {
    /// Claims `job`'s run at `now` if it is due (`tinhso_kernel::schedule::due_at`), recording
    /// `now` as its last start, not finished: `None` then, and the caller runs it. Otherwise the
    /// instant it falls due, and nothing is recorded. Concurrent claims (from any server) are
    /// serialised: one of them runs the job.
    async fn claim_run(&self, job: &str, every: chrono::Duration, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>>;
    /// Records that the run of `job` claimed at `started_at` finished at `now` (a run claimed
    /// since by another server is left as it is). Until then the claim holds the job for at most
    /// `tinhso_kernel::schedule::LEASE`.
    async fn finish_run(&self, job: &str, started_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<()>;
}

/// The platform's ports one engine implements: what the composition root splits into
/// [`Stores`], with the modules' ports from their own store crates. Nothing above the engines
/// names this trait's methods through it: each module holds only the ports it uses.
pub trait Platform:
    Health
    + ProvinceStore
    + IdentityStore
    + LoginProofStore
    + LedgerStore
    + crate::AuditRunStore
    + NotifyStore
    + DocumentStore
    + GuardStore
    + ScheduleStore
{
}

impl<T> Platform for T where
    T: Health
        + ProvinceStore
        + IdentityStore
        + LoginProofStore
        + LedgerStore
        + crate::AuditRunStore
        + NotifyStore
        + DocumentStore
        + GuardStore
        + ScheduleStore
{
}
