//! The field reports' port on both engines: reports numbered and chained per commune, their
//! categories and routing (each change in the administrators' log), followers, Open311 keys
//! issued and revoked in the log; one chain with the dossiers' that verifies.

use crate::ports::{account, agency, at, day, new_dossier, postgres, province_with_citizen, sqlite, COMMUNE, DEPT};
use chrono::Utc;
use tinhso_kernel::calendar::WorkingCalendar;
use tinhso_kernel::ids::AccountId;
use tinhso_policy::Role;
use tinhso_store::admin::Basis;
use tinhso_store::{Notification, StoreError, Stores};

#[tokio::test]
async fn reports_sqlite() {
    reports(sqlite().await).await;
}

#[tokio::test]
async fn reports_postgres() {
    reports(postgres().await).await;
}

/// A field report in commune 2269 at a point, received on 2025-09-DD.
fn report_event(d: u32, category: &str, description: &str, lat: f64, token: Option<&str>) -> tinhso_reports::Event {
    let new = tinhso_reports::NewReport {
        kind: tinhso_reports::ReportKind::Place,
        category: category.into(),
        description: description.into(),
        point: tinhso_reports::geo::Point::new(lat, 105.2),
        commune: Some(2269),
        address: "Thôn Đồng Đình".into(),
        dossier_code: None,
        reporter: None,
        reporter_name: "Lê Thị Bình".into(),
        reporter_contact: "0987654321".into(),
        show_identity: false,
        photos: Vec::new(),
        client_token: token.map(str::to_owned),
    };
    let cal = WorkingCalendar::new([]);
    tinhso_reports::machine::submit(new, agency(COMMUNE), &cal, day(2025, 9, d), at(d), AccountId(0)).unwrap()
}

