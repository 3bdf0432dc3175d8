//! What the pages, Open311 and the jobs share: taking a report in (checked, placed in its
//! commune by the loaded boundaries, routed, its commune's subscribers told), the open reports
//! nearby, acting on one (authorized, decided by the core, recorded with its followers'
//! notifications), and the jobs that remind handlers of reports due soon and escalate overdue
//! ones.

use chrono::{DateTime, SubsecRound, Utc};
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::calendar::local_date;
use tinhso_kernel::ids::{AccountId, DossierCode};
use tinhso_kernel::FieldError;
use tinhso_policy::Actor;
use tinhso_reports::geo::{bounding_box, distance_m, Point, DUPLICATE_RADIUS_M};
use tinhso_reports::intake::{self, Draft};
use tinhso_reports::{access, machine, routing, Command, Report};
use tinhso_store::{Account, Notification, ReportQuery, StoreError};

/// Now, to the microsecond the ledger keeps (so a report folded again from its history is the
/// one stored).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// The account Open311 and anonymous reports are recorded as acting (no person).
pub const NOBODY: AccountId = AccountId::NO_PERSON;

fn rejected(r: machine::Rejection) -> AppError {
    AppError::Conflict { code: r.code, vi: r.vi, en: r.en }
}

/// Checks `d`, routes it and records it; the first problems found, all at once, otherwise.
pub async fn submit(
    state: &AppState,
    reporter: Option<&Account>,
    d: &Draft,
    photos: Vec<String>,
) -> Result<Report, AppError> {
    let categories = state.store.reports.report_categories().await?;
    let mut new =
        intake::check(d, &categories, &state.units, reporter.map(|a| a.id), photos).map_err(AppError::Invalid)?;
    if let (None, Some(p)) = (new.commune, new.point) {
        // Placed by the province's boundaries, when it has loaded them.
        let b = boundaries(state).await?;
        if !b.is_empty() {
            match tinhso_reports::geo::commune_at(&b, p) {
                Some(c) => new.commune = Some(c),
                None => {
                    return Err(AppError::Invalid(vec![FieldError::new(
                        "lat",
                        "outside_province",
                        "Vị trí này nằm ngoài địa bàn tỉnh; kiểm tra toạ độ hoặc chọn xã, phường",
                        "This place is outside the province: check the coordinates or choose the commune",
                    )]))
                }
            }
        }
    }
    if let Some(token) = &new.client_token {
        if state.store.reports.report_by_token(token).await?.is_some() {
            return Err(AppError::Conflict {
                code: "duplicate_token",
                vi: "Phản ánh với mã tham chiếu này đã được gửi".into(),
                en: "A report with this token was already sent".into(),
            });
        }
    }
    let routes = state.store.reports.report_routes().await?;
    // A report about a dossier goes to the agency deciding it. A code that names no dossier is
    // kept as written and routed as if absent: saying so would tell anyone which codes exist.
    let deciding = match new.dossier_code.as_deref().map(|c| DossierCode::parse("dossier_code", c)) {
        Some(Ok(code)) => state.store.dossiers.dossier(&code).await?.map(|r| r.dossier.competent_agency),
        _ => None,
    };
    let agency = routing::route(&routes, &state.agencies, &new.category, new.commune, deciding.as_ref())
        .ok_or_else(|| AppError::Internal("the province has no agency to route reports to".into()))?;
    let now = now();
    let first =
        machine::submit(new, agency, &state.calendar(), local_date(now), now, reporter.map_or(NOBODY, |a| a.id))
            .map_err(rejected)?;
    let r = match state.store.reports.create_report(&first).await {
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::Conflict {
                code: "duplicate_token",
                vi: "Phản ánh với mã tham chiếu này đã được gửi".into(),
                en: "A report with this token was already sent".into(),
            })
        }
        other => other?,
    };
    tell_subscribers(state, &r).await;
    Ok(r)
}

pub type Boundaries = std::sync::Arc<Vec<(u32, tinhso_reports::geo::Territory)>>;

/// The communes' boundaries, kept in memory until an import moves their version on.
static BOUNDARIES: std::sync::Mutex<Option<(i64, Boundaries)>> = std::sync::Mutex::new(None);

pub async fn boundaries(state: &AppState) -> Result<Boundaries, AppError> {
    let version = state.store.reports.commune_boundaries_version().await?;
    if let Ok(kept) = BOUNDARIES.lock() {
        if let Some((_, b)) = kept.as_ref().filter(|(v, _)| *v == version) {
            return Ok(b.clone());
        }
    }
    let b: Boundaries = std::sync::Arc::new(state.store.reports.commune_boundaries().await?);
    if let Ok(mut kept) = BOUNDARIES.lock() {
        *kept = Some((version, b.clone()));
    }
    Ok(b)
}

