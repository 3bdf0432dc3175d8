//! Many submissions at once through the dossier port, on both engines. PostgreSQL writes those
//! that arrive together in one transaction, SQLite's writer commits them in one group; either
//! way each submitter gets their own answer: codes gap-free per desk and day, a desk out of
//! codes refuses only its own dossiers (its batch is retried one by one), every notification
//! names its own dossier and entry, the counters agree with the rows, and the chain verifies.

use crate::ports::{new_dossier, province_with_citizen, DESK};
use futures_util::future::join_all;
use std::path::PathBuf;
use tinhso_dossier::tally::{Side, TallyKey};
use tinhso_dossier::DossierState;
use tinhso_kernel::ids::AgencyCode;
use tinhso_store::{NewDossier, StoreError, Stores};

/// The database behind the store, for what no port does: using up a desk's day of codes, and
/// `tinhso audit verify` on it.
enum Raw {
    /// The data directory (holding `tinhso.db`).
    Sqlite(PathBuf),
    Postgres(String),
}

impl Raw {
    fn cli_args(&self) -> Vec<String> {
        match self {
            Raw::Sqlite(dir) => vec!["--data".into(), dir.display().to_string()],
            Raw::Postgres(url) => vec![
                "--data".into(),
                tinhso_testkit::server::fresh_data_dir().unwrap().display().to_string(),
                "--database".into(),
                url.clone(),
            ],
        }
    }

    async fn exec(&self, sql: &str) {
        match self {
            Raw::Sqlite(dir) => {
                rusqlite::Connection::open(dir.join("tinhso.db")).unwrap().execute(sql, []).unwrap();
            }
            Raw::Postgres(url) => {
                let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
                tokio::spawn(conn);
                c.execute(sql, &[]).await.unwrap();
            }
        }
    }
}

#[tokio::test]
async fn submissions_at_once_sqlite() {
    let dir = tinhso_testkit::server::fresh_data_dir().unwrap();
    at_once(tinhso::db::sqlite(&dir.join("tinhso.db")).await.unwrap(), Raw::Sqlite(dir), false).await;
}

#[tokio::test]
async fn submissions_at_once_postgres() {
    let url = tinhso_testkit::server::fresh_pg_database().await.unwrap();
    at_once(tinhso::db::postgres(&url, 4).await.unwrap(), Raw::Postgres(url.clone()), true).await;
}

fn seq(code: &str) -> u32 {
    code.rsplit('-').next().unwrap().parse().unwrap()
}

async fn at_once(s: Stores, raw: Raw, batches_submissions: bool) {
    let citizen = province_with_citizen(&s).await;

    // Sixteen citizens at once on 4 September: one commit holds them all on PostgreSQL (this
    // test's runtime runs one task at a time, so all sixteen are queued before a worker runs).
    let before = s.health.engine_stats();
    let store = &s.dossiers;
    let submit_all =
        |news: Vec<NewDossier>| join_all(news.into_iter().map(|n| async move { store.submit_dossier(&n).await }));
    let answers = submit_all((0..16).map(|_| new_dossier(citizen, 4)).collect()).await;
    let mut seqs: Vec<u32> = answers.iter().map(|a| seq(a.as_ref().unwrap().code.as_str())).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=16).collect::<Vec<_>>(), "gap-free, each code once");
    let after = s.health.engine_stats();
    if batches_submissions {
        assert_eq!(after.batched_writes() - before.batched_writes(), 16);
        assert_eq!(after.batches() - before.batches(), 1, "sixteen submissions, one commit");
    }

    // The desk has given out 9,990 codes on 3 September: nine remain. Forty at once, 24 for the
    // 3rd and 16 for the 4th, interleaved: the 3rd's last nine get codes, the others a refusal,
    // and the 4th's are not held back by their neighbours' failure.
    let day = if matches!(raw, Raw::Sqlite(_)) { "'2025-09-03'" } else { "DATE '2025-09-03'" };
    raw.exec(&format!("INSERT INTO dossier_sequence (agency, day, last) VALUES ('{DESK}', {day}, 9990)")).await;
    let days: Vec<u32> = (0..40).map(|i| if i % 5 < 3 { 3 } else { 4 }).collect();
    let answers = submit_all(days.iter().map(|d| new_dossier(citizen, *d)).collect()).await;
    let (mut third, mut fourth, mut refused) = (Vec::new(), Vec::new(), 0);
    for (day, a) in days.iter().zip(&answers) {
        match (day, a) {
            (3, Ok(d)) => third.push(seq(d.code.as_str())),
            (4, Ok(d)) => fourth.push(seq(d.code.as_str())),
            (3, Err(StoreError::DailyCodesExhausted(_))) => refused += 1,
            other => panic!("unexpected answer {other:?}"),
        }
    }
    third.sort_unstable();
    fourth.sort_unstable();
    assert_eq!(third, (9991..=9999).collect::<Vec<_>>());
    assert_eq!(refused, 15);
    assert_eq!(fourth, (17..=32).collect::<Vec<_>>());

    // Every stored dossier has its one event; each notification names its own dossier.
    let stored: Vec<_> = answers.iter().flatten().collect();
    assert_eq!(stored.len(), 25);
    for d in &stored {
        let events = s.dossiers.dossier_events(&d.code).await.unwrap();
        assert_eq!(events.len(), 1, "{}", d.code);
    }
    let inbox = s.notify.inbox(citizen).await.unwrap();
    assert_eq!(inbox.len(), 16 + 25, "one message per stored dossier, none for a refused one");
    for m in &inbox {
        let code = m.dossier.as_deref().unwrap();
        assert_eq!(m.body, code, "the message names its own dossier");
        assert_eq!(m.subject, format!("Hồ sơ {code}: đã nộp"));
    }

    // The inbox counters agree with the rows: 41 submitted dossiers waiting at the desk.
    let desk = AgencyCode::parse("a", DESK).unwrap();
    let counts = s.dossiers.inbox_counts(Some(&desk)).await.unwrap();
    let submitted =
        counts.iter().find(|(k, _)| *k == TallyKey::State(Side::Desk, DossierState::Submitted)).map(|(_, n)| *n);
    assert_eq!(submitted, Some(41), "{counts:?}");

    let verify = [vec!["audit".to_owned(), "verify".to_owned()], raw.cli_args()].concat();
    let (code, out, err) = tinhso_testkit::server::run_cli(crate::bin(), &verify).await.unwrap();
    assert_eq!(code, 0, "{out}{err}");
    // And the province's set-up entry.
    assert!(out.contains("42 sự kiện của 41 hồ sơ"), "{out}");
}
