//! The settings administrators change through the platform, against the administrators' log:
//! each procedure, calendar year and report category against the digest its newest entry
//! recorded, the report routing, the citizens' upload limits and the communes' boundaries
//! against their newest entry, each hand-entered index figure against its own, each usable
//! Open311 key against the entry that issued it (and no revocation since). A setting changed in the database without
//! the platform (a day off added to a year so that late dossiers look on time, a fee edited,
//! a category's reports sent elsewhere) leaves no entry, so it is found here. Pure: the audit
//! reads the rows and the log, this says which setting first disagrees.

use crate::admin::{digest, AdminChange, AdminEntry};
use crate::{IocEntry, Result, StoreError};
use std::collections::{BTreeSet, HashMap};
use tinhso_catalogue::procedure::Procedure;
use tinhso_kernel::calendar::YearCalendar;
use tinhso_ledger::chain::{Break, Setting, SettingDiff};
use tinhso_reports::routing::Route;
use tinhso_reports::Category;

/// Procedures and calendar years stored before the log recorded saves (a database upgraded in
/// place), accepted without an entry until the server's first start records them in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BeforeLog {
    pub procedures: BTreeSet<String>,
    pub years: BTreeSet<i32>,
}

impl BeforeLog {
    /// From stored `(kind, key)` rows: `procedure` with a code, `calendar_year` with a year.
    pub fn from_rows(rows: Vec<(String, String)>) -> Result<Self> {
        let mut out = Self::default();
        for (kind, key) in rows {
            match kind.as_str() {
                "procedure" => {
                    out.procedures.insert(key);
                }
                "calendar_year" => {
                    let year = key.parse().map_err(|_| StoreError::Corrupt(format!("calendar year {key}")))?;
                    out.years.insert(year);
                }
                _ => return Err(StoreError::Corrupt(format!("catalogue_before_log kind {kind}"))),
            }
        }
        Ok(out)
    }
}

/// An Open311 client's key as stored: the client, the key's hash, whether it was revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open311Key {
    pub client: String,
    pub hash: Vec<u8>,
    pub revoked: bool,
}

/// Everything the audit compares, as stored now.
pub struct Settings<'a> {
    pub procedures: &'a [Procedure],
    /// Every saved version of every procedure, oldest first (`procedure_history`).
    pub procedure_versions: &'a [crate::ProcedureVersion],
    /// Every saved version of every stored year's calendar, oldest first (`calendar_history`).
    pub calendar_versions: &'a [crate::CalendarVersion],
    pub calendar: &'a [YearCalendar],
    pub before_log: &'a BeforeLog,
    pub categories: &'a [Category],
    /// The categories a province starts with (stored by the reports module's migration).
    pub default_categories: &'a [Category],
    pub routes: &'a [Route],
    pub upload_limits: Option<(u64, u64)>,
    pub indicators: &'a [IocEntry],
    pub open311_keys: &'a [Open311Key],
    pub boundaries: &'a [(u32, tinhso_reports::geo::Territory)],
    /// The digest of the province and its agencies as stored (`admin::province_digest`).
    pub province: Option<String>,
}

fn differs(setting: Setting, key: impl Into<String>, how: SettingDiff) -> Option<Break> {
    Some(Break::SettingDiffers { setting, key: key.into(), how })
}

