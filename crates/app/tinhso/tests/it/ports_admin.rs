//! The identity port's administrative changes on both engines: each is written with its entry
//! in the administrators' lane of the ledger, in one transaction; a refused change (a citizen's
//! account, no such account) writes neither; the log reads them back newest first.

use crate::ports::{account, postgres, province_with_citizen, sqlite, DEPT};
use chrono::Utc;
use tinhso_kernel::ids::{AccountId, AgencyCode};
use tinhso_policy::Role;
use tinhso_store::admin::{AdminAct, AdminChange, Basis};
use tinhso_store::staff_change::StaffChange;
use tinhso_store::{Session, StaffPost, StoreError, Stores};

#[tokio::test]
async fn admin_changes_are_recorded_sqlite() {
    admin_changes(sqlite().await).await;
}

#[tokio::test]
async fn admin_changes_are_recorded_postgres() {
    admin_changes(postgres().await).await;
}

async fn admin_changes(s: Stores) {
    let citizen = province_with_citizen(&s).await;
    let now = Utc::now();
    let head =
        s.identity.create_account(&account("a@x.vn", "Lê An", Role::AgencyAdmin, Some(DEPT), None)).await.unwrap();
    let by = AdminAct { actor: head, at: now };
    let new = account("b@x.vn", "Trần Bình", Role::Specialist, Some(DEPT), None);
    let staff = s.identity.create_staff(&new, &by).await.unwrap();
    let must = |id| {
        let s = s.clone();
        async move { s.identity.account(id).await.unwrap().unwrap().must_change_password }
    };
    assert!(must(staff).await, "the admin chose this password");
    assert!(!must(head).await);
    let staff_ids: Vec<AccountId> = s.identity.staff_accounts().await.unwrap().iter().map(|a| a.id).collect();
    assert_eq!(staff_ids, [head, staff], "staff only, by id: never the citizen");
    let session = Session {
        token_hash: vec![9; 32],
        account_id: staff,
        csrf_token: "c".into(),
        created_at: now,
        expires_at: now + chrono::Duration::days(1),
    };
    s.identity.create_session(&session).await.unwrap();
    assert!(s.identity.locked_accounts().await.unwrap().is_empty());
    assert!(s.identity.staff_before_log().await.unwrap().is_empty(), "a database made since the log");
    assert!(s.identity.change_staff(&StaffChange::lock(staff, true), &by).await.unwrap());
    assert!(s.identity.account(staff).await.unwrap().unwrap().disabled);
    let locked: Vec<AccountId> = s.identity.locked_accounts().await.unwrap().iter().map(|a| a.id).collect();
    assert_eq!(locked, [staff]);
    assert!(s.identity.session(&[9; 32], now).await.unwrap().is_none(), "a locked account's sessions end");
    assert!(s.identity.change_staff(&StaffChange::lock(staff, false), &by).await.unwrap());
    assert!(!s.identity.account(staff).await.unwrap().unwrap().disabled);
    s.identity.create_session(&session).await.unwrap();
    assert!(s.identity.change_staff(&StaffChange::new_password(staff, "h-new"), &by).await.unwrap());
    assert_eq!(s.identity.account(staff).await.unwrap().unwrap().password_hash, "h-new");
    assert!(s.identity.session(&[9; 32], now).await.unwrap().is_none(), "a new password ends every session");
    assert!(s.identity.change_password(staff, "h-own", &[]).await.unwrap());
    assert!(!must(staff).await, "the owner's own password");
    assert!(s.identity.change_staff(&StaffChange::new_password(staff, "h-new"), &by).await.unwrap());
    assert!(must(staff).await, "an admin's again");
    // Refused: a citizen is not staff, and no account has id 999999; nothing is recorded.
    assert!(!s.identity.change_staff(&StaffChange::lock(citizen, true), &by).await.unwrap());
    assert!(!s.identity.change_staff(&StaffChange::new_password(citizen, "h-x"), &by).await.unwrap());
    assert!(!s.identity.change_staff(&StaffChange::lock(AccountId(999_999), true), &by).await.unwrap());
    assert!(!s.identity.account(citizen).await.unwrap().unwrap().disabled);
    assert_eq!(s.identity.account(citizen).await.unwrap().unwrap().password_hash, "hash");
    assert_eq!(s.identity.reset_password(citizen, "ABCD-2345", &by).await.unwrap().as_deref(), Some("ABCD-2345"));
    // The limits replace only what their page began from: none set yet, then the saved pair.
    s.documents.set_upload_limits(50, 500, &Basis::Absent, &by).await.unwrap();
    assert_eq!(s.documents.upload_limits().await.unwrap(), Some((50, 500)));
    for stale in [Basis::Absent, Basis::of(Some(&(10u64, 100u64))).unwrap()] {
        let refused = s.documents.set_upload_limits(1, 1, &stale, &by).await;
        assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
    }
    assert_eq!(s.documents.upload_limits().await.unwrap(), Some((50, 500)), "nothing written");

    let log = s.ledger.admin_log(None, 20, &Default::default()).await.unwrap();
    let changes: Vec<AdminChange> = log.iter().map(|e| e.change.clone()).collect();
    assert_eq!(
        changes[..changes.len() - 1],
        [
            AdminChange::UploadLimitsSet { per_day_mb: 50, total_mb: 500 },
            AdminChange::CitizenPasswordReset { account: citizen.0 },
            AdminChange::StaffPasswordReissued { account: staff.0 },
            AdminChange::StaffPasswordReissued { account: staff.0 },
            AdminChange::StaffUnlocked { account: staff.0 },
            AdminChange::StaffLocked { account: staff.0 },
            AdminChange::StaffCreated { account: staff.0, role: "specialist".into(), agency: Some(DEPT.into()) },
        ][..]
    );
    // Oldest, the province's set-up, by the platform itself.
    let (set_up, log) = log.split_last().unwrap();
    assert!(matches!(set_up.change, AdminChange::ProvinceSetUp { .. }) && set_up.actor == tinhso_store::admin::CONSOLE);
    assert!(log.iter().all(|e| e.actor == head), "each names who made it");
    assert!(log.iter().all(|e| e.at.timestamp_micros() == now.timestamp_micros()), "and when");
    assert_eq!(
        s.ledger.admin_log(None, 2, &Default::default()).await.unwrap().len(),
        2,
        "the newest first, as many as asked"
    );
    let older: Vec<AdminChange> = s
        .ledger
        .admin_log(Some(log[5].id), 10, &Default::default())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.change)
        .collect();
    assert_eq!(older, changes[6..], "a page older than an entry");
    assert!(log[1].change.account() == Some(citizen) && log[0].change.account().is_none());

    // Eight saves of the limits begun from one page, at once (on PostgreSQL, eight
    // connections): exactly one lands, and only it is logged.
    let opened = Basis::of(Some(&(50u64, 500u64))).unwrap();
    let saves = (1..=8u64).map(|n| {
        let (s, opened) = (s.clone(), opened.clone());
        async move { s.documents.set_upload_limits(n, n * 10, &opened, &by).await }
    });
    let results = futures_util::future::join_all(saves).await;
    let landed: Vec<u64> = (1..=8).zip(&results).filter(|(_, r)| r.is_ok()).map(|(n, _)| n).collect();
    assert_eq!(landed.len(), 1, "{results:?}");
    assert!(results.iter().all(|r| r.is_ok() || matches!(r, Err(StoreError::Conflict(_)))), "{results:?}");
    assert_eq!(s.documents.upload_limits().await.unwrap(), Some((landed[0], landed[0] * 10)));
    let log = s.ledger.admin_log(None, 3, &Default::default()).await.unwrap();
    let limits = log.iter().filter(|e| matches!(e.change, AdminChange::UploadLimitsSet { .. })).count();
    assert_eq!(limits, 2, "the first save and the one that landed");

    // A staff account moved only from the post it has; a citizen is never moved, nor made staff.
    let was = StaffPost { role: Role::Specialist, agency: Some(AgencyCode::parse("a", DEPT).unwrap()) };
    let to = StaffPost { role: Role::Approver, agency: was.agency.clone() };
    let change = |id, from: &StaffPost, to: &StaffPost| StaffChange::reassign(id, from, to).unwrap();
    assert!(!s.identity.change_staff(&change(staff, &to, &was), &by).await.unwrap(), "not its post");
    let as_citizen = StaffPost { role: Role::Citizen, agency: None };
    assert!(!s.identity.change_staff(&change(citizen, &as_citizen, &to), &by).await.unwrap());
    assert!(StaffChange::reassign(staff, &was, &as_citizen).is_none(), "never made a citizen");
    assert_eq!(s.ledger.admin_log(None, 1, &Default::default()).await.unwrap()[0].change, log[0].change, "none logged");
    let told = tinhso_store::Notification::new(staff, "Đổi vai trò", "Từ chuyên viên sang phê duyệt");
    let refused = change(staff, &to, &was).telling([told.clone()]);
    assert!(!s.identity.change_staff(&refused, &by).await.unwrap());
    assert!(s.notify.inbox(staff).await.unwrap().is_empty(), "a change that did not land tells nobody");
    assert!(s.identity.change_staff(&change(staff, &was, &to).telling([told]), &by).await.unwrap());
    let inbox = s.notify.inbox(staff).await.unwrap();
    assert_eq!(inbox.iter().map(|m| m.subject.as_str()).collect::<Vec<_>>(), ["Đổi vai trò"], "told with it");
    assert_eq!(StaffPost::of(&s.identity.account(staff).await.unwrap().unwrap()), to);
    assert_eq!(
        s.ledger.admin_log(None, 1, &Default::default()).await.unwrap()[0].change,
        AdminChange::StaffReassigned {
            account: staff.0,
            was_role: "specialist".into(),
            was_agency: Some(DEPT.into()),
            role: "approver".into(),
            agency: Some(DEPT.into()),
        }
    );
}
