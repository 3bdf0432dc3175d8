//! Who hears of each step, in both languages, queued in the step's own transaction: the units'
//! admins when a round opens and when results are published (leaders too); a unit's admins
//! when their self-assessment is returned or appraised; the appraisers when a unit submits.

use tinhso_dti::Points;
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::ids::{AccountId, AgencyCode};
use tinhso_policy::{decide, Action, Actor, Decision, Role};
use tinhso_store::{Account, Notification};

/// What happened, as a notice says it.
pub enum Step<'a> {
    Opened { year: i32, deadline: &'a str },
    Submitted { year: i32, unit: &'a AgencyCode },
    Returned { year: i32, unit: &'a AgencyCode, reason: &'a str },
    Appraised { year: i32, unit: &'a AgencyCode, total: Points },
    Published { year: i32 },
}

fn may(a: &Account, action: &Action) -> bool {
    decide(&Actor { role: a.role, agency: a.agency.clone() }, action) == Decision::Allow
}

/// Whether `a` assesses a unit of the index (`unit`, or any).
pub(crate) fn assesses(state: &AppState, a: &Account, unit: Option<&AgencyCode>) -> bool {
    a.agency.as_ref().is_some_and(|g| {
        unit.is_none_or(|u| u == g)
            && crate::service::group_of(state, g).is_some()
            && may(a, &Action::AssessDigitalTransformation { agency: g.clone() })
    })
}

pub async fn notices(state: &AppState, step: Step<'_>) -> Result<Vec<Notification>, AppError> {
    let name = |u: &AgencyCode| state.agency_name(u.as_str()).unwrap_or(u.as_str()).to_owned();
    let staff: Vec<Account> =
        state.store.identity.staff_accounts().await?.into_iter().filter(|a| !a.disabled).collect();
    let pick = |keep: &dyn Fn(&Account) -> bool| -> Vec<AccountId> {
        staff.iter().filter(|a| keep(a)).map(|a| a.id).collect()
    };
    let (to, vi, en): (Vec<AccountId>, (String, String), (String, String)) = match step {
        Step::Opened { year, deadline } => (
            pick(&|a| assesses(state, a, None)),
            (
                format!("Mở đợt đánh giá chuyển đổi số năm {year}"),
                format!("Hạn nộp bản tự đánh giá: {deadline}. Thực hiện tại mục Đánh giá chuyển đổi số (DTI)."),
            ),
            (
                format!("The {year} digital-transformation assessment is open"),
                format!("Submit the self-assessment by {deadline}, under Digital-transformation index (DTI)."),
            ),
        ),
        Step::Submitted { year, unit } => (
            pick(&|a| may(a, &Action::AppraiseDigitalTransformation)),
            (
                format!("{} đã nộp bản tự đánh giá chuyển đổi số năm {year}", name(unit)),
                "Bản tự đánh giá chờ thẩm định tại mục Đánh giá chuyển đổi số (DTI).".to_owned(),
            ),
            (
                format!("{} submitted its {year} digital-transformation self-assessment", name(unit)),
                "It awaits appraisal under Digital-transformation index (DTI).".to_owned(),
            ),
        ),
        Step::Returned { year, unit, reason } => (
            pick(&|a| assesses(state, a, Some(unit))),
            (
                format!("Bản tự đánh giá chuyển đổi số năm {year} được trả lại để giải trình, bổ sung"),
                reason.to_owned(),
            ),
            (format!("The {year} digital-transformation self-assessment was returned"), reason.to_owned()),
        ),
        Step::Appraised { year, unit, total } => (
            pick(&|a| assesses(state, a, Some(unit))),
            (
                format!("Bản tự đánh giá chuyển đổi số năm {year} đã được thẩm định"),
                format!("{}: {} / 1.000 điểm", name(unit), total.vi()),
            ),
            (
                format!("The {year} digital-transformation self-assessment was appraised"),
                format!("{}: {} / 1,000 points", name(unit), total.en()),
            ),
        ),
        Step::Published { year } => (
            pick(&|a| assesses(state, a, None) || a.role == Role::Leader),
            (
                format!("Công bố kết quả chỉ số chuyển đổi số năm {year}"),
                "Xem xếp hạng tại trang Chỉ số chuyển đổi số.".to_owned(),
            ),
            (
                format!("The {year} digital-transformation results are published"),
                "See the ranking on the Digital-transformation index page.".to_owned(),
            ),
        ),
    };
    Ok(to
        .into_iter()
        .map(|id| Notification::new(id, vi.0.clone(), vi.1.clone()).with_english(en.0.clone(), en.1.clone()))
        .collect())
}
