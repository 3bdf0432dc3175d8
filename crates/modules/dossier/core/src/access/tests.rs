use super::*;
use crate::machine::{apply, Event, EventKind};
use crate::{ApplicantType, Channel};
use chrono::{TimeZone, Utc};
use tinhso_catalogue::workflow::{StepRole, WorkflowStep};
use tinhso_kernel::ids::AccountId;
use tinhso_kernel::ids::{AgencyCode, ProcedureCode};
use tinhso_policy::Role;

const APPLICANT: AccountId = AccountId(7);
const ME: AccountId = AccountId(42);

fn agency(s: &str) -> AgencyCode {
    AgencyCode::parse("a", s).unwrap()
}

/// Received at desk R (the service centre), decided by agency C, in `state`, its current step
/// done by `step_role`.
fn dossier(state: DossierState, step_role: StepRole) -> Dossier {
    let e = Event {
        kind: EventKind::Submitted {
            procedure: ProcedureCode::parse("p", "1.001193").unwrap(),
            applicant: APPLICANT,
            applicant_type: ApplicantType::Citizen,
            channel: Channel::Online,
            receiving_agency: agency("000.00.90.H08"),
            competent_agency: agency("000.20.01.H08"),
            processing_days: 5,
            fee_vnd: None,
            files: Vec::new(),
            paper_components: Vec::new(),
            steps: vec![
                WorkflowStep { name: "Thẩm định".into(), role: step_role, budget_hours: 8 },
                WorkflowStep { name: "Phê duyệt".into(), role: StepRole::Approver, budget_hours: 8 },
            ],
            form_sha256: None,
            phone_sha256: None,
            organization: None,
        },
        at: Utc.with_ymd_and_hms(2025, 3, 3, 2, 0, 0).single().unwrap(),
        actor: APPLICANT,
    };
    let mut d =
        apply(None, &tinhso_kernel::ids::DossierCode::parse("code", "000.00.90.H08-250303-0001").unwrap(), &e).unwrap();
    d.state = state;
    d
}

/// One row per command (two for the commands whose right depends on the dossier); one column
/// group per relation of the actor to the dossier: staff of the receiving desk, staff of the
/// deciding agency, staff of a third agency, and the applicant themselves (of a third agency).
/// In each group one character per role in `Role::ALL` order: citizen, receptionist,
/// specialist, approver, agency admin, province admin, leader, auditor. `Y` allowed.
const TABLE: &[(CommandKind, DossierState, StepRole, [&str; 4])] = {
    use CommandKind as K;
    use DossierState as S;
    use StepRole::{Approver as A, Specialist as Sp};
    &[
        //                                               desk        deciding     other        applicant
        (K::Receive, S::Submitted, Sp, ["-Y------", "--------", "--------", "--------"]),
        (K::Refuse, S::Submitted, Sp, ["-Y------", "--------", "--------", "--------"]),
        (K::RequestSupplement, S::Submitted, Sp, ["-Y------", "--------", "--------", "--------"]),
        (K::RequestSupplement, S::Processing, Sp, ["--------", "--Y-----", "--------", "--------"]),
        (K::Supplement, S::SupplementRequested, Sp, ["--------", "--------", "--------", "YYYYYYYY"]),
        (K::RequestPayment, S::Processing, Sp, ["--------", "--Y-----", "--------", "--------"]),
        (K::RecordPayment, S::PaymentRequested, Sp, ["-Y------", "--------", "--------", "--------"]),
        (K::StartProcessing, S::Received, Sp, ["--------", "--Y-----", "--------", "--------"]),
        (K::CompleteStep, S::Processing, Sp, ["--------", "--Y-----", "--------", "--------"]),
        (K::CompleteStep, S::Processing, A, ["--------", "---Y----", "--------", "--------"]),
        (K::Assign, S::Processing, Sp, ["--------", "---Y----", "--------", "--------"]),
        (K::Transfer, S::Processing, Sp, ["--------", "--Y-----", "--------", "--------"]),
        (K::Approve, S::Processing, A, ["--------", "---Y----", "--------", "--------"]),
        (K::Return, S::ResultReady, Sp, ["-Y------", "--------", "--------", "--------"]),
        (K::Withdraw, S::Processing, Sp, ["--------", "--------", "--------", "YYYYYYYY"]),
        (K::Stop, S::Processing, Sp, ["--------", "---Y----", "--------", "--------"]),
        (K::Apologise, S::Processing, Sp, ["--------", "--Y-----", "--------", "--------"]),
        (K::Rate, S::Returned, Sp, ["--------", "--------", "--------", "YYYYYYYY"]),
    ]
};

#[test]
fn every_command_has_a_row() {
    for kind in CommandKind::ALL {
        assert!(TABLE.iter().any(|(k, ..)| *k == kind), "{kind:?} has no row in the role table");
    }
}

#[test]
fn role_by_command_table() {
    let desk = agency("000.00.90.H08");
    let deciding = agency("000.20.01.H08");
    let other = agency("000.30.01.H08");
    for (kind, state, step_role, columns) in TABLE {
        let d = dossier(*state, *step_role);
        let groups = [(desk.clone(), ME), (deciding.clone(), ME), (other.clone(), ME), (other.clone(), APPLICANT)];
        for ((home, id), row) in groups.iter().zip(columns) {
            for (role, want) in Role::ALL.iter().zip(row.chars()) {
                let actor = Actor { role: *role, agency: role.is_agency_scoped().then(|| home.clone()) };
                let got = authorize(&actor, *id, *kind, &d).is_ok();
                assert_eq!(got, want == 'Y', "{role:?} of {home} (account {id}) {kind:?} on a {state:?} dossier");
            }
        }
    }
}

#[test]
fn the_step_holder_alone_finishes_a_step() {
    let mut d = dossier(DossierState::Processing, StepRole::Specialist);
    let actor = Actor { role: Role::Specialist, agency: Some(agency("000.20.01.H08")) };
    d.assignee = Some(AccountId(43));
    assert_eq!(authorize(&actor, ME, CommandKind::CompleteStep, &d), Err(Denied::StepHeldByOther));
    // Anything else the specialist may do stays open to them.
    assert_eq!(authorize(&actor, ME, CommandKind::Transfer, &d), Ok(Party::Staff));
    d.assignee = Some(ME);
    assert_eq!(authorize(&actor, ME, CommandKind::CompleteStep, &d), Ok(Party::Staff));
}

#[test]
fn applicant_commands_are_the_applicants() {
    for kind in CommandKind::ALL {
        let own = matches!(
            required_action(kind, &dossier(DossierState::Processing, StepRole::Specialist), APPLICANT),
            Action::ActAsApplicant { own: true }
        );
        assert_eq!(own, kind.party() == Party::Applicant, "{kind:?}");
    }
}
