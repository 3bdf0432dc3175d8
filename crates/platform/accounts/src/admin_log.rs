//! The administrators' log (`/quan-tri/nhat-ky`), for province admins and auditors
//! (`Action::ViewAuditLog`): each change an admin or a desk officer made to accounts (staff
//! added, locked, unlocked, given a new password; a citizen's password reset at a desk), to the
//! catalogue and the working calendar, to upload limits, hand-entered index figures and the
//! field reports' categories and routing, newest first; an auditor narrows it to one kind of
//! change and a period (`?loai=&tu=&den=`, dates dd/mm/yyyy, Vietnam time). Read from the
//! ledger, where each was written in its change's own transaction.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use std::collections::HashMap;
use tinhso_http::auth::Viewer;
use tinhso_http::form::PageQuery;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Choice, Layout};
use tinhso_kernel::format::parse_date;
use tinhso_kernel::ids::AccountId;
use tinhso_kernel::FieldError;
use tinhso_policy::Action;
use tinhso_store::admin::{self, AdminChange, LogFilter};

/// Entries a page shows; older ones are a link away.
const SHOWN: usize = 200;

/// `?truoc=<id>`: the page of entries older than that one; `loai`: one kind of change (a key
/// of `admin::kinds`); `tu`, `den`: the first and last day, dd/mm/yyyy; `nguoi`: the account
/// that made them (0: the console), reached by a name in the list; `dang_nhap`: the same account
/// named by its login, as typed in the filter (it wins over `nguoi`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogParams {
    truoc: Option<i64>,
    loai: Option<String>,
    tu: Option<String>,
    den: Option<String>,
    nguoi: Option<i64>,
    dang_nhap: Option<String>,
}

impl LogParams {
    /// The filter these ask for, or every field that is wrong.
    fn filter(&self) -> Result<LogFilter, Vec<FieldError>> {
        let mut errors = Vec::new();
        let given = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let kind = match given(&self.loai) {
            None => None,
            Some(k) => LogFilter::kind_named(&k).or_else(|| {
                errors.push(FieldError::new(
                    "loai",
                    "unknown_kind",
                    "Không có loại thay đổi này",
                    "No such kind of change",
                ));
                None
            }),
        };
        // A day starts at midnight in Vietnam (UTC+7).
        let mut day = |s: Option<String>, field: &'static str| {
            let d = parse_date(&s?).map_err(|p| {
                errors.push(FieldError::new(field, "bad_date", &p.vi, &p.en));
            });
            d.ok().map(tinhso_kernel::calendar::day_start)
        };
        let from = day(given(&self.tu), "tu");
        let until = day(given(&self.den), "den").map(|t| t + chrono::Duration::days(1));
        if let (Some(f), Some(u)) = (from, until) {
            if u <= f {
                errors.push(FieldError::new(
                    "den",
                    "period_reversed",
                    "Ngày kết thúc phải từ ngày bắt đầu trở đi",
                    "The last day must not be before the first",
                ));
            }
        }
        let actor = match self.nguoi {
            Some(id) if id < 0 => {
                errors.push(FieldError::new(
                    "nguoi",
                    "unknown_actor",
                    "Không có người thực hiện này",
                    "No such person",
                ));
                None
            }
            id => id.map(AccountId),
        };
        if errors.is_empty() {
            Ok(LogFilter { kind, from, until, actor })
        } else {
            Err(errors)
        }
    }

    /// The filter's part of a link to another page of the same list.
    fn carried(&self) -> String {
        self.carried_with(self.nguoi)
    }

    /// The same, by `actor` instead (None: by anyone).
    fn carried_with(&self, actor: Option<i64>) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (name, v) in [("loai", &self.loai), ("tu", &self.tu), ("den", &self.den)] {
            if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                out.append_pair(name, v);
            }
        }
        if let Some(a) = actor {
            out.append_pair("nguoi", &a.to_string());
        }
        let out = out.finish();
        if out.is_empty() {
            out
        } else {
            format!("&{out}")
        }
    }
}

pub struct LogRow {
    /// dd/mm/yyyy HH:MM, Vietnam time.
    pub when: String,
    pub who: String,
    /// The same list, of this person's changes only.
    pub who_href: String,
    pub what: &'static str,
    pub whom: String,
    /// Where what was changed shows its history (a procedure's saves).
    pub whom_href: Option<String>,
    /// The role and agency a new staff account was given.
    pub detail: String,
}

