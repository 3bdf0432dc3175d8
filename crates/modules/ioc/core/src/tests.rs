use super::index::{catalogue_stats, compute, Source, Weights};
use super::*;
use chrono::{DateTime, Datelike, TimeZone, Utc};
use proptest::prelude::*;
use std::collections::HashMap;
use tinhso_catalogue::procedure::ProcessingTime;
use tinhso_dossier::{apply, decide, ApplicantType, Command, Event, EventKind, FileRef, Party, ReturnMethod};
use tinhso_kernel::calendar::WorkingCalendar;
use tinhso_kernel::ids::ProcedureCode;

fn cal() -> &'static WorkingCalendar {
    static CAL: std::sync::LazyLock<WorkingCalendar> = std::sync::LazyLock::new(|| WorkingCalendar::new([]));
    &CAL
}

/// 09:00 in Vietnam on 2025-03-DD (March 2025 has no holidays).
fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, day, 2, 0, 0).single().unwrap()
}

fn agency() -> AgencyCode {
    AgencyCode::parse("a", "000.00.03.H08").unwrap()
}

/// A dossier of a 5-working-day procedure submitted on Monday 3 March, and every event's
/// fact delta summed along the way (the incremental path).
struct Run {
    d: Dossier,
    incremental: Facts,
}

impl Run {
    fn submit(channel: Channel, files: Vec<FileRef>) -> Run {
        let e = Event {
            kind: EventKind::Submitted {
                procedure: ProcedureCode::parse("p", "2.000635").unwrap(),
                applicant: tinhso_kernel::ids::AccountId(7),
                applicant_type: ApplicantType::Citizen,
                channel,
                receiving_agency: AgencyCode::parse("a", "000.00.90.H08").unwrap(),
                competent_agency: agency(),
                processing_days: 5,
                fee_vnd: Some(8000),
                files,
                paper_components: Vec::new(),
                steps: tinhso_catalogue::workflow::default_steps(Some(ProcessingTime::WorkingDays(5))),
                form_sha256: None,
                phone_sha256: None,
                organization: None,
            },
            at: at(3),
            actor: tinhso_kernel::ids::AccountId(7),
        };
        let d = apply(None, &tinhso_kernel::ids::DossierCode::parse("code", "000.00.90.H08-250303-0001").unwrap(), &e)
            .unwrap();
        let incremental = delta(None, &d);
        Run { d, incremental }
    }

    fn then(mut self, cmd: Command, party: Party, day: u32) -> Run {
        let kind = decide(&self.d, &cmd, party, at(day), cal()).unwrap();
        let next = apply(
            Some(self.d.clone()),
            &self.d.code.clone(),
            &Event { kind, at: at(day), actor: tinhso_kernel::ids::AccountId(1) },
        )
        .unwrap();
        accumulate(&mut self.incremental, delta(Some(&self.d), &next));
        self.d = next;
        self
    }

    fn received(self) -> Run {
        self.then(Command::Receive, Party::Staff, 3).then(Command::StartProcessing, Party::Staff, 3)
    }

    /// Completes the examination step and approves on `day` (due date: Monday 10th).
    fn finish(self, day: u32) -> Run {
        self.then(Command::CompleteStep { note: String::new(), next_assignee: None }, Party::Staff, day).then(
            Command::Approve {
                electronic_result: true,
                result: Some(tinhso_kernel::ids::Sha256::parse("r", &"cd".repeat(32)).unwrap()),
            },
            Party::Staff,
            day,
        )
    }

    fn supplement(self, day: u32) -> Run {
        let ask = Command::RequestSupplement { items: vec!["Tờ khai".into()], reason: "Thiếu chữ ký".into() };
        self.then(ask, Party::Staff, day).then(
            Command::Supplement { note: String::new(), files: Vec::new() },
            Party::Applicant,
            day + 1,
        )
    }
}

fn total(runs: &[Run]) -> Totals {
    let mut t = Totals::new();
    for r in runs {
        assert_eq!(r.incremental, facts(&r.d), "incremental deltas add up to the dossier's facts");
        for (k, v) in facts(&r.d) {
            *t.entry(k.measure).or_default() += v;
        }
    }
    t
}

