//! Which account a person the e-ID provider vouches for gets. The provider proves a personal
//! identification number (and, usually, a phone); an account here proves less: its personal
//! id was typed by whoever registered it. So an existing account is joined to the e-ID only
//! where the platform itself can tell it is the same person, and is never handed over on the
//! strength of a typed number alone.

use crate::token::Person;
use tinhso_kernel::ids::AccountId;

/// An account as the decision sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub id: AccountId,
    pub login: String,
    pub has_password: bool,
    pub citizen: bool,
    pub disabled: bool,
    pub personal_id: Option<String>,
}

/// What the store knows of the person before they are signed in.
#[derive(Debug, Default)]
pub struct Facts {
    /// The account already joined to this e-ID (issuer and subject).
    pub linked: Option<Holder>,
    /// Citizen accounts holding the person's personal id.
    pub same_id: Vec<Holder>,
    /// The accounts whose login is the person's phone, and their email.
    pub phone_holder: Option<Holder>,
    pub email_holder: Option<Holder>,
}

/// What signing in with the e-ID does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    /// Opens the account already joined to this e-ID.
    Open(AccountId),
    /// Joins the e-ID to this account, then opens it.
    Join(AccountId),
    /// Makes a citizen account with this login, the person's name and id, joined to the e-ID.
    Create { login: String },
    /// An account with their personal id and a password, under another login: the person logs
    /// in with its password and joins the e-ID from the account page (shown masked).
    PasswordFirst { login: String },
    /// The e-ID brings no verified phone or email, or those are other accounts' logins.
    NoLogin,
    /// The account is locked.
    Locked,
}

/// The decision, given the person and the facts.
pub fn sign_in(person: &Person, facts: &Facts) -> SignIn {
    if let Some(linked) = &facts.linked {
        return if linked.disabled { SignIn::Locked } else { SignIn::Open(linked.id) };
    }
    let pid = Some(person.personal_id.as_str().to_owned());
    let logins: Vec<&str> =
        person.phone.iter().map(|p| p.as_str()).chain(person.email.iter().map(|e| e.as_str())).collect();
    let theirs = facts.same_id.iter().filter(|h| h.citizen && h.personal_id == pid);
    // Same id and the login the provider verified: the same person. Same id and no password:
    // an account the one-stop desk opened after checking the person's ID card.
    let proven = theirs
        .clone()
        .find(|h| logins.contains(&h.login.as_str()))
        .or_else(|| theirs.clone().find(|h| !h.has_password));
    if let Some(h) = proven {
        return if h.disabled { SignIn::Locked } else { SignIn::Join(h.id) };
    }
    if let Some(h) = theirs.clone().next() {
        return SignIn::PasswordFirst { login: mask(&h.login) };
    }
    match (&person.phone, &facts.phone_holder, &person.email, &facts.email_holder) {
        (Some(phone), None, _, _) => SignIn::Create { login: phone.as_str().to_owned() },
        (_, _, Some(email), None) => SignIn::Create { login: email.as_str().to_owned() },
        _ => SignIn::NoLogin,
    }
}

/// Whether a signed-in account may be joined to the e-ID its holder just proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinCheck {
    Join,
    /// Already joined to this account.
    AlreadyYours,
    /// This e-ID is joined to another account.
    OtherAccount,
    /// The account's personal id is not the e-ID's (or it has none: staff accounts).
    OtherPerson,
}

/// `linked`: the account this e-ID is joined to, if any.
pub fn join(current: &Holder, linked: Option<AccountId>, person: &Person) -> JoinCheck {
    match linked {
        Some(id) if id == current.id => JoinCheck::AlreadyYours,
        Some(_) => JoinCheck::OtherAccount,
        None if current.citizen && current.personal_id.as_deref() == Some(person.personal_id.as_str()) => {
            JoinCheck::Join
        }
        None => JoinCheck::OtherPerson,
    }
}

