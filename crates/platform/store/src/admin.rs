//! The administrators' own history on the ledger: who added, locked, unlocked, moved to
//! another role or agency or gave a new password to a staff account, which desk officer reset a citizen's password, who saved a
//! procedure of the catalogue or a year's working calendar (which moves deadlines), who set the
//! citizens' upload limits, who entered an index figure by hand, who changed the field reports'
//! categories or who handles them. Each entry
//! is appended in the same transaction as the change it records (by the engines, through
//! `link`), in the lane `admin`, so a change without its entry cannot be committed and
//! `tinhso audit verify` checks these entries with the rest of the chain. Entries name
//! accounts by id only: no login, code or password reaches the ledger. Changes made at the
//! console (`tinhso catalogue import`) name the platform itself (account 0) as their maker.

use crate::{Result, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tinhso_kernel::calendar::YearCalendar;
use tinhso_kernel::ids::AccountId;
use tinhso_ledger::audit::Labels;
use tinhso_ledger::chain::Link;

/// The lane of every administrative entry.
pub const LANE: &str = "admin";
/// Subjects of administrative entries start with this (`admin/account/<id>`,
/// `admin/procedure/<code>`, `admin/calendar/<year>`), so that the ledger's subject index
/// finds them all.
pub const SUBJECT_PREFIX: &str = "admin/";

/// One administrative change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AdminChange {
    StaffCreated {
        account: i64,
        role: String,
        agency: Option<String>,
    },
    /// Staff accounts created together (the province's set-up), each with its role and agency.
    StaffImported {
        accounts: Vec<CreatedStaff>,
    },
    StaffLocked {
        account: i64,
    },
    StaffUnlocked {
        account: i64,
    },
    StaffPasswordReissued {
        account: i64,
    },
    /// A staff account given another role or moved to another agency (an officer promoted, or
    /// transferred): what it had, and what it has now (the role's key, the agency's code).
    StaffReassigned {
        account: i64,
        was_role: String,
        was_agency: Option<String>,
        role: String,
        agency: Option<String>,
    },
    /// At a one-stop desk, the citizen's identity card checked by the officer (the actor).
    CitizenPasswordReset {
        account: i64,
    },
    /// A procedure added to the catalogue or edited (its whole text is in the catalogue; the
    /// entry holds its digest, `digest`, so that the audit can tell an edit made behind the
    /// platform's back). Entries written before digests were recorded have none.
    ProcedureSaved {
        code: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        digest: Option<String>,
    },
    /// Procedures saved together (the province's set-up, `tinhso catalogue import`): one entry,
    /// each procedure's code with the digest of its text as saved.
    ProceduresImported {
        digests: std::collections::BTreeMap<String, String>,
    },
    /// A year's days off and swapped working days, from which every deadline is counted (and
    /// the digest of the year as saved).
    CalendarSaved {
        year: i32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        digest: Option<String>,
    },
    /// How much a citizen may upload, per day and in all (MB).
    UploadLimitsSet {
        per_day_mb: u64,
        total_mb: u64,
    },
    /// A figure of the 766 index or the DTI entered by hand (an indicator no dossier measures),
    /// for a unit; the rate as entered (0–1).
    IndicatorEntered {
        indicator: String,
        unit: String,
        rate: String,
    },
    /// A category of field reports added or edited: whether it is offered, and the digest of
    /// the whole category (names included) as saved.
    ReportCategorySaved {
        code: String,
        active: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        digest: Option<String>,
    },
    /// An Open311 client given a key (at the console): its name, and the SHA-256 of the key's
    /// stored hash (what the audit matches the key by; the key itself is never kept).
    Open311KeyIssued {
        client: String,
        fingerprint: String,
    },
    /// Every key of an Open311 client revoked (how many were).
    Open311KeysRevoked {
        client: String,
        count: u64,
    },
    /// The province set up: its code, how many agencies, and the digest of the province and its
    /// agencies (names, levels, parents, communes), which only the set-up writes.
    ProvinceSetUp {
        province: String,
        agencies: usize,
        digest: String,
    },
    /// The communes' boundaries replaced (they place a field report in its commune): how many,
    /// and the digest of them all in commune order.
    CommuneBoundariesSet {
        communes: usize,
        digest: String,
    },
    /// Who handles which field reports: the whole list as it now stands, one rule a line
    /// (`category @ commune → agency`, the commune `*` for the whole province).
    ReportRoutesSet {
        routes: Vec<String>,
    },
}

