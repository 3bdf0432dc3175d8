//! How dossiers read on pages: localised, precomputed strings for the templates.

use chrono::{NaiveDate, Utc};
use tinhso_catalogue::procedure::{FieldType, Procedure};
use tinhso_catalogue_web::live;
use tinhso_dossier::deadline::{local_date, working_days_late, DueStatus};
use tinhso_dossier::steps::StepProgress;
use tinhso_dossier::{Channel, Dossier, DossierState, EventKind, ReturnMethod};
use tinhso_http::state::AppState;
use tinhso_kernel::format::date_vi;
use tinhso_kernel::ids::AccountId;
use tinhso_store::StoredEvent;

/// A dossier in a list or at the top of its page.
pub struct DossierSummary {
    pub code: String,
    pub procedure: String,
    pub state_code: u8,
    pub state_key: &'static str,
    pub state: &'static str,
    pub due: String,
    /// On track, overdue by so many working days...
    pub due_status: String,
    /// Working days past the due date in force today (0 unless overdue), as a number.
    pub working_days_late: u32,
    pub due_status_key: &'static str,
    pub submitted: String,
    pub received: String,
    pub channel: &'static str,
    pub receiving: String,
    pub competent: String,
    /// Where the dossier stands in the applicant's words (no state codes).
    pub plain_state: &'static str,
    /// What is expected of the applicant now, in their words.
    pub plain_next: &'static str,
    pub processing_days: u16,
    /// Who applied, on staff lists that read it (empty elsewhere).
    pub applicant: String,
    /// The enterprise or household business the dossier is for, with its kind and tax code:
    /// "Doanh nghiệp, tổ chức: Công ty TNHH Hoa Mai (mã số 0100233488)"; empty for a person's
    /// own dossier.
    pub organization: String,
    /// In what capacity the applicant submits for it ("người được ủy quyền"); empty for a
    /// person's own dossier.
    pub capacity: &'static str,
    /// On staff lists: that the current step's holder is locked or gone from the agency, so
    /// the dossier waits for its leaders to assign it again (empty otherwise).
    pub away: &'static str,
}

pub fn status_key(s: DueStatus) -> &'static str {
    match s {
        DueStatus::NotStarted => "not-started",
        DueStatus::OnTrack => "on-track",
        DueStatus::DueSoon => "due-soon",
        DueStatus::Overdue => "overdue",
        DueStatus::Paused => "paused",
        DueStatus::Closed => "closed",
    }
}

/// Where `d` stands against its due date today: the API's rule (`json::standing`).
pub fn status_of(state: &AppState, d: &Dossier) -> DueStatus {
    crate::json::standing(state, d.state, d.due_on, d.apology_due_on, d.paused_on)
}

/// Working days an overdue dossier due on `due` (the date in force) is late by today; 0 for
/// any other status.
pub fn late_by(state: &AppState, status: DueStatus, due: Option<NaiveDate>) -> u32 {
    match status {
        DueStatus::Overdue => working_days_late(&state.calendar(), due, local_date(Utc::now())),
        _ => 0,
    }
}

/// The due date as the applicant reads it: the new date after an apology, with the old one.
pub fn due_vi(apology_due_on: Option<NaiveDate>, due_on: Option<NaiveDate>) -> String {
    match (apology_due_on, due_on) {
        (Some(new), Some(old)) => format!("{} (hẹn lại, hẹn cũ {})", date_vi(new), date_vi(old)),
        (_, Some(due)) => date_vi(due),
        _ => "Tính từ khi tiếp nhận".into(),
    }
}

/// `due_vi` for the English locale (dates stay dd/mm/yyyy).
pub fn due_en(apology_due_on: Option<NaiveDate>, due_on: Option<NaiveDate>) -> String {
    match (apology_due_on, due_on) {
        (Some(new), Some(old)) => format!("{} (moved, was {})", date_vi(new), date_vi(old)),
        (_, Some(due)) => date_vi(due),
        _ => "Counted from when the dossier is received".into(),
    }
}

