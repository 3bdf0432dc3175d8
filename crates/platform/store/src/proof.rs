//! A registration waiting for proof that its maker holds the phone or mailbox it names
//! (platform: identity). The account is made only when the code sent there comes back, so
//! nobody can take a stranger's phone number as their login, or have the platform's texts and
//! mails sent to it in their name. One waits per login; registering again replaces it, so a
//! stranger who named someone's phone first never keeps it from them.
//!
//! The decision on a code is here, once; each engine reads the waiting row, asks [`step`], and
//! carries it out in the same transaction.

use chrono::{DateTime, Utc};
use tinhso_kernel::ids::{AccountId, PersonalId};

/// Wrong codes a waiting registration takes before it is void (a new one must be asked for):
/// with six digits, five guesses per code and codes limited per login, guessing is hopeless.
pub const MAX_TRIES: u32 = 5;

/// What is kept while the code travels: everything the account will be made of (the password
/// already hashed), and the code's SHA-256, never the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedRegistration {
    pub login: String,
    pub full_name: String,
    pub personal_id: PersonalId,
    pub password_hash: String,
    pub code_sha256: [u8; 32],
    pub until: DateTime<Utc>,
}

/// A waiting registration as an engine read it: its code's digest, its end, wrong tries so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting<'a> {
    pub code_sha256: &'a [u8],
    pub until: DateTime<Utc>,
    pub tries: u32,
}

/// What an engine does with a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Nothing waits, it ended, or its code is void: answer `Gone`, change nothing (a void
    /// code's registration gets a new code by `restage_code`; ended ones are cleared out when
    /// the next registration is staged).
    Gone,
    /// A wrong code: store `tries` (at `MAX_TRIES` the code is void); answer `Wrong`.
    Wrong { tries: u32, left: u32 },
    /// The right code in time: make the account from the row and remove the row; `Made`, or
    /// `Taken` (and still remove it) if the login got an account meanwhile.
    Make,
}

/// The answer to a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proven {
    Made(AccountId),
    /// Wrong; this many more tries before the code is void.
    Wrong {
        left: u32,
    },
    /// No registration waits for this login with a code that works (never, ended, void after
    /// five wrong tries, or already used).
    Gone,
    /// The login has an account now (made at a desk, or registered without proof meanwhile).
    Taken,
}

/// The decision on `code_sha256` for the waiting row at `now`.
pub fn step(waiting: Option<Waiting<'_>>, code_sha256: &[u8; 32], now: DateTime<Utc>) -> Step {
    match waiting {
        Some(w) if w.until > now && w.tries < MAX_TRIES => {
            if w.code_sha256 == code_sha256.as_slice() {
                Step::Make
            } else {
                let tries = w.tries + 1;
                Step::Wrong { tries, left: MAX_TRIES - tries }
            }
        }
        _ => Step::Gone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_code_makes_the_account_once_in_time_and_five_wrong_ones_void_it() {
        let now = Utc.with_ymd_and_hms(2026, 12, 6, 8, 0, 0).single().unwrap();
        let right = [7u8; 32];
        let wrong = [8u8; 32];
        let waiting = |tries, minutes| Waiting {
            code_sha256: right.as_slice(),
            until: now + chrono::Duration::minutes(minutes),
            tries,
        };
        assert_eq!(step(Some(waiting(0, 15)), &right, now), Step::Make);
        assert_eq!(step(Some(waiting(4, 15)), &right, now), Step::Make, "the fifth try may be right");
        assert_eq!(step(Some(waiting(0, 15)), &wrong, now), Step::Wrong { tries: 1, left: 4 });
        assert_eq!(step(Some(waiting(4, 15)), &wrong, now), Step::Wrong { tries: 5, left: 0 });
        assert_eq!(step(Some(waiting(5, 15)), &right, now), Step::Gone, "void after five wrong");
        assert_eq!(step(Some(waiting(0, 0)), &right, now), Step::Gone, "ended");
        assert_eq!(step(None, &right, now), Step::Gone);
    }
}