/// One account of a `StaffImported` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedStaff {
    pub account: i64,
    pub role: String,
    pub agency: Option<String>,
}

/// Each kind of change: its key on the ledger, what the log calls it in Vietnamese and in English.
const KINDS: &[(&str, &str, &str)] = &[
    ("staff_created", "Tạo tài khoản cán bộ", "Staff account created"),
    ("staff_locked", "Khóa tài khoản cán bộ", "Staff account locked"),
    ("staff_unlocked", "Mở khóa tài khoản cán bộ", "Staff account unlocked"),
    ("staff_password_reissued", "Cấp lại mật khẩu cho cán bộ", "New password for a staff account"),
    ("staff_reassigned", "Đổi vai trò hoặc cơ quan của cán bộ", "Staff account's role or agency changed"),
    (
        "citizen_password_reset",
        "Cấp mã đặt lại mật khẩu cho công dân (tại quầy)",
        "Password reset code for a citizen (at the desk)",
    ),
    ("procedure_saved", "Thêm hoặc sửa thủ tục hành chính", "Procedure added or edited"),
    (
        "calendar_saved",
        "Sửa lịch làm việc (ngày nghỉ, ngày làm bù)",
        "Working calendar edited (days off, swapped days)",
    ),
    ("upload_limits_set", "Đặt hạn mức tải tệp của công dân", "Citizens' upload limits set"),
    ("indicator_entered", "Nhập chỉ số đánh giá (766, DTI)", "Index figure entered (766, DTI)"),
    ("report_category_saved", "Thêm hoặc sửa lĩnh vực phản ánh", "Report category added or edited"),
    ("report_routes_set", "Sửa phân công xử lý phản ánh", "Report routing changed"),
    ("procedures_imported", "Nhập danh mục thủ tục hành chính", "Procedures imported"),
    (
        "staff_imported",
        "Tạo các tài khoản cán bộ khi thiết lập tỉnh",
        "Staff accounts created at the province's set-up",
    ),
    ("open311_key_issued", "Cấp khóa Open311 cho ứng dụng", "Open311 key issued to a client"),
    ("open311_keys_revoked", "Thu hồi khóa Open311 của ứng dụng", "Open311 keys revoked"),
    ("commune_boundaries_set", "Nạp ranh giới xã, phường", "Commune boundaries imported"),
    ("province_set_up", "Thiết lập tỉnh (cơ quan, đơn vị hành chính)", "Province set up (agencies, units)"),
];

impl AdminChange {
    /// The account the change was made to, if it was made to one.
    pub fn account(&self) -> Option<AccountId> {
        match self {
            Self::StaffCreated { account, .. }
            | Self::StaffLocked { account }
            | Self::StaffUnlocked { account }
            | Self::StaffPasswordReissued { account }
            | Self::StaffReassigned { account, .. }
            | Self::CitizenPasswordReset { account } => Some(AccountId(*account)),
            Self::ProcedureSaved { .. }
            | Self::StaffImported { .. }
            | Self::Open311KeyIssued { .. }
            | Self::Open311KeysRevoked { .. }
            | Self::CommuneBoundariesSet { .. }
            | Self::ProvinceSetUp { .. }
            | Self::ProceduresImported { .. }
            | Self::CalendarSaved { .. }
            | Self::UploadLimitsSet { .. }
            | Self::IndicatorEntered { .. }
            | Self::ReportCategorySaved { .. }
            | Self::ReportRoutesSet { .. } => None,
        }
    }

