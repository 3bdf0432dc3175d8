//! One conformance suite per storage port, run on SQLite and on a real PostgreSQL: each port
//! promises the same behaviour whichever backend keeps it (ordering, conflicts, what a write
//! leaves behind when it is refused), so a module never needs to know which one runs.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use serde_json::json;
use tinhso_catalogue::procedure::Procedure;
use tinhso_dossier::{apply, decide, Command, DossierState, Event, EventKind, Party};
use tinhso_kernel::calendar::WorkingCalendar;
use tinhso_kernel::ids::{AccountId, AgencyCode, DossierCode, ProcedureCode};
use tinhso_kernel::province::{Agency, AgencyKind, AgencyLevel, DivisionType, Province, Unit};
use tinhso_policy::Role;
use tinhso_store::admin::Basis;
use tinhso_store::{
    DossierQuery, MemberQuery, NewAccount, NewDossier, Notification, ProvinceSetup, Session, StoreError, StoredFile,
    Stores,
};

/// Opens a fresh store of each backend through the composition root, as the server does.
pub(crate) async fn sqlite() -> Stores {
    let dir = tinhso_testkit::server::fresh_data_dir().unwrap();
    tinhso::db::sqlite(&dir.join("t.db")).await.unwrap()
}

pub(crate) async fn postgres() -> Stores {
    let url = tinhso_testkit::server::fresh_pg_database().await.unwrap();
    tinhso::db::postgres(&url, 4).await.unwrap()
}

macro_rules! port_suite {
    ($sqlite:ident, $postgres:ident, $suite:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            $suite(sqlite().await).await;
        }

        #[tokio::test]
        async fn $postgres() {
            $suite(postgres().await).await;
        }
    };
}

port_suite!(health_sqlite, health_postgres, health);
port_suite!(province_sqlite, province_postgres, province);
port_suite!(identity_sqlite, identity_postgres, identity);
port_suite!(login_proof_sqlite, login_proof_postgres, login_proof);
port_suite!(catalogue_sqlite, catalogue_postgres, catalogue);
port_suite!(dossiers_sqlite, dossiers_postgres, dossiers);
port_suite!(ledger_notify_sqlite, ledger_notify_postgres, ledger_and_notify);
port_suite!(documents_sqlite, documents_postgres, documents);
port_suite!(ioc_sqlite, ioc_postgres, ioc);

pub(crate) const DESK: &str = "000.00.90.H08";
pub(crate) const DEPT: &str = "000.20.01.H08";
pub(crate) const COMMUNE: &str = "000.00.11.H08";
const PROCEDURE: &str = "1.001193";

pub(crate) fn agency(code: &str) -> AgencyCode {
    AgencyCode::parse("a", code).unwrap()
}

pub(crate) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn setup() -> ProvinceSetup {
    let unit = |code, name: &str, to| Unit {
        code,
        name: name.into(),
        division_type: DivisionType::Commune,
        province_code: 8,
        valid_from: day(2025, 7, 1),
        valid_to: to,
    };
    let a = |code: &str, name: &str, level, kind, unit_code| Agency {
        code: agency(code),
        name: name.into(),
        level,
        kind,
        parent: None,
        unit_code,
    };
    ProvinceSetup {
        province: Province {
            code: 8,
            name: "Tuyên Quang".into(),
            division_type: "tỉnh".into(),
            agency_code_suffix: "H08".into(),
        },
        units: vec![unit(2269, "Xã Yên Sơn", None), unit(2270, "Xã Cũ", Some(day(2025, 8, 1)))],
        agencies: vec![
            a(DEPT, "Sở Tư pháp", AgencyLevel::Province, AgencyKind::Department, None),
            a(DESK, "Trung tâm Phục vụ hành chính công", AgencyLevel::Province, AgencyKind::ServiceCentre, None),
            a(COMMUNE, "UBND xã Yên Sơn", AgencyLevel::Commune, AgencyKind::PeoplesCommittee, Some(2269)),
        ],
        accounts: Vec::new(),
    }
}

/// The one procedure of the tests' catalogue, decided by the department.
fn procedure() -> Procedure {
    serde_json::from_value(json!({
        "code": PROCEDURE, "name": "Đăng ký khai sinh", "field": "Hộ tịch", "levels": ["province"],
        "competent_agency": {"agency": DEPT}, "processing_time": {"unit": "working_days", "value": 3},
        "fee": {"amount_vnd": 0}, "online_level": "fully_online"
    }))
    .unwrap()
}

pub(crate) fn account(login: &str, name: &str, role: Role, agency_code: Option<&str>, pid: Option<&str>) -> NewAccount {
    NewAccount {
        login: login.into(),
        full_name: name.into(),
        password_hash: "hash".into(),
        role,
        agency: agency_code.map(agency),
        personal_id: pid.map(|p| tinhso_kernel::ids::PersonalId::parse("personal_id", p).unwrap()),
    }
}

/// A province with its agencies and one citizen; returns the citizen's id.
pub(crate) async fn province_with_citizen(s: &Stores) -> AccountId {
    s.province.setup_province(&setup()).await.unwrap();
    s.identity
        .create_account(&account("0912345678", "Nguyễn Văn An", Role::Citizen, None, Some("001090000001")))
        .await
        .unwrap()
}

/// 09:00 in Vietnam on 2025-09-DD.
pub(crate) fn at(d: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 9, d, 2, 0, 0).single().unwrap()
}

