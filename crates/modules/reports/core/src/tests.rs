use crate::access::{allowed, required_action};
use crate::deadline::{deadlines, Timeliness};
use crate::geo::{bounding_box, distance_m, Point};
use crate::machine::*;
use crate::routing::{route, Route};
use crate::state::ReportState as S;
use chrono::{NaiveDate, TimeZone, Utc};
use tinhso_kernel::calendar::WorkingCalendar;
use tinhso_kernel::ids::{AccountId, AgencyCode};
use tinhso_policy::{Action, Actor, Role};

fn agency(s: &str) -> AgencyCode {
    AgencyCode::parse("a", s).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn new_report() -> NewReport {
    NewReport {
        kind: ReportKind::Place,
        category: "duong-sa".into(),
        description: "Ổ gà lớn trước cổng trường".into(),
        point: Point::new(21.8236, 105.2140),
        commune: Some(2269),
        address: String::new(),
        dossier_code: None,
        reporter: Some(AccountId(7)),
        reporter_name: "Nguyễn Văn A".into(),
        reporter_contact: "0912345678".into(),
        show_identity: false,
        photos: vec![],
        client_token: None,
    }
}

/// A report received on Monday 2 November 2026.
fn received() -> (Report, WorkingCalendar) {
    let cal = WorkingCalendar::new([]);
    let at = Utc.with_ymd_and_hms(2026, 11, 2, 2, 0, 0).unwrap();
    let e = submit(new_report(), agency("000.00.01.H59"), &cal, day(2026, 11, 2), at, AccountId(7)).unwrap();
    (apply(None, 1, &e).unwrap(), cal)
}

fn run(r: &Report, cal: &WorkingCalendar, cmd: Command, today: NaiveDate) -> Result<Report, Rejection> {
    let at = Utc.from_utc_datetime(&today.and_hms_opt(3, 0, 0).unwrap());
    let e = decide(r, &cmd, cal, today, at, AccountId(1))?;
    Ok(apply(Some(r.clone()), r.id, &e).unwrap())
}

#[test]
fn deadlines_count_working_days_from_receipt() {
    let (r, _) = received();
    // Received Monday 2/11: 2 working days -> Wednesday 4/11, 5 -> Monday 9/11, 15 -> Monday 23/11.
    assert_eq!(r.deadlines.triage_due, day(2026, 11, 4));
    assert_eq!(r.deadlines.info_request_due, day(2026, 11, 9));
    assert_eq!(r.deadlines.handle_due, day(2026, 11, 23));
    assert_eq!(r.state, S::ForTriage);
    assert_eq!(r.state.open311(), "open");
}

#[test]
fn waiting_for_the_reporter_moves_the_handling_deadline() {
    let (r, cal) = received();
    let r = run(&r, &cal, Command::Accept, day(2026, 11, 3)).unwrap();
    let r = run(&r, &cal, Command::RequestInfo { question: "Ảnh rõ hơn?".into() }, day(2026, 11, 4)).unwrap();
    assert_eq!(r.awaiting_reporter_since, Some(day(2026, 11, 4)));
    // The reporter answers the next Wednesday: 5 working days waited (5, 6, 9, 10, 11 November).
    let r = run(&r, &cal, Command::ProvideInfo { text: "Đã gửi".into() }, day(2026, 11, 11)).unwrap();
    assert_eq!(r.paused_days, 5);
    assert_eq!(r.deadlines.handle_due, deadlines(&cal, day(2026, 11, 2), 5).unwrap().handle_due);
    assert_eq!(r.deadlines.handle_due, day(2026, 11, 30));
    // Only once.
    let again = run(&r, &cal, Command::RequestInfo { question: "Nữa?".into() }, day(2026, 11, 12)).unwrap_err();
    assert_eq!(again.code, "info_already_requested");
}

#[test]
fn information_is_requested_within_five_working_days_only() {
    let (r, cal) = received();
    let late = run(&r, &cal, Command::RequestInfo { question: "?".into() }, day(2026, 11, 10)).unwrap_err();
    assert_eq!(late.code, "info_request_too_late");
    assert!(run(&r, &cal, Command::RequestInfo { question: "?".into() }, day(2026, 11, 9)).is_ok());
}

#[test]
fn answering_closes_and_times_the_report() {
    let (r, cal) = received();
    let r = run(&r, &cal, Command::Accept, day(2026, 11, 3)).unwrap();
    let r = run(&r, &cal, Command::StartWork, day(2026, 11, 5)).unwrap();
    assert_eq!(r.state, S::InProgress);
    let empty = run(&r, &cal, Command::Fix { answer: "  ".into(), photos: vec![] }, day(2026, 11, 20)).unwrap_err();
    assert_eq!(empty.code, "text_required");
    let r = run(&r, &cal, Command::Fix { answer: "Đã vá ổ gà".into(), photos: vec![] }, day(2026, 11, 24)).unwrap();
    assert_eq!((r.state, r.state.open311()), (S::Fixed, "closed"));
    assert_eq!(Timeliness::of(r.deadlines.handle_due, r.handled_on, day(2026, 12, 1)), Timeliness::Late);
    assert_eq!(r.answer.as_deref(), Some("Đã vá ổ gà"));
    // Closed reports take no more work.
    assert_eq!(run(&r, &cal, Command::StartWork, day(2026, 11, 25)).unwrap_err().code, "report_closed");
}

#[test]
fn open_reports_past_their_due_date_are_overdue() {
    let (r, _) = received();
    assert_eq!(Timeliness::of(r.deadlines.handle_due, None, day(2026, 11, 23)), Timeliness::OnTrack);
    assert_eq!(Timeliness::of(r.deadlines.handle_due, None, day(2026, 11, 24)), Timeliness::Overdue);
    assert!(counts_against(&r, day(2026, 11, 24)));
    assert!(!counts_against(&r, day(2026, 11, 23)));
}

#[test]
fn reporters_reopen_within_thirty_days_and_rate_once() {
    let (r, cal) = received();
    let r = run(&r, &cal, Command::Fix { answer: "Xong".into(), photos: vec![] }, day(2026, 11, 5)).unwrap();
    let r1 = run(&r, &cal, Command::Rate { satisfied: false, comment: String::new() }, day(2026, 11, 6)).unwrap();
    assert_eq!(r1.rating, Some(false));
    let twice = run(&r1, &cal, Command::Rate { satisfied: true, comment: String::new() }, day(2026, 11, 6));
    assert_eq!(twice.unwrap_err().code, "already_rated");
    let late = run(&r, &cal, Command::Reopen { reason: "Vẫn còn".into() }, day(2026, 12, 7)).unwrap_err();
    assert_eq!(late.code, "reopen_too_late");
    let again = run(&r1, &cal, Command::Reopen { reason: "Vẫn còn ổ gà".into() }, day(2026, 12, 4)).unwrap();
    assert_eq!((again.state, again.reopened, again.rating), (S::Confirmed, 1, None));
    assert!(counts_against(&again, day(2026, 12, 4)));
}

#[test]
fn forwarding_and_escalation_move_the_lead() {
    let (r, cal) = received();
    let other = agency("000.00.02.H59");
    let same = run(&r, &cal, Command::Forward { to: r.agency.clone(), reason: "x".into() }, day(2026, 11, 3));
    assert_eq!(same.unwrap_err().code, "same_agency");
    let f = run(&r, &cal, Command::Forward { to: other.clone(), reason: "Thuộc ngành điện".into() }, day(2026, 11, 3));
    assert_eq!(f.unwrap().agency, other);
    let province = agency("000.00.00.H59");
    let e = run(&r, &cal, Command::Escalate { to: province.clone() }, day(2026, 11, 24)).unwrap();
    assert!(e.escalated);
    assert_eq!(e.agency, province);
    assert_eq!(e.contributors, vec![agency("000.00.01.H59")]);
}

#[test]
fn duplicates_close_and_point_to_the_original() {
    let (r, cal) = received();
    assert_eq!(run(&r, &cal, Command::MarkDuplicate { of: 1 }, day(2026, 11, 3)).unwrap_err().code, "self_duplicate");
    let d = run(&r, &cal, Command::MarkDuplicate { of: 9 }, day(2026, 11, 3)).unwrap();
    assert_eq!((d.state, d.duplicate_of), (S::Duplicate, Some(9)));
    assert_eq!(run(&d, &cal, Command::Reopen { reason: "x".into() }, day(2026, 11, 4)).unwrap_err().code, "duplicate");
}

#[test]
fn every_state_maps_to_open311() {
    let open: Vec<_> = S::ALL.iter().filter(|s| s.open311() == "open").map(|s| s.key()).collect();
    assert_eq!(open, ["for_triage", "confirmed", "investigating", "in_progress", "action_scheduled"]);
    for s in S::ALL {
        assert_eq!(S::parse(s.key()), Some(s));
    }
}

#[test]
fn who_may_do_what() {
    let (r, _) = received();
    let staff = |role: Role, a: &str| Actor { role, agency: Some(agency(a)) };
    let mine = "000.00.01.H59";
    assert!(allowed(&staff(Role::Specialist, mine), AccountId(2), CommandKind::Fix, &r));
    assert!(!allowed(&staff(Role::Specialist, "000.00.02.H59"), AccountId(2), CommandKind::Fix, &r));
    assert!(!allowed(&staff(Role::Specialist, mine), AccountId(2), CommandKind::Hide, &r));
    assert!(allowed(&staff(Role::Approver, mine), AccountId(2), CommandKind::Hide, &r));
    let citizen = Actor { role: Role::Citizen, agency: None };
    assert!(allowed(&citizen, AccountId(7), CommandKind::Rate, &r));
    assert!(!allowed(&citizen, AccountId(8), CommandKind::Rate, &r));
    assert!(!allowed(&citizen, AccountId(7), CommandKind::Fix, &r));
    let leader = Actor { role: Role::Leader, agency: None };
    assert!(allowed(&leader, AccountId(3), CommandKind::Escalate, &r));
    // Every command needs some right.
    for k in CommandKind::ALL {
        assert!(matches!(
            required_action(k, &r, AccountId(1)),
            Action::HandleReport { .. } | Action::ModerateReport { .. } | Action::ActAsReporter { .. }
        ));
        assert_eq!(CommandKind::parse(k.key()), Some(k));
    }
}

#[test]
fn distances_and_boxes() {
    let a = Point::new(21.0285, 105.8542).unwrap();
    let b = Point::new(21.0285 + 0.0004, 105.8542).unwrap();
    let d = distance_m(a, b);
    assert!((d - 44.5).abs() < 0.5, "{d}");
    // A point 50 m east lies inside the 50 m box and at 50 m.
    let metres_per_degree = 6_371_008.8 * std::f64::consts::PI / 180.0;
    let east = Point::new(21.0285, 105.8542 + 49.99 / (metres_per_degree * 21.0285f64.to_radians().cos())).unwrap();
    let (la0, la1, lo0, lo1) = bounding_box(a, 50.0);
    assert!(east.lon <= lo1 && east.lon >= lo0 && a.lat >= la0 && a.lat <= la1);
    assert!((distance_m(a, east) - 50.0).abs() < 0.1);
    assert!(Point::new(91.0, 0.0).is_none() && Point::new(f64::NAN, 0.0).is_none());
}

#[test]
fn routing_prefers_the_commune_rule_then_the_category_rule_then_the_commune() {
    use tinhso_kernel::province::{Agency, AgencyKind, AgencyLevel};
    let ag = |code: &str, level, kind, unit| Agency {
        code: agency(code),
        name: code.into(),
        level,
        kind,
        parent: None,
        unit_code: unit,
    };
    let agencies = vec![
        ag("000.00.00.H59", AgencyLevel::Province, AgencyKind::PeoplesCommittee, None),
        ag("000.00.10.H59", AgencyLevel::Province, AgencyKind::Department, None),
        ag("000.01.01.H59", AgencyLevel::Commune, AgencyKind::PeoplesCommittee, Some(2269)),
    ];
    let table = vec![
        Route { category: "an-toan-thuc-pham".into(), commune: None, agency: agency("000.00.10.H59") },
        Route { category: "an-toan-thuc-pham".into(), commune: Some(2269), agency: agency("000.01.01.H59") },
    ];
    assert_eq!(route(&table, &agencies, "an-toan-thuc-pham", Some(2269), None), Some(agency("000.01.01.H59")));
    assert_eq!(route(&table, &agencies, "an-toan-thuc-pham", Some(1), None), Some(agency("000.00.10.H59")));
    assert_eq!(route(&table, &agencies, "rac-thai", Some(2269), None), Some(agency("000.01.01.H59")));
    assert_eq!(route(&table, &agencies, "rac-thai", None, None), Some(agency("000.00.00.H59")));
    // About a dossier: the agency deciding it answers, unless the table names one for the category.
    let deciding = agency("000.00.10.H59");
    assert_eq!(route(&[], &agencies, "thu-tuc-hanh-chinh", None, Some(&deciding)), Some(deciding.clone()));
    assert_eq!(route(&[], &agencies, "thu-tuc-hanh-chinh", Some(2269), Some(&deciding)), Some(deciding));
    let committee = agency("000.00.00.H59");
    assert_eq!(route(&table, &agencies, "an-toan-thuc-pham", Some(1), Some(&committee)), Some(agency("000.00.10.H59")));
    // An agency the province no longer has is no answer: the usual fallbacks apply.
    let gone = agency("000.00.77.H59");
    assert_eq!(route(&[], &agencies, "thu-tuc-hanh-chinh", Some(2269), Some(&gone)), Some(agency("000.01.01.H59")));
}

#[test]
fn public_ids() {
    assert_eq!(crate::public_id(12), "PA-12");
    assert_eq!(crate::parse_public_id("PA-12"), Some(12));
    assert_eq!(crate::parse_public_id("12"), Some(12));
    assert_eq!(crate::parse_public_id("PA-0"), None);
    assert_eq!(crate::parse_public_id("x"), None);
}

#[test]
fn feedback_on_public_services_counts_for_766_once_handled_or_due() {
    use crate::indicators::feedback_766;
    let (place, cal) = received();
    let service = Report { kind: ReportKind::Service, ..place.clone() };
    // Places never count; open and not due yet does not count; open past due counts as late.
    assert_eq!(feedback_766(&place, day(2026, 12, 31)), None);
    assert_eq!(feedback_766(&service, day(2026, 11, 23)), None);
    assert_eq!(feedback_766(&service, day(2026, 11, 24)), Some(false));
    let on_time =
        run(&service, &cal, Command::Fix { answer: "Đã xử lý".into(), photos: vec![] }, day(2026, 11, 20)).unwrap();
    assert_eq!(feedback_766(&on_time, day(2026, 11, 30)), Some(true));
    // Judged as of the period's end: handled after it, it is late if the due date had passed.
    assert_eq!(feedback_766(&on_time, day(2026, 11, 19)), None);
    let late =
        run(&service, &cal, Command::Fix { answer: "Đã xử lý".into(), photos: vec![] }, day(2026, 11, 25)).unwrap();
    assert_eq!(feedback_766(&late, day(2026, 11, 30)), Some(false));
    let merged = run(&service, &cal, Command::MarkDuplicate { of: 9 }, day(2026, 11, 3)).unwrap();
    assert_eq!(feedback_766(&merged, day(2026, 12, 31)), None);
}

#[test]
fn communes_from_boundaries() {
    use crate::geo::{commune_at, parse_boundaries};
    let square = |x: f64, y: f64| {
        format!("[[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]]", x + 0.1, x + 0.1, y + 0.1, y + 0.1)
    };
    let json = format!(
        r#"{{"type":"FeatureCollection","features":[
        {{"type":"Feature","properties":{{"code":2269}},"geometry":{{"type":"Polygon","coordinates":{}}}}},
        {{"type":"Feature","properties":{{"ma":"2270"}},"geometry":{{"type":"MultiPolygon","coordinates":[{},{}]}}}}]}}"#,
        square(105.0, 21.0),
        square(105.1, 21.0),
        square(106.0, 22.0)
    );
    let b = parse_boundaries(&json, &[2269, 2270]).unwrap();
    assert_eq!(commune_at(&b, Point::new(21.05, 105.05).unwrap()), Some(2269));
    assert_eq!(commune_at(&b, Point::new(21.05, 105.15).unwrap()), Some(2270));
    assert_eq!(commune_at(&b, Point::new(22.05, 106.05).unwrap()), Some(2270), "second polygon");
    assert_eq!(commune_at(&b, Point::new(21.5, 105.5).unwrap()), None);
    // A hole is outside.
    let holed = r#"{"features":[{"properties":{"code":1},"geometry":{"type":"Polygon","coordinates":[
        [[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[3,1],[3,3],[1,3],[1,1]]]}}]}"#;
    let h = parse_boundaries(holed, &[1]).unwrap();
    assert_eq!(commune_at(&h, Point::new(2.0, 2.0).unwrap()), None);
    assert_eq!(commune_at(&h, Point::new(0.5, 0.5).unwrap()), Some(1));
    // Every problem named, nothing returned.
    let bad = r#"{"features":[{"properties":{},"geometry":null},{"properties":{"code":9},"geometry":{"type":"Point","coordinates":[1,2]}},
        {"properties":{"code":1},"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}}]}"#;
    let problems = parse_boundaries(bad, &[1]).unwrap_err();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(parse_boundaries("[]", &[1]).is_err() && parse_boundaries("{", &[1]).is_err());
}

#[test]
fn places_outside_viet_nam_are_none_of_the_provinces() {
    use crate::geo::in_viet_nam;
    let at = |lat, lon| in_viet_nam(Point::new(lat, lon).unwrap());
    // Lũng Cú, Cà Mau cape, the Trường Sa islands, the westernmost tip: inside.
    assert!(at(23.36, 105.32) && at(8.6, 104.72) && at(8.64, 111.92) && at(22.4, 102.15));
    // A receiver without a fix, Bangkok, Manila, and Tuyên Quang with latitude and longitude swapped: outside.
    assert!(!at(0.0, 0.0) && !at(13.75, 100.5) && !at(14.6, 120.98) && !at(-22.1, 105.2));
}