    /// What the change was made to, as the ledger names it.
    pub fn subject(&self) -> String {
        match (self, self.account()) {
            (_, Some(a)) => format!("{SUBJECT_PREFIX}account/{}", a.0),
            (Self::ProcedureSaved { code, .. }, _) => format!("{SUBJECT_PREFIX}procedure/{code}"),
            (Self::ProceduresImported { .. }, _) => format!("{SUBJECT_PREFIX}procedures"),
            (Self::StaffImported { .. }, _) => format!("{SUBJECT_PREFIX}accounts"),
            (Self::Open311KeyIssued { client, .. } | Self::Open311KeysRevoked { client, .. }, _) => {
                format!("{SUBJECT_PREFIX}open311/{client}")
            }
            (Self::CommuneBoundariesSet { .. }, _) => format!("{SUBJECT_PREFIX}commune-boundaries"),
            (Self::ProvinceSetUp { .. }, _) => province_subject(),
            (Self::CalendarSaved { year, .. }, _) => format!("{SUBJECT_PREFIX}calendar/{year}"),
            (Self::UploadLimitsSet { .. }, _) => format!("{SUBJECT_PREFIX}upload-limits"),
            (Self::IndicatorEntered { indicator, unit, .. }, _) => {
                format!("{SUBJECT_PREFIX}indicator/{indicator}/{unit}")
            }
            (Self::ReportCategorySaved { code, .. }, _) => format!("{SUBJECT_PREFIX}report-category/{code}"),
            (Self::ReportRoutesSet { .. }, _) => format!("{SUBJECT_PREFIX}report-routes"),
            _ => format!("{SUBJECT_PREFIX}other"),
        }
    }

    pub fn kind(&self) -> &'static str {
        KINDS[self.index()].0
    }

    /// The change's row in `KINDS`.
    fn index(&self) -> usize {
        match self {
            Self::StaffCreated { .. } => 0,
            Self::StaffLocked { .. } => 1,
            Self::StaffUnlocked { .. } => 2,
            Self::StaffPasswordReissued { .. } => 3,
            Self::StaffReassigned { .. } => 4,
            Self::CitizenPasswordReset { .. } => 5,
            Self::ProcedureSaved { .. } => 6,
            Self::CalendarSaved { .. } => 7,
            Self::UploadLimitsSet { .. } => 8,
            Self::IndicatorEntered { .. } => 9,
            Self::ReportCategorySaved { .. } => 10,
            Self::ReportRoutesSet { .. } => 11,
            Self::ProceduresImported { .. } => 12,
            Self::StaffImported { .. } => 13,
            Self::Open311KeyIssued { .. } => 14,
            Self::Open311KeysRevoked { .. } => 15,
            Self::CommuneBoundariesSet { .. } => 16,
            Self::ProvinceSetUp { .. } => 17,
        }
    }

    /// What was done, as the audit log says it.
    pub fn describe(&self, en: bool) -> &'static str {
        let (_, vi, english) = KINDS[self.index()];
        if en {
            english
        } else {
            vi
        }
    }
}

/// The subject of the province's set-up entry.
pub fn province_subject() -> String {
    format!("{SUBJECT_PREFIX}province")
}

/// Every kind of change, as (key, label), in the log's order: for choosing one to show.
pub fn kinds(en: bool) -> impl Iterator<Item = (&'static str, &'static str)> {
    KINDS.iter().map(move |(key, vi, english)| (*key, if en { *english } else { *vi }))
}

/// The maker of changes made at the console, not through an account.
pub const CONSOLE: AccountId = AccountId::NO_PERSON;

/// The entry recording account `id` created as `a`; none for a citizen's (they register).
pub fn staff_created(id: AccountId, a: &crate::NewAccount) -> Option<AdminChange> {
    (a.role != tinhso_policy::Role::Citizen).then(|| AdminChange::StaffCreated {
        account: id.0,
        role: a.role.key().to_owned(),
        agency: a.agency.as_ref().map(|c| c.as_str().to_owned()),
    })
}

/// The entry recording account `id` moved from one post to another.
pub fn staff_reassigned(id: AccountId, from: &crate::StaffPost, to: &crate::StaffPost) -> AdminChange {
    let code = |a: &Option<tinhso_kernel::ids::AgencyCode>| a.as_ref().map(|c| c.as_str().to_owned());
    AdminChange::StaffReassigned {
        account: id.0,
        was_role: from.role.key().to_owned(),
        was_agency: code(&from.agency),
        role: to.role.key().to_owned(),
        agency: code(&to.agency),
    }
}