pub(crate) fn new_dossier(applicant: AccountId, on: u32) -> NewDossier {
    NewDossier {
        submitted: Event {
            kind: EventKind::Submitted {
                procedure: ProcedureCode::parse("p", PROCEDURE).unwrap(),
                applicant,
                applicant_type: tinhso_dossier::ApplicantType::Citizen,
                channel: tinhso_dossier::Channel::Online,
                receiving_agency: agency(DESK),
                competent_agency: agency(DEPT),
                processing_days: 3,
                fee_vnd: Some(0),
                files: Vec::new(),
                paper_components: Vec::new(),
                steps: Vec::new(),
                form_sha256: None,
                phone_sha256: None,
                organization: None,
            },
            at: at(on),
            actor: applicant,
        },
        form: json!({ "ho_ten": "Nguyễn Văn An" }),
        applicant_phone: tinhso_kernel::ids::Phone::parse("phone", "0912345678").ok(),
        files: Vec::new(),
        notify: vec![Notification::new(applicant, "Hồ sơ {code}: đã nộp", "{code}")
            .with_english("Dossier {code}: sent", "{code} was sent")],
    }
}

/// Receives a stored dossier the way the service does: decide, apply, append.
async fn receive(s: &Stores, code: &DossierCode, by: AccountId) -> tinhso_dossier::Dossier {
    let d = s.dossiers.dossier(code).await.unwrap().unwrap().dossier;
    let cal = WorkingCalendar::new([]);
    let now = d.submitted_on.and_hms_opt(3, 0, 0).unwrap().and_utc();
    let kind = decide(&d, &Command::Receive, Party::Staff, now, &cal).unwrap();
    let e = Event { kind, at: now, actor: by };
    let next = apply(Some(d.clone()), code, &e).unwrap();
    s.dossiers.append_event(&d, &e, &next, &[], &[]).await.unwrap();
    next
}

async fn health(s: Stores) {
    s.health.ping().await.unwrap();
    assert!(["sqlite", "postgres"].contains(&s.health.backend()));
}

async fn province(s: Stores) {
    assert_eq!(s.province.province().await.unwrap(), None);
    s.province.setup_province(&setup()).await.unwrap();
    assert_eq!(s.province.province().await.unwrap().map(|p| p.name), Some("Tuyên Quang".into()));
    // A province is set up once: a second set-up is refused and changes nothing.
    let mut again = setup();
    again.province.name = "Khác".into();
    assert!(matches!(s.province.setup_province(&again).await, Err(StoreError::Conflict(_))));
    assert_eq!(s.province.province().await.unwrap().map(|p| p.name), Some("Tuyên Quang".into()));
    // Units valid on a day: the one closed on 2025-08-01 is gone after it.
    let names = |units: Vec<Unit>| units.into_iter().map(|u| u.name).collect::<Vec<_>>();
    assert_eq!(names(s.province.units(day(2025, 7, 15)).await.unwrap()), ["Xã Yên Sơn", "Xã Cũ"]);
    assert_eq!(names(s.province.units(day(2025, 9, 1)).await.unwrap()), ["Xã Yên Sơn"]);
    let codes: Vec<String> = s.province.agencies().await.unwrap().into_iter().map(|a| a.code.to_string()).collect();
    assert_eq!(codes, [COMMUNE, DESK, DEPT], "agencies by code");
}