/// Tells the people following `r`'s commune of it, once (a key per report), after it is stored.
/// A failure here is logged, not the reporter's problem: the report is already durable.
async fn tell_subscribers(state: &AppState, r: &Report) {
    let Some(commune) = r.commune else { return };
    let notes = match state.store.reports.commune_subscribers(commune).await {
        Ok(s) => s
            .into_iter()
            .filter(|a| Some(*a) != r.reporter)
            .map(|account_id| {
                let place = crate::views::commune_name(state, Some(commune));
                let id = tinhso_reports::public_id(r.id);
                Notification::new(
                    account_id,
                    format!("Phản ánh mới ở {place}"),
                    format!("{id}: {}. Xem tại /phan-anh/{}", r.category, r.id),
                )
                .with_english(
                    format!("A new report in {place}"),
                    format!("{id}: {}. See /phan-anh/{}", r.category, r.id),
                )
            })
            .collect::<Vec<_>>(),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the commune's subscribers");
            return;
        }
    };
    if !notes.is_empty() {
        if let Err(e) = state.store.notify.send_alert(&format!("report-new:{}", r.id), &notes).await {
            tracing::warn!(error = %e, "cannot tell the commune's subscribers");
        }
    }
}

/// Open reports of `category` within the duplicate radius of `p`, nearest first.
pub async fn nearby(state: &AppState, category: &str, p: Point) -> Result<Vec<(Report, f64)>, AppError> {
    let q = ReportQuery {
        category: Some(category.to_owned()),
        bbox: Some(bounding_box(p, DUPLICATE_RADIUS_M)),
        open_only: true,
        limit: 50,
        ..Default::default()
    };
    let mut found: Vec<(Report, f64)> = state
        .store
        .reports
        .reports(&q)
        .await?
        .into_iter()
        .filter_map(|r| {
            let d = distance_m(p, r.point?);
            (d <= DUPLICATE_RADIUS_M).then_some((r, d))
        })
        .collect();
    found.sort_by(|a, b| a.1.total_cmp(&b.1));
    Ok(found)
}

/// The point a draft gives, if it gives a valid one.
pub fn draft_point(d: &Draft) -> Option<Point> {
    Point::new(d.lat.trim().parse().ok()?, d.lon.trim().parse().ok()?)
}

/// Loads report `id`, or 404.
pub async fn load(state: &AppState, id: i64) -> Result<Report, AppError> {
    state.store.reports.report(id).await?.ok_or(AppError::NotFound)
}

fn actor(a: &Account) -> Actor {
    Actor { role: a.role, agency: a.agency.clone() }
}

/// Whether `viewer` handles report `r` (sees its internal side).
pub fn handles(viewer: Option<&Account>, r: &Report) -> bool {
    viewer.is_some_and(|a| access::sees_internals(&actor(a), r))
}

/// `account` issues `cmd` on report `id`: authorized, decided on the report as stored, and
/// recorded with its notifications (to the reporter and followers, for public changes).
pub async fn act(state: &AppState, account: &Account, id: i64, cmd: Command) -> Result<Report, AppError> {
    // Someone may act between our read and our write: decide again on the fresh report.
    for _ in 0..3 {
        let r = load(state, id).await?;
        if !access::allowed(&actor(account), account.id, cmd.kind(), &r) {
            return Err(AppError::Forbidden);
        }
        if let Command::MarkDuplicate { of } = &cmd {
            let original = state.store.reports.report(*of).await?.ok_or_else(|| {
                AppError::Invalid(vec![FieldError::new(
                    "of",
                    "no_such_report",
                    "Không có phản ánh gốc với số này",
                    "No report with that number",
                )])
            })?;
            if !original.state.is_open() && original.duplicate_of.is_some() {
                return Err(AppError::bad_request(
                    "original_is_duplicate",
                    "Phản ánh gốc cũng là bản trùng; gộp vào phản ánh đầu tiên",
                    "The original is itself a duplicate; merge into the first report",
                ));
            }
        }
        let now = now();
        let e = machine::decide(&r, &cmd, &state.calendar(), local_date(now), now, account.id).map_err(rejected)?;
        let notify = if e.kind.public() { notices(state, &r, &cmd, account.id).await? } else { Vec::new() };
        match state.store.reports.record_report_events(id, r.version, &[e], &notify).await {
            Err(StoreError::Conflict(_)) => continue,
            other => {
                let done = other?;
                if let Command::MarkDuplicate { of } = cmd {
                    // The duplicate's followers now follow the original.
                    for f in state.store.reports.report_followers(id).await? {
                        state.store.reports.follow_report(of, f).await?;
                    }
                }
                return Ok(done);
            }
        }
    }
    Err(AppError::Conflict {
        code: "busy",
        vi: "Phản ánh vừa được người khác cập nhật; vui lòng thử lại".into(),
        en: "The report was just changed by someone else; try again".into(),
    })
}

