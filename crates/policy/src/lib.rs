//! Who may do what: every authorization decision of the platform is made here, by one table of
//! role x action (`decide`), tested for every role. Modules map their commands to these
//! actions exhaustively (the dossier module in `tinhso_dossier::access`).
//!
//! May depend on: the kernel.

use serde::{Deserialize, Serialize};
use tinhso_kernel::ids::AgencyCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Citizen,
    Receptionist,
    Specialist,
    Approver,
    AgencyAdmin,
    ProvinceAdmin,
    Leader,
    Auditor,
    /// A member of the province's digital-transformation appraisal council: appraises the
    /// units' self-assessments, and nothing else (not the platform's keeper).
    DtiAppraiser,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Self::Citizen,
        Self::Receptionist,
        Self::Specialist,
        Self::Approver,
        Self::AgencyAdmin,
        Self::ProvinceAdmin,
        Self::Leader,
        Self::Auditor,
        Self::DtiAppraiser,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::Receptionist => "receptionist",
            Self::Specialist => "specialist",
            Self::Approver => "approver",
            Self::AgencyAdmin => "agency_admin",
            Self::ProvinceAdmin => "province_admin",
            Self::Leader => "leader",
            Self::Auditor => "auditor",
            Self::DtiAppraiser => "dti_appraiser",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Citizen => "Công dân, doanh nghiệp",
            Self::Receptionist => "Cán bộ tiếp nhận (Một cửa)",
            Self::Specialist => "Chuyên viên xử lý",
            Self::Approver => "Lãnh đạo phê duyệt",
            Self::AgencyAdmin => "Quản trị cơ quan",
            Self::ProvinceAdmin => "Quản trị tỉnh",
            Self::Leader => "Lãnh đạo (Trung tâm điều hành)",
            Self::Auditor => "Kiểm tra, giám sát",
            Self::DtiAppraiser => "Thẩm định chuyển đổi số (DTI)",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Citizen => "Citizen or business",
            Self::Receptionist => "One-stop receptionist",
            Self::Specialist => "Specialist",
            Self::Approver => "Approver",
            Self::AgencyAdmin => "Agency admin",
            Self::ProvinceAdmin => "Province admin",
            Self::Leader => "Leader",
            Self::Auditor => "Auditor",
            Self::DtiAppraiser => "DTI appraiser",
        }
    }

    /// Staff roles act for one agency; the others are province-wide or personal.
    pub fn is_agency_scoped(self) -> bool {
        matches!(self, Self::Receptionist | Self::Specialist | Self::Approver | Self::AgencyAdmin)
    }
}

/// The person acting. Staff carry the agency they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub role: Role,
    pub agency: Option<AgencyCode>,
}

/// What someone wants to do; agency-bound actions name the agency they touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    ManageCatalogue,
    ManageCalendar,
    ManageProvince,
    ManageStaff {
        agency: AgencyCode,
    },
    ViewAuditLog,
    ViewOperationsCentre,
    SubmitDossier,
    /// Every agency's dossiers, province-wide (steering and inspection).
    ViewAllDossiers,
    ViewAgencyDossiers {
        agency: AgencyCode,
    },
    ReceiveDossier {
        agency: AgencyCode,
    },
    ProcessDossier {
        agency: AgencyCode,
    },
    ApproveDossier {
        agency: AgencyCode,
    },
    /// What an applicant does on a dossier (supplement, withdraw, rate): only on their own.
    ActAsApplicant {
        own: bool,
    },
    /// Handle citizens' feedback and field reports routed to `agency`: triage, answer, close.
    /// Province-wide steering roles handle any agency's (escalated reports land there).
    HandleReport {
        agency: AgencyCode,
    },
    /// Hide a report's photo or text from the public, with a reason.
    ModerateReport {
        agency: AgencyCode,
    },
    /// The province's report categories and routing table (category x commune -> agency).
    ManageReportRouting,
    /// What a reporter does on a report (add information, reopen, rate): only on their own.
    ActAsReporter {
        own: bool,
    },
    /// Publish and edit the open-data datasets of `agency` (its organization in the portal).
    PublishData {
        agency: AgencyCode,
    },
    /// See `agency`'s private datasets and drafts.
    ViewPrivateData {
        agency: AgencyCode,
    },
    /// The open-data portal itself: themes, harvest sources, every publisher's datasets.
    ManageDataPortal,
    /// Give a citizen who forgot their password a one-time code to set a new one, after
    /// checking their identity card in person at a one-stop desk.
    ResetCitizenPassword,
    /// Ask the national population database, through the province's data-sharing platform,
    /// about the person in front of the desk of `agency` (their registered name and residence).
    LookUpResident {
        agency: AgencyCode,
    },
    /// Read who asked the population database about whom (the inspectors' log).
    ViewResidentLookups,
    /// Fill in and submit `agency`'s self-assessment of the digital-transformation index.
    AssessDigitalTransformation {
        agency: AgencyCode,
    },
    /// Appraise the units' self-assessments: return one with a reason, correct a figure with
    /// a note (the appraisal council's work).
    AppraiseDigitalTransformation,
    /// Open a year's digital-transformation assessment, publish its results and issue the
    /// decision that announces them (the province's acts, on the council's appraisal).
    RunDigitalTransformation,
    /// Read every unit's assessment, before publication too (steering and inspection).
    ViewDigitalTransformation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny,
}