/// The first setting that is not as the log last saved it, given the log newest first (as
/// `admin_log` reads it).
pub fn first_unvouched(s: &Settings, newest_first: &[AdminEntry]) -> Result<Option<Break>> {
    let mut newest: HashMap<String, AdminChange> = HashMap::new();
    for e in newest_first {
        match &e.change {
            // An import vouches for each of its procedures as a save of each would.
            AdminChange::ProceduresImported { digests } => {
                for (code, d) in digests {
                    let one = AdminChange::ProcedureSaved { code: code.clone(), digest: Some(d.clone()) };
                    newest.entry(one.subject()).or_insert(one);
                }
            }
            change => {
                newest.entry(change.subject()).or_insert_with(|| change.clone());
            }
        }
    }
    let saved = |change: AdminChange| newest.get(&change.subject());

    for p in s.procedures {
        let code = p.code.to_string();
        let found = match saved(AdminChange::ProcedureSaved { code: code.clone(), digest: None }) {
            Some(AdminChange::ProcedureSaved { digest: Some(d), .. }) => Some(*d == digest(p)?),
            // Saved before entries held a digest: the entry vouches for the code only.
            Some(_) => Some(true),
            None => s.before_log.procedures.contains(&code).then_some(true),
        };
        match found {
            Some(true) => {}
            Some(false) => return Ok(differs(Setting::Procedure, code, SettingDiff::Edited)),
            None => return Ok(differs(Setting::Procedure, code, SettingDiff::NotLogged)),
        }
    }
    for y in s.calendar {
        let found = match saved(AdminChange::CalendarSaved { year: y.year, digest: None }) {
            Some(AdminChange::CalendarSaved { digest: Some(d), .. }) => Some(*d == digest(y)?),
            Some(_) => Some(true),
            None => s.before_log.years.contains(&y.year).then_some(true),
        };
        match found {
            Some(true) => {}
            Some(false) => return Ok(differs(Setting::CalendarYear, y.year.to_string(), SettingDiff::Edited)),
            None => return Ok(differs(Setting::CalendarYear, y.year.to_string(), SettingDiff::NotLogged)),
        }
    }
    if let Some(b) = history_unvouched(s, newest_first)? {
        return Ok(Some(b));
    }
    for c in s.categories {
        let found =
            match saved(AdminChange::ReportCategorySaved { code: c.code.clone(), active: c.active, digest: None }) {
                Some(AdminChange::ReportCategorySaved { digest: Some(d), .. }) => Some(*d == digest(c)?),
                Some(AdminChange::ReportCategorySaved { active, .. }) => Some(*active == c.active),
                Some(_) => Some(false),
                // Never saved: as the province started with it.
                None => s.default_categories.iter().find(|d| d.code == c.code).map(|d| d == c),
            };
        match found {
            Some(true) => {}
            Some(false) => return Ok(differs(Setting::ReportCategory, c.code.clone(), SettingDiff::Edited)),
            None => return Ok(differs(Setting::ReportCategory, c.code.clone(), SettingDiff::NotLogged)),
        }
    }
    if let Some(gone) = removed(s, &newest) {
        return Ok(Some(gone));
    }

    let lines = |routes: &[String]| routes.iter().cloned().collect::<BTreeSet<String>>();
    let stored = match crate::admin::routes_change(s.routes) {
        AdminChange::ReportRoutesSet { routes } => lines(&routes),
        _ => BTreeSet::new(),
    };
    let logged = match saved(AdminChange::ReportRoutesSet { routes: Vec::new() }) {
        Some(AdminChange::ReportRoutesSet { routes }) => lines(routes),
        _ => BTreeSet::new(),
    };
    if stored != logged {
        return Ok(differs(Setting::ReportRoutes, "", SettingDiff::Edited));
    }

    let logged = match saved(AdminChange::UploadLimitsSet { per_day_mb: 0, total_mb: 0 }) {
        Some(AdminChange::UploadLimitsSet { per_day_mb, total_mb }) => Some((*per_day_mb, *total_mb)),
        _ => None,
    };
    if s.upload_limits != logged {
        let how = if logged.is_none() { SettingDiff::NotLogged } else { SettingDiff::Edited };
        return Ok(differs(Setting::UploadLimits, "", how));
    }

    if let Some(b) = open311_unvouched(s.open311_keys, newest_first) {
        return Ok(Some(b));
    }
    let logged = match saved(AdminChange::CommuneBoundariesSet { communes: 0, digest: String::new() }) {
        Some(AdminChange::CommuneBoundariesSet { digest, .. }) => Some(digest.clone()),
        _ => None,
    };
    let stored = (!s.boundaries.is_empty()).then(|| crate::admin::boundaries_digest(s.boundaries)).transpose()?;
    if stored != logged {
        let how = if logged.is_none() { SettingDiff::NotLogged } else { SettingDiff::Edited };
        return Ok(differs(Setting::CommuneBoundaries, "", how));
    }

    // Only the set-up writes these. A province set up before its set-up was logged has no
    // entry to hold them to.
    if let Some(AdminChange::ProvinceSetUp { digest, .. }) = newest.get(&crate::admin::province_subject()) {
        if s.province.as_deref() != Some(digest.as_str()) {
            return Ok(differs(Setting::ProvinceModel, "", SettingDiff::Edited));
        }
    }

    for e in s.indicators {
        let key = format!("{} / {}", e.indicator, e.unit);
        match saved(e.change()) {
            Some(AdminChange::IndicatorEntered { rate, .. }) if *rate == e.rate.to_string() => {}
            Some(_) => return Ok(differs(Setting::Indicator, key, SettingDiff::Edited)),
            None => return Ok(differs(Setting::Indicator, key, SettingDiff::NotLogged)),
        }
    }
    Ok(None)
}

