use super::*;
use crate::deadline::Timeliness;
use chrono::TimeZone;
use proptest::prelude::*;

/// Built once: a calendar covers a century of years.
fn cal() -> &'static WorkingCalendar {
    static CAL: std::sync::LazyLock<WorkingCalendar> = std::sync::LazyLock::new(|| WorkingCalendar::new([]));
    &CAL
}

/// 09:00 in Vietnam on 2025-03-DD.
fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, day, 2, 0, 0).single().unwrap()
}

fn submitted(days: u16) -> Dossier {
    let e = Event {
        kind: EventKind::Submitted {
            procedure: ProcedureCode::parse("p", "1.001193").unwrap(),
            applicant: tinhso_kernel::ids::AccountId(7),
            applicant_type: ApplicantType::Citizen,
            channel: Channel::Online,
            receiving_agency: AgencyCode::parse("a", "000.00.90.H08").unwrap(),
            competent_agency: AgencyCode::parse("a", "000.20.01.H08").unwrap(),
            processing_days: days,
            fee_vnd: Some(0),
            files: Vec::new(),
            paper_components: Vec::new(),
            steps: tinhso_catalogue::workflow::default_steps(Some(
                tinhso_catalogue::procedure::ProcessingTime::WorkingDays(days),
            )),
            form_sha256: None,
            phone_sha256: None,
            organization: None,
        },
        at: at(3),
        actor: tinhso_kernel::ids::AccountId(7),
    };
    apply(None, &tinhso_kernel::ids::DossierCode::parse("code", "000.00.90.H08-250303-0001").unwrap(), &e).unwrap()
}

/// Decides and applies, as a store would.
fn step(d: Dossier, cmd: Command, party: Party, day: u32) -> Result<Dossier, Refusal> {
    let kind = decide(&d, &cmd, party, at(day), cal())?;
    let code = d.code.clone();
    Ok(apply(Some(d), &code, &Event { kind, at: at(day), actor: tinhso_kernel::ids::AccountId(1) }).unwrap())
}

fn d(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, day).unwrap()
}

#[test]
fn full_lifecycle_with_one_supplement_is_on_time() {
    let x = submitted(5);
    assert_eq!(x.state.code(), 1);
    let x = step(x, Command::Receive, Party::Staff, 3).unwrap();
    assert_eq!((x.state.code(), x.due_on), (2, Some(d(10))));
    let x = step(x, Command::StartProcessing, Party::Staff, 4).unwrap();
    let x = step(
        x,
        Command::RequestSupplement { items: vec!["Giấy chứng sinh".into()], reason: "Bản chụp mờ".into() },
        Party::Staff,
        4,
    )
    .unwrap();
    assert_eq!((x.state.code(), x.paused_on), (5, Some(d(4))));
    // The applicant takes Wed 5 to Thu 6: two working days added back.
    let x =
        step(x, Command::Supplement { note: "Đã chụp lại".into(), files: Vec::new() }, Party::Applicant, 6).unwrap();
    assert_eq!((x.state, x.due_on), (DossierState::Processing, Some(d(12))));
    let x = step(x, Command::RequestPayment { amount_vnd: 8000 }, Party::Staff, 7).unwrap();
    assert_eq!(x.state.code(), 6);
    assert_eq!(
        step(x.clone(), Command::RecordPayment { online: true }, Party::Applicant, 7).unwrap_err().code,
        "forbidden",
        "an applicant cannot declare their own fee paid"
    );
    let x = step(x, Command::RecordPayment { online: false }, Party::Staff, 7).unwrap();
    assert_eq!((x.state, x.paid_online), (DossierState::Processing, Some(false)));
    let x = step(x, Command::CompleteStep { note: "Thẩm định xong".into(), next_assignee: None }, Party::Staff, 10)
        .unwrap();
    let x =
        step(x, Command::Approve { electronic_result: true, result: Some(result_file()) }, Party::Staff, 12).unwrap();
    assert_eq!((x.state.code(), x.timeliness), (9, Some(Timeliness::OnTime)));
    let x = step(x, Command::Return { method: ReturnMethod::Online }, Party::Staff, 12).unwrap();
    assert_eq!(x.state.code(), 10);
    let x =
        step(x, Command::Rate { rating: Rating::VerySatisfied, comment: String::new() }, Party::Applicant, 13).unwrap();
    assert_eq!(x.rating, Some(Rating::VerySatisfied));
    assert!(step(x, Command::Rate { rating: Rating::Satisfied, comment: String::new() }, Party::Applicant, 14).is_err());
}