async fn identity(s: Stores) {
    let citizen = province_with_citizen(&s).await;
    let dup = s.identity.create_account(&account("0912345678", "Khác", Role::Citizen, None, None)).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "a login is unique");
    assert_eq!(s.identity.account_by_login("0912345678").await.unwrap().map(|a| a.id), Some(citizen));
    assert_eq!(s.identity.account_by_login("0999999999").await.unwrap(), None);
    let pid = tinhso_kernel::ids::PersonalId::parse("personal_id", "001090000001").unwrap();
    assert_eq!(s.identity.citizen_by_personal_id(&pid).await.unwrap().map(|a| a.id), Some(citizen));
    // Staff of an agency, by name; citizens are never staff.
    s.identity.create_account(&account("b@x.vn", "Trần Bình", Role::Specialist, Some(DEPT), None)).await.unwrap();
    s.identity.create_account(&account("a@x.vn", "Lê An", Role::Approver, Some(DEPT), None)).await.unwrap();
    s.identity.create_account(&account("c@x.vn", "Phạm Cúc", Role::Receptionist, Some(DESK), None)).await.unwrap();
    s.identity.create_account(&account("d@x.vn", "Đỗ Văn Anh", Role::Specialist, Some(DEPT), None)).await.unwrap();
    s.identity.create_account(&account("e@x.vn", "Nguyễn An", Role::Specialist, Some(DEPT), None)).await.unwrap();
    // As a register lists people: given name, then family name (not the bytes of the full name).
    let staff: Vec<String> = s.identity.staff(&agency(DEPT)).await.unwrap().into_iter().map(|a| a.full_name).collect();
    assert_eq!(staff, ["Lê An", "Nguyễn An", "Đỗ Văn Anh", "Trần Bình"]);
    assert_eq!(s.identity.staff_with_role(Role::Receptionist).await.unwrap().len(), 1);
    // A desk-made account (no password) is claimed once.
    let walk_in = s
        .identity
        .create_account(&NewAccount {
            password_hash: String::new(),
            ..account("0987654321", "Khách", Role::Citizen, None, None)
        })
        .await
        .unwrap();
    // It is claimed with the code the desk issued (once: a second issue keeps the first code).
    assert_eq!(s.identity.claim_code(walk_in).await.unwrap(), None);
    assert_eq!(s.identity.issue_claim_code(walk_in, "ABCD-2345").await.unwrap().as_deref(), Some("ABCD-2345"));
    assert_eq!(s.identity.issue_claim_code(walk_in, "WXYZ-6789").await.unwrap().as_deref(), Some("ABCD-2345"));
    assert!(!s.identity.claim_account(walk_in, "WXYZ-6789", "h0", "Kẻ đoán").await.unwrap(), "a wrong code");
    assert!(s.identity.claim_account(walk_in, "ABCD-2345", "h1", "Hoàng Khách").await.unwrap());
    assert!(!s.identity.claim_account(walk_in, "ABCD-2345", "h2", "Kẻ khác").await.unwrap(), "claimed stays claimed");
    assert_eq!(s.identity.claim_code(walk_in).await.unwrap(), None, "the code is used up");
    assert_eq!(s.identity.issue_claim_code(walk_in, "QRST-2345").await.unwrap(), None, "none for a claimed account");
    assert_eq!(s.identity.account_by_login("0987654321").await.unwrap().map(|a| a.password_hash), Some("h1".into()));
    // Sessions: found while live, gone when expired or deleted.
    let now = Utc::now();
    let live = Session {
        token_hash: vec![1; 32],
        account_id: citizen,
        csrf_token: "c".into(),
        created_at: now,
        expires_at: now + Duration::days(1),
    };
    let old = Session { token_hash: vec![2; 32], expires_at: now - Duration::seconds(1), ..live.clone() };
    s.identity.create_session(&live).await.unwrap();
    s.identity.create_session(&old).await.unwrap();
    assert_eq!(s.identity.session(&[1; 32], now).await.unwrap().map(|(_, a)| a.id), Some(citizen));
    assert!(s.identity.session(&[2; 32], now).await.unwrap().is_none(), "an expired session is not returned");
    s.identity.delete_session(&[1; 32]).await.unwrap();
    assert!(s.identity.session(&[1; 32], now).await.unwrap().is_none());
    // A password change keeps the session that made it and ends every other of the account,
    // and no one else's.
    let mine = [3; 32];
    let other = Session { token_hash: vec![4; 32], ..live.clone() };
    let someone_else = Session { token_hash: vec![5; 32], account_id: walk_in, ..live.clone() };
    for session in [Session { token_hash: mine.to_vec(), ..live.clone() }, other, someone_else] {
        s.identity.create_session(&session).await.unwrap();
    }
    assert!(s.identity.change_password(citizen, "h-new", &mine).await.unwrap());
    assert_eq!(s.identity.account(citizen).await.unwrap().map(|a| a.password_hash), Some("h-new".into()));
    assert!(s.identity.session(&mine, now).await.unwrap().is_some(), "the session that changed it stays");
    assert!(s.identity.session(&[4; 32], now).await.unwrap().is_none(), "the account's other sessions end");
    assert!(s.identity.session(&[5; 32], now).await.unwrap().is_some(), "another account's stay");
    assert!(!s.identity.change_password(AccountId(999_999), "h", &mine).await.unwrap(), "no such account");
    // A forgotten password, reset at a desk: cleared, every session ended, claimable again with
    // the code of the last reset only; staff accounts are not reset there.
    let by = tinhso_store::admin::AdminAct { actor: walk_in, at: now };
    assert_eq!(s.identity.reset_password(citizen, "MNPQ-2345", &by).await.unwrap().as_deref(), Some("MNPQ-2345"));
    assert!(s.identity.session(&mine, now).await.unwrap().is_none(), "no session survives a reset");
    assert_eq!(s.identity.account(citizen).await.unwrap().map(|a| a.password_hash), Some(String::new()));
    assert_eq!(s.identity.claim_code(citizen).await.unwrap().as_deref(), Some("MNPQ-2345"));
    assert_eq!(s.identity.reset_password(citizen, "RSTU-6789", &by).await.unwrap().as_deref(), Some("RSTU-6789"));
    assert!(!s.identity.claim_account(citizen, "MNPQ-2345", "h-old", "X").await.unwrap(), "an earlier code is void");
    assert!(s.identity.claim_account(citizen, "RSTU-6789", "h-reset", "Nguyễn Văn An").await.unwrap());
    assert_eq!(s.identity.claim_code(citizen).await.unwrap(), None, "a code is used once");
    // A code mailed on request: the password stays until it is used, the mail is in no inbox,
    // the newest code alone works, before its end, once; every session ends with it.
    let (first, second) = ([7u8; 32], [8u8; 32]);
    let mail = tinhso_store::Notification::new(citizen, "Mã", "ABCD");
    s.identity.issue_email_reset(citizen, &first, now + Duration::hours(1), &mail).await.unwrap();
    s.identity.issue_email_reset(citizen, &second, now + Duration::hours(1), &mail).await.unwrap();
    assert!(s.notify.inbox(citizen).await.unwrap().iter().all(|m| m.subject != "Mã"), "email only");
    s.identity.create_session(&Session { token_hash: vec![6; 32], ..live.clone() }).await.unwrap();
    assert!(!s.identity.redeem_email_reset(citizen, &first, now, "h-mail").await.unwrap(), "replaced");
    let late = now + Duration::minutes(61);
    assert!(!s.identity.redeem_email_reset(citizen, &second, late, "h-mail").await.unwrap(), "expired");
    assert_eq!(s.identity.account(citizen).await.unwrap().map(|a| a.password_hash), Some("h-reset".into()));
    assert!(s.identity.redeem_email_reset(citizen, &second, now, "h-mail").await.unwrap());
    assert_eq!(s.identity.account(citizen).await.unwrap().map(|a| a.password_hash), Some("h-mail".into()));
    assert!(s.identity.session(&[6; 32], now).await.unwrap().is_none(), "sessions end");
    assert!(!s.identity.redeem_email_reset(citizen, &second, now, "h-again").await.unwrap(), "once");
    let staff = s.identity.account_by_login("b@x.vn").await.unwrap().unwrap();
    assert_eq!(
        s.identity.reset_password(staff.id, "VWXY-2345", &by).await.unwrap(),
        None,
        "staff are not reset at a desk"
    );
    assert_eq!(s.identity.claim_code(staff.id).await.unwrap(), None, "nor given a code");
    assert!(!staff.password_hash.is_empty());
}