/// The first procedure or calendar year whose history holds a version no entry saved (one
/// written or edited behind the platform), or lacks the setting as it stands (its newest
/// deleted, or all of them). A database upgraded in place keeps its settings as they stood as
/// their first versions; those stored before the log began, or saved when entries held no
/// digest, are vouched for by their key alone.
fn history_unvouched(s: &Settings, newest_first: &[AdminEntry]) -> Result<Option<Break>> {
    let mut procedures = Vouched::default();
    let mut years = Vouched::default();
    for e in newest_first {
        match &e.change {
            AdminChange::ProcedureSaved { code, digest } => procedures.add(code.clone(), digest.clone()),
            AdminChange::ProceduresImported { digests } => {
                for (code, d) in digests {
                    procedures.add(code.clone(), Some(d.clone()));
                }
            }
            AdminChange::CalendarSaved { year, digest } => years.add(year.to_string(), digest.clone()),
            _ => {}
        }
    }
    procedures.keys.extend(s.before_log.procedures.iter().cloned());
    years.keys.extend(s.before_log.years.iter().map(i32::to_string));
    let by_code = |p: &Procedure| p.code.to_string();
    if let Some(key) = procedures.first_unvouched(s.procedure_versions, s.procedures, by_code)? {
        return Ok(differs(Setting::Procedure, key, SettingDiff::HistoryEdited));
    }
    let by_year = |y: &YearCalendar| y.year.to_string();
    if let Some(key) = years.first_unvouched(s.calendar_versions, s.calendar, by_year)? {
        return Ok(differs(Setting::CalendarYear, key, SettingDiff::HistoryEdited));
    }
    Ok(None)
}

/// What the log vouches for, of one kind of setting: (key, digest) pairs, and keys it
/// vouches for whatever they hold.
#[derive(Default)]
struct Vouched {
    digests: std::collections::HashSet<(String, String)>,
    keys: std::collections::HashSet<String>,
}

impl Vouched {
    fn add(&mut self, key: String, digest: Option<String>) {
        match digest {
            Some(d) => self.digests.insert((key, d)),
            None => self.keys.insert(key),
        };
    }

    /// The key of the first setting whose history is not as the log saved it.
    fn first_unvouched<T: serde::Serialize>(
        &self,
        versions: &[crate::Version<T>],
        stored: &[T],
        key: impl Fn(&T) -> String,
    ) -> Result<Option<String>> {
        let mut newest: HashMap<String, String> = HashMap::new();
        for v in versions {
            let (k, d) = (key(&v.value), digest(&v.value)?);
            if !self.keys.contains(&k) && !self.digests.contains(&(k.clone(), d.clone())) {
                return Ok(Some(k));
            }
            newest.insert(k, d);
        }
        for value in stored {
            let k = key(value);
            if newest.get(&k) != Some(&digest(value)?) {
                return Ok(Some(k));
            }
        }
        Ok(None)
    }
}

