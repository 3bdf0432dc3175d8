//! The lifecycle: `decide(dossier, command)` yields the event or a refusal; `apply` folds it.

use super::deadline::{extend_for_pause, local_date, timeliness, Timeliness};
use super::{ApplicantType, Channel, DossierState, Rating, ReturnMethod};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tinhso_catalogue::workflow::WorkflowStep;
use tinhso_kernel::calendar::WorkingCalendar;
use tinhso_kernel::ids::{AccountId, AgencyCode, DossierCode, ProcedureCode, Sha256};
use tinhso_kernel::text;
use DossierState as S;

mod command;
pub use command::{Command, CommandKind, Party};

/// Everything that can happen to a dossier; stored as the event's payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventKind {
    Submitted {
        procedure: ProcedureCode,
        applicant: AccountId,
        applicant_type: ApplicantType,
        channel: Channel,
        receiving_agency: AgencyCode,
        competent_agency: AgencyCode,
        processing_days: u16,
        fee_vnd: Option<u64>,
        /// Files attached at submission: SHA-256 and the component each stands for.
        #[serde(default)]
        files: Vec<FileRef>,
        /// Components the desk received on paper (in-person and postal dossiers).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        paper_components: Vec<u16>,
        /// The procedure's process as it stood at submission.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        steps: Vec<WorkflowStep>,
        /// The e-form's digest ([`form_digest`]), so that the chain vouches for what the
        /// applicant declared, not only for what happened to it (absent before 2026-12-05).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        form_sha256: Option<Sha256>,
        /// The SHA-256 of the phone the public lookup asks for (`phone_digest`; of "" when
        /// there is none), so that the chain vouches for it too (absent before 2026-12-05).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        phone_sha256: Option<Sha256>,
        /// The enterprise or household business the dossier is for (absent for a person's own
        /// dossier, and in histories written before organisations were recorded).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        organization: Option<Box<crate::Organization>>,
    },
    Received {
        due_on: NaiveDate,
    },
    Refused {
        reason: String,
    },
    SupplementRequested {
        items: Vec<String>,
        reason: String,
    },
    Supplemented {
        note: String,
        due_on: Option<NaiveDate>,
        #[serde(default)]
        files: Vec<Sha256>,
    },
    PaymentRequested {
        amount_vnd: u64,
    },
    PaymentRecorded {
        online: bool,
    },
    ProcessingStarted,
    StepCompleted {
        step: u16,
        note: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_assignee: Option<AccountId>,
    },
    StepAssigned {
        step: u16,
        assignee: AccountId,
    },
    Transferred {
        to_agency: AgencyCode,
        note: String,
    },
    Approved {
        electronic_result: bool,
        timeliness: Timeliness,
        #[serde(default)]
        result: Option<Sha256>,
        /// Working days from receipt to result, supplement time excluded (average processing time).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        working_days: Option<u16>,
    },
    Returned {
        method: ReturnMethod,
    },
    Withdrawn {
        reason: String,
    },
    Stopped {
        reason: String,
    },
    ApologySent {
        reason: String,
        new_due_on: NaiveDate,
    },
    Rated {
        rating: Rating,
        comment: String,
    },
}

impl EventKind {
    pub fn key(&self) -> &'static str {
        match self {
            Self::Submitted { .. } => "submitted",
            Self::Received { .. } => "received",
            Self::Refused { .. } => "refused",
            Self::SupplementRequested { .. } => "supplement_requested",
            Self::Supplemented { .. } => "supplemented",
            Self::PaymentRequested { .. } => "payment_requested",
            Self::PaymentRecorded { .. } => "payment_recorded",
            Self::ProcessingStarted => "processing_started",
            Self::StepCompleted { .. } => "step_completed",
            Self::StepAssigned { .. } => "step_assigned",
            Self::Transferred { .. } => "transferred",
            Self::Approved { .. } => "approved",
            Self::Returned { .. } => "returned",
            Self::Withdrawn { .. } => "withdrawn",
            Self::Stopped { .. } => "stopped",
            Self::ApologySent { .. } => "apology_sent",
            Self::Rated { .. } => "rated",
        }
    }

    /// Whether the applicant sees this event in their history (internal steps and
    /// transfers between agencies are staff-only).
    pub fn is_public(&self) -> bool {
        Self::is_public_key(self.key())
    }

    /// `is_public` by the event's key, as stores keep it in a column beside the payload.
    pub fn is_public_key(key: &str) -> bool {
        !matches!(key, "step_completed" | "step_assigned" | "transferred")
    }

    /// The key of a stored payload (serialised with its `kind` tag first), without parsing the rest.
    pub fn key_of_payload(payload: &str) -> Option<&str> {
        payload.strip_prefix("{\"kind\":\"")?.split('"').next()
    }
}

