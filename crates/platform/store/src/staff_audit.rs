//! Staff accounts against the administrators' log: each one's lock against its newest lock or
//! unlock entry, and its role and agency against the newest entry that set them (the one that
//! created the account, or a later move). A role or agency changes only through an admin's
//! move, recorded with it, so a specialist made a province admin, an officer moved to another
//! agency or a citizen turned into staff in the database is found, and so is an officer let
//! back in. Pure: the audit reads the accounts and the log, this names the first that differs.

use crate::admin::{locked, AdminChange, AdminEntry};
use crate::Account;
use std::collections::HashMap;
use tinhso_kernel::ids::AccountId;
use tinhso_policy::Role;

/// Staff accounts that existed before the log recorded who created them (an upgraded
/// database), with the role and agency they then had.
pub type StaffBeforeLog = HashMap<AccountId, (String, Option<String>)>;

/// The role and agency each account has by the log: from its newest move
/// (`StaffReassigned`), else from the entry that created it.
fn created(newest_first: &[AdminEntry]) -> HashMap<AccountId, (&str, Option<&str>)> {
    let mut out = HashMap::new();
    for e in newest_first {
        match &e.change {
            AdminChange::StaffCreated { account, role, agency }
            | AdminChange::StaffReassigned { account, role, agency, .. } => {
                out.entry(AccountId(*account)).or_insert((role.as_str(), agency.as_deref()));
            }
            AdminChange::StaffImported { accounts } => {
                for a in accounts {
                    out.entry(AccountId(a.account)).or_insert((a.role.as_str(), a.agency.as_deref()));
                }
            }
            _ => {}
        }
    }
    out
}

/// The accounts the log names (created, locked, unlocked...), which the audit reads besides
/// the staff: one made a citizen, or any the log locked, must be compared too.
pub fn named(newest_first: &[AdminEntry]) -> Vec<AccountId> {
    let mut ids: Vec<AccountId> = newest_first
        .iter()
        .filter(|e| !matches!(e.change, AdminChange::CitizenPasswordReset { .. }))
        .filter_map(|e| e.change.account())
        .chain(created(newest_first).into_keys())
        .collect();
    ids.sort_unstable_by_key(|a| a.0);
    ids.dedup();
    ids
}

/// The first account (by id) whose stored row the log does not vouch for, and the column.
pub fn first_differing<'a>(
    accounts: &'a [Account],
    newest_first: &[AdminEntry],
    before: &StaffBeforeLog,
) -> Option<(&'a Account, &'static str)> {
    let locks = locked(newest_first);
    let created = created(newest_first);
    let mut sorted: Vec<&Account> = accounts.iter().collect();
    sorted.sort_by_key(|a| a.id.0);
    sorted.into_iter().find_map(|a| {
        if a.disabled != locks.get(&a.id).copied().unwrap_or(false) {
            return Some((a, "disabled"));
        }
        let expected = created
            .get(&a.id)
            .copied()
            .or_else(|| before.get(&a.id).map(|(role, agency)| (role.as_str(), agency.as_deref())));
        let agency = a.agency.as_ref().map(|c| c.as_str());
        match expected {
            Some((role, _)) if role != a.role.key() => Some((a, "role")),
            Some((_, was)) if was != agency => Some((a, "agency")),
            Some(_) => None,
            // Neither created by an admin nor there before the log: staff made in the database.
            None if a.role != Role::Citizen => Some((a, "role")),
            None => None,
        }
    })
}