/// Who a dossier is for when it is not the applicant themself, in one line.
pub fn organization_line(d: &Dossier, en: bool) -> String {
    let Some(o) = &d.organization else { return String::new() };
    if en {
        format!("{}: {} (tax code {})", d.applicant_type.label_en(), o.name, o.tax_code)
    } else {
        format!("{}: {} (mã số {})", d.applicant_type.label_vi(), o.name, o.tax_code)
    }
}

/// `d` as a page shows it, in the viewer's language (`en`).
pub fn summary(state: &AppState, d: &Dossier, en: bool) -> DossierSummary {
    let catalogue = live::index(state);
    let status = status_of(state, d);
    let late = late_by(state, status, d.apology_due_on.or(d.due_on));
    let plain_state = match en {
        true => tinhso_dossier::notice::for_applicant_en(d.state).0,
        false => tinhso_dossier::notice::for_applicant(d.state).0,
    };
    let plain_next = tinhso_dossier::notice::next_on_page(d, status, en);
    DossierSummary {
        code: d.code.to_string(),
        procedure: catalogue
            .get(d.procedure.as_str())
            .map(|p| p.name.clone())
            .unwrap_or_else(|| d.procedure.to_string()),
        state_code: d.state.code(),
        state_key: d.state.key(),
        state: if en { d.state.label_en() } else { d.state.label_vi() },
        due: if en { due_en(d.apology_due_on, d.due_on) } else { due_vi(d.apology_due_on, d.due_on) },
        due_status: status.say(late, en),
        working_days_late: late,
        due_status_key: status_key(status),
        submitted: date_vi(d.submitted_on),
        received: d.received_on.map(date_vi).unwrap_or_default(),
        channel: match (d.channel, en) {
            (Channel::Online, false) => "Trực tuyến",
            (Channel::InPerson, false) => "Trực tiếp",
            (Channel::Postal, false) => "Bưu chính công ích",
            (Channel::Online, true) => "Online",
            (Channel::InPerson, true) => "In person",
            (Channel::Postal, true) => "By post",
        },
        receiving: state.agency_name(d.receiving_agency.as_str()).unwrap_or_default().to_owned(),
        competent: state.agency_name(d.competent_agency.as_str()).unwrap_or_default().to_owned(),
        organization: organization_line(d, en),
        capacity: d
            .organization
            .as_ref()
            .map_or("", |o| if en { o.capacity.label_en() } else { o.capacity.label_vi() }),
        away: "",
        plain_state,
        plain_next,
        processing_days: d.processing_days,
        applicant: String::new(),
    }
}

pub struct HistoryRow {
    pub when: String,
    pub title: String,
    pub detail: String,
    pub internal: bool,
}

pub(crate) fn method_vi(m: ReturnMethod) -> &'static str {
    match m {
        ReturnMethod::Online => "trực tuyến",
        ReturnMethod::Desk => "tại Bộ phận Một cửa",
        ReturnMethod::Post => "qua bưu chính công ích",
    }
}

pub(crate) fn method_en(m: ReturnMethod) -> &'static str {
    match m {
        ReturnMethod::Online => "online",
        ReturnMethod::Desk => "at the one-stop desk",
        ReturnMethod::Post => "by post",
    }
}

/// Account ids to the names shown in histories and step tables.
pub type Names = std::collections::HashMap<tinhso_kernel::ids::AccountId, String>;

/// Why a step's holder can no longer act on it, so that the agency's leaders assign it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Away {
    /// The holder's account is locked.
    Locked,
    /// The holder now works in another agency.
    Moved,
}

impl Away {
    /// Whether `holder` is away, given the deciding agency's staff (each with whether it is
    /// locked): gone from them, or locked among them.
    pub fn of(holder: AccountId, staff: impl IntoIterator<Item = (AccountId, bool)>) -> Option<Away> {
        match staff.into_iter().find(|(id, _)| *id == holder) {
            None => Some(Self::Moved),
            Some((_, true)) => Some(Self::Locked),
            Some((_, false)) => None,
        }
    }

