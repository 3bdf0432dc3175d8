//! What the applicant is told when their dossier moves: the subject and body of the message
//! that goes to their in-app inbox (and by email when they have an address); and what an
//! officer is told when a step of a dossier is given to them.

use super::deadline::DueStatus;
use super::{Dossier, DossierState, Event, EventKind};
use chrono::NaiveDate;
use tinhso_kernel::format::{date_vi, money};
use tinhso_kernel::ids::{AccountId, AgencyCode, DossierCode};

/// Where a dossier stands, as the public lookup tells it: the few fields of a dossier the
/// lookup shows. Read straight from a stored dossier's JSON, whose other fields (its steps, its
/// dates, its counters) are skipped rather than built: lookups are the hottest read there is.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Standing {
    pub code: DossierCode,
    pub state: DossierState,
    /// The desk that received it, where the result is collected.
    pub receiving_agency: AgencyCode,
    pub due_on: Option<NaiveDate>,
    /// The new due date an apology letter gave, if any.
    pub apology_due_on: Option<NaiveDate>,
}

impl Standing {
    /// Whether it is on time, late, paused (waiting on the applicant's documents) or closed,
    /// on `today`: the same rule as a dossier's, from the columns a lookup reads.
    pub fn due_status(&self, cal: &tinhso_kernel::calendar::WorkingCalendar, today: NaiveDate) -> DueStatus {
        crate::deadline::due_status(
            cal,
            self.apology_due_on.or(self.due_on),
            today,
            self.state == DossierState::SupplementRequested,
            self.state.is_final() || self.state == DossierState::ResultReady,
        )
    }
}

impl From<&Dossier> for Standing {
    fn from(d: &Dossier) -> Self {
        Self {
            code: d.code.clone(),
            state: d.state,
            receiving_agency: d.receiving_agency.clone(),
            due_on: d.due_on,
            apology_due_on: d.apology_due_on,
        }
    }
}

/// Where a dossier stands, in the applicant's words, and what (if anything) is expected of
/// them: what the public lookup and the applicant's own pages say instead of state codes.
pub fn for_applicant(state: DossierState) -> (&'static str, &'static str) {
    use DossierState as S;
    match state {
        S::Submitted => {
            ("Đã gửi, chờ cán bộ tiếp nhận", "Cán bộ một cửa sẽ kiểm tra và tiếp nhận; ông/bà sẽ nhận được thông báo.")
        }
        S::Received => {
            ("Đã tiếp nhận, đang chờ giải quyết", "Ông/bà không cần làm gì thêm; kết quả được hẹn trả vào ngày hẹn.")
        }
        S::Processing => ("Đang giải quyết", "Ông/bà không cần làm gì thêm; kết quả được hẹn trả vào ngày hẹn."),
        S::SupplementRequested => (
            "Cần bổ sung giấy tờ",
            "Bổ sung giấy tờ theo thông báo đã gửi; thời gian chờ bổ sung không tính vào thời hạn giải quyết.",
        ),
        S::PaymentRequested => {
            ("Cần nộp phí, lệ phí", "Nộp phí, lệ phí theo thông báo để hồ sơ được tiếp tục giải quyết.")
        }
        S::ResultReady => ("Đã có kết quả", "Mời ông/bà nhận kết quả theo hình thức đã chọn khi nộp hồ sơ."),
        // Said without knowing whether the applicant has rated yet (a lookup reads the state alone).
        S::Returned => (
            "Đã nhận kết quả",
            "Hồ sơ đã hoàn thành; nếu chưa đánh giá, mời ông/bà đánh giá mức độ hài lòng trên trang hồ sơ của mình.",
        ),
        S::Refused => ("Không được tiếp nhận", "Xem lý do trong thông báo; có thể nộp lại khi hồ sơ đủ điều kiện."),
        S::Withdrawn => ("Đã rút hồ sơ", "Ông/bà không cần làm gì thêm."),
        S::Stopped => ("Đã dừng giải quyết", "Xem lý do trong thông báo đã gửi."),
    }
}

/// `for_applicant` in English, for the English locale of the public pages.
pub fn for_applicant_en(state: DossierState) -> (&'static str, &'static str) {
    use DossierState as S;
    match state {
        S::Submitted => {
            ("Sent, waiting to be received", "The one-stop desk will check and receive it; you will be notified.")
        }
        S::Received => {
            ("Received, waiting to be decided", "Nothing more is needed from you; the result is due on the date below.")
        }
        S::Processing => ("Being decided", "Nothing more is needed from you; the result is due on the date below."),
        S::SupplementRequested => (
            "Documents to add",
            "Add the documents the notice asks for; the time waiting for them does not count against the time limit.",
        ),
        S::PaymentRequested => ("Fees to pay", "Pay the fees the notice gives so that the dossier goes on."),
        S::ResultReady => ("Result ready", "Collect the result the way you chose when applying."),
        S::Returned => (
            "Result handed over",
            "The dossier is complete; if you have not yet, please rate how it was handled on your dossier's page.",
        ),
        S::Refused => ("Not received", "See the reason in the notice; you may apply again once the dossier qualifies."),
        S::Withdrawn => ("Withdrawn", "Nothing more is needed from you."),
        S::Stopped => ("Stopped", "See the reason in the notice sent to you."),
    }
}

