//! A report's life as events: `decide` checks a command against the report and the rules and
//! returns the event to record (or why not, in Vietnamese and English); `apply` folds events
//! into the report. Deadlines travel inside the events, so folding needs no calendar and a
//! report read back from its history is the one that was decided on.

use crate::deadline::{self, Deadlines, REOPEN_DAYS};
use crate::geo::Point;
use crate::state::ReportState;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tinhso_kernel::calendar::WorkingCalendar;
use tinhso_kernel::ids::{AccountId, AgencyCode};

pub use crate::command::{Command, CommandKind};

/// About a place (a pothole, a dark street) or about a public service or dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Place,
    Service,
}

/// A photo of the problem (from the reporter) or of the fix (from staff), by its file hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    pub sha256: String,
    /// Sent by the agency with an update (a photo of the fix), not by the reporter.
    pub of_fix: bool,
    /// Why moderation took it off the public pages, if it did.
    pub hidden: Option<String>,
}

/// What a reporter sends, checked at the edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewReport {
    pub kind: ReportKind,
    pub category: String,
    pub description: String,
    pub point: Option<Point>,
    pub commune: Option<u32>,
    pub address: String,
    pub dossier_code: Option<String>,
    /// The account that reported, when logged in (Open311 and anonymous reports have none).
    pub reporter: Option<AccountId>,
    pub reporter_name: String,
    /// An e-mail or phone the agency may use; never public unless `show_identity`.
    pub reporter_contact: String,
    pub show_identity: bool,
    pub photos: Vec<String>,
    /// Open311 clients' own id for the report, if they sent one.
    pub client_token: Option<String>,
}

/// A report as its events leave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: i64,
    pub kind: ReportKind,
    pub category: String,
    pub description: String,
    pub point: Option<Point>,
    pub commune: Option<u32>,
    pub address: String,
    pub dossier_code: Option<String>,
    pub reporter: Option<AccountId>,
    pub reporter_name: String,
    pub reporter_contact: String,
    pub show_identity: bool,
    pub photos: Vec<Photo>,
    /// The lead agency; `contributors` help on cases that need several.
    pub agency: AgencyCode,
    pub contributors: Vec<AgencyCode>,
    pub state: ReportState,
    pub received_at: DateTime<Utc>,
    pub received_on: NaiveDate,
    pub deadlines: Deadlines,
    pub triaged_on: Option<NaiveDate>,
    /// Asked for more information and waiting for the reporter since this day.
    pub awaiting_reporter_since: Option<NaiveDate>,
    pub info_requested: bool,
    pub paused_days: u32,
    pub handled_on: Option<NaiveDate>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The agency's public answer.
    pub answer: Option<String>,
    pub duplicate_of: Option<i64>,
    /// Moved to the province's level when overdue.
    pub escalated: bool,
    pub rating: Option<bool>,
    /// Times the reporter reopened it (a repeat complaint counts against satisfaction).
    pub reopened: u32,
    /// Why moderation hid the description, if it did.
    pub text_hidden: Option<String>,
    pub client_token: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Something that happened to a report; stored on the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub actor: AccountId,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    Submitted {
        report: Box<NewReport>,
        agency: AgencyCode,
        deadlines: Deadlines,
        received_on: NaiveDate,
    },
    Accepted {
        on: NaiveDate,
    },
    Refused {
        answer: String,
        on: NaiveDate,
    },
    Forwarded {
        from: AgencyCode,
        to: AgencyCode,
        reason: String,
        on: NaiveDate,
    },
    ContributorAdded {
        agency: AgencyCode,
    },
    InfoRequested {
        question: String,
        on: NaiveDate,
    },
    InfoProvided {
        text: String,
        on: NaiveDate,
        paused_days: u32,
        handle_due: NaiveDate,
    },
    /// Work moved on (investigating, in progress, scheduled) or ended with an answer.
    StateSet {
        state: ReportState,
        answer: Option<String>,
        on: NaiveDate,
        photos: Vec<String>,
    },
    MarkedDuplicate {
        of: i64,
        on: NaiveDate,
    },
    /// A public update without a change of state.
    Updated {
        text: String,
        photos: Vec<String>,
    },
    /// Staff only.
    Noted {
        text: String,
    },
    Hidden {
        photo: Option<String>,
        reason: String,
    },
    Escalated {
        to: AgencyCode,
    },
    Reopened {
        reason: String,
        on: NaiveDate,
    },
    Rated {
        satisfied: bool,
        comment: String,
    },
}