/// Rows of `staff_before_log` as read: (account, role, agency).
pub fn before_log(rows: Vec<(i64, String, Option<String>)>) -> StaffBeforeLog {
    rows.into_iter().map(|(id, role, agency)| (AccountId(id), (role, agency))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use tinhso_kernel::ids::AgencyCode;

    fn account(id: i64, role: Role, agency: Option<&str>) -> Account {
        Account {
            id: AccountId(id),
            login: format!("a{id}@tinhso.local"),
            full_name: "Cán bộ".into(),
            password_hash: "x".into(),
            role,
            agency: agency.map(|c| AgencyCode::parse("agency", c).unwrap()),
            personal_id: None,
            created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap(),
            disabled: false,
            must_change_password: false,
        }
    }

    use crate::admin::newest_first as log;

    const DEPT: &str = "000.00.03.H08";
    const OTHER: &str = "000.00.11.H08";

    fn created(id: i64, role: Role, agency: Option<&str>) -> AdminChange {
        AdminChange::StaffCreated { account: id, role: role.key().into(), agency: agency.map(str::to_owned) }
    }

    fn first(accounts: &[Account], entries: &[AdminEntry], before: &StaffBeforeLog) -> Option<(i64, &'static str)> {
        first_differing(accounts, entries, before).map(|(a, c)| (a.id.0, c))
    }

    #[test]
    fn staff_are_held_to_the_entry_that_created_them() {
        let entries = log(vec![created(2, Role::Specialist, Some(DEPT)), created(3, Role::Leader, None)]);
        let none = StaffBeforeLog::new();
        let staff = [account(2, Role::Specialist, Some(DEPT)), account(3, Role::Leader, None)];
        assert_eq!(first(&staff, &entries, &none), None);
        let raised = [account(2, Role::ProvinceAdmin, Some(DEPT)), account(3, Role::Leader, None)];
        assert_eq!(first(&raised, &entries, &none), Some((2, "role")), "a specialist made province admin");
        let moved = [account(2, Role::Specialist, Some(OTHER))];
        assert_eq!(first(&moved, &entries, &none), Some((2, "agency")));
        let demoted = [account(3, Role::Citizen, None)];
        assert_eq!(first(&demoted, &entries, &none), Some((3, "role")), "staff turned citizen");
        let unknown = [account(2, Role::Specialist, Some(DEPT)), account(9, Role::Auditor, None)];
        assert_eq!(first(&unknown, &entries, &none), Some((9, "role")), "staff made in the database");
        assert_eq!(first(&[account(10, Role::Citizen, None)], &entries, &none), None, "citizens register");
        assert_eq!(named(&entries), [AccountId(2), AccountId(3)]);
        // The set-up's accounts, in one entry, are held the same way.
        let set_up = log(vec![AdminChange::StaffImported {
            accounts: vec![
                crate::admin::CreatedStaff { account: 2, role: "specialist".into(), agency: Some(DEPT.into()) },
                crate::admin::CreatedStaff { account: 3, role: "leader".into(), agency: None },
            ],
        }]);
        assert_eq!(first(&staff, &set_up, &none), None);
        assert_eq!(first(&raised, &set_up, &none), Some((2, "role")));
        assert_eq!(named(&set_up), [AccountId(2), AccountId(3)]);
    }

    #[test]
    fn a_move_by_an_admin_vouches_for_the_new_role_and_agency() {
        let moved = |role: Role, agency: &str, was: (Role, Option<&str>)| AdminChange::StaffReassigned {
            account: 2,
            was_role: was.0.key().into(),
            was_agency: was.1.map(str::to_owned),
            role: role.key().into(),
            agency: Some(agency.into()),
        };
        let none = StaffBeforeLog::new();
        // Created a specialist, promoted, then transferred: the newest move decides.
        let entries = log(vec![
            created(2, Role::Specialist, Some(DEPT)),
            moved(Role::Approver, DEPT, (Role::Specialist, Some(DEPT))),
            moved(Role::Approver, OTHER, (Role::Approver, Some(DEPT))),
        ]);
        assert_eq!(first(&[account(2, Role::Approver, Some(OTHER))], &entries, &none), None);
        assert_eq!(first(&[account(2, Role::Approver, Some(DEPT))], &entries, &none), Some((2, "agency")), "put back");
        assert_eq!(first(&[account(2, Role::Specialist, Some(OTHER))], &entries, &none), Some((2, "role")));
        // A move vouches for an account from before the log as well.
        let before = before_log(vec![(4, "approver".into(), Some(DEPT.into()))]);
        let entries = log(vec![AdminChange::StaffReassigned {
            account: 4,
            was_role: "approver".into(),
            was_agency: Some(DEPT.into()),
            role: "agency_admin".into(),
            agency: Some(DEPT.into()),
        }]);
        assert_eq!(first(&[account(4, Role::AgencyAdmin, Some(DEPT))], &entries, &before), None);
        assert_eq!(first(&[account(4, Role::Approver, Some(DEPT))], &entries, &before), Some((4, "role")));
        assert_eq!(named(&entries), [AccountId(4)]);
    }

    #[test]
    fn locks_follow_the_newest_entry_and_older_staff_their_snapshot() {
        let entries = log(vec![
            created(2, Role::Specialist, Some(DEPT)),
            AdminChange::StaffLocked { account: 2 },
            AdminChange::StaffLocked { account: 4 },
            AdminChange::StaffUnlocked { account: 4 },
        ]);
        let before: StaffBeforeLog = before_log(vec![(4, "approver".into(), Some(DEPT.into()))]);
        let mut two = account(2, Role::Specialist, Some(DEPT));
        let four = account(4, Role::Approver, Some(DEPT));
        assert_eq!(first(&[two.clone(), four.clone()], &entries, &before), Some((2, "disabled")), "unlocked behind");
        two.disabled = true;
        assert_eq!(first(&[two.clone(), four.clone()], &entries, &before), None);
        let mut locked_four = four.clone();
        locked_four.disabled = true;
        assert_eq!(first(&[two.clone(), locked_four], &entries, &before), Some((4, "disabled")));
        let raised = account(4, Role::AgencyAdmin, Some(DEPT));
        assert_eq!(first(&[two, raised], &entries, &before), Some((4, "role")), "held to its snapshot");
    }
}