/// The entry recording the staff accounts a set-up created (citizens left out): one
/// `StaffCreated` for one, a `StaffImported` for more, none for none.
pub fn staff_set_up(created: &[(AccountId, &crate::NewAccount)]) -> Option<AdminChange> {
    let mut staff: Vec<AdminChange> = created.iter().filter_map(|(id, a)| staff_created(*id, a)).collect();
    if staff.len() < 2 {
        return staff.pop();
    }
    let accounts = staff
        .into_iter()
        .filter_map(|c| match c {
            AdminChange::StaffCreated { account, role, agency } => Some(CreatedStaff { account, role, agency }),
            _ => None,
        })
        .collect();
    Some(AdminChange::StaffImported { accounts })
}

/// The digest an entry records of what was saved: SHA-256 of its JSON, as this platform
/// serialises it. Read back from either engine (PostgreSQL's `jsonb` reorders keys), a value
/// is parsed and serialised again before it is compared, so equal values give equal digests.
pub fn digest<T: Serialize>(value: &T) -> Result<String> {
    let json = serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(tinhso_kernel::ids::Sha256::of(&json).to_string())
}

/// What a person's edit of a stored record began from, so that a save replaces only what they
/// saw: two administrators editing one procedure at once must not silently undo each other.
/// The engines check it in the saving transaction ([`Basis::admits`]), after locking the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// Nothing was stored: a new record, refused if one was saved meanwhile.
    Absent,
    /// The stored record had this [`digest`].
    Digest(String),
    /// Whatever is stored is replaced (the console's imports and the province's set-up).
    Any,
}

impl Basis {
    /// The basis of an editor that shows `stored` (`None`: nothing stored yet).
    pub fn of<T: Serialize>(stored: Option<&T>) -> Result<Self> {
        Ok(match stored {
            Some(v) => Self::Digest(digest(v)?),
            None => Self::Absent,
        })
    }

    /// How a page carries it in a hidden input: the digest, or nothing for [`Basis::Absent`].
    pub fn token(&self) -> &str {
        match self {
            Self::Digest(d) => d,
            Self::Absent | Self::Any => "",
        }
    }

    /// Reads [`Basis::token`] back; `None` for anything else (a page cannot ask for `Any`).
    pub fn from_token(token: &str) -> Option<Self> {
        match token {
            "" => Some(Self::Absent),
            t if t.len() == 64 && t.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) => {
                Some(Self::Digest(t.to_owned()))
            }
            _ => None,
        }
    }

    /// Whether a save begun from this basis may replace `stored` (what the record is now);
    /// `Conflict` if it changed, appeared or went since.
    pub fn admits<T: Serialize>(&self, what: &str, stored: Option<&T>) -> Result<()> {
        let now = Self::of(stored)?;
        match self {
            Self::Any => Ok(()),
            expected if *expected == now => Ok(()),
            _ => Err(StoreError::Conflict(format!("{what} changed since it was opened for editing"))),
        }
    }
}

/// How the log names a stored Open311 key: the SHA-256 of its stored hash.
pub fn fingerprint(hash: &[u8]) -> String {
    tinhso_kernel::ids::Sha256::of(hash).to_string()
}

/// The digest of the province and its agencies, in code order whatever order they are given in.
pub fn province_digest(
    province: &tinhso_kernel::province::Province,
    agencies: &[tinhso_kernel::province::Agency],
) -> Result<String> {
    let mut sorted: Vec<&tinhso_kernel::province::Agency> = agencies.iter().collect();
    sorted.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
    digest(&(province, sorted))
}

/// The digest of communes' boundaries, in commune order whatever order they are given in.
pub fn boundaries_digest(b: &[(u32, tinhso_reports::geo::Territory)]) -> Result<String> {
    let mut sorted: Vec<&(u32, tinhso_reports::geo::Territory)> = b.iter().collect();
    sorted.sort_by_key(|(c, _)| *c);
    digest(&sorted)
}

impl AdminChange {
    /// The entry for a procedure as saved.
    pub fn procedure_saved(p: &tinhso_catalogue::procedure::Procedure) -> Result<Self> {
        Ok(Self::ProcedureSaved { code: p.code.to_string(), digest: Some(digest(p)?) })
    }