/// A registration waiting for its code: the decision each engine carries out (`proof::step`),
/// the same on both, and unproven ones swept once their code ends.
async fn login_proof(s: Stores) {
    use tinhso_store::proof::{Proven, StagedRegistration};
    province_with_citizen(&s).await;
    let now = Utc::now();
    let staged = |login: &str, code: u8, minutes: i64| StagedRegistration {
        login: login.to_owned(),
        full_name: "Sầm Thị Lan".into(),
        personal_id: tinhso_kernel::ids::PersonalId::parse("p", "008185007777").unwrap(),
        password_hash: "$argon2id$stub".into(),
        code_sha256: [code; 32],
        until: now + Duration::minutes(minutes),
    };
    let id = &s.login_proof;
    id.stage_registration(&staged("0977000001", 1, 15)).await.unwrap();
    assert_eq!(id.prove_registration("0977000001", &[9; 32], now).await.unwrap(), Proven::Wrong { left: 4 });
    // Registering again replaces it (and its tries): the first code is void.
    id.stage_registration(&staged("0977000001", 2, 15)).await.unwrap();
    assert_eq!(id.prove_registration("0977000001", &[1; 32], now).await.unwrap(), Proven::Wrong { left: 4 });
    for left in (0..4).rev() {
        assert_eq!(id.prove_registration("0977000001", &[9; 32], now).await.unwrap(), Proven::Wrong { left });
    }
    assert_eq!(id.prove_registration("0977000001", &[2; 32], now).await.unwrap(), Proven::Gone, "void");
    assert!(id.restage_code("0977000001", &[3; 32], now + Duration::minutes(15)).await.unwrap());
    let made = id.prove_registration("0977000001", &[3; 32], now).await.unwrap();
    let Proven::Made(account) = made else { panic!("{made:?}") };
    let a = s.identity.account(account).await.unwrap().unwrap();
    assert_eq!((a.login.as_str(), a.full_name.as_str(), a.role), ("0977000001", "Sầm Thị Lan", Role::Citizen));
    assert_eq!(id.prove_registration("0977000001", &[3; 32], now).await.unwrap(), Proven::Gone, "used up");
    // A login that got an account meanwhile (the desk's citizen here) is taken.
    id.stage_registration(&staged("0912345678", 4, 15)).await.unwrap();
    assert_eq!(id.prove_registration("0912345678", &[4; 32], now).await.unwrap(), Proven::Taken);
    // An ended code neither works nor can be sent again; the sweep forgets it, not the others.
    id.stage_registration(&staged("0977000002", 5, -1)).await.unwrap();
    id.stage_registration(&staged("0977000003", 6, 15)).await.unwrap();
    assert_eq!(id.prove_registration("0977000002", &[5; 32], now).await.unwrap(), Proven::Gone);
    assert!(!id.restage_code("0977000002", &[7; 32], now + Duration::minutes(15)).await.unwrap());
    assert_eq!(id.sweep_registrations(now).await.unwrap(), 1);
    let kept = id.prove_registration("0977000003", &[6; 32], now).await.unwrap();
    assert!(matches!(kept, Proven::Made(_)), "the one still waiting stays: {kept:?}");
}