/// The first unrevoked Open311 key no entry issued, or that an entry revoked after issuing it
/// (the log's revocation covers every key its client then had).
fn open311_unvouched(keys: &[Open311Key], newest_first: &[AdminEntry]) -> Option<Break> {
    for k in keys.iter().filter(|k| !k.revoked) {
        let fingerprint = crate::admin::fingerprint(&k.hash);
        let issued = newest_first.iter().find(|e| {
            matches!(&e.change, AdminChange::Open311KeyIssued { client, fingerprint: f }
                if *client == k.client && *f == fingerprint)
        });
        let Some(issued) = issued else {
            return differs(Setting::Open311Key, k.client.clone(), SettingDiff::NotLogged);
        };
        let revoked_since = newest_first.iter().any(|e| {
            e.id > issued.id
                && matches!(&e.change, AdminChange::Open311KeysRevoked { client, .. } if *client == k.client)
        });
        if revoked_since {
            return differs(Setting::Open311Key, k.client.clone(), SettingDiff::Edited);
        }
    }
    None
}

/// A procedure, calendar year, category or figure an entry saved that is no longer stored
/// (the platform deletes none of them).
fn removed(s: &Settings, newest: &HashMap<String, AdminChange>) -> Option<Break> {
    let procedures: std::collections::HashSet<&str> = s.procedures.iter().map(|p| p.code.as_str()).collect();
    let mut keys: Vec<(Setting, String)> = newest
        .values()
        .filter_map(|c| match c {
            AdminChange::ProcedureSaved { code, .. } => {
                (!procedures.contains(code.as_str())).then(|| (Setting::Procedure, code.clone()))
            }
            AdminChange::CalendarSaved { year, .. } => {
                (!s.calendar.iter().any(|y| y.year == *year)).then(|| (Setting::CalendarYear, year.to_string()))
            }
            AdminChange::ReportCategorySaved { code, .. } => {
                (!s.categories.iter().any(|c| c.code == *code)).then(|| (Setting::ReportCategory, code.clone()))
            }
            AdminChange::IndicatorEntered { indicator, unit, .. } => {
                (!s.indicators.iter().any(|e| e.indicator == *indicator && e.unit == *unit))
                    .then(|| (Setting::Indicator, format!("{indicator} / {unit}")))
            }
            _ => None,
        })
        .collect();
    // A category the province started with and never saved, gone.
    keys.extend(
        s.default_categories
            .iter()
            .filter(|d| !s.categories.iter().any(|c| c.code == d.code))
            .map(|d| (Setting::ReportCategory, d.code.clone())),
    );
    // The first by name, so the audit names the same one every run.
    keys.sort_by(|a, b| a.1.cmp(&b.1));
    keys.into_iter().next().and_then(|(setting, key)| differs(setting, key, SettingDiff::Removed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use tinhso_kernel::calendar::{CalendarSource, NamedDay};
    use tinhso_kernel::ids::{AccountId, AgencyCode};

    fn procedure(code: &str, fee: u64) -> Procedure {
        serde_json::from_value(serde_json::json!({
            "code": code, "name": "Đăng ký khai sinh", "field": "Hộ tịch", "levels": ["commune"],
            "competent_agency": {"agency": "000.00.03.H08"}, "processing_time": {"unit": "working_days", "value": 3},
            "fee": {"amount_vnd": fee}, "online_level": "fully_online"
        }))
        .unwrap()
    }

    fn year(y: i32, days_off: &[(u32, u32)]) -> YearCalendar {
        YearCalendar {
            year: y,
            source: CalendarSource::Edited,
            basis: String::new(),
            days_off: days_off
                .iter()
                .map(|(m, d)| NamedDay {
                    date: chrono::NaiveDate::from_ymd_opt(y, *m, *d).unwrap(),
                    name: "Nghỉ".into(),
                })
                .collect(),
            swap_workdays: Vec::new(),
        }
    }

    use crate::admin::newest_first as log;

    struct Stored {
        procedures: Vec<Procedure>,
        versions: Vec<crate::ProcedureVersion>,
        calendar_versions: Vec<crate::CalendarVersion>,
        calendar: Vec<YearCalendar>,
        before_log: BeforeLog,
        categories: Vec<Category>,
        routes: Vec<Route>,
        upload_limits: Option<(u64, u64)>,
        indicators: Vec<IocEntry>,
        open311_keys: Vec<Open311Key>,
        boundaries: Vec<(u32, tinhso_reports::geo::Territory)>,
        province: Option<String>,
    }

    impl Stored {
        /// A province as set up: one procedure, one year, the default categories, nothing else.
        fn set_up() -> (Self, Vec<AdminChange>) {
            let (p, y) = (procedure("1.000001", 0), year(2026, &[(1, 1)]));
            let log = vec![
                AdminChange::calendar_saved(&y).unwrap(),
                AdminChange::procedures_saved(&[p.clone(), procedure("1.000002", 5)]).unwrap(),
            ];
            let stored = Self {
                versions: [&p, &procedure("1.000002", 5)].map(version).to_vec(),
                calendar_versions: vec![crate::Version { at: Utc::now(), actor: AccountId(0), value: y.clone() }],
                procedures: vec![p, procedure("1.000002", 5)],
                calendar: vec![y],
                before_log: BeforeLog::default(),
                categories: tinhso_reports::category::defaults(),
                routes: Vec::new(),
                upload_limits: None,
                indicators: Vec::new(),
                open311_keys: Vec::new(),
                boundaries: Vec::new(),
                province: None,
            };
            (stored, log)
        }

        fn check(&self, changes: &[AdminChange]) -> Option<Break> {
            let defaults = tinhso_reports::category::defaults();
            let s = Settings {
                procedures: &self.procedures,
                procedure_versions: &self.versions,
                calendar_versions: &self.calendar_versions,
                calendar: &self.calendar,
                before_log: &self.before_log,
                categories: &self.categories,
                default_categories: &defaults,
                routes: &self.routes,
                upload_limits: self.upload_limits,
                indicators: &self.indicators,
                open311_keys: &self.open311_keys,
                boundaries: &self.boundaries,
                province: self.province.clone(),
            };
            first_unvouched(&s, &log(changes.to_vec())).unwrap()
        }
    }

    fn version(p: &Procedure) -> crate::ProcedureVersion {
        crate::ProcedureVersion { at: Utc::now(), actor: AccountId(0), value: p.clone() }
    }

    /// Each kept version of a procedure is one a logged save wrote, and the newest is the
    /// procedure as it stands; saves from before versions were kept need none.
    #[test]
    fn a_settings_history_is_the_one_its_saves_logged() {
        let (mut stored, mut changes) = Stored::set_up();
        let saved = procedure("1.000001", 30_000);
        stored.procedures[0] = saved.clone();
        stored.versions.push(version(&saved));
        changes.push(AdminChange::procedure_saved(&saved).unwrap());
        assert_eq!(stored.check(&changes), None);
        // An old version rewritten to say the fee was always 30,000.
        let mut rewritten = stored.versions.clone();
        rewritten[0].value.fee.amount_vnd = Some(30_000);
        rewritten[0].value.name.push_str(" (sửa)");
        let kept = std::mem::replace(&mut stored.versions, rewritten);
        assert_eq!(stored.check(&changes), br(Setting::Procedure, "1.000001", SettingDiff::HistoryEdited));
        // The newest version deleted: the history would end at the old fee.
        stored.versions = kept;
        stored.versions.pop();
        assert_eq!(stored.check(&changes), br(Setting::Procedure, "1.000001", SettingDiff::HistoryEdited));
        // Every version deleted: the procedure has no history at all.
        stored.versions.retain(|v| v.value.code.as_str() != "1.000001");
        assert_eq!(stored.check(&changes), br(Setting::Procedure, "1.000001", SettingDiff::HistoryEdited));
        // A year's calendar likewise: its kept version said to have had another day off.
        let (mut stored, changes) = Stored::set_up();
        stored.calendar_versions[0].value = year(2026, &[(1, 1), (3, 2)]);
        assert_eq!(stored.check(&changes), br(Setting::CalendarYear, "2026", SettingDiff::HistoryEdited));
    }

    fn br(setting: Setting, key: &str, how: SettingDiff) -> Option<Break> {
        Some(Break::SettingDiffers { setting, key: key.into(), how })
    }

    #[test]
    fn a_set_up_province_and_its_saves_are_vouched_for() {
        let (mut stored, mut changes) = Stored::set_up();
        assert_eq!(stored.check(&changes), None);
        // Saved later through the platform: the newest entry decides.
        stored.procedures[0] = procedure("1.000001", 50_000);
        stored.versions.push(version(&stored.procedures[0]));
        changes.push(AdminChange::procedure_saved(&stored.procedures[0]).unwrap());
        stored.calendar[0] = year(2026, &[(1, 1), (9, 2)]);
        let saved = crate::Version { at: Utc::now(), actor: AccountId(0), value: stored.calendar[0].clone() };
        stored.calendar_versions.push(saved);
        changes.push(AdminChange::calendar_saved(&stored.calendar[0]).unwrap());
        stored.categories[0].active = false;
        changes.push(AdminChange::category_saved(&stored.categories[0]).unwrap());
        stored.routes.push(Route {
            category: "rac-thai".into(),
            commune: Some(2269),
            agency: AgencyCode::parse("a", "000.00.11.H08").unwrap(),
        });
        changes.push(crate::admin::routes_change(&stored.routes));
        stored.upload_limits = Some((20, 300));
        changes.push(AdminChange::UploadLimitsSet { per_day_mb: 20, total_mb: 300 });
        assert_eq!(stored.check(&changes), None);
        // An older save of the same procedure does not vouch for what is stored now.
        stored.procedures[0] = procedure("1.000001", 0);
        assert_eq!(stored.check(&changes), br(Setting::Procedure, "1.000001", SettingDiff::Edited));
    }

    /// A procedure saved by a version before `applicants` existed was logged with the digest of
    /// its JSON without the field: read back (anyone may apply) it still matches, while a
    /// procedure saved now for some applicants only is logged, and checked, with it.
    #[test]
    fn procedures_logged_before_who_may_apply_existed_still_vouch() {
        use tinhso_catalogue::procedure::Applicants;
        let (mut stored, mut changes) = Stored::set_up();
        let p = procedure("1.000003", 0);
        let then = serde_json::to_vec(&p).unwrap();
        assert!(!String::from_utf8_lossy(&then).contains("applicants"), "the default is left out");
        let logged = tinhso_kernel::ids::Sha256::of(&then).to_string();
        stored.procedures.push(p.clone());
        stored.versions.push(version(&p));
        changes.push(AdminChange::ProcedureSaved { code: "1.000003".into(), digest: Some(logged) });
        assert_eq!(stored.check(&changes), None);
        let mut organizations = p;
        organizations.applicants = Applicants::Organizations;
        stored.procedures[2] = organizations.clone();
        assert_eq!(stored.check(&changes), br(Setting::Procedure, "1.000003", SettingDiff::Edited), "edited");
        changes.push(AdminChange::procedure_saved(&organizations).unwrap());
        stored.versions.push(version(&organizations));
        assert_eq!(stored.check(&changes), None);
    }

    #[test]
    fn each_setting_changed_behind_the_log_is_named() {
        let (base, changes) = Stored::set_up();
        let tampered = |edit: &dyn Fn(&mut Stored)| {
            let (mut s, _) = Stored::set_up();
            edit(&mut s);
            s.check(&changes)
        };
        assert_eq!(base.check(&changes), None);
        assert_eq!(
            tampered(&|s| s.procedures[1] = procedure("1.000002", 6)),
            br(Setting::Procedure, "1.000002", SettingDiff::Edited),
            "a fee edited, the procedure saved in an import"
        );
        assert_eq!(
            tampered(&|s| s.procedures.push(procedure("9.999999", 0))),
            br(Setting::Procedure, "9.999999", SettingDiff::NotLogged)
        );
        assert_eq!(
            tampered(&|s| {
                s.procedures.remove(1);
            }),
            br(Setting::Procedure, "1.000002", SettingDiff::Removed)
        );
        assert_eq!(
            tampered(&|s| s.calendar[0] = year(2026, &[(1, 1), (12, 7)])),
            br(Setting::CalendarYear, "2026", SettingDiff::Edited),
            "a day off added"
        );
        assert_eq!(
            tampered(&|s| s.calendar.push(year(2027, &[]))),
            br(Setting::CalendarYear, "2027", SettingDiff::NotLogged)
        );
        assert_eq!(
            tampered(&|s| s.categories[2].name = "Khác".into()),
            br(Setting::ReportCategory, &base.categories[2].code, SettingDiff::Edited),
            "a category never saved is as the province started with it"
        );
        assert_eq!(
            tampered(&|s| {
                s.categories.remove(0);
            }),
            br(Setting::ReportCategory, &base.categories[0].code, SettingDiff::Removed)
        );
        let mut extra = base.categories[0].clone();
        extra.code = "moi".into();
        assert_eq!(
            tampered(&|s| s.categories.push(extra.clone())),
            br(Setting::ReportCategory, "moi", SettingDiff::NotLogged)
        );
        assert_eq!(
            tampered(&|s| s.routes.push(Route {
                category: "rac-thai".into(),
                commune: None,
                agency: AgencyCode::parse("a", "000.00.11.H08").unwrap(),
            })),
            br(Setting::ReportRoutes, "", SettingDiff::Edited)
        );
        assert_eq!(
            tampered(&|s| s.upload_limits = Some((0, 0))),
            br(Setting::UploadLimits, "", SettingDiff::NotLogged),
            "limits lifted with no entry"
        );
    }

    #[test]
    fn rows_from_before_the_log_pass_until_saved_and_old_entries_vouch_for_what_they_hold() {
        let (mut stored, _) = Stored::set_up();
        stored.before_log = BeforeLog::from_rows(vec![
            ("procedure".into(), "1.000001".into()),
            ("procedure".into(), "1.000002".into()),
            ("calendar_year".into(), "2026".into()),
        ])
        .unwrap();
        assert_eq!(stored.check(&[]), None, "an upgraded database, nothing saved since");
        // An entry written before digests (code only; a category's `active` only).
        let mut changes = vec![AdminChange::ProcedureSaved { code: "1.000001".into(), digest: None }];
        stored.procedures[0] = procedure("1.000001", 7);
        // Its versions as an upgrade keeps them: the procedure as it then stood.
        stored.versions = vec![version(&stored.procedures[0]), version(&stored.procedures[1])];
        stored.before_log = BeforeLog::default();
        assert_eq!(stored.check(&changes), br(Setting::Procedure, "1.000002", SettingDiff::NotLogged));
        let kept = [("procedure", "1.000002"), ("calendar_year", "2026")];
        stored.before_log = BeforeLog::from_rows(kept.map(|(k, v)| (k.into(), v.into())).to_vec()).unwrap();
        assert_eq!(stored.check(&changes), None, "the digest-less entry vouches for 1.000001's version");
        changes.push(AdminChange::ReportCategorySaved { code: "rac-thai".into(), active: true, digest: None });
        stored.categories[0].name = "Rác".into();
        assert_eq!(stored.check(&changes), None);
        stored.categories[0].active = false;
        assert_eq!(stored.check(&changes), br(Setting::ReportCategory, "rac-thai", SettingDiff::Edited));
        assert!(BeforeLog::from_rows(vec![("user".into(), "1".into())]).is_err());
    }

    #[test]
    fn an_open311_key_is_issued_and_revoked_in_the_log() {
        let (mut stored, mut changes) = Stored::set_up();
        let key = |hash: &[u8], revoked| Open311Key { client: "Ứng dụng Xã".into(), hash: hash.to_vec(), revoked };
        stored.open311_keys.push(key(b"k1", false));
        assert_eq!(
            stored.check(&changes),
            br(Setting::Open311Key, "Ứng dụng Xã", SettingDiff::NotLogged),
            "a key put in the database"
        );
        changes.push(AdminChange::open311_key_issued("Ứng dụng Xã", b"k1"));
        assert_eq!(stored.check(&changes), None);
        changes.push(AdminChange::Open311KeysRevoked { client: "Ứng dụng Xã".into(), count: 1 });
        assert_eq!(
            stored.check(&changes),
            br(Setting::Open311Key, "Ứng dụng Xã", SettingDiff::Edited),
            "revoked in the log, still usable in the database"
        );
        stored.open311_keys[0].revoked = true;
        assert_eq!(stored.check(&changes), None);
        // A new key after the revocation is usable.
        stored.open311_keys.push(key(b"k2", false));
        changes.push(AdminChange::open311_key_issued("Ứng dụng Xã", b"k2"));
        assert_eq!(stored.check(&changes), None);
    }

    #[test]
    fn the_communes_boundaries_are_as_last_imported() {
        let (mut stored, mut changes) = Stored::set_up();
        let square = |x: f64| -> tinhso_reports::geo::Territory {
            serde_json::from_value(serde_json::json!({
                "polygons": [[[[x, 21.0], [x + 0.1, 21.0], [x + 0.1, 21.1], [x, 21.0]]]]
            }))
            .unwrap()
        };
        stored.boundaries = vec![(2269, square(105.0)), (2272, square(105.2))];
        assert_eq!(stored.check(&changes), br(Setting::CommuneBoundaries, "", SettingDiff::NotLogged));
        // Imported in another order: the digest is of the communes in code order.
        changes.push(AdminChange::boundaries_set(&[(2272, square(105.2)), (2269, square(105.0))]).unwrap());
        assert_eq!(stored.check(&changes), None);
        stored.boundaries[1].1 = square(105.3);
        assert_eq!(stored.check(&changes), br(Setting::CommuneBoundaries, "", SettingDiff::Edited), "a line moved");
    }

    #[test]
    fn the_province_and_its_agencies_are_as_set_up() {
        let (mut stored, mut changes) = Stored::set_up();
        stored.province = Some("ab".repeat(32));
        assert_eq!(stored.check(&changes), None, "set up before its set-up was logged: nothing to hold it to");
        changes.push(AdminChange::ProvinceSetUp { province: "8".into(), agencies: 142, digest: "ab".repeat(32) });
        assert_eq!(stored.check(&changes), None);
        stored.province = Some("cd".repeat(32));
        assert_eq!(stored.check(&changes), br(Setting::ProvinceModel, "", SettingDiff::Edited), "an agency renamed");
    }

    #[test]
    fn a_hand_entered_figure_is_as_its_newest_entry_says() {
        let (mut stored, mut changes) = Stored::set_up();
        let entry = |rate: f64| IocEntry {
            indicator: "dti.1".into(),
            unit: "province".into(),
            rate,
            evidence: "Báo cáo".into(),
            entered_by: "Quản trị".into(),
            entered_at: Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).single().unwrap(),
        };
        stored.indicators.push(entry(0.5));
        changes.push(entry(0.5).change());
        assert_eq!(stored.check(&changes), None);
        stored.indicators[0] = entry(0.95);
        assert_eq!(stored.check(&changes), br(Setting::Indicator, "dti.1 / province", SettingDiff::Edited));
        changes.push(entry(0.95).change());
        assert_eq!(stored.check(&changes), None);
        stored.indicators.clear();
        assert_eq!(stored.check(&changes), br(Setting::Indicator, "dti.1 / province", SettingDiff::Removed));
    }
}