    /// The entry for procedures saved together: one `ProcedureSaved` for one, else one
    /// `ProceduresImported` for them all.
    pub fn procedures_saved(procedures: &[tinhso_catalogue::procedure::Procedure]) -> Result<Self> {
        match procedures {
            [one] => Self::procedure_saved(one),
            many => Ok(Self::ProceduresImported {
                digests: many.iter().map(|p| Ok((p.code.to_string(), digest(p)?))).collect::<Result<_>>()?,
            }),
        }
    }

    /// The entry for a key issued to Open311 client `client`, by the key's stored hash.
    pub fn open311_key_issued(client: &str, hash: &[u8]) -> Self {
        Self::Open311KeyIssued { client: client.to_owned(), fingerprint: fingerprint(hash) }
    }

    /// The entry for a province as set up.
    pub fn province_set_up(
        province: &tinhso_kernel::province::Province,
        agencies: &[tinhso_kernel::province::Agency],
    ) -> Result<Self> {
        let digest = province_digest(province, agencies)?;
        Ok(Self::ProvinceSetUp { province: province.code.to_string(), agencies: agencies.len(), digest })
    }

    /// The entry for the communes' boundaries as imported.
    pub fn boundaries_set(b: &[(u32, tinhso_reports::geo::Territory)]) -> Result<Self> {
        Ok(Self::CommuneBoundariesSet { communes: b.len(), digest: boundaries_digest(b)? })
    }

    /// The entries recording, as they now stand, procedures and years saved before the log
    /// (one for the procedures, one per year).
    pub fn adopted(procedures: &[tinhso_catalogue::procedure::Procedure], years: &[YearCalendar]) -> Result<Vec<Self>> {
        let mut out = Vec::with_capacity(years.len() + 1);
        if !procedures.is_empty() {
            out.push(Self::procedures_saved(procedures)?);
        }
        for y in years {
            out.push(Self::calendar_saved(y)?);
        }
        Ok(out)
    }

    /// The entry for a year's calendar as saved.
    pub fn calendar_saved(year: &YearCalendar) -> Result<Self> {
        Ok(Self::CalendarSaved { year: year.year, digest: Some(digest(year)?) })
    }

    /// The entry for a report category as saved.
    pub fn category_saved(c: &tinhso_reports::Category) -> Result<Self> {
        Ok(Self::ReportCategorySaved { code: c.code.clone(), active: c.active, digest: Some(digest(c)?) })
    }
}

/// The entry for a routing table as it now stands.
pub fn routes_change(routes: &[tinhso_reports::routing::Route]) -> AdminChange {
    let line = |r: &tinhso_reports::routing::Route| {
        let commune = r.commune.map_or_else(|| "*".to_owned(), |c| c.to_string());
        format!("{} @ {commune} → {}", r.category, r.agency)
    };
    AdminChange::ReportRoutesSet { routes: routes.iter().map(line).collect() }
}

/// Who made a change, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminAct {
    pub actor: AccountId,
    pub at: DateTime<Utc>,
}

/// The ledger entry recording `change` (its place is given when it is appended).
pub fn link(change: &AdminChange, by: &AdminAct) -> Result<Link> {
    Ok(Link {
        id: 0,
        lane: LANE.to_owned(),
        seq: 0,
        dossier: change.subject(),
        at: by.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        actor: by.actor.0,
        payload: serde_json::to_string(change).map_err(|e| StoreError::Corrupt(e.to_string()))?,
    })
}

/// Which administrative entries the log shows: of one kind, made in `[from, until)`, by one
/// account (or the console).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// A key of [`kinds`].
    pub kind: Option<&'static str>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub actor: Option<AccountId>,
}

impl LogFilter {
    /// The ledger's key for the kind named `key`, when it names one.
    pub fn kind_named(key: &str) -> Option<&'static str> {
        KINDS.iter().find(|(k, ..)| *k == key).map(|(k, ..)| *k)
    }

    /// The kind as a query parameter: empty for every kind.
    pub fn kind_param(&self) -> &'static str {
        self.kind.unwrap_or("")
    }

    /// The actor as a query parameter: -1 for anyone (ids are never negative).
    pub fn actor_param(&self) -> i64 {
        self.actor.map_or(-1, |a| a.0)
    }

    /// The period as the ledger writes times (RFC 3339 in UTC with microseconds: text of one
    /// length that sorts as the times do), an open end as the first or last such text.
    pub fn at_bounds(&self) -> (String, String) {
        let stamp = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        (
            self.from.map_or_else(|| "0000-01-01T00:00:00.000000Z".to_owned(), stamp),
            self.until.map_or_else(|| "9999-12-31T23:59:59.999999Z".to_owned(), stamp),
        )
    }
}

