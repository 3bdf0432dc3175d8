//! The e-ID port's conformance suite on SQLite and PostgreSQL: a join made once with its ledger
//! entry; the same join again writes nothing; an e-ID joined to one account is not joined to
//! another, nor an account to two e-IDs of one provider; the audit reads each join with its
//! entries.

use crate::ports::{account, postgres, province_with_citizen, sqlite};
use tinhso_eid_port::{EidLink, Joined};
use tinhso_kernel::ids::AccountId;
use tinhso_ledger::chain::Link;
use tinhso_policy::Role;
use tinhso_store::Stores;

#[tokio::test]
async fn eid_sqlite() {
    eid(sqlite().await).await;
}

#[tokio::test]
async fn eid_postgres() {
    eid(postgres().await).await;
}

const ISSUER: &str = "https://vneid.example";

fn link(subject: &str, account: AccountId) -> (EidLink, Link) {
    let ledger_subject = tinhso_eid::audit::subject(ISSUER, subject);
    let at = "2026-12-06T08:00:00.000000Z".to_owned();
    let entry = Link {
        id: 0,
        lane: tinhso_eid::audit::LANE.into(),
        seq: 0,
        dossier: ledger_subject.clone(),
        at: at.clone(),
        actor: account.0,
        payload: tinhso_eid::audit::payload(account.0, ISSUER, false),
    };
    (EidLink { issuer: ISSUER.into(), subject: subject.into(), account, linked_at: at, ledger_subject }, entry)
}

async fn eid(s: Stores) {
    let an = province_with_citizen(&s).await;
    let binh = s
        .identity
        .create_account(&account("0912000222", "Trần Bình", Role::Citizen, None, Some("001090000002")))
        .await
        .unwrap();
    let port = s.port::<dyn tinhso_eid_port::EidStore>().unwrap();
    let e = port.as_ref();
    assert_eq!(e.eid_account(ISSUER, "sub-an").await.unwrap(), None);
    let (l, entry) = link("sub-an", an);
    assert_eq!(e.join_eid(&l, &entry).await.unwrap(), Joined::Made);
    assert_eq!(e.eid_account(ISSUER, "sub-an").await.unwrap(), Some(an));
    assert_eq!(e.eid_account("https://other.example", "sub-an").await.unwrap(), None, "per provider");
    // Again (a second sign-in at once): nothing more written.
    assert_eq!(e.join_eid(&l, &entry).await.unwrap(), Joined::Already);
    // The same e-ID to another account; another e-ID to the same account: refused, unwritten.
    let (to_binh, entry_binh) = link("sub-an", binh);
    assert_eq!(e.join_eid(&to_binh, &entry_binh).await.unwrap(), Joined::OtherAccount);
    let (second, entry_second) = link("sub-an-2", an);
    assert_eq!(e.join_eid(&second, &entry_second).await.unwrap(), Joined::AccountHasOne);
    assert_eq!(e.eid_account(ISSUER, "sub-an-2").await.unwrap(), None);
    assert_eq!(e.eid_links(an).await.unwrap(), vec![l.clone()]);
    assert_eq!(e.eid_links(binh).await.unwrap(), vec![]);
    // The audit's read: each join with its one entry, on the lane it belongs to.
    let (b, entry_b) = link("sub-binh", binh);
    assert_eq!(e.join_eid(&b, &entry_b).await.unwrap(), Joined::Made);
    let all = e.eid_links_with_entries("", 10).await.unwrap();
    assert_eq!(all.len(), 2);
    for (row, entries) in &all {
        assert_eq!(entries.len(), 1, "{row:?}");
        let entries: Vec<(&str, &str)> = entries.iter().map(|(l, p)| (l.as_str(), p.as_str())).collect();
        assert_eq!(tinhso_eid::audit::row_differs(row.account.0, &row.issuer, &entries), None);
    }
    let first = all[0].0.ledger_subject.clone();
    assert_eq!(e.eid_links_with_entries(&first, 10).await.unwrap().len(), 1, "pages after a key");
}