#[derive(Template)]
#[template(path = "admin/log.html")]
pub struct LogPage {
    pub layout: Layout,
    pub rows: Vec<LogRow>,
    /// The link to older entries (the same filter), when there may be some.
    pub older: Option<String>,
    pub kinds: Vec<Choice>,
    /// The period as typed.
    pub from: String,
    pub to: String,
    pub errors: Vec<FieldError>,
    /// Whether a filter narrows the list (the empty list then says so).
    pub filtered: bool,
    /// The person whose changes are shown: their id, name and the link to everyone's.
    pub actor: Option<(i64, String, String)>,
    /// A login typed to choose the person.
    pub login: String,
}

/// The account a login typed in the filter names, or why there is none.
async fn typed_actor(state: &AppState, typed: &str) -> Result<Result<i64, FieldError>, tinhso_http::error::AppError> {
    let login = match tinhso_kernel::ids::Login::parse("dang_nhap", typed) {
        Ok(l) => l,
        Err(e) => return Ok(Err(e)),
    };
    Ok(match state.store.identity.account_by_login(login.as_str()).await? {
        Some(a) => Ok(a.id.0),
        None => Err(FieldError::new(
            "dang_nhap",
            "unknown_login",
            format!("Không có tài khoản nào đăng nhập bằng {typed}"),
            format!("No account logs in with {typed}"),
        )),
    })
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, PageQuery(mut q): PageQuery<LogParams>) -> PageResult {
    let err = page_err(&viewer);
    viewer.require(&Action::ViewAuditLog).map_err(&err)?;
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let typed = q.dang_nhap.take().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    let mut login_error = None;
    if let Some(t) = &typed {
        match typed_actor(&state, t).await.map_err(&err)? {
            Ok(id) => q.nguoi = Some(id),
            Err(e) => login_error = Some(e),
        }
    }
    let (entries, errors) = match (q.filter(), login_error) {
        (Ok(filter), None) => {
            (state.store.ledger.admin_log(q.truoc, SHOWN, &filter).await.map_err(|e| err(e.into()))?, Vec::new())
        }
        (Ok(_), Some(e)) => (Vec::new(), vec![e]),
        (Err(mut errors), e) => {
            errors.extend(e);
            (Vec::new(), errors)
        }
    };
    let older = entries
        .last()
        .filter(|_| entries.len() == SHOWN)
        .map(|e| format!("/quan-tri/nhat-ky?truoc={}{}", e.id, q.carried()));
    let chosen = q.loai.as_deref().unwrap_or("");
    let kinds = admin::kinds(en)
        .map(|(key, label)| Choice { value: key.into(), label: label.into(), selected: key == chosen })
        .collect();
    let mut ids: Vec<_> = entries.iter().flat_map(|e| [Some(e.actor), e.change.account()]).flatten().collect();
    ids.extend(q.nguoi.filter(|id| *id >= 0).map(AccountId));
    ids.sort_unstable_by_key(|a| a.0);
    ids.dedup();
    let names: HashMap<_, _> =
        state.store.identity.account_names(&ids).await.map_err(|e| err(e.into()))?.into_iter().collect();
    let name = |id: &AccountId| match names.get(id) {
        Some(n) => n.clone(),
        None if *id == admin::CONSOLE => if en { "The console" } else { "Dòng lệnh trên máy chủ" }.to_owned(),
        None => format!("#{}", id.0),
    };
    // A staff post in words, "Chuyên viên, Sở Tư pháp", from the keys an entry holds.
    let post = |role: &String, agency: &Option<String>| {
        let role = tinhso_policy::Role::parse(role)
            .map(|r| if en { r.label_en() } else { r.label_vi() })
            .unwrap_or(role.as_str());
        let agency = agency.as_deref().and_then(|c| state.agency_name(c)).unwrap_or_default();
        [role, agency].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(", ")
    };
    let rows = entries
        .iter()
        .map(|e| LogRow {
            when: tinhso_kernel::calendar::local_time(e.at).format("%d/%m/%Y %H:%M").to_string(),
            who: name(&e.actor),
            who_href: format!("/quan-tri/nhat-ky?{}", q.carried_with(Some(e.actor.0)).trim_start_matches('&')),
            what: e.change.describe(en),
            whom_href: match &e.change {
                AdminChange::ProcedureSaved { code, .. } => Some(format!("/quan-tri/thu-tuc/{code}/lich-su")),
                AdminChange::CalendarSaved { year, .. } => Some(format!("/quan-tri/lich/{year}/lich-su")),
                _ => None,
            },
            whom: match &e.change {
                AdminChange::ProcedureSaved { code, .. } => {
                    let title = tinhso_http::capability::procedures::name(&state, code).unwrap_or_default();
                    format!("{} {code} {title}", if en { "Procedure" } else { "Thủ tục" })
                }
                AdminChange::StaffImported { accounts } => {
                    format!("{} {}", accounts.len(), if en { "accounts" } else { "tài khoản" })
                }
                AdminChange::ProceduresImported { digests } => {
                    format!("{} {}", digests.len(), if en { "procedures" } else { "thủ tục" })
                }
                AdminChange::CalendarSaved { year, .. } => format!("{} {year}", if en { "Year" } else { "Năm" }),
                AdminChange::IndicatorEntered { indicator, unit, rate } => {
                    let percent =
                        rate.parse::<f64>().map(|r| format!("{:.1}%", r * 100.0)).unwrap_or_else(|_| rate.clone());
                    format!("{indicator} ({unit}): {percent}")
                }
                AdminChange::ReportCategorySaved { code, active, .. } => match (en, active) {
                    (false, true) => format!("Lĩnh vực {code}"),
                    (false, false) => format!("Lĩnh vực {code} (ngừng nhận)"),
                    (true, true) => format!("Category {code}"),
                    (true, false) => format!("Category {code} (closed)"),
                },
                AdminChange::ReportRoutesSet { routes } => routes.join("; "),
                AdminChange::Open311KeyIssued { client, .. } => client.clone(),
                AdminChange::Open311KeysRevoked { client, count } => format!("{client} ({count})"),
                AdminChange::ProvinceSetUp { agencies, .. } => {
                    format!("{agencies} {}", if en { "agencies" } else { "cơ quan" })
                }
                AdminChange::CommuneBoundariesSet { communes, .. } => {
                    format!("{communes} {}", if en { "communes" } else { "xã, phường" })
                }
                AdminChange::UploadLimitsSet { per_day_mb, total_mb } => {
                    tinhso_http::pages::limits::in_words(*per_day_mb, *total_mb, en)
                }
                _ => e.change.account().map(|a| name(&a)).unwrap_or_default(),
            },
            detail: match &e.change {
                AdminChange::StaffCreated { role, agency, .. } => post(role, agency),
                AdminChange::StaffReassigned { was_role, was_agency, role, agency, .. } => {
                    format!("{} → {}", post(was_role, was_agency), post(role, agency))
                }
                _ => String::new(),
            },
        })
        .collect();
    let title = if en { "Administrators' log" } else { "Nhật ký quản trị" };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let filtered = !q.carried().is_empty() || typed.is_some();
    let actor = q.nguoi.filter(|id| *id >= 0).map(|id| {
        (id, name(&AccountId(id)), format!("/quan-tri/nhat-ky?{}", q.carried_with(None).trim_start_matches('&')))
    });
    let page = LogPage {
        layout: Layout::new(&state, &viewer, title),
        rows,
        older,
        kinds,
        from: q.tu.clone().unwrap_or_default(),
        to: q.den.clone().unwrap_or_default(),
        errors,
        filtered,
        actor,
        login: typed.unwrap_or_default(),
    };
    Ok(viewer.finish((status, render(&page))))
}