/// A file named in an event: the chain then proves which bytes were supplied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    pub sha256: Sha256,
    pub component: Option<u16>,
    /// Taken from the applicant's document store rather than uploaded for this dossier
    /// (Decision 766's "digitised data reused").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reused: bool,
}

/// One event as it happened: what, when, by whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Event {
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    pub actor: AccountId,
}

/// A dossier as its events make it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Dossier {
    pub code: DossierCode,
    pub procedure: ProcedureCode,
    pub applicant: AccountId,
    pub applicant_type: ApplicantType,
    /// Who the applicant represents, when the dossier is an enterprise's or a household
    /// business's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<crate::Organization>,
    pub channel: Channel,
    pub receiving_agency: AgencyCode,
    pub competent_agency: AgencyCode,
    pub processing_days: u16,
    pub fee_vnd: Option<u64>,
    pub state: DossierState,
    pub submitted_on: NaiveDate,
    pub received_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    /// Supplement requests so far; more than one makes the dossier late.
    pub supplement_requests: u8,
    /// While waiting for a supplement after receipt: since when (the clock is paused).
    pub paused_on: Option<NaiveDate>,
    /// The state a supplement or a payment returns the dossier to.
    pub resume_state: Option<DossierState>,
    pub apology_due_on: Option<NaiveDate>,
    /// Steps of the process completed so far.
    pub step: u16,
    #[serde(default)]
    pub steps: Vec<WorkflowStep>,
    /// Who holds the current step; `None` leaves it to anyone with the step's role.
    #[serde(default)]
    pub assignee: Option<AccountId>,
    #[serde(default)]
    pub step_started_on: Option<NaiveDate>,
    pub paid_online: Option<bool>,
    #[serde(default)]
    pub paid_on: Option<NaiveDate>,
    /// Components that arrived as files, and how many of those were reused.
    #[serde(default)]
    pub component_files: u16,
    #[serde(default)]
    pub reused_files: u16,
    #[serde(default)]
    pub working_days: Option<u16>,
    #[serde(default)]
    pub rated_on: Option<NaiveDate>,
    pub finished_on: Option<NaiveDate>,
    pub timeliness: Option<Timeliness>,
    pub electronic_result: bool,
    pub returned_on: Option<NaiveDate>,
    pub rating: Option<Rating>,
    /// Events applied so far.
    pub version: u32,
    /// When the last event happened: a new one may not be dated before it, so a history always
    /// moves forward. Absent in dossiers stored before it was kept (then not checked until the
    /// next event sets it).
    #[serde(default)]
    pub last_event_at: Option<DateTime<Utc>>,
}

/// Why a command was refused; nothing changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub vi: String,
    pub en: String,
}

fn illegal(cmd: &Command, state: DossierState) -> Refusal {
    Refusal {
        code: "illegal_transition",
        vi: format!("Không thể thực hiện \"{}\" khi hồ sơ đang ở trạng thái \"{}\"", cmd.key(), state.label_vi()),
        en: format!("Cannot {} a dossier that is {}", cmd.key(), state.label_en().to_lowercase()),
    }
}

fn wrong_party(cmd: &Command) -> Refusal {
    Refusal {
        code: "forbidden",
        vi: format!("Bạn không thể thực hiện \"{}\" trên hồ sơ này", cmd.key()),
        en: format!("You cannot {} this dossier", cmd.key()),
    }
}

fn required(field: &str, vi: &str) -> Refusal {
    Refusal { code: "invalid_input", vi: vi.to_owned(), en: format!("{field} is required") }
}

fn text_needed(s: &str, field: &str, vi: &str) -> Result<String, Refusal> {
    let s = text::clean(s);
    if s.is_empty() || s.chars().count() > 2000 {
        Err(required(field, vi))
    } else {
        Ok(s)
    }
}