/// What the applicant of a late dossier is told, on their page or by a lookup; `None` unless it
/// is being decided and overdue. The agency owed them an apology letter with a new date before
/// the due date (the machine refuses one after it); either way what is left is to complain.
pub fn late_next(state: DossierState, due: DueStatus, apologised: bool, en: bool) -> Option<&'static str> {
    let deciding = matches!(state, DossierState::Received | DossierState::Processing);
    if !deciding || due != DueStatus::Overdue {
        return None;
    }
    Some(match (apologised, en) {
        (false, false) => {
            "Hồ sơ đã quá ngày hẹn trả mà cơ quan chưa gửi phiếu xin lỗi, hẹn lại ngày trả; ông/bà có thể gửi phản ánh, kiến nghị về hồ sơ này"
        }
        (false, true) => {
            "The dossier is past its due date and the agency sent no letter of apology with a new date; you may send feedback about it"
        }
        (true, false) => "Hồ sơ đã quá ngày hẹn lại; ông/bà có thể gửi phản ánh, kiến nghị về hồ sơ này",
        (true, true) => "The dossier is past its new date; you may send feedback about it",
    })
}

/// What the applicant's own page says they have to do now. It knows more than a lookup
/// (`for_applicant`): whether they rated, and whether the dossier is late; and the forms it
/// names are on the page, below.
pub fn next_on_page(d: &Dossier, due: DueStatus, en: bool) -> &'static str {
    use DossierState as S;
    if let Some(late) = late_next(d.state, due, d.apology_due_on.is_some(), en) {
        return late;
    }
    let t = |vi: &'static str, english: &'static str| if en { english } else { vi };
    match d.state {
        S::Submitted => t("Chờ cán bộ Một cửa tiếp nhận", "Waiting for the one-stop desk to receive it"),
        S::Received | S::Processing => {
            t("Cơ quan đang giải quyết; ông/bà không cần làm gì thêm", "Being decided; nothing more is needed from you")
        }
        S::SupplementRequested => {
            t("Ông/bà cần bổ sung giấy tờ theo yêu cầu bên dưới", "Add the documents asked for below")
        }
        S::PaymentRequested => t(
            "Ông/bà cần nộp phí, lệ phí trực tuyến hoặc tại Bộ phận Một cửa",
            "Pay the fees online or at the one-stop desk",
        ),
        S::ResultReady => t("Kết quả đã có, chờ trả", "The result is ready to be handed over"),
        S::Returned if d.rating.is_none() => t("Mời ông/bà đánh giá mức độ hài lòng", "Please rate how it was handled"),
        S::Returned => t("Cảm ơn ông/bà đã đánh giá việc giải quyết hồ sơ", "Thank you for rating how it was handled"),
        S::Refused | S::Withdrawn | S::Stopped => {
            if en {
                for_applicant_en(d.state).1
            } else {
                for_applicant(d.state).1
            }
        }
    }
}

/// The message for `event` on dossier `code`; `None` for internal steps the applicant does not see.
pub fn message(code: &str, event: &EventKind) -> Option<(String, String)> {
    message_in(code, event, false)
}

/// `message` in English, for readers who chose English.
pub fn message_en(code: &str, event: &EventKind) -> Option<(String, String)> {
    message_in(code, event, true)
}