#[cfg(test)]
mod tests {
    use super::LogParams;

    fn params(loai: Option<&str>, tu: Option<&str>, den: Option<&str>) -> LogParams {
        LogParams {
            truoc: None,
            loai: loai.map(Into::into),
            tu: tu.map(Into::into),
            den: den.map(Into::into),
            nguoi: None,
            dang_nhap: None,
        }
    }

    /// The link to older entries keeps the filter, encoded; an empty field is left out.
    #[test]
    fn older_pages_keep_the_filter() {
        assert_eq!(params(None, None, None).carried(), "");
        assert_eq!(
            params(Some("staff_locked"), Some("01/12/2026"), Some(" ")).carried(),
            "&loai=staff_locked&tu=01%2F12%2F2026"
        );
    }

    /// A period is whole Vietnam days: from midnight at UTC+7 to the midnight after the last.
    #[test]
    fn a_period_is_whole_vietnam_days() {
        let f = params(None, Some("05/12/2026"), Some("05/12/2026")).filter().unwrap_or_default();
        let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).map(|t| t.to_utc()).ok();
        assert_eq!((f.from, f.until), (t("2026-12-04T17:00:00Z"), t("2026-12-05T17:00:00Z")));
        assert!(params(Some("staff_locked"), None, None).filter().is_ok_and(|f| f.kind == Some("staff_locked")));
        let wrong = params(Some("nope"), Some("32/01/2026"), None).filter().err().unwrap_or_default();
        assert_eq!(wrong.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["loai", "tu"]);
    }
}