async fn catalogue(s: Stores) {
    s.province.setup_province(&setup()).await.unwrap();
    let console = tinhso_store::admin::AdminAct { actor: tinhso_store::admin::CONSOLE, at: Utc::now() };
    assert_eq!(s.catalogue.upsert_procedures(&[procedure()], &console).await.unwrap(), 1);
    let by = tinhso_store::admin::AdminAct { actor: AccountId(5), at: Utc::now() };
    let before = s.catalogue.read_model_revision().await.unwrap();
    let mut p = s.catalogue.procedures().await.unwrap().remove(0);
    p.name = "Đăng ký khai sinh (sửa)".into();
    assert_eq!(s.catalogue.upsert_procedures(&[p.clone()], &by).await.unwrap(), 1);
    assert_eq!(s.catalogue.procedures().await.unwrap(), vec![p.clone()], "replaced, not added");
    let after = s.catalogue.read_model_revision().await.unwrap();
    assert_ne!(before, after, "an edit moves the revision other servers follow");
    let year = tinhso_kernel::calendar::YearCalendar {
        year: 2027,
        source: tinhso_kernel::calendar::CalendarSource::Rules,
        basis: String::new(),
        days_off: vec![tinhso_kernel::calendar::NamedDay {
            date: day(2027, 1, 1), name: "Tết Dương lịch".into()
        }],
        swap_workdays: Vec::new(),
    };
    s.catalogue.put_calendar_year(&year, &Basis::Absent, &by).await.unwrap();
    // Every save is on the ledger with the digest of what was saved, newest first, the
    // set-up's under the console.
    let log: Vec<_> = s
        .ledger
        .admin_log(None, 10, &Default::default())
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.actor, e.change))
        .collect();
    use tinhso_store::admin::{digest, AdminChange::CalendarSaved, AdminChange::ProcedureSaved};
    let code = PROCEDURE.to_owned();
    assert_eq!(
        log[..3],
        [
            (AccountId(5), CalendarSaved { year: 2027, digest: Some(digest(&year).unwrap()) }),
            (AccountId(5), ProcedureSaved { code: code.clone(), digest: Some(digest(&p).unwrap()) }),
            (tinhso_store::admin::CONSOLE, ProcedureSaved { code, digest: Some(digest(&procedure()).unwrap()) }),
        ]
    );
    // Oldest, the province's own set-up, with the digest of the province and its agencies.
    let set_up = tinhso_store::admin::AdminChange::province_set_up(&setup().province, &setup().agencies).unwrap();
    assert_eq!(log[3..], [(tinhso_store::admin::CONSOLE, set_up)]);
    // Read back from either engine, what was saved has the digest its entry holds.
    assert_eq!(digest(&s.catalogue.procedures().await.unwrap()[0]).unwrap(), digest(&p).unwrap());
    assert_eq!(s.catalogue.calendar_years().await.unwrap(), vec![year.clone()]);
    assert_eq!(s.catalogue.saved_before_log().await.unwrap(), tinhso_store::BeforeLog::default());
    assert_eq!(s.catalogue.adopt_before_log(&by).await.unwrap(), 0, "nothing from before the log here");
    assert_ne!(s.catalogue.read_model_revision().await.unwrap(), after);
    edits_that_cross(&s, p, year, &by).await;
}

/// Two administrators' edits of one procedure or year: a save begun from what is no longer
/// stored is refused whole, also when many arrive at once.
async fn edits_that_cross(
    s: &Stores,
    p: Procedure,
    year: tinhso_kernel::calendar::YearCalendar,
    by: &tinhso_store::admin::AdminAct,
) {
    let conflict = |r: tinhso_store::Result<()>| matches!(r, Err(tinhso_store::StoreError::Conflict(_)));
    let entries = || async { s.ledger.admin_log(None, 100, &Default::default()).await.unwrap().len() };
    let logged = entries().await;
    let mut theirs = p.clone();
    theirs.fee.note = "Miễn lệ phí".into();
    // Begun from the console's version, which an admin has replaced since.
    let stale = Basis::of(Some(&procedure())).unwrap();
    assert!(conflict(s.catalogue.save_procedure(&theirs, &stale, by).await));
    assert!(conflict(s.catalogue.save_procedure(&theirs, &Basis::Absent, by).await), "not new");
    assert_eq!(s.catalogue.procedures().await.unwrap(), vec![p.clone()], "nothing written");
    assert_eq!(entries().await, logged, "nor logged");
    // Many saves begun from the stored version at once: one lands, the others are told.
    let basis = Basis::of(Some(&p)).unwrap();
    let saves = (0..8).map(|i| {
        let mut mine = p.clone();
        mine.fee.note = format!("Ghi chú {i}");
        let basis = basis.clone();
        async move { (s.catalogue.save_procedure(&mine, &basis, by).await, mine) }
    });
    let results = futures_util::future::join_all(saves).await;
    let landed: Vec<_> = results.iter().filter(|(r, _)| r.is_ok()).map(|(_, m)| m.clone()).collect();
    assert_eq!(landed.len(), 1, "exactly one of eight");
    assert!(results
        .iter()
        .filter(|(r, _)| r.is_err())
        .all(|(r, _)| matches!(r, Err(tinhso_store::StoreError::Conflict(_)))));
    assert_eq!(s.catalogue.procedures().await.unwrap(), landed);
    assert_eq!(entries().await, logged + 1);
    // A new procedure: saved once, then its code is taken.
    let mut other = procedure();
    other.code = ProcedureCode::parse("code", "1.000894").unwrap();
    s.catalogue.save_procedure(&other, &Basis::Absent, by).await.unwrap();
    assert!(conflict(s.catalogue.save_procedure(&other, &Basis::Absent, by).await));
    // The calendar likewise: a year stored since the page opened is not overwritten.
    let mut mine = year.clone();
    mine.swap_workdays = vec![tinhso_kernel::calendar::NamedDay { date: day(2027, 1, 9), name: "Làm bù".into() }];
    assert!(conflict(s.catalogue.put_calendar_year(&mine, &Basis::Absent, by).await));
    assert_eq!(s.catalogue.calendar_years().await.unwrap(), vec![year.clone()]);
    s.catalogue.put_calendar_year(&mine, &Basis::of(Some(&year)).unwrap(), by).await.unwrap();
    assert_eq!(s.catalogue.calendar_years().await.unwrap(), vec![mine]);
}

