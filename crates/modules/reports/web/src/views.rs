//! A report as people see it: the public side (never the reporter's contact, their name only
//! when they chose to show it, nothing moderation hid) and, for the agencies handling it, the
//! internal side too.

use chrono::{DateTime, Utc};
use tinhso_http::state::AppState;
use tinhso_kernel::calendar::local_date;
use tinhso_kernel::format::date_vi;
use tinhso_reports::deadline::Timeliness;
use tinhso_reports::machine::EventKind;
use tinhso_reports::Report;
use tinhso_store::StoredReportEvent;

pub struct ReportView {
    pub id: i64,
    pub public_id: String,
    pub category: String,
    pub category_code: String,
    pub state_key: &'static str,
    pub state: &'static str,
    pub open: bool,
    pub description: String,
    pub hidden: bool,
    pub place: String,
    pub commune: String,
    pub point: Option<(f64, f64)>,
    pub received: String,
    pub due: String,
    pub timeliness: &'static str,
    pub timeliness_key: &'static str,
    pub agency: String,
    pub answer: Option<String>,
    pub reporter: String,
    pub dossier_code: Option<String>,
    pub duplicate_of: Option<i64>,
    pub awaiting_reporter: bool,
    /// The reporter's photos, and the agency's of the fix (both without those moderation hid).
    pub photos: Vec<String>,
    pub fix_photos: Vec<String>,
}

impl ReportView {
    /// The start of what was reported, for a line in a staff list (triage without opening it).
    pub fn excerpt(&self) -> String {
        tinhso_kernel::text::excerpt(&self.description, 110)
    }
}

/// Vietnamese date and time (UTC+7).
pub fn when(t: DateTime<Utc>) -> String {
    let local = tinhso_kernel::calendar::local_time(t);
    format!("{} {}", date_vi(local.date()), local.format("%H:%M"))
}

pub fn commune_name(state: &AppState, code: Option<u32>) -> String {
    code.and_then(|c| state.units.iter().find(|u| u.code == c)).map(|u| u.name.clone()).unwrap_or_default()
}

pub fn agency_name(state: &AppState, code: &str) -> String {
    state.agency_name(code).unwrap_or(code).to_owned()
}

pub fn category_name(categories: &[tinhso_reports::Category], code: &str) -> String {
    categories.iter().find(|c| c.code == code).map_or_else(|| code.to_owned(), |c| c.name.clone())
}

/// A category's name in the viewer's language (its Vietnamese name when it has no English one).
pub fn category_label(c: &tinhso_reports::Category, en: bool) -> String {
    if en && !c.name_en.is_empty() {
        c.name_en.clone()
    } else {
        c.name.clone()
    }
}