impl EventKind {
    /// Shown in the report's public history (internal notes, moderation and the reporter's
    /// extra information are not).
    pub fn public(&self) -> bool {
        Self::is_public_key(self.key())
    }

    /// The same, by the kind's key (what the ledger's audit reads).
    pub fn is_public_key(key: &str) -> bool {
        !matches!(key, "noted" | "hidden" | "info_provided")
    }

    pub fn key(&self) -> &'static str {
        match self {
            Self::Submitted { .. } => "submitted",
            Self::Accepted { .. } => "accepted",
            Self::Refused { .. } => "refused",
            Self::Forwarded { .. } => "forwarded",
            Self::ContributorAdded { .. } => "contributor_added",
            Self::InfoRequested { .. } => "info_requested",
            Self::InfoProvided { .. } => "info_provided",
            Self::StateSet { .. } => "state_set",
            Self::MarkedDuplicate { .. } => "marked_duplicate",
            Self::Updated { .. } => "updated",
            Self::Noted { .. } => "noted",
            Self::Hidden { .. } => "hidden",
            Self::Escalated { .. } => "escalated",
            Self::Reopened { .. } => "reopened",
            Self::Rated { .. } => "rated",
        }
    }
}

/// Why a command was not accepted: a stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: &'static str,
    pub vi: String,
    pub en: String,
}

fn reject(code: &'static str, vi: &str, en: &str) -> Rejection {
    Rejection { code, vi: vi.into(), en: en.into() }
}

/// What a reporter or staff member must write (an answer, a reason): not empty, not a novel.
fn text(s: &str, what_vi: &str, what_en: &str) -> Result<String, Rejection> {
    let t = tinhso_kernel::text::clean(s);
    let t = t.trim();
    if t.is_empty() {
        return Err(Rejection {
            code: "text_required", vi: format!("Nhập {what_vi}"), en: format!("Enter {what_en}")
        });
    }
    if t.chars().count() > 4000 {
        return Err(Rejection {
            code: "text_too_long",
            vi: format!("{what_vi} dài quá 4.000 ký tự"),
            en: format!("{what_en} is longer than 4,000 characters"),
        });
    }
    Ok(t.to_owned())
}

/// The first event of a report received at `at` (local day `today`), routed to `agency`.
pub fn submit(
    report: NewReport,
    agency: AgencyCode,
    cal: &WorkingCalendar,
    today: NaiveDate,
    at: DateTime<Utc>,
    actor: AccountId,
) -> Result<Event, Rejection> {
    let deadlines = deadline::deadlines(cal, today, 0)
        .ok_or_else(|| reject("calendar", "Không tính được hạn xử lý", "Cannot compute the due dates"))?;
    Ok(Event {
        at,
        actor,
        kind: EventKind::Submitted { report: Box::new(report), agency, deadlines, received_on: today },
    })
}

