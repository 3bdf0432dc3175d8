//! What the applicant is told when their dossier moves: the subject and body of the message
//! that goes to their in-app inbox (and by email when they have an address).

use super::{Dossier, DossierState, EventKind};
use chrono::NaiveDate;
use tinhso_kernel::format::{date_vi, thousands};
use tinhso_kernel::ids::{AgencyCode, DossierCode};

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
        S::Returned => ("Đã nhận kết quả", "Mời ông/bà đánh giá mức độ hài lòng với việc giải quyết hồ sơ."),
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
        S::Returned => ("Result handed over", "Please rate how the dossier was handled."),
        S::Refused => ("Not received", "See the reason in the notice; you may apply again once the dossier qualifies."),
        S::Withdrawn => ("Withdrawn", "Nothing more is needed from you."),
        S::Stopped => ("Stopped", "See the reason in the notice sent to you."),
    }
}

/// The message for `event` on dossier `code`; `None` for internal steps the applicant does not see.
pub fn message(code: &str, event: &EventKind) -> Option<(String, String)> {
    let subject = |what: &str| format!("Hồ sơ {code}: {what}");
    Some(match event {
        EventKind::Submitted { .. } => (subject("đã nộp"), "Hồ sơ đã được gửi, chờ cán bộ tiếp nhận.".into()),
        EventKind::Received { due_on } => {
            (subject("đã tiếp nhận"), format!("Ngày hẹn trả kết quả: {}.", date_vi(*due_on)))
        }
        EventKind::Refused { reason } => (subject("không được tiếp nhận"), format!("Lý do: {reason}")),
        EventKind::SupplementRequested { items, reason } => {
            (subject("cần bổ sung giấy tờ"), format!("Cần bổ sung: {}. Lý do: {reason}", items.join("; ")))
        }
        EventKind::PaymentRequested { amount_vnd } => {
            (subject("cần nộp phí, lệ phí"), format!("Số tiền: {} đồng.", thousands(*amount_vnd)))
        }
        EventKind::Approved { .. } => (subject("đã có kết quả"), "Kết quả đã sẵn sàng để trả.".into()),
        EventKind::Returned { .. } => (subject("đã trả kết quả"), "Mời ông/bà đánh giá mức độ hài lòng.".into()),
        EventKind::Stopped { reason } => (subject("dừng xử lý"), format!("Lý do: {reason}")),
        EventKind::ApologySent { reason, new_due_on } => (
            subject("xin lỗi và hẹn lại ngày trả"),
            format!("Lý do: {reason}. Ngày hẹn mới: {}.", date_vi(*new_due_on)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applicants_hear_of_public_moves_only() {
        let (s, b) = message("X-1", &EventKind::PaymentRequested { amount_vnd: 1_500_000 }).unwrap();
        assert_eq!(s, "Hồ sơ X-1: cần nộp phí, lệ phí");
        assert_eq!(b, "Số tiền: 1.500.000 đồng.");
        assert!(message("X-1", &EventKind::ProcessingStarted).is_none());
        assert!(
            message("X-1", &EventKind::StepAssigned { step: 1, assignee: tinhso_kernel::ids::AccountId(3) }).is_none()
        );
    }
}