#[test]
fn the_applicants_page_asks_only_what_is_left_to_do() {
    use crate::deadline::DueStatus;
    use crate::notice::next_on_page;
    let asks_to_rate = |x: &Dossier| next_on_page(x, DueStatus::Closed, false).contains("Mời ông/bà đánh giá");
    let x = submitted(5);
    let x = step(x, Command::Receive, Party::Staff, 3).unwrap();
    // Late with no apology yet: what the agency owes; after the apology and late again: feedback.
    assert!(next_on_page(&x, DueStatus::Overdue, false).contains("chưa gửi phiếu xin lỗi"));
    assert!(next_on_page(&x, DueStatus::OnTrack, false).contains("không cần làm gì thêm"));
    let x = step(x, Command::StartProcessing, Party::Staff, 4).unwrap();
    let x = step(x, Command::Apologise { reason: "Chờ xác minh".into(), new_due_on: d(20) }, Party::Staff, 7).unwrap();
    assert!(next_on_page(&x, DueStatus::Overdue, false).contains("gửi phản ánh, kiến nghị"));
    let x = step(x, Command::CompleteStep { note: "Xong".into(), next_assignee: None }, Party::Staff, 12).unwrap();
    let x = step(x, Command::Approve { electronic_result: false, result: None }, Party::Staff, 12).unwrap();
    let x = step(x, Command::Return { method: ReturnMethod::Desk }, Party::Staff, 13).unwrap();
    assert!(asks_to_rate(&x));
    let x = step(x, Command::Rate { rating: Rating::Satisfied, comment: String::new() }, Party::Applicant, 13).unwrap();
    assert!(!asks_to_rate(&x) && next_on_page(&x, DueStatus::Closed, false).starts_with("Cảm ơn"));
    // Both languages always say something.
    assert!(!next_on_page(&x, DueStatus::Closed, true).is_empty());
}

#[test]
fn requests_before_processing_return_the_dossier_where_it_was() {
    let received = step(submitted(5), Command::Receive, Party::Staff, 3).unwrap();
    let supplement = Command::RequestSupplement { items: vec!["Giấy chứng sinh".into()], reason: "Mờ".into() };
    let x = step(received.clone(), supplement.clone(), Party::Staff, 4).unwrap();
    let x = step(x, Command::Supplement { note: String::new(), files: Vec::new() }, Party::Applicant, 5).unwrap();
    assert_eq!(x.state, DossierState::Received, "nobody had started processing it (code 2, not 4)");
    let x = step(x, Command::RequestPayment { amount_vnd: 8000 }, Party::Staff, 5).unwrap();
    let x = step(x, Command::RecordPayment { online: false }, Party::Staff, 5).unwrap();
    assert_eq!(x.state, DossierState::Received, "nor does a fee paid");
    // Before receipt, a supplement keeps it waiting for the desk.
    let x = step(submitted(5), supplement, Party::Staff, 3).unwrap();
    let x = step(x, Command::Supplement { note: String::new(), files: Vec::new() }, Party::Applicant, 4).unwrap();
    assert_eq!(x.state, DossierState::Submitted);
}

#[test]
fn a_second_supplement_request_makes_it_late() {
    let mut x = step(submitted(10), Command::Receive, Party::Staff, 3).unwrap();
    x = step(x, Command::StartProcessing, Party::Staff, 3).unwrap();
    for day in [4, 5] {
        x = step(
            x,
            Command::RequestSupplement { items: vec!["Tờ khai".into()], reason: "Thiếu chữ ký".into() },
            Party::Staff,
            day,
        )
        .unwrap();
        x = step(x, Command::Supplement { note: String::new(), files: Vec::new() }, Party::Applicant, day).unwrap();
    }
    x = step(x, Command::CompleteStep { note: String::new(), next_assignee: None }, Party::Staff, 6).unwrap();
    x = step(x, Command::Approve { electronic_result: false, result: None }, Party::Staff, 6).unwrap();
    assert_eq!(x.timeliness, Some(Timeliness::Late));
}