async fn dossiers(s: Stores) {
    let citizen = province_with_citizen(&s).await;
    let desk =
        s.identity.create_account(&account("c@x.vn", "Phạm Cúc", Role::Receptionist, Some(DESK), None)).await.unwrap();
    // Codes are gap-free per desk and day, in the national format.
    let mut codes = Vec::new();
    for on in [3, 3, 4] {
        codes.push(s.dossiers.submit_dossier(&new_dossier(citizen, on)).await.unwrap().code);
    }
    let codes_text: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        codes_text,
        [format!("{DESK}-250903-0001"), format!("{DESK}-250903-0002"), format!("{DESK}-250904-0001")]
    );
    // A write on a stale version is refused and leaves nothing behind.
    let d = s.dossiers.dossier(&codes[0]).await.unwrap().unwrap().dossier;
    let received = receive(&s, &codes[0], desk).await;
    assert_eq!(received.state, DossierState::Received);
    let e = Event { kind: EventKind::Refused { reason: "x".into() }, at: at(3), actor: desk };
    let next = apply(Some(d.clone()), &codes[0], &e).unwrap();
    let stale = s.dossiers.append_event(&d, &e, &next, &[], &[]).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let events = s.dossiers.dossier_events(&codes[0]).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.event.kind.key()).collect();
    assert_eq!(kinds, ["submitted", "received"], "the refused write added no event");
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(s.dossiers.dossier(&codes[0]).await.unwrap().unwrap().dossier.state, DossierState::Received);
    // Lists: newest first, by applicant, by agency (either side), by state.
    let mine =
        s.dossiers.dossiers(&DossierQuery { applicant: Some(citizen), limit: 10, ..Default::default() }).await.unwrap();
    let listed: Vec<&str> = mine.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(listed, [codes[2].as_str(), codes[1].as_str(), codes[0].as_str()]);
    for side in [DESK, DEPT] {
        let q = DossierQuery {
            agency: Some(agency(side)),
            states: vec![DossierState::Submitted],
            limit: 10,
            ..Default::default()
        };
        assert_eq!(s.dossiers.dossiers(&q).await.unwrap().len(), 2, "{side}");
    }
    let none = DossierQuery { agency: Some(agency(COMMUNE)), limit: 10, ..Default::default() };
    assert!(s.dossiers.dossiers(&none).await.unwrap().is_empty());
    // A staff search by the applicant's phone, within an agency or anywhere.
    let phone = |p: &str| tinhso_kernel::ids::Phone::parse("phone", p).ok();
    for agency_filter in [Some(agency(DESK)), None] {
        let q =
            DossierQuery { agency: agency_filter.clone(), phone: phone("0912345678"), limit: 10, ..Default::default() };
        assert_eq!(s.dossiers.dossiers(&q).await.unwrap().len(), 3, "{agency_filter:?}");
        let q = DossierQuery { agency: agency_filter, phone: phone("0987654321"), limit: 10, ..Default::default() };
        assert!(s.dossiers.dossiers(&q).await.unwrap().is_empty());
    }
    // The inbox counters follow every write, for the deciding agency and the desk.
    let counts = s.dossiers.inbox_counts(Some(&agency(DEPT))).await.unwrap();
    let n = |k: &str| counts.iter().find(|(key, _)| key.key() == k).map(|(_, n)| *n).unwrap_or(0);
    assert_eq!((n("s:submitted"), n("s:received")), (2, 1));
    let tally = s.dossiers.inbox_tally().await.unwrap();
    assert!(tally.values().all(|n| *n > 0), "counters back at zero are removed");
    // Open dossiers of an agency by due date, on either side.
    let due = received.due_on.unwrap();
    assert_eq!(s.dossiers.open_dossiers_of(&agency(DESK), due, 10).await.unwrap().len(), 1);
    assert!(s.dossiers.open_dossiers_of(&agency(DESK), due - Duration::days(1), 10).await.unwrap().is_empty());
    // A whole history imports as one dossier with every event chained.
    let history_of = |d: &tinhso_dossier::Dossier| {
        let now = at(10);
        let kind = decide(d, &Command::Receive, Party::Staff, now, &WorkingCalendar::new([])).unwrap();
        vec![Event { kind, at: now, actor: desk }]
    };
    let first = apply(
        None,
        &tinhso_kernel::ids::DossierCode::parse("code", "000.00.90.H08-250910-0001").unwrap(),
        &new_dossier(citizen, 10).submitted,
    )
    .unwrap();
    assert_eq!(s.dossiers.import_dossiers(&[(new_dossier(citizen, 10), history_of(&first))]).await.unwrap(), 1);
    let imported =
        s.dossiers.dossiers(&DossierQuery { applicant: Some(citizen), limit: 1, ..Default::default() }).await.unwrap();
    assert_eq!((imported[0].state, imported[0].version), (DossierState::Received, 2));
    assert_eq!(s.dossiers.dossier_events(&imported[0].code).await.unwrap().len(), 2);
    // Every dossier's events, a page at a time, each dossier's in chain order.
    let page = s.dossiers.events_by_dossier(None, 100).await.unwrap();
    assert_eq!(page.dossiers.len(), 4);
    assert!(page.dossiers.iter().all(|(_, evs)| matches!(evs[0].kind, EventKind::Submitted { .. })));
}