/// The event `cmd` makes on `r`, decided at `at` (local day `today`), or why not. Who may
/// issue it is `access`'s question, asked before this one.
pub fn decide(
    r: &Report,
    cmd: &Command,
    cal: &WorkingCalendar,
    today: NaiveDate,
    at: DateTime<Utc>,
    actor: AccountId,
) -> Result<Event, Rejection> {
    use ReportState as S;
    let open = r.state.is_open();
    let must_be_open = || {
        if open {
            Ok(())
        } else {
            Err(reject("report_closed", "Phản ánh đã đóng", "The report is closed"))
        }
    };
    let kind = match cmd {
        Command::Accept => {
            if r.state != S::ForTriage {
                return Err(reject("already_triaged", "Phản ánh đã được phân loại", "The report was already triaged"));
            }
            EventKind::Accepted { on: today }
        }
        Command::Refuse { answer } => {
            if r.state != S::ForTriage {
                return Err(reject(
                    "already_triaged",
                    "Chỉ từ chối được khi phản ánh còn chờ phân loại",
                    "Only a report awaiting triage can be refused",
                ));
            }
            EventKind::Refused { answer: text(answer, "lý do từ chối", "the reason")?, on: today }
        }
        Command::Forward { to, reason } => {
            must_be_open()?;
            if *to == r.agency {
                return Err(reject("same_agency", "Phản ánh đang ở cơ quan này", "The report is already there"));
            }
            EventKind::Forwarded {
                from: r.agency.clone(),
                to: to.clone(),
                reason: text(reason, "lý do chuyển", "the reason")?,
                on: today,
            }
        }
        Command::AddContributor { agency } => {
            must_be_open()?;
            if *agency == r.agency || r.contributors.contains(agency) {
                return Err(reject(
                    "already_involved",
                    "Cơ quan này đã tham gia xử lý",
                    "That agency is already involved",
                ));
            }
            EventKind::ContributorAdded { agency: agency.clone() }
        }
        Command::RequestInfo { question } => {
            must_be_open()?;
            if r.info_requested {
                return Err(reject(
                    "info_already_requested",
                    "Chỉ được đề nghị bổ sung thông tin một lần",
                    "More information can be requested once",
                ));
            }
            if today > r.deadlines.info_request_due {
                return Err(Rejection {
                    code: "info_request_too_late",
                    vi: format!(
                        "Đã quá hạn đề nghị bổ sung thông tin ({} ngày làm việc từ khi tiếp nhận)",
                        deadline::FIRST_INFO_REQUEST_DAYS
                    ),
                    en: "The time to request more information has passed".into(),
                });
            }
            EventKind::InfoRequested {
                question: text(question, "nội dung cần bổ sung", "the question")?, on: today
            }
        }
        Command::ProvideInfo { text: t } => {
            let Some(since) = r.awaiting_reporter_since else {
                return Err(reject(
                    "no_info_requested",
                    "Cơ quan không đề nghị bổ sung thông tin",
                    "No information was requested",
                ));
            };
            // The days waited do not count against the agency.
            let waited = u32::try_from(cal.working_days_between(since, today).max(0)).unwrap_or(u32::MAX);
            let paused_days = r.paused_days.saturating_add(waited);
            let handle_due = deadline::deadlines(cal, r.received_on, paused_days)
                .ok_or_else(|| reject("calendar", "Không tính được hạn xử lý", "Cannot compute the due dates"))?
                .handle_due;
            EventKind::InfoProvided {
                text: text(t, "thông tin bổ sung", "the information")?,
                on: today,
                paused_days,
                handle_due,
            }
        }
        Command::Investigate => progress(r, S::Investigating, today)?,
        Command::StartWork => progress(r, S::InProgress, today)?,
        Command::Schedule { note } => {
            must_be_open()?;
            EventKind::StateSet {
                state: S::ActionScheduled,
                answer: Some(text(note, "lịch xử lý", "the schedule")?),
                on: today,
                photos: Vec::new(),
            }
        }
        Command::Fix { answer, photos } => finish(r, S::Fixed, answer, photos, today)?,
        Command::NoFurtherAction { answer } => finish(r, S::NoFurtherAction, answer, &[], today)?,
        Command::UnableToFix { answer } => finish(r, S::UnableToFix, answer, &[], today)?,
        Command::InternalReferral { answer } => finish(r, S::InternalReferral, answer, &[], today)?,
        Command::Close { answer } => finish(r, S::Closed, answer, &[], today)?,
        Command::MarkDuplicate { of } => {
            must_be_open()?;
            if *of == r.id {
                return Err(reject(
                    "self_duplicate",
                    "Không gộp phản ánh vào chính nó",
                    "A report cannot duplicate itself",
                ));
            }
            EventKind::MarkedDuplicate { of: *of, on: today }
        }
        Command::Update { text: t, photos } => {
            EventKind::Updated { text: text(t, "nội dung cập nhật", "the update")?, photos: photos.clone() }
        }
        Command::Note { text: t } => EventKind::Noted { text: text(t, "ghi chú", "the note")? },
        Command::Hide { photo, reason } => {
            if let Some(p) = photo {
                if !r.photos.iter().any(|x| &x.sha256 == p) {
                    return Err(reject("no_such_photo", "Không có ảnh này", "No such photo"));
                }
            }
            EventKind::Hidden { photo: photo.clone(), reason: text(reason, "lý do ẩn", "the reason")? }
        }
        Command::Escalate { to } => {
            must_be_open()?;
            if r.escalated {
                return Err(reject("already_escalated", "Phản ánh đã được chuyển lên cấp tỉnh", "Already escalated"));
            }
            EventKind::Escalated { to: to.clone() }
        }
        Command::Reopen { reason } => {
            if open {
                return Err(reject("still_open", "Phản ánh đang được xử lý", "The report is still open"));
            }
            if r.state == S::Duplicate {
                return Err(reject(
                    "duplicate",
                    "Phản ánh đã được gộp; theo dõi phản ánh gốc",
                    "The report was merged; follow the original",
                ));
            }
            let closed = r.closed_at.unwrap_or(r.updated_at);
            if (at - closed).num_days() > REOPEN_DAYS {
                return Err(Rejection {
                    code: "reopen_too_late",
                    vi: format!("Chỉ phản ánh lại được trong {REOPEN_DAYS} ngày kể từ khi đóng; hãy gửi phản ánh mới"),
                    en: format!("A report can be reopened within {REOPEN_DAYS} days of closing; send a new one"),
                });
            }
            EventKind::Reopened { reason: text(reason, "lý do phản ánh lại", "the reason")?, on: today }
        }
        Command::Rate { satisfied, comment } => {
            if open {
                return Err(reject(
                    "not_answered",
                    "Chỉ đánh giá được khi đã có kết quả xử lý",
                    "A report can be rated once answered",
                ));
            }
            if r.rating.is_some() {
                return Err(reject("already_rated", "Bạn đã đánh giá phản ánh này", "Already rated"));
            }
            EventKind::Rated { satisfied: *satisfied, comment: tinhso_kernel::text::clean(comment).trim().to_owned() }
        }
    };
    Ok(Event { at, actor, kind })
}

