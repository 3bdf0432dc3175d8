//! The data-exchange port's conformance suite on SQLite and PostgreSQL: a lookup written once
//! with its ledger entry (a second with the same message id refused, nothing written); one
//! person's lookups and everyone's, newest first, a page at a time; the audit reads each
//! lookup with its entry.

use crate::ports::{account, postgres, province_with_citizen, sqlite};
use tinhso_exchange_port::{LookupFilter, ResidentLookup};
use tinhso_kernel::ids::AccountId;
use tinhso_ledger::chain::Link;
use tinhso_policy::Role;
use tinhso_store::Stores;

#[tokio::test]
async fn exchange_sqlite() {
    exchange(sqlite().await).await;
}

#[tokio::test]
async fn exchange_postgres() {
    exchange(postgres().await).await;
}

fn lookup(n: u32, officer: AccountId, personal_id: &str, outcome: &str) -> (ResidentLookup, Link) {
    let at = format!("2026-12-06T08:00:{n:02}.000000Z");
    let row = ResidentLookup {
        message_id: format!("00000000-0000-4000-8000-0000000000{n:02}"),
        looked_at: at.clone(),
        officer,
        agency: "000.00.01.H59".into(),
        personal_id: personal_id.into(),
        purpose: "2.000635".into(),
        outcome: outcome.into(),
        service: "VN/GOV/000.00.00.G10/CSDLDC/tra-cuu-cong-dan".into(),
        request_hash: n.is_multiple_of(2).then(|| format!("hash-{n}")),
    };
    let entry = Link {
        id: 0,
        lane: tinhso_exchange::audit::LANE.into(),
        seq: 0,
        dossier: tinhso_exchange::audit::subject(&row.message_id),
        at,
        actor: officer.0,
        payload: tinhso_exchange::audit::payload(&tinhso_exchange_store::as_audited(&row)),
    };
    (row, entry)
}

fn about(id: &str) -> LookupFilter {
    LookupFilter { personal_id: Some(id.into()), officer: None }
}

async fn exchange(s: Stores) {
    let officer = province_with_citizen(&s).await;
    let other = s.identity.create_account(&account("0912000333", "Lê Thị Hằng", Role::Citizen, None, None)).await;
    let other = other.unwrap();
    let port = s.port::<dyn tinhso_exchange_port::ExchangeStore>().unwrap();
    let x = port.as_ref();
    let mut written = Vec::new();
    for n in 0..7 {
        let id = if n % 3 == 0 { "001090000001" } else { "001090000002" };
        let by = if n == 4 { other } else { officer };
        let (row, entry) = lookup(n, by, id, if n == 5 { "failed" } else { "matches" });
        x.record_lookup(&row, &entry).await.unwrap();
        written.push(row);
    }
    // The same message again: refused, and nothing of it written (no second entry either).
    let (again, entry) = lookup(3, officer, "001090000009", "found");
    assert!(x.record_lookup(&again, &entry).await.is_err());
    assert!(x.resident_lookups(&about("001090000009"), None, 10).await.unwrap().is_empty());
    // One person's, newest first; everyone's a page at a time.
    let mine = x.resident_lookups(&about("001090000001"), None, 10).await.unwrap();
    let expected: Vec<ResidentLookup> = [6, 3, 0].iter().map(|&n| written[n].clone()).collect();
    assert_eq!(mine, expected);
    let first = x.resident_lookups(&LookupFilter::default(), None, 4).await.unwrap();
    assert_eq!(first.iter().map(|l| &l.message_id).collect::<Vec<_>>(), [6, 5, 4, 3].map(|n| &written[n].message_id));
    let rest = x.resident_lookups(&LookupFilter::default(), Some(&first[3].message_id), 4).await.unwrap();
    assert_eq!(rest, vec![written[2].clone(), written[1].clone(), written[0].clone()]);
    let theirs_after = x.resident_lookups(&about("001090000002"), Some(&written[5].message_id), 10).await.unwrap();
    assert_eq!(theirs_after, vec![written[4].clone(), written[2].clone(), written[1].clone()]);
    // One officer's; who asked most since a time.
    let theirs = x.resident_lookups(&LookupFilter { personal_id: None, officer: Some(other) }, None, 10).await.unwrap();
    assert_eq!(theirs, vec![written[4].clone()]);
    let busiest = x.busiest_officers("2026-12-06T08:00:01.000000Z", 10).await.unwrap();
    assert_eq!(busiest, vec![(officer, "000.00.01.H59".to_owned(), 5), (other, "000.00.01.H59".to_owned(), 1)]);
    assert!(x.busiest_officers("2026-12-07T00:00:00.000000Z", 10).await.unwrap().is_empty());
    // The audit's read: each lookup with its one entry, which vouches for it.
    let all = x.lookups_with_entries("", 100).await.unwrap();
    assert_eq!(all.len(), 7);
    for (row, entries) in &all {
        assert_eq!(entries.len(), 1, "{row:?}");
        let entries: Vec<(&str, &str)> = entries.iter().map(|(l, p)| (l.as_str(), p.as_str())).collect();
        assert_eq!(tinhso_exchange::audit::row_differs(&tinhso_exchange_store::as_audited(row), &entries), None);
    }
    let after = x.lookups_with_entries(&all[4].0.message_id, 100).await.unwrap();
    assert_eq!(after.len(), 2, "pages after a key");
}
