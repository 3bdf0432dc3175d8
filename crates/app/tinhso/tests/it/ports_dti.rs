//! The digital-transformation index port's conformance suite on SQLite and PostgreSQL: a
//! round opened once; an assessment written at the version it was read at and never past it;
//! publication refused while an assessment waits for appraisal, and nothing written to a
//! published year; every refused write leaves neither a row nor a ledger entry.

use crate::ports::{postgres, province_with_citizen, sqlite};
use std::collections::BTreeMap;
use tinhso_dti::assessment::Score;
use tinhso_dti::{audit, Points, Scores, Step};
use tinhso_dti_port::DtiStore;
use tinhso_dti_port::{DtiAssessment, DtiRound};
use tinhso_kernel::ids::AccountId;
use tinhso_ledger::chain::Link;
use tinhso_store::{StoreError, Stores};

#[tokio::test]
async fn dti_sqlite() {
    dti(sqlite().await).await;
}

#[tokio::test]
async fn dti_postgres() {
    dti(postgres().await).await;
}

const UNIT: &str = "000.00.01.H59";

fn entry(subject: String, payload: String, by: AccountId) -> Link {
    Link {
        id: 0,
        lane: audit::LANE.into(),
        seq: 0,
        dossier: subject,
        at: "2026-12-06T08:00:00Z".into(),
        actor: by.0,
        payload,
    }
}

fn round(year: i32) -> (DtiRound, Link, AccountId) {
    let framework = tinhso_dti::Framework::parse(tinhso_dti::framework::DEFAULT).unwrap().stored();
    let r = DtiRound {
        year,
        framework,
        deadline: format!("{year}-12-31"),
        opened_at: "2026-12-06T08:00:00Z".into(),
        published_at: None,
    };
    let payload =
        audit::round_opened(&audit::Round { year, framework: &r.framework, deadline: &r.deadline, published_at: None });
    (r, entry(audit::round_subject(year), payload, AccountId(0)), AccountId(0))
}

fn assessment(year: i32, step: Step, version: i64, points: u32, by: AccountId) -> (DtiAssessment, Link) {
    let scores = Scores(BTreeMap::from([("1.1".to_owned(), Score::new(Points(points), "KH 12"))]));
    let a = DtiAssessment {
        year,
        unit: UNIT.into(),
        unit_group: "department".into(),
        step: step.key().into(),
        version,
        scores: serde_json::to_string(&scores).unwrap(),
        appraisal: None,
        reason: String::new(),
        submitted_at: (step == Step::Submitted).then(|| "2026-12-06T08:00:00Z".into()),
        appraised_at: None,
        updated_at: "2026-12-06T08:00:00Z".into(),
        updated_by: by,
    };
    let stored = audit::Stored { year, unit: UNIT, step, scores: &scores, appraisal: None, reason: "" };
    let payload = audit::payload(&stored, "save", version == 1);
    (a, entry(audit::subject(year, UNIT), payload, by))
}

fn conflict<T: std::fmt::Debug>(r: Result<T, StoreError>) {
    assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
}

async fn entries(s: &Stores) -> usize {
    let (rounds, rows) = s.port::<dyn DtiStore>().unwrap().dti_with_entries().await.unwrap();
    rounds.iter().map(|(_, e)| e.len()).sum::<usize>() + rows.iter().map(|(_, e)| e.len()).sum::<usize>()
}

async fn dti(s: Stores) {
    let by = province_with_citizen(&s).await;
    let port = s.port::<dyn DtiStore>().unwrap();
    let d = port.as_ref();
    // A round opens once.
    let (r, e, _) = round(2026);
    d.open_round(&r, &e, &[]).await.unwrap();
    conflict(d.open_round(&DtiRound { deadline: "2027-01-31".into(), ..r.clone() }, &e, &[]).await);
    assert_eq!(d.rounds().await.unwrap(), vec![r.clone()]);
    // Nothing is written to a year without a round.
    let (orphan, oe) = assessment(2025, Step::Draft, 1, 100, by);
    conflict(d.put_assessment(&orphan, None, &oe, &[]).await);
    // The first write, then one at the version read; a stale one is refused whole.
    let (first, fe) = assessment(2026, Step::Draft, 1, 100, by);
    d.put_assessment(&first, None, &fe, &[]).await.unwrap();
    conflict(d.put_assessment(&first, None, &fe, &[]).await);
    let (second, se) = assessment(2026, Step::Submitted, 2, 3000, by);
    d.put_assessment(&second, Some(1), &se, &[]).await.unwrap();
    let (stale, ste) = assessment(2026, Step::Draft, 2, 5, by);
    conflict(d.put_assessment(&stale, Some(1), &ste, &[]).await);
    assert_eq!(d.assessment(2026, UNIT).await.unwrap(), Some(second.clone()));
    assert_eq!(d.assessments(2026).await.unwrap(), vec![second.clone()]);
    assert_eq!(d.assessment(2026, "000.00.02.H59").await.unwrap(), None);
    assert_eq!(entries(&s).await, 3, "the round's entry and two writes; nothing of the refused ones");
    // Publication waits for the appraisers.
    let published = entry(audit::round_subject(2026), audit::round_published(2026, "2027-01-10T02:00:00Z"), by);
    conflict(d.publish_round(2026, "2027-01-10T02:00:00Z", &published, &[]).await);
    let (appraised, ae) = assessment(2026, Step::Appraised, 3, 2500, by);
    d.put_assessment(&appraised, Some(2), &ae, &[]).await.unwrap();
    d.publish_round(2026, "2027-01-10T02:00:00Z", &published, &[]).await.unwrap();
    conflict(d.publish_round(2026, "2027-01-11T02:00:00Z", &published, &[]).await);
    // A published year takes nothing more.
    let (late, le) = assessment(2026, Step::Appraised, 4, 1, by);
    conflict(d.put_assessment(&late, Some(3), &le, &[]).await);
    let (rounds, rows) = d.dti_with_entries().await.unwrap();
    assert_eq!(rounds.len(), 1);
    assert_eq!(rounds[0].0.published_at.as_deref(), Some("2027-01-10T02:00:00Z"));
    assert_eq!(rounds[0].1.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>(), [audit::LANE, audit::LANE]);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, appraised);
    let kinds: Vec<&str> = rows[0].1.iter().map(|(_, p)| p.split('"').nth(3).unwrap_or_default()).collect();
    assert_eq!(kinds, [audit::OPENED, audit::CHANGED, audit::CHANGED]);
    // What the audit holds each row to.
    let refs: Vec<(&str, &str)> = rows[0].1.iter().map(|(l, p)| (l.as_str(), p.as_str())).collect();
    let read = tinhso_dti_store::as_audited(&rows[0].0).unwrap();
    assert_eq!(audit::row_differs(&read.stored(), &refs), None);
    let refs: Vec<(&str, &str)> = rounds[0].1.iter().map(|(l, p)| (l.as_str(), p.as_str())).collect();
    let round = &rounds[0].0;
    let held = audit::Round {
        year: round.year,
        framework: &round.framework,
        deadline: &round.deadline,
        published_at: round.published_at.as_deref(),
    };
    assert_eq!(audit::round_differs(&held, &refs), None);
}