async fn ledger_and_notify(s: Stores) {
    let citizen = province_with_citizen(&s).await;
    let desk =
        s.identity.create_account(&account("c@x.vn", "Phạm Cúc", Role::Receptionist, Some(DESK), None)).await.unwrap();
    let code = s.dossiers.submit_dossier(&new_dossier(citizen, 3)).await.unwrap().code;
    receive(&s, &code, desk).await;
    s.dossiers.submit_dossier(&new_dossier(citizen, 4)).await.unwrap();
    // The chain as stored verifies, and its lane's head names the last link.
    let anchors = s.ledger.audit_anchors().await.unwrap();
    assert!(anchors.checkpoints.is_empty());
    let mut v = tinhso_ledger::chain::Verifier::new(anchors.heads.clone(), anchors.all_marks());
    let rows = s.ledger.audit_page(0, 100).await.unwrap();
    for r in &rows {
        assert!(v.push(&r.link, &r.hash).unwrap());
    }
    // The province's set-up entry (lane `admin`), then the desk's three.
    assert_eq!(v.finish(&anchors.heads), Ok(4));
    let mut lanes: Vec<(String, i64, i64)> = anchors.heads.iter().map(|h| (h.lane.clone(), h.seq, h.id)).collect();
    lanes.sort();
    let (first, last) = (rows.first().unwrap(), rows.last().unwrap());
    let desk_lane = tinhso_store::dossier_lane(&agency(DESK));
    assert_eq!(lanes, [("admin".to_owned(), 1, first.link.id), (desk_lane, 3, last.link.id)], "one desk, one lane");
    assert_eq!(rows.iter().map(|r| r.link.seq).collect::<Vec<_>>(), [1, 1, 2, 3]);
    // The checkpoint chain records lanes that moved, and nothing when none did.
    let now = chrono::Utc::now();
    assert_eq!(s.ledger.checkpoint(now).await.unwrap(), Some(1));
    assert_eq!(s.ledger.checkpoint(now).await.unwrap(), None);
    s.dossiers.submit_dossier(&new_dossier(citizen, 5)).await.unwrap();
    assert_eq!(s.ledger.checkpoint(now).await.unwrap(), Some(2));
    let anchors = s.ledger.audit_anchors().await.unwrap();
    assert_eq!(tinhso_ledger::chain::verify_checkpoints(&anchors.checkpoints), Ok(()));
    assert_eq!(anchors.checkpoints.iter().map(|c| c.marks.len()).collect::<Vec<_>>(), [2, 1]);
    let rows = s.ledger.audit_page(0, 100).await.unwrap();
    let links = rows.iter().map(|r| (r.link.clone(), r.hash.clone()));
    assert_eq!(tinhso_ledger::chain::verify(links, &anchors.heads, anchors.all_marks()), Ok(5));
    assert_eq!(s.ledger.audit_page(rows[3].link.id, 100).await.unwrap().len(), 1, "pages start after the cursor");
    assert!(s.ledger.audit_unlinked().await.unwrap().is_empty());
    // The applicant's inbox has the message with the allocated code, newest first.
    let inbox = s.notify.inbox(citizen).await.unwrap();
    assert_eq!(inbox.len(), 3);
    assert!(inbox[2].subject.contains(code.as_str()) && inbox[2].dossier.as_deref() == Some(code.as_str()));
    // Its English side too, the code filled in the same way.
    assert_eq!(inbox[2].in_english(), (format!("Dossier {code}: sent").as_str(), format!("{code} was sent").as_str()));
    // Email: citizens without an address are set aside; an alert is sent once per key.
    assert!(s.notify.claim_emails(now, now + Duration::minutes(5), 10).await.unwrap().is_empty());
    let staff_mail = vec![Notification::new(desk, "Cảnh báo", "Quá hạn")];
    assert!(s.notify.send_alert("overdue:2025-09-03", &staff_mail).await.unwrap());
    assert!(!s.notify.send_alert("overdue:2025-09-03", &staff_mail).await.unwrap(), "sent once per key");
    let leased = s.notify.claim_emails(now, now + Duration::minutes(5), 10).await.unwrap();
    assert_eq!(leased.len(), 1);
    assert_eq!(leased[0].to, "c@x.vn");
    assert!(s.notify.claim_emails(now, now + Duration::minutes(5), 10).await.unwrap().is_empty(), "leased");
    s.notify.email_failed(leased[0].id, "421 busy", Some(now)).await.unwrap();
    let again = s.notify.claim_emails(now, now + Duration::minutes(5), 10).await.unwrap();
    assert_eq!(again.iter().map(|e| e.attempts).collect::<Vec<_>>(), [1], "retried after a failure");
    s.notify.email_sent(again[0].id).await.unwrap();
    let later = now + Duration::hours(1);
    assert!(s.notify.claim_emails(later, later + Duration::minutes(5), 10).await.unwrap().is_empty(), "sent once");
}