#[test]
fn hand_built_scenarios_give_known_answers() {
    let file = |reused| FileRef {
        sha256: tinhso_kernel::ids::Sha256::parse("f", &"ab".repeat(32)).unwrap(),
        component: Some(0),
        reused,
    };
    let runs = vec![
        // Early (Friday 7th against Monday 10th), online, digitised with a reused file, paid online, rated.
        Run::submit(Channel::Online, vec![file(true)])
            .received()
            .then(Command::RequestPayment { amount_vnd: 8000 }, Party::Staff, 4)
            .then(Command::RecordPayment { online: true }, Party::Staff, 4)
            .finish(7)
            .then(Command::Return { method: ReturnMethod::Online }, Party::Staff, 7)
            .then(Command::Rate { rating: Rating::VerySatisfied, comment: String::new() }, Party::Applicant, 7),
        // On time, in person, paid at the desk, rated dissatisfied.
        Run::submit(Channel::InPerson, Vec::new())
            .received()
            .then(Command::RequestPayment { amount_vnd: 8000 }, Party::Staff, 4)
            .then(Command::RecordPayment { online: false }, Party::Staff, 4)
            .finish(10)
            .then(Command::Return { method: ReturnMethod::Desk }, Party::Staff, 10)
            .then(Command::Rate { rating: Rating::Dissatisfied, comment: String::new() }, Party::Applicant, 11),
        // Late: Tuesday 11th.
        Run::submit(Channel::Online, vec![file(false)]).received().finish(11),
        // Supplemented once (out Tuesday to Wednesday: one working day added, due Tuesday
        // 11th), finished on the extended due date: on time.
        Run::submit(Channel::Online, Vec::new()).received().supplement(4).finish(11),
        // Supplemented twice: late whatever the date.
        Run::submit(Channel::Online, Vec::new()).received().supplement(4).supplement(5).finish(6),
        // Withdrawn after receipt (counted as received, never finished), and refused at intake
        // (never received).
        Run::submit(Channel::Online, Vec::new()).received().then(
            Command::Withdraw { reason: String::new() },
            Party::Applicant,
            4,
        ),
        Run::submit(Channel::Postal, Vec::new()).then(
            Command::Refuse { reason: "Sai thẩm quyền".into() },
            Party::Staff,
            3,
        ),
    ];
    let t = total(&runs);
    let get = |m| t.get(&m).copied().unwrap_or(0);
    // The dossier refused at intake was never received.
    assert_eq!((get(Measure::Received), get(Measure::Online)), (6, 5));
    assert_eq!((get(Measure::Finished), get(Measure::OnTime), get(Measure::Late)), (5, 3, 2));
    assert_eq!((get(Measure::Digitised), get(Measure::Reused)), (2, 1));
    assert_eq!((get(Measure::Paid), get(Measure::PaidOnline)), (2, 1));
    assert_eq!((get(Measure::Rated), get(Measure::Dissatisfied)), (2, 1));
    assert_eq!(get(Measure::ElectronicResult), 5);
    // Working days used: 4 (early), 5, 6 (late), 6 - 1 paused = 5, and 3 - 2 paused = 1 (late
    // by the two-supplement rule however fast).
    assert_eq!((get(Measure::WorkingDays), get(Measure::AllowedDays)), (21, 25));

    let w = Weights::default_766();
    let report = compute(&w, &t, &catalogue_stats([], false), &HashMap::new());
    let ind = |k: &str| report.groups.iter().flat_map(|g| &g.indicators).find(|i| i.key == k).unwrap().clone();
    assert_eq!((ind("2.1").rate, ind("2.1").points), (Some(0.6), 8.4)); // 3/5 of 14
    assert_eq!(ind("2.2").points, 6.0); // 21 used <= 25 allowed
    assert_eq!(ind("3.3").points, 4.0); // 5/7 online, above the 50% threshold
    assert_eq!(ind("3.6").rate, Some(0.5));
    assert_eq!(ind("3.6").points, 3.13); // 0.5/0.8 of 5
                                         // Satisfaction 5.4: 1 - (2 late + 1 dissatisfied) / 5 = 0.4, against 0.9 for full points.
    assert_eq!(ind("5.4").points, 5.33);
    assert_eq!(ind("1.2").source, Source::Missing);
    assert_eq!(ind("1.1").source, Source::NotApplicable, "no procedures: not applicable");
    let sum: f64 = report.groups.iter().map(|g| g.points).sum();
    assert!((report.total - sum).abs() < 0.01);
}