fn progress(r: &Report, to: ReportState, today: NaiveDate) -> Result<EventKind, Rejection> {
    if !r.state.is_open() {
        return Err(reject("report_closed", "Phản ánh đã đóng", "The report is closed"));
    }
    if r.state == to {
        return Err(reject("same_state", "Phản ánh đã ở trạng thái này", "The report is already in that state"));
    }
    Ok(EventKind::StateSet { state: to, answer: None, on: today, photos: Vec::new() })
}

fn finish(
    r: &Report,
    to: ReportState,
    answer: &str,
    photos: &[String],
    today: NaiveDate,
) -> Result<EventKind, Rejection> {
    if !r.state.is_open() {
        return Err(reject("report_closed", "Phản ánh đã đóng", "The report is closed"));
    }
    Ok(EventKind::StateSet {
        state: to,
        answer: Some(text(answer, "nội dung trả lời công khai", "the public answer")?),
        on: today,
        photos: photos.to_vec(),
    })
}

/// `r` after `e`; the first event (`Submitted`) makes the report numbered `id`.
pub fn apply(r: Option<Report>, id: i64, e: &Event) -> Option<Report> {
    if let EventKind::Submitted { report, agency, deadlines, received_on } = &e.kind {
        let n = (**report).clone();
        return Some(Report {
            id,
            kind: n.kind,
            category: n.category,
            description: n.description,
            point: n.point,
            commune: n.commune,
            address: n.address,
            dossier_code: n.dossier_code,
            reporter: n.reporter,
            reporter_name: n.reporter_name,
            reporter_contact: n.reporter_contact,
            show_identity: n.show_identity,
            photos: n.photos.into_iter().map(|sha256| Photo { sha256, of_fix: false, hidden: None }).collect(),
            agency: agency.clone(),
            contributors: Vec::new(),
            state: ReportState::ForTriage,
            received_at: e.at,
            received_on: *received_on,
            deadlines: *deadlines,
            triaged_on: None,
            awaiting_reporter_since: None,
            info_requested: false,
            paused_days: 0,
            handled_on: None,
            closed_at: None,
            answer: None,
            duplicate_of: None,
            escalated: false,
            rating: None,
            reopened: 0,
            text_hidden: None,
            client_token: n.client_token,
            updated_at: e.at,
            version: 1,
        });
    }
    let mut r = r?;
    let close = |r: &mut Report, state: ReportState, on: NaiveDate| {
        r.state = state;
        r.handled_on.get_or_insert(on);
        r.closed_at = Some(e.at);
        r.awaiting_reporter_since = None;
    };
    match &e.kind {
        EventKind::Submitted { .. } => {}
        EventKind::Accepted { on } => {
            r.state = ReportState::Confirmed;
            r.triaged_on = Some(*on);
        }
        EventKind::Refused { answer, on } => {
            r.triaged_on = Some(*on);
            r.answer = Some(answer.clone());
            close(&mut r, ReportState::NotResponsible, *on);
        }
        EventKind::Forwarded { to, on, .. } => {
            r.agency = to.clone();
            r.contributors.retain(|a| a != to);
            r.triaged_on.get_or_insert(*on);
        }
        EventKind::ContributorAdded { agency } => r.contributors.push(agency.clone()),
        EventKind::InfoRequested { on, .. } => {
            r.info_requested = true;
            r.awaiting_reporter_since = Some(*on);
        }
        EventKind::InfoProvided { paused_days, handle_due, .. } => {
            r.awaiting_reporter_since = None;
            r.paused_days = *paused_days;
            r.deadlines.handle_due = *handle_due;
        }
        EventKind::StateSet { state, answer, on, photos } => {
            r.triaged_on.get_or_insert(*on);
            r.photos.extend(photos.iter().map(|sha256| Photo { sha256: sha256.clone(), of_fix: true, hidden: None }));
            if let Some(a) = answer {
                if !state.is_open() {
                    r.answer = Some(a.clone());
                }
            }
            if state.is_open() {
                r.state = *state;
            } else {
                close(&mut r, *state, *on);
            }
        }
        EventKind::MarkedDuplicate { of, on } => {
            r.duplicate_of = Some(*of);
            close(&mut r, ReportState::Duplicate, *on);
        }
        EventKind::Updated { photos, .. } => {
            r.photos.extend(photos.iter().map(|sha256| Photo { sha256: sha256.clone(), of_fix: true, hidden: None }));
        }
        EventKind::Noted { .. } => {}
        EventKind::Hidden { photo, reason } => match photo {
            Some(p) => {
                for x in r.photos.iter_mut().filter(|x| &x.sha256 == p) {
                    x.hidden = Some(reason.clone());
                }
            }
            None => r.text_hidden = Some(reason.clone()),
        },
        EventKind::Escalated { to } => {
            r.escalated = true;
            if !r.contributors.contains(&r.agency) {
                r.contributors.push(r.agency.clone());
            }
            r.agency = to.clone();
        }
        EventKind::Reopened { .. } => {
            r.state = ReportState::Confirmed;
            r.reopened += 1;
            r.closed_at = None;
            r.handled_on = None;
            r.rating = None;
        }
        EventKind::Rated { satisfied, .. } => r.rating = Some(*satisfied),
    }
    r.updated_at = e.at;
    r.version += 1;
    Some(r)
}

/// Whether `r` counts against satisfaction (REGULATIONS.md): rated unsatisfied, overdue, or
/// complained about again.
pub fn counts_against(r: &Report, today: NaiveDate) -> bool {
    r.rating == Some(false)
        || r.reopened > 0
        || crate::deadline::Timeliness::of(r.deadlines.handle_due, r.handled_on, today)
            == crate::deadline::Timeliness::Overdue
}
