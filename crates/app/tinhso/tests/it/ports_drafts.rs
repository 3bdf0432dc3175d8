//! The saved applications' port on SQLite and PostgreSQL: one draft per person and procedure,
//! each save replacing it; at most the given number per person, counted in the saving
//! transaction even when saves race; the latest first; deleted on request or once old.

use crate::ports::{at, postgres, province_with_citizen, sqlite};
use tinhso_store::{ApplicationDraft, DraftSaved, Stores};

#[tokio::test]
async fn drafts_sqlite() {
    drafts(sqlite().await).await;
}

#[tokio::test]
async fn drafts_postgres() {
    drafts(postgres().await).await;
}

fn draft(account: tinhso_kernel::ids::AccountId, procedure: &str, day: u32, name: &str) -> ApplicationDraft {
    ApplicationDraft {
        account,
        procedure: procedure.into(),
        fields: vec![("form.ho_ten".into(), name.into()), ("reuse.0".into(), "ab".repeat(32))],
        saved_at: at(day),
    }
}

async fn drafts(s: Stores) {
    let d = s.drafts.as_ref();
    let me = province_with_citizen(&s).await;
    assert_eq!(d.save_draft(&draft(me, "1.001193", 3, "Nguyễn Văn An"), 3).await.unwrap(), DraftSaved::Saved);
    // A save replaces the draft of the same procedure, with Vietnamese kept as typed.
    assert_eq!(d.save_draft(&draft(me, "1.001193", 5, "Nguyễn Văn Ân"), 3).await.unwrap(), DraftSaved::Saved);
    let got = d.draft(me, "1.001193").await.unwrap().unwrap();
    assert_eq!(got, draft(me, "1.001193", 5, "Nguyễn Văn Ân"));
    d.save_draft(&draft(me, "1.003583", 4, "x"), 3).await.unwrap();
    d.save_draft(&draft(me, "2.000001", 6, "y"), 3).await.unwrap();
    // A fourth procedure is one too many; saving one already kept still goes.
    assert_eq!(d.save_draft(&draft(me, "2.000002", 7, "z"), 3).await.unwrap(), DraftSaved::TooMany);
    assert!(d.draft(me, "2.000002").await.unwrap().is_none(), "nothing written");
    assert_eq!(d.save_draft(&draft(me, "1.003583", 8, "x2"), 3).await.unwrap(), DraftSaved::Saved);
    let order: Vec<String> = d.drafts(me).await.unwrap().into_iter().map(|x| x.procedure).collect();
    assert_eq!(order, ["1.003583", "2.000001", "1.001193"], "the latest saved first");
    // Saves racing for the last place: the limit holds. (The pool's connections are opened
    // first, so the saves do overlap rather than queue for a connection.)
    assert!(d.delete_draft(me, "2.000001").await.unwrap());
    assert!(!d.delete_draft(me, "2.000001").await.unwrap(), "nothing left to delete");
    futures_util::future::join_all((0..4).map(|_| d.drafts(me))).await;
    let racing = (0..8).map(|i| {
        let s = s.clone();
        async move { s.drafts.save_draft(&draft(me, &format!("3.00000{i}"), 9, "r"), 3).await.unwrap() }
    });
    let saved = futures_util::future::join_all(racing).await;
    assert_eq!(saved.iter().filter(|x| **x == DraftSaved::Saved).count(), 1, "{saved:?}");
    assert_eq!(d.drafts(me).await.unwrap().len(), 3);
    // The oldest first, as the sweep reads them to tell their owners.
    let old: Vec<String> = d.drafts_saved_before(at(9), 10).await.unwrap().into_iter().map(|x| x.procedure).collect();
    assert_eq!(old, ["1.001193", "1.003583"]);
    assert_eq!(d.drafts_saved_before(at(9), 1).await.unwrap().len(), 1, "at most the limit");
    // Old drafts go: those saved before the 8th.
    assert_eq!(d.sweep_drafts(at(8)).await.unwrap(), 1);
    assert!(d.draft(me, "1.001193").await.unwrap().is_none());
    assert_eq!(d.drafts(me).await.unwrap().len(), 2);
}
