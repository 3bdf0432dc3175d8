//! The open-data port's conformance suite, run on SQLite and PostgreSQL: the same calls give
//! the same answers on both engines (the suites of the other ports are in `ports.rs`).

use crate::ports::{postgres, province_with_citizen, sqlite};
use tinhso_opendata::{name, Dataset, Group, Organization};
use tinhso_opendata_port::ApiToken;
use tinhso_store::{StoreError, Stores};

#[tokio::test]
async fn opendata_sqlite() {
    opendata(sqlite().await).await;
}

#[tokio::test]
async fn opendata_postgres() {
    opendata(postgres().await).await;
}

fn dataset(id: &str, name: &str, org: &str) -> Dataset {
    let now = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).and_then(|d| d.and_hms_opt(8, 0, 0)).unwrap();
    Dataset {
        license_id: "cc-by-4.0".into(),
        tags: vec!["đất đai".into()],
        resources: vec![tinhso_opendata::Resource {
            id: format!("{id}-r"),
            name: "CSV".into(),
            description: String::new(),
            format: "CSV".into(),
            url: "https://example.vn/a.csv".into(),
            upload: None,
            created: now,
            last_modified: None,
            datastore_active: false,
        }],
        ..Dataset::new(id.into(), name.into(), "Giá đất".into(), org.into(), now)
    }
}

async fn opendata(s: Stores) {
    let citizen = province_with_citizen(&s).await;
    let port = s.port::<dyn tinhso_opendata_port::OpenDataStore>().unwrap();
    let o = port.as_ref();
    let org = Organization {
        id: name::derived_id("org:X"),
        name: "so-x".into(),
        title: "Sở X".into(),
        description: String::new(),
        agency: "000.00.90.H08".into(),
    };
    o.sync_organizations(std::slice::from_ref(&org)).await.unwrap();
    // Syncing again refreshes titles and adds nothing.
    o.sync_organizations(&[Organization { title: "Sở X (mới)".into(), ..org.clone() }]).await.unwrap();
    let orgs = o.organizations().await.unwrap();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0].title, "Sở X (mới)");
    let g = Group { id: "g1".into(), name: "kinh-te".into(), title: "Kinh tế".into(), description: String::new() };
    o.put_data_group(&g).await.unwrap();
    assert_eq!(o.data_groups().await.unwrap(), vec![g]);

    // Saves move the counter on; the revision is checked.
    assert_eq!(o.catalogue_seq().await.unwrap(), 0);
    let mut a = dataset("a", "gia-dat", &org.id);
    assert_eq!(o.save_dataset(&a, None, citizen.0, "dataset_created").await.unwrap(), 1);
    assert!(matches!(o.save_dataset(&a, None, citizen.0, "dataset_created").await, Err(StoreError::Conflict(_))));
    let b = dataset("b", "gia-dat", &org.id);
    assert!(
        matches!(o.save_dataset(&b, None, 0, "dataset_created").await, Err(StoreError::Conflict(_))),
        "the name is taken"
    );
    a.title = "Giá đất 2025".into();
    a.revision = 2;
    assert!(matches!(o.save_dataset(&a, Some(5), 0, "dataset_updated").await, Err(StoreError::Conflict(_))));
    assert_eq!(o.save_dataset(&a, Some(1), 0, "dataset_updated").await.unwrap(), 2);
    let c = dataset("c", "dan-so", &org.id);
    o.save_dataset(&c, None, 0, "dataset_created").await.unwrap();
    assert_eq!(o.catalogue_seq().await.unwrap(), 3);

    // Read back by id or name, by ids, by what changed, by resource; versions kept.
    assert_eq!(o.dataset("gia-dat").await.unwrap().unwrap(), a);
    assert_eq!(o.dataset("a").await.unwrap().unwrap().title, "Giá đất 2025");
    assert!(o.dataset("khong-co").await.unwrap().is_none());
    let mut both = o.datasets(&["a".into(), "c".into(), "x".into()]).await.unwrap();
    both.sort_by(|x, y| x.id.cmp(&y.id));
    assert_eq!(both.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), ["a", "c"]);
    let changed = o.datasets_changed(1, 10).await.unwrap();
    assert_eq!(changed.iter().map(|(s, d)| (*s, d.id.as_str())).collect::<Vec<_>>(), [(2, "a"), (3, "c")]);
    assert_eq!(o.resource_dataset("c-r").await.unwrap().as_deref(), Some("c"));
    let versions = o.dataset_versions("a").await.unwrap();
    assert_eq!(versions.iter().map(|v| v.revision).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(versions[1].actor, citizen.0);
    assert_eq!(o.dataset_version("a", 1).await.unwrap().unwrap().title, "Giá đất");
    // The saves are on the ledger.
    let entries = s.ledger.audit_page(0, 100).await.unwrap();
    assert_eq!(entries.iter().filter(|e| e.link.lane.starts_with("data/")).count(), 3);

    // Tokens: found by hash until revoked, listed to their owner only.
    let t = ApiToken {
        id: "t1".into(),
        account: citizen,
        name: "Báo cáo".into(),
        created: "2026-12-03T08:00:00Z".into(),
        last_used: None,
    };
    o.add_api_token(&t, b"hash-1").await.unwrap();
    assert_eq!(o.api_token_account(b"hash-1").await.unwrap(), Some(citizen));
    assert_eq!(o.api_tokens(citizen).await.unwrap(), vec![t]);
    assert!(!o.revoke_api_token(tinhso_kernel::ids::AccountId(citizen.0 + 99), "t1").await.unwrap());
    assert!(o.revoke_api_token(citizen, "t1").await.unwrap());
    assert_eq!(o.api_token_account(b"hash-1").await.unwrap(), None);
    assert!(o.api_tokens(citizen).await.unwrap().is_empty());

    // Download counts add up.
    o.add_downloads(&[("a-r".into(), 2), ("c-r".into(), 1)]).await.unwrap();
    o.add_downloads(&[("a-r".into(), 3)]).await.unwrap();
    let mut n = o.downloads(&["a-r".into(), "c-r".into(), "x".into()]).await.unwrap();
    n.sort();
    assert_eq!(n, vec![("a-r".to_owned(), 5), ("c-r".to_owned(), 1)]);
}