    /// As a list row says it, beside the dossier's timeliness.
    pub fn tag(self, en: bool) -> &'static str {
        match (self, en) {
            (Self::Locked, false) => "Cần giao lại: người xử lý đã bị khóa tài khoản",
            (Self::Locked, true) => "Assign again: its holder's account is locked",
            (Self::Moved, false) => "Cần giao lại: người xử lý đã chuyển khỏi cơ quan",
            (Self::Moved, true) => "Assign again: its holder moved to another agency",
        }
    }

    pub fn say(self, en: bool) -> &'static str {
        match (self, en) {
            (Self::Locked, false) => "tài khoản đã khóa, cần giao lại",
            (Self::Locked, true) => "account locked: assign it again",
            (Self::Moved, false) => "đã chuyển khỏi cơ quan, cần giao lại",
            (Self::Moved, true) => "moved to another agency: assign it again",
        }
    }
}

/// The steps' progress (`tinhso_dossier::steps::progress`), read once a page for the table
/// and for who is away.
pub fn progress(state: &AppState, d: &Dossier, events: &[StoredEvent]) -> Vec<StepProgress> {
    tinhso_dossier::steps::progress(&d.steps, events.iter().map(|e| &e.event), &state.calendar())
}

/// Holders of the steps who can no longer act (locked, or in another agency), given the
/// agency's staff; the caller looks up the names of those no longer among them.
pub fn away(progress: &[StepProgress], staff: &[tinhso_store::Account]) -> Vec<(AccountId, Away)> {
    let mut out: Vec<(AccountId, Away)> = progress
        .iter()
        .filter_map(|p| p.holder)
        .filter_map(|id| Some((id, Away::of(id, staff.iter().map(|a| (a.id, a.disabled)))?)))
        .collect();
    out.sort_unstable_by_key(|(id, _)| *id);
    out.dedup();
    out
}

/// An event's title and detail, in the viewer's language (`en`).
pub fn event_text(state: &AppState, kind: &EventKind, names: &Names, en: bool) -> (String, String) {
    let t = |vi: &str, english: &str| if en { english.to_owned() } else { vi.to_owned() };
    match kind {
        EventKind::Submitted { .. } => (t("Nộp hồ sơ", "Applied"), String::new()),
        EventKind::Received { due_on } => (
            t("Tiếp nhận hồ sơ", "Received"),
            format!("{} {}", t("Hẹn trả kết quả ngày", "Result due on"), date_vi(*due_on)),
        ),
        EventKind::Refused { reason } => (t("Từ chối tiếp nhận", "Not received"), reason.clone()),
        EventKind::SupplementRequested { items, reason } => (
            t("Yêu cầu bổ sung, hoàn thiện hồ sơ", "Documents asked for"),
            format!("{}. {}: {reason}", items.join("; "), t("Lý do", "Why")),
        ),
        EventKind::Supplemented { note, due_on, .. } => (
            t("Công dân bổ sung hồ sơ", "Documents added"),
            match due_on {
                Some(d) => format!("{note} {}: {}", t("Hẹn trả mới", "New due date"), date_vi(*d)).trim().to_owned(),
                None => note.clone(),
            },
        ),
        EventKind::PaymentRequested { amount_vnd } => {
            (t("Yêu cầu nộp phí, lệ phí", "Fees to pay"), tinhso_kernel::format::money(*amount_vnd, en))
        }
        EventKind::PaymentRecorded { online } => (
            t("Đã nộp phí, lệ phí", "Fees paid"),
            if *online {
                t("Thanh toán trực tuyến", "Paid online")
            } else {
                t("Nộp tại quầy", "Paid at the desk")
            },
        ),
        EventKind::ProcessingStarted => (t("Bắt đầu xử lý", "Processing started"), String::new()),
        EventKind::StepCompleted { step, note, next_assignee } => (
            format!("{} {step}", t("Hoàn thành bước", "Step done:")),
            match next_assignee.and_then(|a| names.get(&a)) {
                Some(who) => {
                    format!("{note} {} {who}.", t("Chuyển bước tiếp theo cho", "Next step passed to")).trim().to_owned()
                }
                None => note.clone(),
            },
        ),
        EventKind::StepAssigned { step, assignee } => (
            format!("{} {step}", t("Giao bước", "Step assigned:")),
            names.get(assignee).cloned().unwrap_or_else(|| format!("{} #{assignee}", t("Cán bộ", "Officer"))),
        ),
        EventKind::Transferred { to_agency, note } => (
            t("Chuyển xin ý kiến", "Sent for another agency's opinion"),
            format!("{}: {note}", state.agency_name(to_agency.as_str()).unwrap_or(to_agency.as_str())),
        ),
        EventKind::Approved { electronic_result, .. } => (
            t("Phê duyệt, có kết quả", "Decided, result issued"),
            if *electronic_result {
                t("Kết quả điện tử", "Electronic result")
            } else {
                t("Kết quả giấy", "Paper result")
            },
        ),
        EventKind::Returned { method } => {
            (t("Trả kết quả", "Result handed over"), if en { method_en(*method) } else { method_vi(*method) }.into())
        }
        EventKind::Withdrawn { reason } => (t("Công dân rút hồ sơ", "Withdrawn"), reason.clone()),
        EventKind::Stopped { reason } => (t("Dừng xử lý", "Stopped"), reason.clone()),
        EventKind::ApologySent { reason, new_due_on } => (
            t("Gửi phiếu xin lỗi, hẹn lại", "Apology sent, new due date"),
            format!("{reason}. {} {}", t("Hẹn lại ngày", "New due date:"), date_vi(*new_due_on)),
        ),
        EventKind::Rated { rating, comment } => (
            t("Đánh giá", "Rated"),
            format!("{} {comment}", if en { rating.label_en() } else { rating.label_vi() }).trim().into(),
        ),
    }
}