/// Points are computed from the exact fraction and rounded half up to hundredths; groups and
/// the total add the shown figures, so they agree with a hand calculation to the cent.
#[test]
#[allow(clippy::cast_possible_truncation)] // points of at most 100, in cents
fn points_are_exact_and_rounded_half_up() {
    let w = Weights::default_766();
    let mut t = Totals::new();
    // 3 of 10 paid online, 5 points at 80%: 5 × 0.3 / 0.8 = 1.875 → 1.88 (floating point gave 1.87).
    t.insert(Measure::Paid, 10);
    t.insert(Measure::PaidOnline, 3);
    // 1 of 3 finished on time, 14 points at 100%: 4.666… → 4.67.
    t.insert(Measure::Finished, 3);
    t.insert(Measure::OnTime, 1);
    let report = compute(&w, &t, &catalogue_stats([], false), &HashMap::new());
    let ind = |k: &str| report.groups.iter().flat_map(|g| &g.indicators).find(|i| i.key == k).unwrap().clone();
    assert_eq!(ind("3.6").points, 1.88);
    assert!(!ind("3.6").estimated && !ind("3.1").estimated, "no estimate behind these");
    // Online levels guessed for part of the catalogue: indicator 3.1 says its figure rests on them.
    let guessed = super::index::CatalogueStats {
        procedures: 4,
        complete: 4,
        offered_online: 3,
        offered_online_estimated: 2,
        fee_bearing: 2,
        payable_online: 1,
    };
    let report = compute(&w, &t, &guessed, &HashMap::new());
    let ind = |k: &str| report.groups.iter().flat_map(|g| &g.indicators).find(|i| i.key == k).unwrap().clone();
    assert!(ind("3.1").estimated && !ind("1.1").estimated);
    // 3.5 is computed from the catalogue and the payment channels: 1 of 2 fee-bearing
    // procedures, 0.5 / 0.8 of 5 points; no entry needed.
    assert_eq!((ind("3.5").rate, ind("3.5").points, ind("3.5").source), (Some(0.5), 3.13, Source::Computed));
    assert_eq!(ind("2.1").points, 4.67);
    for g in &report.groups {
        let cents: i64 = g.indicators.iter().map(|i| (i.points * 100.0).round() as i64).sum();
        assert_eq!((g.points * 100.0).round() as i64, cents, "group {} adds its indicators", g.key);
    }
    let cents: i64 = report.groups.iter().map(|g| (g.points * 100.0).round() as i64).sum();
    assert_eq!((report.total * 100.0).round() as i64, cents);
}

#[test]
fn open_dossiers_are_a_stock_by_due_date() {
    let due = |r: &Run| facts(&r.d).into_iter().filter(|(k, _)| k.measure == Measure::OpenDue).collect::<Vec<_>>();
    let r = Run::submit(Channel::Online, Vec::new());
    assert!(due(&r).is_empty(), "not received: no due date yet");
    let r = r.received();
    let monday = NaiveDate::from_ymd_opt(2025, 3, 10).unwrap();
    assert_eq!(due(&r), vec![(FactKey { agency: agency(), day: monday, measure: Measure::OpenDue }, 1)]);
    let paused =
        r.then(Command::RequestSupplement { items: vec!["Tờ khai".into()], reason: "Thiếu".into() }, Party::Staff, 4);
    assert!(due(&paused).is_empty(), "waiting for the applicant: the clock is paused");
    let back = paused.then(Command::Supplement { note: String::new(), files: Vec::new() }, Party::Applicant, 5);
    assert_eq!(due(&back)[0].0.day, NaiveDate::from_ymd_opt(2025, 3, 11).unwrap(), "due date moved by the pause");
    let done = back.finish(7);
    assert!(due(&done).is_empty());
    assert_eq!(done.incremental, facts(&done.d));
}

#[test]
fn a_dossier_joins_and_leaves_the_counters_behind_its_facts() {
    let key =
        |day: u32, measure| FactKey { agency: agency(), day: NaiveDate::from_ymd_opt(2025, 3, day).unwrap(), measure };
    let r = Run::submit(Channel::Online, Vec::new());
    assert_eq!(membership(None, &r.d), Membership::default(), "nothing counts before receipt");
    let submitted = r.d.clone();
    let received = r.received();
    let day = received.d.received_on.unwrap().day();
    let first = membership(Some(&submitted), &received.d);
    for measure in [Measure::Received, Measure::Online, Measure::OpenDue] {
        assert!(first
            .joined
            .iter()
            .any(|k| k.measure == measure && (measure == Measure::OpenDue || k.day.day() == day)));
    }
    assert!(first.left.is_empty());
    let before = received.d.clone();
    let done = received.finish(7);
    let m = membership(Some(&before), &done.d);
    assert_eq!(m.left, vec![key(10, Measure::OpenDue)], "no longer open");
    for measure in [Measure::Finished, Measure::OnTime, Measure::WorkingDays, Measure::ElectronicResult] {
        assert!(m.joined.contains(&key(7, measure)), "{measure:?}");
    }
    assert!(!m.joined.contains(&key(7, Measure::Late)), "a zero fact has no dossiers behind it");
    assert_eq!(membership(Some(&done.d), &done.d), Membership::default());
    assert!(is_count(Measure::OnTime) && !is_count(Measure::WorkingDays));
}

#[test]
fn shipped_weights_are_valid_and_edits_are_checked() {
    let w = Weights::default_766();
    assert_eq!(w.groups.len(), 6);
    assert!(Weights::parse(
        &super::index::DEFAULT_WEIGHTS.replace("\"points\": 12, \"full_at\": 0.9", "\"points\": 11, \"full_at\": 0.9")
    )
    .is_err());
    assert!(Weights::parse(&super::index::DEFAULT_WEIGHTS.replace("\"4.3\"", "\"9.9\"")).is_err());
}

