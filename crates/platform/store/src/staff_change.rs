//! An admin's change to a staff account (lock, unlock, new password, another post), decided
//! once here (pure) and only executed by each engine: which column it sets, the post the
//! account must still hold, whether its sessions end, the administrators' entry that records
//! it, and whom it tells. Every engine runs it as one conditional UPDATE of a staff account
//! (never a citizen's), then, when a row changed, the session purge, the entry and the notices,
//! in one transaction: nobody is told of a change that did not land, and none lands untold.

use crate::admin::{self, AdminChange};
use crate::{Notification, StaffPost};
use tinhso_kernel::ids::AccountId;
use tinhso_policy::Role;

/// What the change sets on the account row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffSet {
    /// `disabled`: a locked account cannot log in.
    Disabled(bool),
    /// A password hash its owner must replace at the next login.
    Password(String),
    /// Another role or agency.
    Post(StaffPost),
}

/// One change to one staff account. Made only by its constructors, so an engine never executes
/// a change the rules here did not decide (a lock that keeps sessions, a move to a citizen).
#[derive(Debug, Clone, PartialEq)]
pub struct StaffChange {
    account: AccountId,
    set: StaffSet,
    holding: Option<StaffPost>,
    ends_sessions: bool,
    entry: AdminChange,
    notices: Vec<Notification>,
}

impl StaffChange {
    /// Locks (`true`) or unlocks the account.
    pub fn lock(account: AccountId, locked: bool) -> Self {
        let entry = if locked {
            AdminChange::StaffLocked { account: account.0 }
        } else {
            AdminChange::StaffUnlocked { account: account.0 }
        };
        Self {
            account,
            set: StaffSet::Disabled(locked),
            holding: None,
            ends_sessions: locked,
            entry,
            notices: Vec::new(),
        }
    }

    /// A password an admin sets (already hashed), to be replaced by its owner.
    pub fn new_password(account: AccountId, password_hash: &str) -> Self {
        Self {
            account,
            set: StaffSet::Password(password_hash.to_owned()),
            holding: None,
            ends_sessions: true,
            entry: AdminChange::StaffPasswordReissued { account: account.0 },
            notices: Vec::new(),
        }
    }

    /// The account moved from the post `from` (what the admin saw) to `to`; None when `to` is a
    /// citizen's, which no admin may make of a staff account.
    pub fn reassign(account: AccountId, from: &StaffPost, to: &StaffPost) -> Option<Self> {
        (to.role != Role::Citizen).then(|| Self {
            account,
            set: StaffSet::Post(to.clone()),
            holding: Some(from.clone()),
            ends_sessions: true,
            entry: admin::staff_reassigned(account, from, to),
            notices: Vec::new(),
        })
    }
}

impl StaffChange {
    pub fn account(&self) -> AccountId {
        self.account
    }

    pub fn set(&self) -> &StaffSet {
        &self.set
    }

    /// The post the account must still hold for the change to land (a move is decided on the
    /// post the admin saw); None: any staff post.
    pub fn holding(&self) -> Option<&StaffPost> {
        self.holding.as_ref()
    }

    /// Whether every session of the account ends with it (a role is cached in each session; a
    /// lock or a new password must reach whoever is logged in).
    pub fn ends_sessions(&self) -> bool {
        self.ends_sessions
    }

    /// The administrators' entry recording it.
    pub fn entry(&self) -> &AdminChange {
        &self.entry
    }

    /// The same change, telling `notices` (the officer, the agency's leaders) when it lands.
    pub fn telling(mut self, notices: impl IntoIterator<Item = Notification>) -> Self {
        self.notices.extend(notices);
        self
    }

    /// Whom it tells, queued in its transaction.
    pub fn notices(&self) -> &[Notification] {
        &self.notices
    }
}

/// An agency as the account row stores it.
pub fn agency_column(post: &StaffPost) -> Option<String> {
    post.agency.as_ref().map(|c| c.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tinhso_kernel::ids::AgencyCode;

    fn post(role: Role, agency: Option<&str>) -> StaffPost {
        StaffPost { role, agency: agency.map(|a| AgencyCode::parse("agency", a).unwrap()) }
    }

    #[test]
    fn a_lock_ends_sessions_and_an_unlock_does_not() {
        let lock = StaffChange::lock(AccountId(7), true);
        assert_eq!(lock.set, StaffSet::Disabled(true));
        assert!(lock.ends_sessions);
        assert_eq!(lock.entry, AdminChange::StaffLocked { account: 7 });
        let unlock = StaffChange::lock(AccountId(7), false);
        assert!(!unlock.ends_sessions, "unlocking leaves nobody to log out");
        assert_eq!(unlock.entry, AdminChange::StaffUnlocked { account: 7 });
        assert!(lock.holding.is_none() && unlock.holding.is_none());
    }

    #[test]
    fn a_change_tells_whom_it_is_given_and_nobody_by_itself() {
        let note = |to: i64| Notification::new(AccountId(to), "s", "b");
        assert!(StaffChange::lock(AccountId(7), true).notices().is_empty());
        let told = StaffChange::new_password(AccountId(3), "h").telling([note(3)]).telling([note(4), note(5)]);
        let to: Vec<i64> = told.notices().iter().map(|n| n.account_id.0).collect();
        assert_eq!(to, [3, 4, 5], "each, in order");
    }

    #[test]
    fn a_new_password_ends_sessions() {
        let c = StaffChange::new_password(AccountId(3), "h");
        assert_eq!(c.set, StaffSet::Password("h".into()));
        assert!(c.ends_sessions);
        assert_eq!(c.entry, AdminChange::StaffPasswordReissued { account: 3 });
    }

    #[test]
    fn a_move_holds_to_the_post_seen_and_never_makes_a_citizen() {
        let from = post(Role::Specialist, Some("000.00.03.H08"));
        let to = post(Role::Approver, Some("000.00.03.H08"));
        let c = StaffChange::reassign(AccountId(5), &from, &to).unwrap();
        assert_eq!(c.holding.as_ref(), Some(&from));
        assert_eq!(c.set, StaffSet::Post(to.clone()));
        assert!(c.ends_sessions);
        assert!(matches!(&c.entry, AdminChange::StaffReassigned { was_role, role, .. }
            if was_role == "specialist" && role == "approver"));
        assert!(StaffChange::reassign(AccountId(5), &from, &post(Role::Citizen, None)).is_none());
        assert_eq!(agency_column(&to).as_deref(), Some("000.00.03.H08"));
        assert_eq!(agency_column(&post(Role::Auditor, None)), None);
    }
}