pub fn history(state: &AppState, events: &[StoredEvent], staff: bool, names: &Names, en: bool) -> Vec<HistoryRow> {
    events
        .iter()
        .filter(|e| staff || e.public)
        .map(|e| {
            let (title, detail) = event_text(state, &e.event.kind, names, en);
            let local = tinhso_kernel::calendar::local_time(e.event.at);
            HistoryRow { when: local.format("%d/%m/%Y %H:%M").to_string(), title, detail, internal: !e.public }
        })
        .collect()
}

/// One filled-in form field as a page shows it.
pub struct FormRow {
    /// In the page's language where the procedure gives one, else in Vietnamese.
    pub label: String,
    /// The label is Vietnamese on an English page (marked `lang="vi"`).
    pub label_vi: bool,
    pub value: String,
    /// A choice shown in Vietnamese on an English page, where the procedure gives no English.
    pub value_vi: bool,
}

/// The filled-in form fields, labelled in English (`en`) where the procedure can.
pub fn form_rows(state: &AppState, p: Option<&Procedure>, form: &serde_json::Value, en: bool) -> Vec<FormRow> {
    let Some(p) = p else { return Vec::new() };
    p.form_fields
        .iter()
        .filter_map(|f| {
            let v = form.get(&f.key)?;
            let mut value_vi = false;
            let shown = match f.field_type {
                FieldType::Address => {
                    let commune = v
                        .get("commune")
                        .and_then(|c| c.as_u64())
                        .and_then(|c| state.units.iter().find(|u| u64::from(u.code) == c).map(|u| u.name.clone()));
                    format!(
                        "{}, {}, {}",
                        v.get("detail").and_then(|d| d.as_str()).unwrap_or_default(),
                        commune.unwrap_or_default(),
                        state.province.name
                    )
                }
                FieldType::Date => v
                    .as_str()
                    .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                    .map(date_vi)
                    .unwrap_or_default(),
                FieldType::Select => {
                    let chosen = v.as_str().unwrap_or_default();
                    let (shown, vi) = f.option_in(chosen, en);
                    value_vi = en && vi;
                    shown.to_owned()
                }
                _ => v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()),
            };
            let (label, vi) = f.label_in(en);
            Some(FormRow { label: label.to_owned(), label_vi: en && vi, value: shown, value_vi })
        })
        .collect()
}