fn any_command() -> impl Strategy<Value = (Command, bool, u32)> {
    let cmd = prop_oneof![
        Just(Command::Receive),
        Just(Command::Refuse { reason: "lý do".into() }),
        Just(Command::RequestSupplement { items: vec!["giấy".into()], reason: "thiếu".into() }),
        Just(Command::Supplement { note: String::new(), files: Vec::new() }),
        Just(Command::RequestPayment { amount_vnd: 1000 }),
        Just(Command::RecordPayment { online: true }),
        Just(Command::RecordPayment { online: false }),
        Just(Command::StartProcessing),
        Just(Command::CompleteStep { note: String::new(), next_assignee: None }),
        Just(Command::Approve {
            electronic_result: true,
            result: Some(tinhso_kernel::ids::Sha256::parse("r", &"cd".repeat(32)).unwrap())
        }),
        Just(Command::Approve { electronic_result: false, result: None }),
        Just(Command::Return { method: ReturnMethod::Desk }),
        Just(Command::Withdraw { reason: String::new() }),
        Just(Command::Stop { reason: "dừng".into() }),
        Just(Command::Rate { rating: Rating::Dissatisfied, comment: String::new() }),
        Just(Command::Rate { rating: Rating::Satisfied, comment: String::new() }),
    ];
    (cmd, any::<bool>(), 3u32..28)
}

proptest! {
    /// Random histories through both paths: deltas summed event by event equal the facts
    /// recomputed from the final dossier, and no counter goes negative; the counters the
    /// dossier joined and left along the way are those of its final facts; likewise the staff
    /// inbox counters.
    #[test]
    fn incremental_aggregates_equal_recomputation(
        cmds in proptest::collection::vec(any_command(), 1..30),
        online in any::<bool>(),
    ) {
        let channel = if online { Channel::Online } else { Channel::InPerson };
        let mut run = Run::submit(channel, Vec::new());
        let mut inbox = tinhso_dossier::tally::delta(None, &run.d);
        let mut members: std::collections::BTreeSet<FactKey> = membership(None, &run.d).joined.into_iter().collect();
        let mut day = 3;
        for (cmd, by_applicant, step) in cmds {
            day = (day + step % 3).min(28);
            let party = if by_applicant { Party::Applicant } else { Party::Staff };
            let Ok(kind) = decide(&run.d, &cmd, party, at(day), cal()) else { continue };
            let next = apply(Some(run.d.clone()), &run.d.code.clone(), &Event { kind, at: at(day), actor: tinhso_kernel::ids::AccountId(1) }).unwrap();
            accumulate(&mut run.incremental, delta(Some(&run.d), &next));
            let m = membership(Some(&run.d), &next);
            members.retain(|k| !m.left.contains(k));
            members.extend(m.joined);
            tinhso_dossier::tally::accumulate(&mut inbox, tinhso_dossier::tally::delta(Some(&run.d), &next));
            run.d = next;
        }
        prop_assert_eq!(&inbox, &tinhso_dossier::tally::tally(&run.d));
        prop_assert!(inbox.values().all(|v| *v == 1));
        prop_assert_eq!(&run.incremental, &facts(&run.d));
        prop_assert!(run.incremental.values().all(|v| *v > 0));
        prop_assert!(differences(&run.incremental, &facts(&run.d)).is_empty());
        prop_assert_eq!(members, facts(&run.d).into_keys().collect());
    }
}

#[test]
fn every_word_of_the_index_has_its_english() {
    let w = Weights::default_766();
    let mut t = Totals::new();
    for m in Measure::ALL {
        t.insert(m, 1);
    }
    let catalogue = super::index::CatalogueStats {
        procedures: 2,
        complete: 1,
        offered_online: 1,
        offered_online_estimated: 0,
        fee_bearing: 1,
        payable_online: 1,
    };
    let report = compute(&w, &t, &catalogue, &HashMap::new());
    let indicators: Vec<_> = report.groups.iter().flat_map(|g| &g.indicators).collect();
    assert_eq!(indicators.len(), 14, "every indicator of the default weights");
    for g in &report.groups {
        assert!(english::group(&g.key).is_some(), "group {}", g.key);
    }
    for i in indicators {
        let (name, formula) = english::indicator(&i.key).unwrap_or_else(|| panic!("indicator {}", i.key));
        assert!(name.is_ascii() || name.contains('%') || name.contains('−'), "{name}");
        assert!(!formula.is_empty() && formula != i.formula);
        for input in &i.inputs {
            assert!(!input.label_en.is_empty() && input.label_en != input.label, "input {} of {}", input.label, i.key);
        }
    }
    for m in Measure::ALL {
        assert_ne!(m.label_en(), m.label_vi());
    }
    assert_eq!(english::indicator("9.9"), None);
}