/// The messages a public change of `r` sends: to every follower but the one acting.
async fn notices(state: &AppState, r: &Report, cmd: &Command, actor: AccountId) -> Result<Vec<Notification>, AppError> {
    let id = tinhso_reports::public_id(r.id);
    let (body, body_en) = match cmd {
        Command::MarkDuplicate { of } => {
            let original = tinhso_reports::public_id(*of);
            (
                format!("Phản ánh {id} trùng với phản ánh {original}; bạn sẽ nhận cập nhật của phản ánh đó. Xem: /phan-anh/{of}"),
                format!("Report {id} duplicates report {original}; you will hear of that one's updates. See /phan-anh/{of}"),
            )
        }
        Command::RequestInfo { question } => (
            format!(
                "Cơ quan đề nghị bạn bổ sung thông tin cho phản ánh {id}: {question}. Trả lời tại /phan-anh/{}",
                r.id
            ),
            format!("The agency asks you for more about report {id}: {question}. Answer at /phan-anh/{}", r.id),
        ),
        _ => (
            format!("Phản ánh {id} có cập nhật ({}). Xem tại /phan-anh/{}", cmd.kind().label_vi(), r.id),
            format!("Report {id} has an update ({}). See /phan-anh/{}", cmd.kind().label_en(), r.id),
        ),
    };
    let followers = state.store.reports.report_followers(r.id).await?;
    Ok(followers
        .into_iter()
        .filter(|f| *f != actor)
        .map(|account_id| {
            Notification::new(account_id, format!("Phản ánh {id}"), body.clone())
                .with_english(format!("Report {id}"), body_en.clone())
        })
        .collect())
}

/// Open reports whose handling is overdue on `today` and not yet at the province's level go up
/// to the province's People's Committee, once each (the job runs every 15 minutes). Returns how
/// many.
pub async fn escalate_overdue(state: &AppState, today: chrono::NaiveDate) -> Result<usize, AppError> {
    let Some(province) = routing::route(&[], &state.agencies, "", None, None) else { return Ok(0) };
    let mut moved = 0;
    let mut before = None;
    loop {
        let q = ReportQuery {
            overdue_on: Some(today),
            open_only: true,
            before_id: before,
            limit: 500,
            ..Default::default()
        };
        let page = state.store.reports.reports(&q).await?;
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        for r in page.iter().filter(|r| !r.escalated && r.agency != province) {
            let now = now();
            let cmd = Command::Escalate { to: province.clone() };
            if let Ok(e) = machine::decide(r, &cmd, &state.calendar(), today, now, NOBODY) {
                match state.store.reports.record_report_events(r.id, r.version, &[e], &[]).await {
                    Ok(_) => moved += 1,
                    Err(StoreError::Conflict(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
    Ok(moved)
}

/// Working days before its due date from which a report's handlers are reminded.
pub const REMIND_WORKING_DAYS: u32 = 2;

/// Reminds the staff of the agency handling each open report due within two working days,
/// once per report and due date (a key in the database, so restarts and several servers do not
/// repeat it). Returns how many reports were reminded of.
pub async fn remind_due_soon(state: &AppState, today: chrono::NaiveDate) -> Result<usize, AppError> {
    let Some(soon) = state.calendar().due_date(today, REMIND_WORKING_DAYS) else { return Ok(0) };
    let mut reminded = 0;
    let mut before = None;
    loop {
        let q = ReportQuery {
            open_only: true,
            overdue_on: soon.succ_opt(),
            before_id: before,
            limit: 500,
            ..Default::default()
        };
        let page = state.store.reports.reports(&q).await?;
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        for r in page.iter().filter(|r| r.deadlines.handle_due >= today) {
            let staff = state.store.identity.staff(&r.agency).await?;
            let notes: Vec<Notification> = staff
                .iter()
                .filter(|a| !a.disabled && access::allowed(&actor(a), a.id, tinhso_reports::CommandKind::Fix, r))
                .map(|a| {
                    let (id, due) =
                        (tinhso_reports::public_id(r.id), tinhso_kernel::format::date_vi(r.deadlines.handle_due));
                    Notification::new(
                        a.id,
                        format!("Phản ánh {id} sắp đến hạn"),
                        format!("Phản ánh {id} phải được xử lý trước ngày {due}. Xem tại /phan-anh/{}", r.id),
                    )
                    .with_english(
                        format!("Report {id} is due soon"),
                        format!("Report {id} must be handled by {due}. See /phan-anh/{}", r.id),
                    )
                })
                .collect();
            let key = format!("report-due:{}:{}", r.id, r.deadlines.handle_due);
            if !notes.is_empty() && state.store.notify.send_alert(&key, &notes).await? {
                reminded += 1;
            }
        }
    }
    Ok(reminded)
}

/// Reminds and escalates every `every` (the server runs it every 15 minutes), once per period
/// across all servers and restarts.
pub async fn escalation_loop(state: AppState, every: std::time::Duration) {
    let s = &state;
    tinhso_http::schedule::every(state.store.schedule.clone(), "reports.escalation", every, || async move {
        let today = local_date(now());
        match remind_due_soon(s, today).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(reports = n, "handlers reminded of reports due soon"),
            Err(e) => tracing::warn!(error = %e, "cannot remind handlers of reports due soon"),
        }
        match escalate_overdue(s, today).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(reports = n, "overdue reports escalated to the province"),
            Err(e) => tracing::warn!(error = %e, "cannot escalate overdue reports"),
        }
    })
    .await;
}