/// A login shown to someone who has not proven it is theirs: `09*****111`, `h***@example.vn`.
pub fn mask(login: &str) -> String {
    match login.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => {
            let chars: Vec<char> = login.chars().collect();
            let n = chars.len();
            chars.iter().enumerate().map(|(i, c)| if i < 2 || i + 3 >= n { *c } else { '*' }).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tinhso_kernel::ids::{Email, PersonalId, Phone};

    fn person() -> Person {
        Person {
            subject: "s-1".into(),
            personal_id: PersonalId::parse("p", "001099000123").unwrap(),
            full_name: "Nguyễn Thị Hoa".into(),
            phone: Some(Phone::parse("p", "0912000111").unwrap()),
            email: Some(Email::parse("e", "hoa@example.vn").unwrap()),
        }
    }

    fn holder(id: i64, login: &str, password: bool, pid: Option<&str>) -> Holder {
        Holder {
            id: AccountId(id),
            login: login.into(),
            has_password: password,
            citizen: true,
            disabled: false,
            personal_id: pid.map(Into::into),
        }
    }

    const PID: Option<&str> = Some("001099000123");

    #[test]
    fn a_person_new_to_the_platform_gets_an_account_under_their_verified_phone_else_email() {
        let p = person();
        assert_eq!(sign_in(&p, &Facts::default()), SignIn::Create { login: "0912000111".into() });
        // Their phone is a stranger's login (a number given up and reissued): the email.
        let facts =
            Facts { phone_holder: Some(holder(9, "0912000111", true, Some("001099000999"))), ..Facts::default() };
        assert_eq!(sign_in(&p, &facts), SignIn::Create { login: "hoa@example.vn".into() });
        let facts = Facts {
            phone_holder: Some(holder(9, "0912000111", true, None)),
            email_holder: Some(holder(8, "hoa@example.vn", true, None)),
            ..Facts::default()
        };
        assert_eq!(sign_in(&p, &facts), SignIn::NoLogin);
        let bare = Person { phone: None, email: None, ..person() };
        assert_eq!(sign_in(&bare, &Facts::default()), SignIn::NoLogin);
    }

    #[test]
    fn an_account_is_joined_only_where_the_platform_can_tell_it_is_theirs() {
        let p = person();
        // Registered with the same phone and id.
        let mine = holder(3, "0912000111", true, PID);
        let facts = Facts { same_id: vec![mine.clone()], phone_holder: Some(mine), ..Facts::default() };
        assert_eq!(sign_in(&p, &facts), SignIn::Join(AccountId(3)));
        // Opened by the desk (ID card checked there, no password yet), under another phone.
        let desk = holder(4, "0987000222", false, PID);
        assert_eq!(sign_in(&p, &Facts { same_id: vec![desk], ..Facts::default() }), SignIn::Join(AccountId(4)));
        // Someone registered this id with a password under a login the e-ID does not prove:
        // not handed over; the owner of that password logs in and joins.
        let other = holder(5, "0977000333", true, PID);
        assert_eq!(
            sign_in(&p, &Facts { same_id: vec![other], ..Facts::default() }),
            SignIn::PasswordFirst { login: "09*****333".into() }
        );
        // A staff account never, whatever it holds.
        let staff = Holder { citizen: false, ..holder(6, "0912000111", true, PID) };
        let facts = Facts { same_id: vec![staff.clone()], phone_holder: Some(staff), ..Facts::default() };
        assert_eq!(sign_in(&p, &facts), SignIn::Create { login: "hoa@example.vn".into() });
    }

    #[test]
    fn a_joined_e_id_opens_its_account_unless_locked() {
        let p = person();
        let linked = holder(7, "hoa@example.vn", false, PID);
        assert_eq!(
            sign_in(&p, &Facts { linked: Some(linked.clone()), ..Facts::default() }),
            SignIn::Open(AccountId(7))
        );
        let locked = Holder { disabled: true, ..linked };
        assert_eq!(sign_in(&p, &Facts { linked: Some(locked), ..Facts::default() }), SignIn::Locked);
        let desk_locked = Holder { disabled: true, ..holder(4, "0987000222", false, PID) };
        assert_eq!(sign_in(&p, &Facts { same_id: vec![desk_locked], ..Facts::default() }), SignIn::Locked);
    }

    #[test]
    fn joining_from_the_account_page_needs_the_same_person() {
        let p = person();
        let me = holder(3, "0977000333", true, PID);
        assert_eq!(join(&me, None, &p), JoinCheck::Join);
        assert_eq!(join(&me, Some(AccountId(3)), &p), JoinCheck::AlreadyYours);
        assert_eq!(join(&me, Some(AccountId(4)), &p), JoinCheck::OtherAccount);
        assert_eq!(join(&holder(3, "0977000333", true, Some("001099000999")), None, &p), JoinCheck::OtherPerson);
        let staff = Holder { citizen: false, ..me };
        assert_eq!(join(&staff, None, &p), JoinCheck::OtherPerson);
    }

    #[test]
    fn masks_keep_enough_to_recognise_and_not_enough_to_use() {
        assert_eq!(mask("0912345678"), "09*****678");
        assert_eq!(mask("hoa.nguyen@example.vn"), "h***@example.vn");
    }
}