fn own(actor: &Actor, agency: &AgencyCode) -> bool {
    actor.agency.as_ref() == Some(agency)
}

pub fn decide(actor: &Actor, action: &Action) -> Decision {
    use Action as A;
    use Role as R;
    let allow = match (actor.role, action) {
        (R::ProvinceAdmin, A::ManageCatalogue | A::ManageCalendar | A::ManageProvince | A::ManageStaff { .. }) => true,
        (R::AgencyAdmin, A::ManageStaff { agency }) => own(actor, agency),
        (R::ProvinceAdmin | R::Auditor, A::ViewAuditLog) => true,
        (R::Leader | R::ProvinceAdmin, A::ViewOperationsCentre) => true,
        (R::Citizen, A::SubmitDossier) => true,
        (R::Leader | R::Auditor, A::ViewAgencyDossiers { .. } | A::ViewAllDossiers) => true,
        (R::Receptionist | R::Specialist | R::Approver | R::AgencyAdmin, A::ViewAgencyDossiers { agency }) => {
            own(actor, agency)
        }
        (R::Receptionist, A::ReceiveDossier { agency }) => own(actor, agency),
        (R::Specialist, A::ProcessDossier { agency }) => own(actor, agency),
        (R::Approver, A::ApproveDossier { agency }) => own(actor, agency),
        // Any account may act as the applicant of its own dossier (staff submit as citizens too).
        (_, A::ActAsApplicant { own }) => *own,
        (R::Leader | R::ProvinceAdmin, A::HandleReport { .. } | A::ModerateReport { .. }) => true,
        (R::Receptionist | R::Specialist | R::Approver | R::AgencyAdmin, A::HandleReport { agency }) => {
            own(actor, agency)
        }
        (R::Approver | R::AgencyAdmin, A::ModerateReport { agency }) => own(actor, agency),
        (R::ProvinceAdmin, A::ManageReportRouting) => true,
        (_, A::ActAsReporter { own }) => *own,
        (R::ProvinceAdmin, A::PublishData { .. } | A::ViewPrivateData { .. } | A::ManageDataPortal) => true,
        (R::Specialist | R::AgencyAdmin, A::PublishData { agency }) => own(actor, agency),
        (R::Leader | R::Auditor, A::ViewPrivateData { .. }) => true,
        (R::Specialist | R::Approver | R::AgencyAdmin, A::ViewPrivateData { agency }) => own(actor, agency),
        // A desk officer sitting at a desk (of an agency), with the person in front of them.
        (R::Receptionist, A::ResetCitizenPassword) => actor.agency.is_some(),
        // Only the desk asks about a person, and only at its own agency; only inspectors read
        // the log of who asked (those who ask do not read it, so they cannot see their traces).
        (R::Receptionist, A::LookUpResident { agency }) => own(actor, agency),
        (R::Auditor, A::ViewResidentLookups) => true,
        // A unit grades itself through its own admin; the council (or the province's admin
        // where it has none) appraises, and those who grade themselves never do; the province
        // opens and publishes; leaders steer and inspectors read.
        (R::AgencyAdmin, A::AssessDigitalTransformation { agency }) => own(actor, agency),
        (R::ProvinceAdmin | R::DtiAppraiser, A::AppraiseDigitalTransformation) => true,
        (R::ProvinceAdmin, A::RunDigitalTransformation) => true,
        (R::ProvinceAdmin | R::Leader | R::Auditor | R::DtiAppraiser, A::ViewDigitalTransformation) => true,
        _ => false,
    };
    if allow {
        Decision::Allow
    } else {
        Decision::Deny
    }
}