/// An administrative entry read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminEntry {
    /// Its place on the ledger (ids grow with time).
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: AccountId,
    pub change: AdminChange,
}

/// Reads an entry back from its chain text.
pub fn entry(link: &Link) -> Result<AdminEntry> {
    let at = DateTime::parse_from_rfc3339(&link.at)
        .map_err(|e| StoreError::Corrupt(format!("admin entry #{} time: {e}", link.id)))?
        .with_timezone(&Utc);
    let change = serde_json::from_str(&link.payload)
        .map_err(|e| StoreError::Corrupt(format!("admin entry #{}: {e}", link.id)))?;
    Ok(AdminEntry { id: link.id, at, actor: AccountId(link.actor), change })
}

/// Whether each account's history leaves it locked: its newest lock or unlock decides
/// (`entries` newest first, as `admin_log` reads them). An account absent was never locked.
pub fn locked(entries: &[AdminEntry]) -> std::collections::HashMap<AccountId, bool> {
    let mut out = std::collections::HashMap::new();
    for e in entries {
        let lock = match e.change {
            AdminChange::StaffLocked { .. } => true,
            AdminChange::StaffUnlocked { .. } => false,
            _ => continue,
        };
        if let Some(account) = e.change.account() {
            out.entry(account).or_insert(lock);
        }
    }
    out
}

/// How the audit reads the `admin` lane: known kinds, never public, opening no subject.
pub struct AdminLabels;

impl Labels for AdminLabels {
    fn label<'p>(&self, _lane: &str, payload: &'p str) -> Option<(&'p str, bool)> {
        let kind = payload.strip_prefix("{\"kind\":\"")?.split('"').next()?;
        KINDS.iter().any(|(k, ..)| *k == kind).then_some((kind, false))
    }

    fn opens(&self, _lane: &str, _kind: &str) -> bool {
        false
    }
}