#[test]
fn illegal_transitions_are_refused() {
    let x = submitted(5);
    let e = step(x.clone(), Command::Approve { electronic_result: true, result: Some(result_file()) }, Party::Staff, 3)
        .unwrap_err();
    assert_eq!(e.code, "illegal_transition");
    assert!(e.vi.contains("Mới đăng ký"));
    assert_eq!(step(x.clone(), Command::Receive, Party::Applicant, 3).unwrap_err().code, "forbidden");
    assert_eq!(
        step(x.clone(), Command::Withdraw { reason: String::new() }, Party::Staff, 3).unwrap_err().code,
        "forbidden"
    );
    assert_eq!(
        step(x.clone(), Command::Refuse { reason: " ".into() }, Party::Staff, 3).unwrap_err().code,
        "invalid_input"
    );
    let refused = step(x, Command::Refuse { reason: "Không thuộc thẩm quyền".into() }, Party::Staff, 3).unwrap();
    assert_eq!(refused.state.code(), 3);
    assert!(step(refused, Command::Receive, Party::Staff, 3).is_err());
}

#[test]
fn apology_before_the_due_date_only() {
    let x = step(submitted(2), Command::Receive, Party::Staff, 3).unwrap();
    assert_eq!(x.due_on, Some(d(5)));
    let late = Command::Apologise { reason: "Chờ xác minh".into(), new_due_on: d(10) };
    assert_eq!(step(x.clone(), late.clone(), Party::Staff, 6).unwrap_err().code, "apology_too_late");
    let bad_day = Command::Apologise { reason: "Chờ xác minh".into(), new_due_on: d(8) };
    assert_eq!(step(x.clone(), bad_day, Party::Staff, 4).unwrap_err().code, "invalid_new_due_date");
    let x = step(x, late, Party::Staff, 4).unwrap();
    assert_eq!(x.apology_due_on, Some(d(10)));
}

/// The public lookup reads only where a dossier stands from its stored JSON: the same facts as
/// the whole dossier holds, at every point of a life with an apology and a supplement.
#[test]
fn where_a_stored_dossier_stands_reads_as_the_dossier_says() {
    let mut x = submitted(2);
    let cmds = [
        (Command::Receive, 3),
        (Command::Apologise { reason: "Chờ xác minh".into(), new_due_on: d(10) }, 4),
        (Command::StartProcessing, 5),
        (
            Command::RequestSupplement {
                items: vec!["Bản sao giấy khai sinh".into()], reason: "Thiếu bản sao".into()
            },
            6,
        ),
    ];
    for (cmd, day) in cmds {
        let stored = serde_json::to_string(&x).unwrap();
        assert_eq!(serde_json::from_str::<crate::notice::Standing>(&stored).unwrap(), (&x).into());
        x = step(x, cmd, Party::Staff, day).unwrap();
    }
    assert_eq!(x.apology_due_on, Some(d(10)));
    assert_eq!(x.state, DossierState::SupplementRequested);
    let stored = serde_json::to_string(&x).unwrap();
    assert_eq!(serde_json::from_str::<crate::notice::Standing>(&stored).unwrap(), (&x).into());
}