/// Whose dossiers an actor's list holds: the one place the "Hồ sơ" list and the link to it
/// agree on. `None` for a role that reads no list (a province admin keeps the platform, not
/// its dossiers), so neither the link nor the page is offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DossierScope {
    /// A citizen's own dossiers.
    Own,
    /// Every agency's (steering and inspection).
    All,
    /// The dossiers of the actor's agency.
    Agency(AgencyCode),
}

pub fn dossier_scope(actor: &Actor) -> Option<DossierScope> {
    if actor.role == Role::Citizen {
        return Some(DossierScope::Own);
    }
    if decide(actor, &Action::ViewAllDossiers) == Decision::Allow {
        return Some(DossierScope::All);
    }
    actor
        .agency
        .as_ref()
        .filter(|agency| decide(actor, &Action::ViewAgencyDossiers { agency: (*agency).clone() }) == Decision::Allow)
        .map(|agency| DossierScope::Agency(agency.clone()))
}

/// The roles `actor` may give to a staff account: agency staff roles to whoever manages
/// staff, province-wide roles only to whoever manages the province.
pub fn grantable_roles(actor: &Actor) -> Vec<Role> {
    let province = decide(actor, &Action::ManageProvince) == Decision::Allow;
    Role::ALL.into_iter().filter(|r| *r != Role::Citizen && (r.is_agency_scoped() || province)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One row per action; one column per role in `Role::ALL` order:
    /// citizen, receptionist, specialist, approver, agency admin, province admin, leader, auditor,
    /// DTI appraiser.
    /// `Y` allowed on the actor's own agency (and province-wide actions), `-` denied.
    /// Agency-bound actions are also checked against another agency, where only
    /// province-wide roles may keep a `Y`.
    const TABLE: &[(&str, &str, &str)] = &[
        // action                own agency    other agency
        ("manage_catalogue", "-----Y---", "-----Y---"),
        ("manage_calendar", "-----Y---", "-----Y---"),
        ("manage_province", "-----Y---", "-----Y---"),
        ("manage_staff", "----YY---", "-----Y---"),
        ("view_audit_log", "-----Y-Y-", "-----Y-Y-"),
        ("view_operations", "-----YY--", "-----YY--"),
        ("submit_dossier", "Y--------", "Y--------"),
        ("view_dossiers", "-YYYY-YY-", "------YY-"),
        ("view_all_dossiers", "------YY-", "------YY-"),
        ("receive_dossier", "-Y-------", "---------"),
        ("process_dossier", "--Y------", "---------"),
        ("approve_dossier", "---Y-----", "---------"),
        ("act_as_applicant_own", "YYYYYYYYY", "YYYYYYYYY"),
        ("act_as_applicant_other", "---------", "---------"),
        ("handle_report", "-YYYYYY--", "-----YY--"),
        ("moderate_report", "---YYYY--", "-----YY--"),
        ("manage_report_routing", "-----Y---", "-----Y---"),
        ("act_as_reporter_own", "YYYYYYYYY", "YYYYYYYYY"),
        ("act_as_reporter_other", "---------", "---------"),
        ("publish_data", "--Y-YY---", "-----Y---"),
        ("view_private_data", "--YYYYYY-", "-----YYY-"),
        ("manage_data_portal", "-----Y---", "-----Y---"),
        ("reset_citizen_password", "-Y-------", "-Y-------"),
        ("look_up_resident", "-Y-------", "---------"),
        ("view_resident_lookups", "-------Y-", "-------Y-"),
        ("assess_digital_transformation", "----Y----", "---------"),
        ("appraise_digital_transformation", "-----Y--Y", "-----Y--Y"),
        ("run_digital_transformation", "-----Y---", "-----Y---"),
        ("view_digital_transformation", "-----YYYY", "-----YYYY"),
    ];

    fn action(name: &str, agency: &AgencyCode) -> Action {
        let agency = agency.clone();
        match name {
            "manage_catalogue" => Action::ManageCatalogue,
            "manage_calendar" => Action::ManageCalendar,
            "manage_province" => Action::ManageProvince,
            "manage_staff" => Action::ManageStaff { agency },
            "view_audit_log" => Action::ViewAuditLog,
            "view_operations" => Action::ViewOperationsCentre,
            "submit_dossier" => Action::SubmitDossier,
            "view_dossiers" => Action::ViewAgencyDossiers { agency },
            "view_all_dossiers" => Action::ViewAllDossiers,
            "receive_dossier" => Action::ReceiveDossier { agency },
            "process_dossier" => Action::ProcessDossier { agency },
            "approve_dossier" => Action::ApproveDossier { agency },
            "act_as_applicant_own" => Action::ActAsApplicant { own: true },
            "act_as_applicant_other" => Action::ActAsApplicant { own: false },
            "handle_report" => Action::HandleReport { agency },
            "moderate_report" => Action::ModerateReport { agency },
            "manage_report_routing" => Action::ManageReportRouting,
            "act_as_reporter_own" => Action::ActAsReporter { own: true },
            "act_as_reporter_other" => Action::ActAsReporter { own: false },
            "publish_data" => Action::PublishData { agency },
            "view_private_data" => Action::ViewPrivateData { agency },
            "manage_data_portal" => Action::ManageDataPortal,
            "reset_citizen_password" => Action::ResetCitizenPassword,
            "look_up_resident" => Action::LookUpResident { agency },
            "view_resident_lookups" => Action::ViewResidentLookups,
            "assess_digital_transformation" => Action::AssessDigitalTransformation { agency },
            "appraise_digital_transformation" => Action::AppraiseDigitalTransformation,
            "run_digital_transformation" => Action::RunDigitalTransformation,
            "view_digital_transformation" => Action::ViewDigitalTransformation,
            other => panic!("unknown action {other}"),
        }
    }

    #[test]
    fn role_by_action_table() {
        let mine = AgencyCode::parse("a", "000.00.01.H59").unwrap();
        let theirs = AgencyCode::parse("a", "000.00.02.H59").unwrap();
        for (name, own_row, other_row) in TABLE {
            for (target, row) in [(&mine, own_row), (&theirs, other_row)] {
                for (role, want) in Role::ALL.iter().zip(row.chars()) {
                    let actor = Actor { role: *role, agency: role.is_agency_scoped().then(|| mine.clone()) };
                    let got = decide(&actor, &action(name, target));
                    let expected = if want == 'Y' { Decision::Allow } else { Decision::Deny };
                    assert_eq!(got, expected, "{role:?} {name} on {target}");
                }
            }
        }
    }

    #[test]
    fn staff_without_agency_get_nothing_agency_bound() {
        let agency = AgencyCode::parse("a", "000.00.01.H59").unwrap();
        let actor = Actor { role: Role::Receptionist, agency: None };
        assert_eq!(decide(&actor, &Action::ReceiveDossier { agency }), Decision::Deny);
        assert_eq!(decide(&actor, &Action::ResetCitizenPassword), Decision::Deny, "a desk, not a role alone");
    }

    #[test]
    fn every_role_has_the_dossier_list_the_table_allows() {
        let mine = AgencyCode::parse("a", "000.00.01.H59").unwrap();
        let scope = |role: Role| dossier_scope(&Actor { role, agency: role.is_agency_scoped().then(|| mine.clone()) });
        let expected = [
            (Role::Citizen, Some(DossierScope::Own)),
            (Role::Receptionist, Some(DossierScope::Agency(mine.clone()))),
            (Role::Specialist, Some(DossierScope::Agency(mine.clone()))),
            (Role::Approver, Some(DossierScope::Agency(mine.clone()))),
            (Role::AgencyAdmin, Some(DossierScope::Agency(mine.clone()))),
            (Role::ProvinceAdmin, None),
            (Role::Leader, Some(DossierScope::All)),
            (Role::Auditor, Some(DossierScope::All)),
            (Role::DtiAppraiser, None),
        ];
        assert_eq!(expected.len(), Role::ALL.len());
        for (role, want) in expected {
            assert_eq!(scope(role), want, "{role:?}");
        }
        // An officer whose agency is unknown reads nothing rather than everything.
        assert_eq!(dossier_scope(&Actor { role: Role::Specialist, agency: None }), None);
    }
}