/// `r` as the public sees it: nothing personal unless the reporter chose to show their name (the
/// report page adds the handling side, contact included, for the agencies handling it). `en`
/// gives its labels (state, timeliness, category) in English.
pub fn view(state: &AppState, categories: &[tinhso_reports::Category], r: &Report, en: bool) -> ReportView {
    let today = local_date(Utc::now());
    let t = Timeliness::of(r.deadlines.handle_due, r.handled_on, today);
    let hidden = r.text_hidden.is_some();
    let commune = commune_name(state, r.commune);
    let place =
        [r.address.as_str(), commune.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(", ");
    ReportView {
        id: r.id,
        public_id: tinhso_reports::public_id(r.id),
        category: categories
            .iter()
            .find(|c| c.code == r.category)
            .map_or_else(|| r.category.clone(), |c| category_label(c, en)),
        category_code: r.category.clone(),
        state_key: r.state.key(),
        state: if en { r.state.label_en() } else { r.state.label_vi() },
        open: r.state.is_open(),
        description: if hidden {
            if en { "The text was hidden under the rules." } else { "Nội dung đã được ẩn theo quy định." }.to_owned()
        } else {
            r.description.clone()
        },
        hidden,
        place,
        commune,
        point: r.point.map(|p| (p.lat, p.lon)),
        received: when(r.received_at),
        due: date_vi(r.deadlines.handle_due),
        timeliness: if en { t.label_en() } else { t.label_vi() },
        timeliness_key: t.key(),
        agency: agency_name(state, r.agency.as_str()),
        answer: r.answer.clone(),
        reporter: if r.show_identity && !r.reporter_name.is_empty() {
            r.reporter_name.clone()
        } else {
            if en { "A resident (anonymous)" } else { "Người dân (ẩn danh)" }.to_owned()
        },
        dossier_code: r.dossier_code.clone(),
        duplicate_of: r.duplicate_of,
        awaiting_reporter: r.awaiting_reporter_since.is_some(),
        photos: r.photos.iter().filter(|p| p.hidden.is_none() && !p.of_fix).map(|p| p.sha256.clone()).collect(),
        fix_photos: r.photos.iter().filter(|p| p.hidden.is_none() && p.of_fix).map(|p| p.sha256.clone()).collect(),
    }
}

/// One line of a report's history.
pub struct HistoryItem {
    pub when: String,
    pub what: String,
    pub text: Option<String>,
    pub internal: bool,
}

/// The history the viewer may see: public entries, and every entry for those handling it.
pub fn history(state: &AppState, events: &[StoredReportEvent], internal: bool, en: bool) -> Vec<HistoryItem> {
    events
        .iter()
        .filter(|e| internal || e.public)
        .map(|e| {
            let (what, text) = describe(state, &e.event.kind, internal, en);
            HistoryItem { when: when(e.event.at), what, text, internal: !e.public }
        })
        .collect()
}

fn describe(state: &AppState, k: &EventKind, internal: bool, en: bool) -> (String, Option<String>) {
    let name = |a: &tinhso_kernel::ids::AgencyCode| agency_name(state, a.as_str());
    let t = |vi: &str, english: &str| if en { english.to_owned() } else { vi.to_owned() };
    match k {
        EventKind::Submitted { agency, .. } => {
            (t("Tiếp nhận phản ánh, giao", "Received, given to") + " " + &name(agency), None)
        }
        EventKind::Accepted { .. } => (t("Cơ quan đã tiếp nhận xử lý", "Accepted by the agency"), None),
        EventKind::Refused { answer, .. } => {
            (t("Không thuộc thẩm quyền", "Not the agency's to handle"), Some(answer.clone()))
        }
        EventKind::Forwarded { to, reason, .. } => {
            (t("Chuyển đến", "Forwarded to") + " " + &name(to), internal.then(|| reason.clone()))
        }
        EventKind::ContributorAdded { agency } => (
            if en {
                format!("{} asked to help", name(agency))
            } else {
                format!("Mời {} phối hợp xử lý", name(agency))
            },
            None,
        ),
        EventKind::InfoRequested { question, .. } => (
            t("Đề nghị người phản ánh bổ sung thông tin", "More information asked of the reporter"),
            Some(question.clone()),
        ),
        EventKind::InfoProvided { text, .. } => {
            (t("Người phản ánh bổ sung thông tin", "The reporter added information"), Some(text.clone()))
        }
        EventKind::StateSet { state: s, answer, .. } => (t(s.label_vi(), s.label_en()), answer.clone()),
        EventKind::MarkedDuplicate { of, .. } => {
            (t("Trùng với phản ánh", "Duplicate of report") + " " + &tinhso_reports::public_id(*of), None)
        }
        EventKind::Updated { text, .. } => (t("Cập nhật của cơ quan", "Update from the agency"), Some(text.clone())),
        EventKind::Noted { text } => (t("Ghi chú nội bộ", "Internal note"), Some(text.clone())),
        EventKind::Hidden { photo, reason } => (
            if photo.is_some() {
                t("Ẩn một ảnh", "A photo hidden")
            } else {
                t("Ẩn nội dung phản ánh", "The text hidden")
            },
            Some(reason.clone()),
        ),
        EventKind::Escalated { to } => (t("Quá hạn, chuyển lên", "Overdue, escalated to") + " " + &name(to), None),
        EventKind::Reopened { reason, .. } => {
            (t("Người phản ánh phản ánh lại", "Reported again"), Some(reason.clone()))
        }
        EventKind::Rated { satisfied, comment } => (
            if *satisfied {
                t("Người phản ánh hài lòng", "The reporter is satisfied")
            } else {
                t("Người phản ánh không hài lòng", "The reporter is not satisfied")
            },
            (!comment.is_empty()).then(|| comment.clone()),
        ),
    }
}