#[test]
fn processing_follows_the_configured_steps() {
    let x = step(submitted(5), Command::Receive, Party::Staff, 3).unwrap();
    let x = step(x, Command::StartProcessing, Party::Staff, 4).unwrap();
    // The one who starts processing holds the first step; its budget runs from today.
    assert_eq!((x.step, x.assignee, x.step_started_on), (0, Some(tinhso_kernel::ids::AccountId(1)), Some(d(4))));
    assert_eq!(current_step(&x).map(|s| s.role), Some(tinhso_catalogue::workflow::StepRole::Specialist));
    assert!(holds_step(&x, tinhso_kernel::ids::AccountId(1)) && !holds_step(&x, tinhso_kernel::ids::AccountId(2)));
    let approve = Command::Approve { electronic_result: true, result: Some(result_file()) };
    assert_eq!(step(x.clone(), approve.clone(), Party::Staff, 4).unwrap_err().code, "illegal_transition");
    let x = step(x, Command::Assign { assignee: tinhso_kernel::ids::AccountId(2) }, Party::Staff, 4).unwrap();
    assert!(holds_step(&x, tinhso_kernel::ids::AccountId(2)) && !holds_step(&x, tinhso_kernel::ids::AccountId(1)));
    let x = step(
        x,
        Command::CompleteStep {
            note: "Đủ điều kiện".into(), next_assignee: Some(tinhso_kernel::ids::AccountId(5))
        },
        Party::Staff,
        5,
    )
    .unwrap();
    assert_eq!((x.step, x.assignee, x.step_started_on), (1, Some(tinhso_kernel::ids::AccountId(5)), Some(d(5))));
    assert_eq!(current_step(&x).map(|s| s.role), Some(tinhso_catalogue::workflow::StepRole::Approver));
    // The last step is the approval itself: it cannot be "completed" any other way.
    let more = Command::CompleteStep { note: String::new(), next_assignee: None };
    assert_eq!(step(x.clone(), more, Party::Staff, 5).unwrap_err().code, "illegal_transition");
    let x = step(x, approve, Party::Staff, 6).unwrap();
    assert_eq!((x.state, x.step, x.assignee), (DossierState::ResultReady, 2, None));
}

fn any_command() -> impl Strategy<Value = (Command, bool)> {
    let cmd = prop_oneof![
        Just(Command::Receive),
        Just(Command::Refuse { reason: "lý do".into() }),
        Just(Command::RequestSupplement { items: vec!["giấy".into()], reason: "thiếu".into() }),
        Just(Command::Supplement { note: String::new(), files: Vec::new() }),
        Just(Command::RequestPayment { amount_vnd: 1000 }),
        Just(Command::RecordPayment { online: false }),
        Just(Command::StartProcessing),
        Just(Command::CompleteStep { note: String::new(), next_assignee: None }),
        Just(Command::Assign { assignee: tinhso_kernel::ids::AccountId(9) }),
        Just(Command::Approve { electronic_result: true, result: Some(result_file()) }),
        Just(Command::Return { method: ReturnMethod::Desk }),
        Just(Command::Withdraw { reason: String::new() }),
        Just(Command::Stop { reason: "dừng".into() }),
        Just(Command::Rate { rating: Rating::Satisfied, comment: String::new() }),
    ];
    (cmd, any::<bool>())
}

proptest! {
    /// Whatever people try, a refused command changes nothing, final states stay final,
    /// due dates never move earlier, and more than one supplement request means late.
    #[test]
    fn random_histories_keep_the_invariants(cmds in proptest::collection::vec(any_command(), 1..40)) {
        let mut x = submitted(5);
        let mut day = 3;
        for (cmd, by_applicant) in cmds {
            let party = if by_applicant { Party::Applicant } else { Party::Staff };
            let before = x.clone();
            match step(x.clone(), cmd.clone(), party, day) {
                Ok(next) => {
                    let rating = matches!(cmd, Command::Rate { .. });
                    prop_assert!(!before.state.is_final() || rating);
                    if let (Some(a), Some(b)) = (before.due_on, next.due_on) {
                        prop_assert!(b >= a);
                    }
                    prop_assert_eq!(next.version, before.version + 1);
                    x = next;
                }
                Err(_) => prop_assert_eq!(&x, &before),
            }
            prop_assert!(usize::from(x.step) <= x.steps.len());
            if x.state == DossierState::ResultReady {
                prop_assert_eq!(usize::from(x.step), x.steps.len());
            }
            if x.supplement_requests > 1 && x.timeliness.is_some() {
                prop_assert_eq!(x.timeliness, Some(Timeliness::Late));
            }
            day = (day % 27) + 1;
            if day < 3 { day = 3; }
        }
    }
}

/// A history only moves forward: an action dated before the dossier's last event is refused,
/// and nothing changes; one at the same moment or later is decided as usual.
#[test]
fn an_event_before_the_last_one_is_refused() {
    let x = step(submitted(5), Command::Receive, Party::Staff, 5).unwrap();
    assert_eq!(x.last_event_at, Some(at(5)));
    let e = step(x.clone(), Command::StartProcessing, Party::Staff, 4).unwrap_err();
    assert_eq!(e.code, "out_of_order");
    assert!(e.vi.contains("sớm hơn"), "{}", e.vi);
    let y = step(x, Command::StartProcessing, Party::Staff, 5).unwrap();
    assert_eq!(y.state, DossierState::Processing);
    // A dossier stored before the time was kept is decided as before, and keeps it from then on.
    let mut old = submitted(5);
    old.last_event_at = None;
    let old = step(old, Command::Receive, Party::Staff, 2).unwrap();
    assert_eq!(old.last_event_at, Some(at(2)));
}