/// One step of the dossier's process as the workspace shows it.
pub struct StepRow {
    pub no: usize,
    pub name: String,
    pub role: &'static str,
    pub budget: String,
    pub holder: String,
    pub started: String,
    pub due: String,
    pub done: String,
    pub status: String,
    pub status_key: &'static str,
    pub current: bool,
}

fn budget_label(hours: u16, en: bool) -> String {
    let day = tinhso_catalogue::workflow::HOURS_PER_DAY;
    match (hours.is_multiple_of(day), en) {
        (true, false) => format!("{} ngày", hours / day),
        (true, true) => format!("{} working day{}", hours / day, if hours == day { "" } else { "s" }),
        (false, false) => format!("{hours} giờ"),
        (false, true) => format!("{hours} working hour{}", if hours == 1 { "" } else { "s" }),
    }
}

/// The process table: each step's holder, dates and whether it kept to its budget.
/// A current step's holder in `away` is said to be so, for the leaders to assign it again.
pub fn step_rows(
    state: &AppState,
    d: &Dossier,
    progress: Vec<StepProgress>,
    names: &Names,
    away: &[(AccountId, Away)],
    en: bool,
) -> Vec<StepRow> {
    let today = local_date(Utc::now());
    let open = d.state == DossierState::Processing;
    let date = |d: Option<chrono::NaiveDate>| d.map(date_vi).unwrap_or_default();
    progress
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let late = p.is_late(today);
            let current = open && p.started_on.is_some() && p.done_on.is_none();
            let t = |vi: &'static str, english: &'static str| if en { english } else { vi };
            let (status, status_key) = match (p.started_on, p.done_on) {
                (_, Some(_)) if late => (t("Hoàn thành trễ hạn", "Done late").to_owned(), "overdue"),
                (_, Some(_)) => (t("Hoàn thành đúng hạn", "Done on time").to_owned(), "on-track"),
                (Some(_), None) if !open => (t("Tạm dừng", "Paused").to_owned(), "paused"),
                // The step's holder sees by how many working days, as lists say of dossiers.
                (Some(_), None) if late => {
                    (DueStatus::Overdue.say(working_days_late(&state.calendar(), p.due_on, today), en), "overdue")
                }
                (Some(_), None) => (t("Đang xử lý", "In progress").to_owned(), "due-soon"),
                (None, None) => (t("Chưa đến", "Not yet").to_owned(), "not-started"),
            };
            StepRow {
                no: i + 1,
                name: p.step.name.clone(),
                role: if en { p.step.role.label_en() } else { p.step.role.label_vi() },
                budget: budget_label(p.step.budget_hours, en),
                holder: match p.holder {
                    Some(id) => {
                        let name =
                            names.get(&id).cloned().unwrap_or_else(|| format!("{} #{id}", t("Cán bộ", "Officer")));
                        match away.iter().find(|(a, _)| *a == id) {
                            Some((_, why)) if current => format!("{name} ({})", why.say(en)),
                            _ => name,
                        }
                    }
                    None if p.started_on.is_some() => {
                        t("Chưa giao (mọi cán bộ cùng vai trò)", "Not assigned (any officer in the role)").into()
                    }
                    None => String::new(),
                },
                started: date(p.started_on),
                due: date(p.due_on),
                done: date(p.done_on),
                status,
                status_key,
                current,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holder_is_away_when_locked_or_gone_from_the_agency() {
        let staff = [(AccountId(1), false), (AccountId(2), true)];
        assert_eq!(Away::of(AccountId(1), staff), None, "at work");
        assert_eq!(Away::of(AccountId(2), staff), Some(Away::Locked));
        assert_eq!(Away::of(AccountId(3), staff), Some(Away::Moved));
        assert_eq!(Away::of(AccountId(3), []), Some(Away::Moved), "an agency with nobody left");
    }
}