async fn reports(s: Stores) {
    use tinhso_reports::{Command, ReportState};
    let citizen = province_with_citizen(&s).await;
    let staff = s
        .identity
        .create_account(&account("x@x.vn", "Hà Văn Xuân", Role::Specialist, Some(COMMUNE), None))
        .await
        .unwrap();
    // The province starts with the default categories, in their order.
    let cats = s.reports.report_categories().await.unwrap();
    assert_eq!(cats, tinhso_reports::category::defaults());
    // Reports are numbered from 1; their first entry is on the ledger.
    let a = s
        .reports
        .create_report(&report_event(3, "duong-sa", "Ổ gà lớn trước cổng trường", 21.8, Some("t-1")))
        .await
        .unwrap();
    let b =
        s.reports.create_report(&report_event(4, "rac-thai", "Rác đổ trộm bên đường", 21.8003, None)).await.unwrap();
    let c = s.reports.create_report(&report_event(5, "duong-sa", "Đường sạt lở", 22.5, None)).await.unwrap();
    assert_eq!((a.id, b.id, c.id), (1, 2, 3));
    assert_eq!(s.reports.report(1).await.unwrap().as_ref(), Some(&a));
    assert_eq!(s.reports.report(99).await.unwrap(), None);
    assert_eq!(s.reports.report_by_token("t-1").await.unwrap(), Some(1));
    // A client token is taken once.
    let again = s.reports.create_report(&report_event(6, "duong-sa", "Lại ổ gà", 21.8, Some("t-1"))).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(s.reports.report_count(&Default::default()).await.unwrap(), 3, "nothing half-written");
    // Acting needs the version read; a stale one changes nothing.
    let cal = WorkingCalendar::new([]);
    let e = tinhso_reports::decide(&a, &Command::Accept, &cal, day(2025, 9, 4), at(4), staff).unwrap();
    let a2 = s.reports.record_report_events(1, a.version, std::slice::from_ref(&e), &[]).await.unwrap();
    assert_eq!((a2.state, a2.version), (ReportState::Confirmed, 2));
    let stale = s.reports.record_report_events(1, a.version, &[e], &[]).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let note =
        tinhso_reports::decide(&a2, &Command::Note { text: "Đã cử người".into() }, &cal, day(2025, 9, 4), at(4), staff)
            .unwrap();
    let message = Notification::new(citizen, "Phản ánh PA-1", "Cập nhật");
    let a3 = s.reports.record_report_events(1, 2, &[note], std::slice::from_ref(&message)).await.unwrap();
    let history = s.reports.report_history(1).await.unwrap();
    assert_eq!(
        history.iter().map(|h| (h.event.kind.key(), h.public)).collect::<Vec<_>>(),
        [("submitted", true), ("accepted", true), ("noted", false)]
    );
    assert_eq!(
        tinhso_reports::machine::apply(None, 1, &history[0].event).map(|r| r.description),
        Some(a.description.clone())
    );
    assert!(s.notify.inbox(citizen).await.unwrap().iter().any(|m| m.subject == "Phản ánh PA-1"));
    // Lists: filters, folded words (no diacritics, đ as d), a box, open only, ids, paging.
    let q = |f: fn(&mut tinhso_store::ReportQuery)| {
        let mut q = tinhso_store::ReportQuery { limit: 10, ..Default::default() };
        f(&mut q);
        q
    };
    let ids = |v: Vec<tinhso_reports::Report>| v.iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(s.reports.reports(&q(|_| {})).await.unwrap()), [3, 2, 1]);
    assert_eq!(ids(s.reports.reports(&q(|q| q.category = Some("duong-sa".into()))).await.unwrap()), [3, 1]);
    assert_eq!(ids(s.reports.reports(&q(|q| q.words = vec!["o".into(), "ga".into()])).await.unwrap()), [1]);
    assert_eq!(ids(s.reports.reports(&q(|q| q.words = vec!["dong dinh".into()])).await.unwrap()), [3, 2, 1]);
    assert_eq!(ids(s.reports.reports(&q(|q| q.words = vec!["100%".into()])).await.unwrap()), Vec::<i64>::new());
    assert_eq!(ids(s.reports.reports(&q(|q| q.bbox = Some((21.79, 21.81, 105.1, 105.3)))).await.unwrap()), [2, 1]);
    assert_eq!(ids(s.reports.reports(&q(|q| q.states = vec![ReportState::Confirmed])).await.unwrap()), [1]);
    assert_eq!(
        ids(s
            .reports
            .reports(&q(|q| {
                q.open_only = true;
                q.commune = Some(2269)
            }))
            .await
            .unwrap()),
        [3, 2, 1]
    );
    assert_eq!(ids(s.reports.reports(&q(|q| q.ids = vec![3, 1, 42])).await.unwrap()), [3, 1]);
    assert_eq!(
        ids(s
            .reports
            .reports(&q(|q| {
                q.before_id = Some(3);
                q.limit = 1
            }))
            .await
            .unwrap()),
        [2]
    );
    assert_eq!(ids(s.reports.reports(&q(|q| q.since = Some(at(4)))).await.unwrap()), [3, 2]);
    assert_eq!(ids(s.reports.reports(&q(|q| q.overdue_on = Some(day(2025, 10, 1)))).await.unwrap()), [3, 2, 1]);
    assert_eq!(ids(s.reports.reports(&q(|q| q.overdue_on = Some(day(2025, 9, 25)))).await.unwrap()), [1]);
    assert_eq!(ids(s.reports.reports(&q(|q| q.due_from = Some(day(2025, 9, 25)))).await.unwrap()), [3, 2]);
    // Staff see the most urgent first: the earliest due date, then the oldest report.
    assert_eq!(ids(s.reports.reports(&q(|q| q.due_first = true)).await.unwrap()), [1, 2, 3]);
    assert_eq!(s.reports.report_count(&q(|q| q.category = Some("rac-thai".into()))).await.unwrap(), 1);
    assert_eq!(a3.version, 3);
    // The routing table is replaced whole, each time recorded as it then stands.
    let route = |c: &str, commune| tinhso_reports::routing::Route { category: c.into(), commune, agency: agency(DEPT) };
    let by = tinhso_store::admin::AdminAct { actor: citizen, at: Utc::now() };
    let empty = Basis::of(Some(&Vec::<tinhso_reports::routing::Route>::new())).unwrap();
    let first_table = [route("an-toan-thuc-pham", None), route("an-toan-thuc-pham", Some(2269))];
    s.reports.set_report_routes(&first_table, &empty, &by).await.unwrap();
    let table = s.reports.report_routes().await.unwrap();
    assert_eq!(table.len(), 2);
    // Replaced only from the table as it stands: one read before that change is refused whole.
    let stale = s.reports.set_report_routes(&[route("rac-thai", None)], &empty, &by).await;
    assert!(matches!(stale, Err(tinhso_store::StoreError::Conflict(_))), "{stale:?}");
    assert_eq!(s.reports.report_routes().await.unwrap(), table);
    s.reports
        .set_report_routes(&[route("rac-thai", Some(2269))], &Basis::of(Some(&table)).unwrap(), &by)
        .await
        .unwrap();
    assert_eq!(s.reports.report_routes().await.unwrap(), [route("rac-thai", Some(2269))]);
    let log: Vec<_> =
        s.ledger.admin_log(None, 5, &Default::default()).await.unwrap().into_iter().map(|e| e.change).collect();
    let line = format!("rac-thai @ 2269 → {DEPT}");
    let first = [format!("an-toan-thuc-pham @ * → {DEPT}"), format!("an-toan-thuc-pham @ 2269 → {DEPT}")];
    use tinhso_store::admin::AdminChange::ReportRoutesSet;
    assert_eq!(log[..2], [ReportRoutesSet { routes: vec![line] }, ReportRoutesSet { routes: first.to_vec() }]);
    // Followers, once each.
    s.reports.follow_report(2, citizen).await.unwrap();
    s.reports.follow_report(2, citizen).await.unwrap();
    assert_eq!(s.reports.report_followers(2).await.unwrap(), [citizen]);
    // Open311 keys: found by hash until revoked; issuing and revoking are in the log (a
    // revocation of nothing is not).
    s.reports.add_open311_key("Ứng dụng A", b"hash-a", &by).await.unwrap();
    assert_eq!(s.reports.open311_client(b"hash-a").await.unwrap().as_deref(), Some("Ứng dụng A"));
    assert_eq!(s.reports.open311_client(b"hash-b").await.unwrap(), None);
    assert_eq!(s.reports.revoke_open311_keys("Ứng dụng A", &by).await.unwrap(), 1);
    assert_eq!(s.reports.revoke_open311_keys("Ứng dụng A", &by).await.unwrap(), 0);
    assert_eq!(s.reports.open311_client(b"hash-a").await.unwrap(), None);
    let key =
        tinhso_store::settings::Open311Key { client: "Ứng dụng A".into(), hash: b"hash-a".to_vec(), revoked: true };
    assert_eq!(s.reports.open311_keys().await.unwrap(), [key]);
    let log: Vec<_> =
        s.ledger.admin_log(None, 2, &Default::default()).await.unwrap().into_iter().map(|e| e.change).collect();
    use tinhso_store::admin::AdminChange;
    assert_eq!(
        log,
        [
            AdminChange::Open311KeysRevoked { client: "Ứng dụng A".into(), count: 1 },
            AdminChange::open311_key_issued("Ứng dụng A", b"hash-a"),
        ]
    );
    // Report entries share the ledger with dossiers (and the two routing changes): one chain
    // that verifies, lane per commune.
    s.dossiers.submit_dossier(&new_dossier(citizen, 3)).await.unwrap();
    let anchors = s.ledger.audit_anchors().await.unwrap();
    let rows = s.ledger.audit_page(0, 100).await.unwrap();
    // With the province's set-up entry.
    assert_eq!(rows.len(), 11);
    assert!(rows.windows(2).all(|w| w[0].link.id < w[1].link.id), "one id order across both tables");
    let links = rows.iter().map(|r| (r.link.clone(), r.hash.clone()));
    assert_eq!(tinhso_ledger::chain::verify(links, &anchors.heads, anchors.all_marks()), Ok(11));
    assert!(anchors.heads.iter().any(|h| h.lane == "admin" && h.seq == 5));
    assert!(anchors.heads.iter().any(|h| h.lane == "report/2269" && h.seq == 5));
    assert_eq!(s.ledger.audit_page(rows[1].link.id, 2).await.unwrap().len(), 2, "pages across both tables");
}