fn result_file() -> Sha256 {
    Sha256::parse("result", &"ab".repeat(32)).unwrap()
}

#[test]
fn an_electronic_result_is_a_file_not_a_ticked_box() {
    let x = step(submitted(5), Command::Receive, Party::Staff, 3).unwrap();
    let x = step(x, Command::StartProcessing, Party::Staff, 5).unwrap();
    let x = step(x, Command::CompleteStep { note: String::new(), next_assignee: None }, Party::Staff, 5).unwrap();
    let e = step(x.clone(), Command::Approve { electronic_result: true, result: None }, Party::Staff, 6).unwrap_err();
    assert_eq!(e.code, "result_file_required");
    let paper = step(x.clone(), Command::Approve { electronic_result: false, result: None }, Party::Staff, 6).unwrap();
    assert!(!paper.electronic_result);
    let signed =
        step(x, Command::Approve { electronic_result: false, result: Some(result_file()) }, Party::Staff, 6).unwrap();
    assert!(signed.electronic_result, "a named file is an electronic result");
}

/// Decides and applies as `actor`; returns the event too, as a store would write it.
fn step_as(d: Dossier, cmd: Command, actor: i64, day: u32) -> (Dossier, Event) {
    let kind = decide(&d, &cmd, Party::Staff, at(day), cal()).unwrap();
    let code = d.code.clone();
    let event = Event { kind, at: at(day), actor: tinhso_kernel::ids::AccountId(actor) };
    (apply(Some(d), &code, &event).unwrap(), event)
}

#[test]
fn an_officer_is_told_of_a_step_given_to_them_not_of_one_they_took() {
    use crate::notice::to_holder;
    let x = step(submitted(5), Command::Receive, Party::Staff, 3).unwrap();
    let (x, started) = step_as(x, Command::StartProcessing, 1, 4);
    assert_eq!(to_holder(&x, &started), None, "whoever starts holds the step by their own act");
    let (x, assigned) = step_as(x, Command::Assign { assignee: tinhso_kernel::ids::AccountId(2) }, 9, 4);
    let (to, (subject, body), (subject_en, body_en)) = to_holder(&x, &assigned).unwrap();
    let due = x.due_on.unwrap().format("%d/%m/%Y").to_string();
    assert_eq!(to, tinhso_kernel::ids::AccountId(2));
    assert_eq!(subject, "Hồ sơ 000.00.90.H08-250303-0001: được giao cho anh/chị xử lý");
    assert_eq!(body, format!("Bước 1/2: {}. Ngày hẹn trả kết quả: {due}.", x.steps[0].name));
    assert_eq!(subject_en, "Dossier 000.00.90.H08-250303-0001: assigned to you");
    assert_eq!(body_en, format!("Step 1 of 2: {}. Result due on {due}.", x.steps[0].name));
    let (x, own) = step_as(x, Command::Assign { assignee: tinhso_kernel::ids::AccountId(2) }, 2, 4);
    assert_eq!(to_holder(&x, &own), None, "nobody is told of what they gave themselves");
    let pass = Command::CompleteStep { note: "Đủ".into(), next_assignee: Some(tinhso_kernel::ids::AccountId(5)) };
    let (y, passed) = step_as(x.clone(), pass, 2, 5);
    let (to, (_, body), _) = to_holder(&y, &passed).unwrap();
    assert_eq!(to, tinhso_kernel::ids::AccountId(5));
    assert!(body.starts_with(&format!("Bước 2/2: {}.", y.steps[1].name)), "{body}");
    let anyone = Command::CompleteStep { note: "Đủ".into(), next_assignee: None };
    let (y, left) = step_as(x, anyone, 2, 5);
    assert_eq!(to_holder(&y, &left), None, "a step left to anyone in its role names nobody");
}