/// Whether the command is legal for `party` in the dossier's current state: the one table of
/// the state machine, used by `decide` and by pages listing the possible actions.
pub fn permits(d: &Dossier, kind: CommandKind, party: Party) -> bool {
    use CommandKind as K;
    let state = d.state;
    let open_after_receipt =
        matches!(state, S::Received | S::Processing | S::SupplementRequested | S::PaymentRequested);
    if kind.party() != party {
        return false;
    }
    match kind {
        K::Receive | K::Refuse => state == S::Submitted,
        K::RequestSupplement => matches!(state, S::Submitted | S::Received | S::Processing),
        K::Supplement => state == S::SupplementRequested,
        K::RequestPayment => matches!(state, S::Received | S::Processing),
        // Staff record payments at the desk; online payments will arrive through a payment
        // gateway's signed callback, never from the applicant's own word.
        K::RecordPayment => state == S::PaymentRequested,
        K::StartProcessing => state == S::Received,
        // With a configured process, the last step is the approval itself.
        K::CompleteStep => state == S::Processing && (d.steps.is_empty() || usize::from(d.step) + 1 < d.steps.len()),
        K::Approve => state == S::Processing && usize::from(d.step) + 1 >= d.steps.len(),
        K::Assign | K::Transfer => state == S::Processing,
        K::Return => state == S::ResultReady,
        K::Withdraw => state == S::Submitted || open_after_receipt,
        K::Stop | K::Apologise => open_after_receipt,
        K::Rate => state == S::Returned && d.rating.is_none(),
    }
}

/// Whether staff member `actor` may complete the current step or approve: the step's holder,
/// or anyone with its role when nobody holds it. Leaders reassign with `assign` first.
pub fn holds_step(d: &Dossier, actor: AccountId) -> bool {
    d.assignee.is_none_or(|a| a == actor)
}

/// The role the current step needs, when the dossier follows a configured process.
pub fn current_step(d: &Dossier) -> Option<&WorkflowStep> {
    d.steps.get(usize::from(d.step))
}

/// The commands `party` may issue on `d` now.
pub fn available(d: &Dossier, party: Party) -> Vec<CommandKind> {
    CommandKind::ALL.into_iter().filter(|k| permits(d, *k, party)).collect()
}