fn message_in(code: &str, event: &EventKind, en: bool) -> Option<(String, String)> {
    let t = |vi: &str, english: &str| if en { english.to_owned() } else { vi.to_owned() };
    let subject = |vi: &str, english: &str| match en {
        false => format!("Hồ sơ {code}: {vi}"),
        true => format!("Dossier {code}: {english}"),
    };
    let why = t("Lý do", "Why");
    Some(match event {
        EventKind::Submitted { .. } => (
            subject("đã nộp", "sent"),
            t("Hồ sơ đã được gửi, chờ cán bộ tiếp nhận.", "The dossier was sent and waits to be received."),
        ),
        EventKind::Received { due_on } => (
            subject("đã tiếp nhận", "received"),
            format!("{} {}.", t("Ngày hẹn trả kết quả:", "Result due on"), date_vi(*due_on)),
        ),
        EventKind::Refused { reason } => (subject("không được tiếp nhận", "not received"), format!("{why}: {reason}")),
        EventKind::SupplementRequested { items, reason } => (
            subject("cần bổ sung giấy tờ", "documents to add"),
            format!("{}: {}. {why}: {reason}", t("Cần bổ sung", "To add"), items.join("; ")),
        ),
        EventKind::PaymentRequested { amount_vnd } => (
            subject("cần nộp phí, lệ phí", "fees to pay"),
            format!("{}: {}.", t("Số tiền", "Amount"), money(*amount_vnd, en)),
        ),
        EventKind::Approved { .. } => (
            subject("đã có kết quả", "decided"),
            t("Kết quả đã sẵn sàng để trả.", "The result is ready to be handed over."),
        ),
        EventKind::Returned { .. } => (
            subject("đã trả kết quả", "result handed over"),
            t("Mời ông/bà đánh giá mức độ hài lòng.", "Please rate how it was handled."),
        ),
        EventKind::Stopped { reason } => (subject("dừng xử lý", "processing stopped"), format!("{why}: {reason}")),
        EventKind::ApologySent { reason, new_due_on } => (
            subject("xin lỗi và hẹn lại ngày trả", "apology and a new due date"),
            format!("{why}: {reason}. {}: {}.", t("Ngày hẹn mới", "New due date"), date_vi(*new_due_on)),
        ),
        EventKind::Supplemented { .. }
        | EventKind::PaymentRecorded { .. }
        | EventKind::ProcessingStarted
        | EventKind::StepCompleted { .. }
        | EventKind::StepAssigned { .. }
        | EventKind::Transferred { .. }
        | EventKind::Withdrawn { .. }
        | EventKind::Rated { .. } => return None,
    })
}

/// A notice to one officer, in both languages: (to, (subject, body), (subject, body) in English).
pub type StaffNotice = (AccountId, (String, String), (String, String));

/// The notice to the officer a step of `d` (as `event` left it) was given to, by a leader's
/// assignment or by a colleague passing the next step on: which step, and by when the result is
/// due. Nobody is told of what they gave themselves, nor of a step left to anyone in its role.
pub fn to_holder(d: &Dossier, event: &Event) -> Option<StaffNotice> {
    let to = match &event.kind {
        EventKind::StepAssigned { assignee, .. } => *assignee,
        EventKind::StepCompleted { next_assignee: Some(next), .. } => *next,
        _ => return None,
    };
    if to == event.actor {
        return None;
    }
    let n = usize::from(d.step) + 1;
    let total = d.steps.len().max(n);
    let name = d.steps.get(usize::from(d.step)).map(|s| s.name.as_str()).unwrap_or_default();
    let due = d.apology_due_on.or(d.due_on);
    let due_vi = due.map(|on| format!(" Ngày hẹn trả kết quả: {}.", date_vi(on))).unwrap_or_default();
    let due_en = due.map(|on| format!(" Result due on {}.", date_vi(on))).unwrap_or_default();
    let code = &d.code;
    Some((
        to,
        (format!("Hồ sơ {code}: được giao cho anh/chị xử lý"), format!("Bước {n}/{total}: {name}.{due_vi}")),
        (format!("Dossier {code}: assigned to you"), format!("Step {n} of {total}: {name}.{due_en}")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applicants_hear_of_public_moves_only() {
        // Whatever the applicant hears of, they hear of in both languages.
        let events = [
            EventKind::Received { due_on: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap() },
            EventKind::ProcessingStarted,
            EventKind::Refused { reason: "r".into() },
            EventKind::SupplementRequested { items: vec!["a".into()], reason: "r".into() },
            EventKind::Stopped { reason: "r".into() },
            EventKind::Returned { method: crate::ReturnMethod::Desk },
            EventKind::Withdrawn { reason: "r".into() },
        ];
        for e in &events {
            assert_eq!(message("X", e).is_some(), message_en("X", e).is_some(), "{e:?}");
        }
        let (s, b) = message("X-1", &EventKind::PaymentRequested { amount_vnd: 1_500_000 }).unwrap();
        assert_eq!(s, "Hồ sơ X-1: cần nộp phí, lệ phí");
        assert_eq!(b, "Số tiền: 1.500.000 đồng.");
        assert!(message("X-1", &EventKind::ProcessingStarted).is_none());
        let (s, b) = message_en("X-1", &EventKind::PaymentRequested { amount_vnd: 1_500_000 }).unwrap();
        assert_eq!((s.as_str(), b.as_str()), ("Dossier X-1: fees to pay", "Amount: 1,500,000 VND."));
        assert!(
            message("X-1", &EventKind::StepAssigned { step: 1, assignee: tinhso_kernel::ids::AccountId(3) }).is_none()
        );
    }
}