/// `changes` as the log reads them back: entries with ids in the given order, newest first.
#[cfg(test)]
pub(crate) fn newest_first(changes: Vec<AdminChange>) -> Vec<AdminEntry> {
    use chrono::TimeZone;
    let at = Utc.with_ymd_and_hms(2026, 12, 5, 2, 0, 0).single().unwrap_or_default();
    let mut out: Vec<AdminEntry> =
        changes.into_iter().zip(1..).map(|(change, id)| AdminEntry { id, at, actor: AccountId(1), change }).collect();
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_save_replaces_only_what_its_editor_began_from() {
        let (old, new) = ("Đăng ký khai sinh".to_owned(), "Đăng ký khai sinh (sửa)".to_owned());
        let opened = Basis::of(Some(&old)).unwrap();
        assert!(opened.admits("p", Some(&old)).is_ok());
        // Someone saved meanwhile, or the record went or came.
        for stored in [Some(&new), None] {
            assert!(matches!(opened.admits("p", stored), Err(StoreError::Conflict(_))));
        }
        assert!(Basis::Absent.admits::<String>("p", None).is_ok());
        assert!(matches!(Basis::Absent.admits("p", Some(&old)), Err(StoreError::Conflict(_))));
        assert!(Basis::Any.admits("p", Some(&new)).is_ok() && Basis::Any.admits::<String>("p", None).is_ok());
        // A page carries it and gives it back; it cannot ask to replace anything.
        assert_eq!(Basis::from_token(opened.token()), Some(opened.clone()));
        assert_eq!(Basis::from_token(""), Some(Basis::Absent));
        for bad in ["any", "AB".repeat(32).as_str(), &"a".repeat(63), "zz"] {
            assert_eq!(Basis::from_token(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_entry_reads_back_as_written_and_its_kind_leads_the_payload() {
        let at = Utc.with_ymd_and_hms(2026, 12, 5, 2, 30, 0).single().unwrap();
        let by = AdminAct { actor: AccountId(7), at };
        for change in [
            AdminChange::StaffCreated { account: 9, role: "specialist".into(), agency: Some("000.00.03.H08".into()) },
            AdminChange::StaffLocked { account: 9 },
            AdminChange::StaffUnlocked { account: 9 },
            AdminChange::StaffPasswordReissued { account: 9 },
            AdminChange::StaffReassigned {
                account: 9,
                was_role: "specialist".into(),
                was_agency: Some("000.00.03.H08".into()),
                role: "approver".into(),
                agency: Some("000.00.11.H08".into()),
            },
            AdminChange::CitizenPasswordReset { account: 9 },
            AdminChange::ProcedureSaved { code: "1.001193".into(), digest: None },
            AdminChange::CalendarSaved { year: 2027, digest: Some("ab".repeat(32)) },
            AdminChange::ProceduresImported { digests: [("1.001193".to_owned(), "cd".repeat(32))].into() },
            AdminChange::StaffImported {
                accounts: vec![CreatedStaff { account: 9, role: "leader".into(), agency: None }],
            },
            AdminChange::open311_key_issued("Ứng dụng Xã", b"hash"),
            AdminChange::Open311KeysRevoked { client: "Ứng dụng Xã".into(), count: 1 },
            AdminChange::CommuneBoundariesSet { communes: 2, digest: "ef".repeat(32) },
            AdminChange::ProvinceSetUp { province: "08".into(), agencies: 142, digest: "12".repeat(32) },
            AdminChange::UploadLimitsSet { per_day_mb: 50, total_mb: 500 },
            AdminChange::IndicatorEntered { indicator: "dti.1".into(), unit: "province".into(), rate: "0.75".into() },
            AdminChange::ReportCategorySaved { code: "cho-tam".into(), active: true, digest: None },
            AdminChange::ReportRoutesSet { routes: vec!["rac-thai @ 2269 → 000.00.11.H08".into()] },
        ] {
            let l = link(&change, &by).unwrap();
            let subject = match &change {
                AdminChange::ProcedureSaved { .. } => "admin/procedure/1.001193",
                AdminChange::CalendarSaved { .. } => "admin/calendar/2027",
                AdminChange::ProceduresImported { .. } => "admin/procedures",
                AdminChange::StaffImported { .. } => "admin/accounts",
                AdminChange::Open311KeyIssued { .. } | AdminChange::Open311KeysRevoked { .. } => {
                    "admin/open311/Ứng dụng Xã"
                }
                AdminChange::CommuneBoundariesSet { .. } => "admin/commune-boundaries",
                AdminChange::ProvinceSetUp { .. } => "admin/province",
                AdminChange::UploadLimitsSet { .. } => "admin/upload-limits",
                AdminChange::IndicatorEntered { .. } => "admin/indicator/dti.1/province",
                AdminChange::ReportCategorySaved { .. } => "admin/report-category/cho-tam",
                AdminChange::ReportRoutesSet { .. } => "admin/report-routes",
                _ => "admin/account/9",
            };
            assert_eq!(l.dossier, subject);
            assert_eq!(AdminLabels.label(LANE, &l.payload), Some((change.kind(), false)), "{}", l.payload);
            assert_eq!(entry(&l).unwrap(), AdminEntry { id: 0, at, actor: AccountId(7), change });
        }
        assert_eq!(AdminLabels.label(LANE, "{\"kind\":\"dossier_submitted\"}"), None, "an unknown kind is a break");
    }

    #[test]
    fn the_newest_lock_or_unlock_decides() {
        let at = Utc.with_ymd_and_hms(2026, 12, 5, 2, 30, 0).single().unwrap();
        let e = |change| AdminEntry { id: 0, at, actor: AccountId(1), change };
        let newest_first = [
            e(AdminChange::StaffPasswordReissued { account: 2 }),
            e(AdminChange::StaffUnlocked { account: 2 }),
            e(AdminChange::StaffLocked { account: 3 }),
            e(AdminChange::StaffLocked { account: 2 }),
            e(AdminChange::StaffUnlocked { account: 3 }),
            e(AdminChange::StaffCreated { account: 4, role: "specialist".into(), agency: None }),
        ];
        let l = locked(&newest_first);
        assert_eq!(
            (l.get(&AccountId(2)), l.get(&AccountId(3)), l.get(&AccountId(4))),
            (Some(&false), Some(&true), None)
        );
    }
}