/// Decides what a command does to `d` today; refuses illegal transitions.
pub fn decide(
    d: &Dossier,
    cmd: &Command,
    party: Party,
    now: DateTime<Utc>,
    cal: &WorkingCalendar,
) -> Result<EventKind, Refusal> {
    use Command as C;
    let today = local_date(now);
    let state = d.state;
    if d.last_event_at.is_some_and(|last| now < last) {
        return Err(Refusal {
            code: "out_of_order",
            vi: "Thời điểm thao tác sớm hơn thao tác trước đó của hồ sơ: không thể ghi lùi thời gian".into(),
            en: "This action is dated before the dossier's last event: a history cannot go back in time".into(),
        });
    }
    if !permits(d, cmd.kind(), party) {
        let party_ok = cmd.kind().party() == party;
        return Err(if party_ok { illegal(cmd, state) } else { wrong_party(cmd) });
    }
    Ok(match cmd {
        C::Receive => {
            let due_on = cal.due_date(today, u32::from(d.processing_days)).ok_or_else(|| illegal(cmd, state))?;
            EventKind::Received { due_on }
        }
        C::Refuse { reason } => {
            EventKind::Refused { reason: text_needed(reason, "reason", "Nhập lý do từ chối tiếp nhận")? }
        }
        C::RequestSupplement { items, reason } => {
            let items: Vec<String> = items.iter().map(|i| text::clean(i)).filter(|i| !i.is_empty()).collect();
            if items.is_empty() {
                return Err(required("items", "Nêu rõ giấy tờ cần bổ sung, hoàn thiện"));
            }
            EventKind::SupplementRequested {
                items,
                reason: text_needed(reason, "reason", "Nêu lý do yêu cầu bổ sung")?,
            }
        }
        C::Supplement { note, files } => {
            let due_on = match (d.due_on, d.paused_on) {
                (Some(due), Some(paused)) => Some(extend_for_pause(cal, due, paused, today)),
                (due, _) => due,
            };
            EventKind::Supplemented { note: text::clean(note), due_on, files: files.clone() }
        }
        C::RequestPayment { amount_vnd } => {
            if *amount_vnd == 0 {
                return Err(required("amount_vnd", "Nhập số tiền phí, lệ phí lớn hơn 0"));
            }
            EventKind::PaymentRequested { amount_vnd: *amount_vnd }
        }
        C::RecordPayment { online } => EventKind::PaymentRecorded { online: *online },
        C::StartProcessing => EventKind::ProcessingStarted,
        C::CompleteStep { note, next_assignee } => {
            EventKind::StepCompleted { step: d.step + 1, note: text::clean(note), next_assignee: *next_assignee }
        }
        C::Assign { assignee } => EventKind::StepAssigned { step: d.step + 1, assignee: *assignee },
        C::Transfer { to_agency, note } => {
            EventKind::Transferred { to_agency: to_agency.clone(), note: text::clean(note) }
        }
        C::Approve { electronic_result, result } => {
            let due = d.due_on.ok_or_else(|| illegal(cmd, state))?;
            // Decision 766's 4.1 counts results issued as files, so "electronic" is a fact
            // (a signed file named here), never a box ticked without one.
            if *electronic_result && result.is_none() {
                return Err(Refusal {
                    code: "result_file_required",
                    vi: "Kết quả điện tử cần tệp kết quả đã ký số: tải lên tệp đã ký, hoặc bỏ chọn \"Kết quả điện tử\" để trả kết quả giấy".into(),
                    en: "An electronic result needs the signed result file: attach it, or untick \"electronic result\" for a paper result".into(),
                });
            }
            EventKind::Approved {
                electronic_result: result.is_some(),
                timeliness: timeliness(due, today, d.supplement_requests),
                result: result.clone(),
                working_days: d.received_on.map(|r| working_days_used(cal, r, today, d.processing_days, due)),
            }
        }
        C::Return { method } => EventKind::Returned { method: *method },
        C::Withdraw { reason } => EventKind::Withdrawn { reason: text::clean(reason) },
        C::Stop { reason } => {
            EventKind::Stopped { reason: text_needed(reason, "reason", "Nhập lý do dừng xử lý")? }
        }
        C::Apologise { reason, new_due_on } => {
            let due = d.due_on.ok_or_else(|| illegal(cmd, state))?;
            if today > due {
                return Err(Refusal {
                    code: "apology_too_late",
                    vi: "Phiếu xin lỗi phải gửi trước ngày hẹn trả kết quả".into(),
                    en: "The apology letter must be sent before the due date".into(),
                });
            }
            if *new_due_on <= due || !cal.is_working_day(*new_due_on) {
                return Err(Refusal {
                    code: "invalid_new_due_date",
                    vi: "Ngày hẹn mới phải là ngày làm việc sau ngày hẹn cũ".into(),
                    en: "The new date must be a working day after the current due date".into(),
                });
            }
            EventKind::ApologySent {
                reason: text_needed(reason, "reason", "Nêu lý do chậm trả kết quả")?,
                new_due_on: *new_due_on,
            }
        }
        C::Rate { rating, comment } => EventKind::Rated { rating: *rating, comment: text::clean(comment) },
    })
}

/// Working days between receipt and `finished`, less the days supplements added to the due date.
fn working_days_used(
    cal: &WorkingCalendar,
    received: NaiveDate,
    finished: NaiveDate,
    days: u16,
    due: NaiveDate,
) -> u16 {
    let elapsed = cal.working_days_between(received, finished);
    let paused = cal.due_date(received, u32::from(days)).map(|orig| cal.working_days_between(orig, due)).unwrap_or(0);
    u16::try_from((elapsed - paused.max(0)).max(0)).unwrap_or(u16::MAX)
}

/// The digest of an e-form as its `Submitted` event records it: SHA-256 of its JSON with keys
/// in order (serde_json's map is sorted), so the same on every engine however it stores JSON.
pub fn form_digest(form: &serde_json::Value) -> Sha256 {
    Sha256::of(form.to_string().as_bytes())
}

/// The digest of the applicant's phone as its `Submitted` event records it (its canonical
/// form, `0912345678`).
pub fn phone_digest(phone: &str) -> Sha256 {
    Sha256::of(phone.as_bytes())
}