async fn documents(s: Stores) {
    let citizen = province_with_citizen(&s).await;
    let other = s.identity.create_account(&account("0900000001", "Khác", Role::Citizen, None, None)).await.unwrap();
    let file = |b: u8| StoredFile {
        sha256: tinhso_kernel::ids::Sha256::parse("sha256", &format!("{b:02x}").repeat(32)).unwrap(),
        size: 100,
        kind: tinhso_kernel::files::FileKind::Pdf,
    };
    s.documents.add_document(citizen, &file(1), "giay-khai-sinh.pdf", None).await.unwrap();
    s.documents.add_document(citizen, &file(1), "Giấy khai sinh.pdf", None).await.unwrap();
    s.documents.add_document(citizen, &file(2), "cccd.pdf", None).await.unwrap();
    let names: Vec<String> = s.documents.documents(citizen).await.unwrap().into_iter().map(|d| d.name).collect();
    assert_eq!(names.len(), 2, "one entry per content: {names:?}");
    assert!(names.contains(&"Giấy khai sinh.pdf".to_owned()), "the last name given wins");
    let wanted = [file(2).sha256, file(3).sha256];
    let named = s.documents.documents_named(citizen, &wanted).await.unwrap();
    assert_eq!(named.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["cccd.pdf"]);
    assert!(s.documents.documents_named(other, &wanted).await.unwrap().is_empty(), "another's files are not theirs");
    // A file known to the platform (a result signed before its approval is written) is in no
    // one's store until it is given; recording it twice is harmless, and it can then be given.
    s.documents.add_file(&file(4)).await.unwrap();
    s.documents.add_file(&file(4)).await.unwrap();
    assert!(s.documents.documents_named(citizen, &[file(4).sha256]).await.unwrap().is_empty());
    assert!(s.documents.documents_named(other, &[file(4).sha256]).await.unwrap().is_empty());
    s.documents.add_document(other, &file(4), "Kết quả.pdf", None).await.unwrap();
    assert_eq!(s.documents.documents_named(other, &[file(4).sha256]).await.unwrap().len(), 1);
}

async fn ioc(s: Stores) {
    let citizen = province_with_citizen(&s).await;
    let desk =
        s.identity.create_account(&account("c@x.vn", "Phạm Cúc", Role::Receptionist, Some(DESK), None)).await.unwrap();
    let code = s.dossiers.submit_dossier(&new_dossier(citizen, 3)).await.unwrap().code;
    receive(&s, &code, desk).await;
    let totals = s.ioc.ioc_totals(day(2025, 9, 1), day(2025, 9, 30)).await.unwrap();
    assert!(totals.iter().all(|(a, _, _)| a.as_str() == DEPT), "counted for the deciding agency: {totals:?}");
    let (_, measure, n) = totals.iter().find(|(_, _, n)| *n == 1).cloned().unwrap();
    assert_eq!(n, 1);
    // Outside the period nothing counts; the month buckets agree with the days.
    assert!(s.ioc.ioc_totals(day(2025, 10, 1), day(2025, 10, 31)).await.unwrap().iter().all(|(_, _, n)| *n == 0));
    let months = s.ioc.ioc_monthly(day(2025, 9, 1), day(2025, 9, 30)).await.unwrap();
    assert!(months.iter().any(|(m, ms, v)| m == "2025-09" && *ms == measure && *v == 1), "{months:?}");
    // Every counter drills down to exactly its dossiers.
    let q = MemberQuery {
        agency: agency(DEPT),
        measure,
        from: day(2025, 9, 1),
        to: day(2025, 9, 30),
        after: None,
        limit: 10,
    };
    let members = s.ioc.ioc_members(&q).await.unwrap();
    assert_eq!(members.iter().map(|(_, c)| c.as_str()).collect::<Vec<_>>(), [code.as_str()]);
    assert_eq!(s.ioc.ioc_member_count(&q).await.unwrap(), 1);
    let by_day: i64 = s.ioc.ioc_member_counts().await.unwrap().iter().map(|(_, n)| n).sum();
    let stored: i64 =
        s.ioc.ioc_buckets(tinhso_store::Grain::Day).await.unwrap().iter().filter(|b| b.4 != 0).map(|_| 1).sum();
    assert!(by_day >= 1 && stored >= 1);
    // Open dossiers due soon, and overdue per deciding agency once the due date has passed.
    let due = s.dossiers.dossier(&code).await.unwrap().unwrap().dossier.due_on.unwrap();
    assert_eq!(s.dossiers.open_dossiers_due(due, 10).await.unwrap().len(), 1);
    assert!(s.ioc.overdue_counts(due).await.unwrap().iter().all(|(_, n)| *n == 0));
    let late = s.ioc.overdue_counts(due + Duration::days(1)).await.unwrap();
    assert_eq!(late.iter().map(|(a, n)| (a.to_string(), *n)).collect::<Vec<_>>(), [(DEPT.to_owned(), 1)]);
    // Indicator entries: one per indicator and unit, replaced by a later entry.
    let entry = |rate| tinhso_store::IocEntry {
        indicator: "5.1".into(),
        unit: "province".into(),
        rate,
        evidence: "Báo cáo số 12".into(),
        entered_by: "quantri".into(),
        entered_at: Utc::now(),
    };
    let by = tinhso_store::admin::AdminAct { actor: AccountId(3), at: Utc::now() };
    s.ioc.put_ioc_entry(&entry(0.5), &by).await.unwrap();
    s.ioc.put_ioc_entry(&entry(0.75), &by).await.unwrap();
    let rates: Vec<_> =
        s.ledger.admin_log(None, 5, &Default::default()).await.unwrap().into_iter().map(|e| e.change).collect();
    assert!(
        matches!(&rates[..], [tinhso_store::admin::AdminChange::IndicatorEntered { rate, .. }, ..] if rate == "0.75")
    );
    assert_eq!(s.ioc.ioc_entries().await.unwrap().iter().map(|e| e.rate).collect::<Vec<_>>(), [0.75]);
}