/// Folds one event into the dossier. `Submitted` starts a dossier; any other event needs one.
pub fn apply(d: Option<Dossier>, code: &DossierCode, e: &Event) -> Option<Dossier> {
    let today = local_date(e.at);
    if let EventKind::Submitted {
        procedure,
        applicant,
        applicant_type,
        channel,
        receiving_agency,
        competent_agency,
        processing_days,
        fee_vnd,
        steps,
        files,
        organization,
        ..
    } = &e.kind
    {
        return Some(Dossier {
            code: code.clone(),
            procedure: procedure.clone(),
            applicant: *applicant,
            applicant_type: *applicant_type,
            organization: organization.as_deref().cloned(),
            channel: *channel,
            receiving_agency: receiving_agency.clone(),
            competent_agency: competent_agency.clone(),
            processing_days: *processing_days,
            fee_vnd: *fee_vnd,
            state: S::Submitted,
            submitted_on: today,
            received_on: None,
            due_on: None,
            supplement_requests: 0,
            paused_on: None,
            resume_state: None,
            apology_due_on: None,
            step: 0,
            steps: steps.clone(),
            assignee: None,
            step_started_on: None,
            paid_online: None,
            paid_on: None,
            component_files: u16::try_from(files.iter().filter(|f| f.component.is_some()).count()).unwrap_or(u16::MAX),
            reused_files: u16::try_from(files.iter().filter(|f| f.component.is_some() && f.reused).count())
                .unwrap_or(u16::MAX),
            working_days: None,
            rated_on: None,
            finished_on: None,
            timeliness: None,
            electronic_result: false,
            returned_on: None,
            rating: None,
            version: 1,
            last_event_at: Some(e.at),
        });
    }
    let mut d = d?;
    d.version += 1;
    d.last_event_at = Some(e.at);
    match &e.kind {
        EventKind::Submitted { .. } => {}
        EventKind::Received { due_on } => {
            d.state = S::Received;
            d.received_on = Some(today);
            d.due_on = Some(*due_on);
        }
        EventKind::Refused { .. } => d.state = S::Refused,
        EventKind::SupplementRequested { .. } => {
            // Back where it was: a request on a dossier nobody has started processing does not
            // start it.
            d.resume_state = Some(d.state);
            if d.received_on.is_some() {
                d.paused_on = Some(today);
            }
            d.supplement_requests = d.supplement_requests.saturating_add(1);
            d.state = S::SupplementRequested;
        }
        EventKind::Supplemented { due_on, .. } => {
            d.state = d.resume_state.take().unwrap_or(S::Processing);
            d.paused_on = None;
            d.due_on = *due_on;
        }
        EventKind::PaymentRequested { .. } => {
            d.resume_state = Some(d.state);
            d.state = S::PaymentRequested;
        }
        EventKind::PaymentRecorded { online } => {
            d.paid_online = Some(*online);
            d.paid_on = Some(today);
            d.state = d.resume_state.take().unwrap_or(S::Processing);
        }
        EventKind::ProcessingStarted => {
            // Whoever starts processing holds the first step.
            d.state = S::Processing;
            d.assignee = Some(e.actor);
            d.step_started_on = Some(today);
        }
        EventKind::StepCompleted { step, next_assignee, .. } => {
            d.step = *step;
            d.assignee = *next_assignee;
            d.step_started_on = Some(today);
        }
        EventKind::StepAssigned { assignee, .. } => d.assignee = Some(*assignee),
        EventKind::Transferred { .. } => {}
        EventKind::Approved { electronic_result, timeliness, working_days, .. } => {
            d.working_days = *working_days;
            d.state = S::ResultReady;
            d.step = u16::try_from(d.steps.len()).unwrap_or(d.step);
            d.assignee = None;
            d.finished_on = Some(today);
            d.timeliness = Some(*timeliness);
            d.electronic_result = *electronic_result;
        }
        EventKind::Returned { .. } => {
            d.state = S::Returned;
            d.returned_on = Some(today);
        }
        EventKind::Withdrawn { .. } => d.state = S::Withdrawn,
        EventKind::Stopped { .. } => d.state = S::Stopped,
        EventKind::ApologySent { new_due_on, .. } => d.apology_due_on = Some(*new_due_on),
        EventKind::Rated { rating, .. } => {
            d.rating = Some(*rating);
            d.rated_on = Some(today);
        }
    }
    Some(d)
}

#[cfg(test)]
mod tests;
