//! Abuse limits as a pure rule: a few failures pass freely, then each one makes the next
//! attempt wait longer (doubling up to a ceiling), and a quiet spell forgets them. The
//! platform's guard store keeps one tally per key (a login at an address, an address) in the
//! database, so every server sees the same, and applies this rule inside one transaction.

use chrono::{DateTime, Duration, Utc};

/// How a kind of attempt is limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// What the rule limits, as stored beside each tally (so that the watch can say what is
    /// being tried without knowing whose key it is).
    pub name: &'static str,
    /// Keys of this rule made to wait within the hour from which the watch tells the province
    /// admins and auditors (0: never, as for a few typos at one address).
    pub alarm_at: u64,
    /// What its tallies count, for the people watching: (Vietnamese, English).
    pub what: (&'static str, &'static str),
    /// What one of its keys stands for, counted ("3 tài khoản"): (Vietnamese, English).
    pub keys: (&'static str, &'static str),
    /// Failures that cost nothing.
    pub free: u32,
    /// The longest wait one failure can impose, in seconds.
    pub max_wait_secs: i64,
    /// Failures are forgotten this long after the last wait ended, in seconds.
    pub forget_after_secs: i64,
}

impl Rule {
    /// One login at one address: 3 free tries, then 1 s, 2 s, 4 s… up to 15 minutes. Only
    /// that address waits: the owner elsewhere is not locked out.
    pub const LOGIN_AT_ADDRESS: Rule = Rule {
        name: "login_at_address",
        what: (
            "Nhập sai mật khẩu của một tài khoản từ một địa chỉ",
            "Wrong passwords for one account from one address",
        ),
        keys: ("tài khoản tại một địa chỉ", "accounts at one address"),
        alarm_at: 20,
        free: 3,
        max_wait_secs: 15 * 60,
        forget_after_secs: 15 * 60,
    };
    /// One login from any address: slows guessing spread over many addresses, at most a
    /// minute, so nobody can lock an owner out.
    pub const LOGIN: Rule = Rule {
        name: "login",
        what: (
            "Nhập sai mật khẩu của một tài khoản từ nhiều địa chỉ",
            "Wrong passwords for one account from many addresses",
        ),
        keys: ("tài khoản", "accounts"),
        alarm_at: 1,
        free: 10,
        max_wait_secs: 60,
        forget_after_secs: 15 * 60,
    };
    /// One address, whatever it tries (many logins, or lookups that find nothing).
    pub const ADDRESS: Rule = Rule {
        name: "address",
        what: (
            "Một địa chỉ thất bại nhiều lần (đăng nhập, tra cứu)",
            "One address failing many times (logins, lookups)",
        ),
        keys: ("địa chỉ", "addresses"),
        alarm_at: 1,
        free: 30,
        max_wait_secs: 15 * 60,
        forget_after_secs: 60 * 60,
    };
    /// Public lookups from one address that found nothing (a code and phone that do not match).
    pub const LOOKUP_MISSES: Rule = Rule {
        name: "lookup_misses",
        what: ("Tra cứu hồ sơ không khớp, từ một địa chỉ", "Dossier lookups matching nothing, from one address"),
        keys: ("địa chỉ", "addresses"),
        alarm_at: 3,
        free: 10,
        max_wait_secs: 15 * 60,
        forget_after_secs: 60 * 60,
    };
    /// Public lookups of one dossier code that found nothing (its phone guessed from many
    /// addresses): a few mistypes pass, then a wait of at most a minute, so a stranger can slow
    /// the owner's lookup but never lock it, and guessing a phone takes years.
    pub const LOOKUP_CODE_MISSES: Rule = Rule {
        name: "lookup_code_misses",
        what: (
            "Tra cứu một mã hồ sơ với số điện thoại sai, từ nhiều địa chỉ",
            "One dossier code looked up with wrong phone numbers, from many addresses",
        ),
        keys: ("mã hồ sơ", "dossier codes"),
        alarm_at: 1,
        free: 5,
        max_wait_secs: 60,
        forget_after_secs: 60 * 60,
    };
    /// Password reset codes mailed to one login: 3 at once (a slow mailbox, a typo), then
    /// waits growing to an hour, so nobody can flood an owner's mailbox.
    pub const RESET_MAILS: Rule = Rule {
        name: "reset_mails",
        what: (
            "Yêu cầu gửi mã đặt lại mật khẩu dồn dập cho một tài khoản",
            "Password reset codes requested again and again for one account",
        ),
        keys: ("tài khoản", "accounts"),
        alarm_at: 3,
        free: 3,
        max_wait_secs: 60 * 60,
        forget_after_secs: 24 * 60 * 60,
    };
    /// Reports sent without an account from one address: a household or an office sends a
    /// few; a flood soon waits, then longer.
    pub const ANONYMOUS_REPORTS: Rule = Rule {
        name: "anonymous_reports",
        what: (
            "Phản ánh không đăng nhập gửi dồn dập từ một địa chỉ",
            "Reports without an account flooding from one address",
        ),
        keys: ("địa chỉ", "addresses"),
        alarm_at: 1,
        free: 10,
        max_wait_secs: 60 * 60,
        forget_after_secs: 6 * 60 * 60,
    };
    /// Accounts registered from one address (a login already taken counts too: the answer
    /// says whether a phone has an account). Generous, because a commune's digital-skills team
    /// helps dozens of people register from one hall's connection on a campaign day; past that,
    /// at most two minutes apart, so a script makes hundreds a day, not millions, and the watch
    /// tells the admins.
    pub const REGISTRATIONS: Rule = Rule {
        name: "registrations",
        what: ("Đăng ký tài khoản dồn dập từ một địa chỉ", "Accounts registered in a flood from one address"),
        keys: ("địa chỉ", "addresses"),
        alarm_at: 1,
        free: 30,
        max_wait_secs: 2 * 60,
        forget_after_secs: 60 * 60,
    };
    /// Registration codes sent to one phone or mailbox: three at once (a slow network, a
    /// typo), then waits growing to half an hour, so nobody can flood a stranger's phone with
    /// texts (which the province also pays for).
    pub const SIGNUP_CODES: Rule = Rule {
        name: "signup_codes",
        what: (
            "Mã xác nhận đăng ký gửi dồn dập tới một số điện thoại hay hộp thư",
            "Registration codes sent again and again to one phone or mailbox",
        ),
        keys: ("số điện thoại, hộp thư", "phones or mailboxes"),
        alarm_at: 3,
        free: 3,
        max_wait_secs: 30 * 60,
        forget_after_secs: 6 * 60 * 60,
    };

    /// Questions one officer puts to the national population database: a busy desk's day
    /// passes freely, then waits grow to a quarter of an hour, so a stolen or misused officer
    /// account cannot harvest the register; the watch tells admins and auditors of any officer
    /// made to wait. A night's quiet forgets the count.
    pub const RESIDENT_LOOKUPS: Rule = Rule {
        name: "resident_lookups",
        what: (
            "Một cán bộ tra cứu CSDLQG về dân cư dồn dập",
            "One officer looking people up in the population database in a flood",
        ),
        keys: ("cán bộ", "officers"),
        alarm_at: 1,
        free: 120,
        max_wait_secs: 15 * 60,
        forget_after_secs: 8 * 60 * 60,
    };

    /// Every rule, in the order the watch lists them.
    pub const ALL: [Rule; 10] = [
        Rule::LOGIN,
        Rule::LOGIN_AT_ADDRESS,
        Rule::ADDRESS,
        Rule::LOOKUP_CODE_MISSES,
        Rule::LOOKUP_MISSES,
        Rule::RESET_MAILS,
        Rule::ANONYMOUS_REPORTS,
        Rule::REGISTRATIONS,
        Rule::SIGNUP_CODES,
        Rule::RESIDENT_LOOKUPS,
    ];

    /// The rule stored under `name`.
    pub fn named(name: &str) -> Option<Rule> {
        Self::ALL.into_iter().find(|r| r.name == name)
    }

    /// Whether `limited` keys of this rule made to wait within the hour is an attack worth
    /// telling people about.
    pub fn alarming(self, limited: u64) -> bool {
        self.alarm_at > 0 && limited >= self.alarm_at
    }
}

/// One rule's figures over a recent spell, for the people watching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overview {
    pub rule: Rule,
    /// Keys whose next try must wait now.
    pub waiting: u64,
    /// Keys that went past their free tries (so were made to wait at least once).
    pub limited: u64,
    /// Failures counted under the rule.
    pub failures: u64,
}

impl Overview {
    /// Whether this is an attack to tell of (see [`Rule::alarming`]).
    pub fn alarming(&self) -> bool {
        self.rule.alarming(self.limited)
    }
}

/// Every rule's figures (in [`Rule::ALL`]'s order, none left out) from the stored counts:
/// `(rule name, failures, tallies with that many, of which waiting now)`. Counts under a name
/// no rule has (tallies from before rules were named) are left out.
pub fn overview<'a>(counts: impl IntoIterator<Item = (&'a str, u32, u64, u64)>) -> Vec<Overview> {
    let mut out: Vec<Overview> =
        Rule::ALL.into_iter().map(|rule| Overview { rule, waiting: 0, limited: 0, failures: 0 }).collect();
    for (name, failures, keys, waiting) in counts {
        if let Some(o) = out.iter_mut().find(|o| o.rule.name == name) {
            o.waiting += waiting;
            o.failures += u64::from(failures) * keys;
            if failures > o.rule.free {
                o.limited += keys;
            }
        }
    }
    out
}

/// What is stored per key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub failures: u32,
    /// No attempt before this instant.
    pub wait_until: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Whether an attempt may go ahead now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Go,
    /// Not before this many seconds (for `Retry-After`).
    Wait(i64),
}

/// The verdict on an attempt at `now` given the stored tally (read only).
pub fn check(tally: Option<&Tally>, now: DateTime<Utc>) -> Verdict {
    match tally {
        Some(t) if t.wait_until > now => Verdict::Wait((t.wait_until - now).num_seconds().max(1)),
        _ => Verdict::Go,
    }
}

/// The verdict at `now` on a tally read from the database plus `unseen` failures already
/// decided that the read could not show yet (recorded after it, or still being recorded):
/// as if those had been stored one after another first.
pub fn check_with(tally: Option<&Tally>, unseen: u32, now: DateTime<Utc>, rule: Rule) -> Verdict {
    let mut t = tally.copied();
    for _ in 0..unseen {
        // Once waiting, more failures cannot make it Go.
        if let Verdict::Wait(_) = check(t.as_ref(), now) {
            break;
        }
        t = Some(fail(t.as_ref(), now, rule));
    }
    check(t.as_ref(), now)
}

/// A failure (or an attempt counted before it is known to succeed) at `now`: the tally to
/// store. The wait it sets applies to the next attempt.
pub fn fail(tally: Option<&Tally>, now: DateTime<Utc>, rule: Rule) -> Tally {
    let before = match tally {
        // Forgotten after a quiet spell counted from the last failure or the end of the last
        // wait, whichever is later.
        Some(t) if (now - t.wait_until.max(t.updated_at)).num_seconds() < rule.forget_after_secs => t.failures,
        _ => 0,
    };
    let failures = before.saturating_add(1);
    let over = failures.saturating_sub(rule.free);
    let wait_until = if over == 0 {
        // A free failure sets no wait, and must not move an ended one forward: attempts sent at
        // once take `now` before they queue for the tally, so the next one counted may carry an
        // earlier `now` and would read a wait until this one's.
        tally.map_or(DateTime::UNIX_EPOCH, |t| t.wait_until.min(now))
    } else {
        now + Duration::seconds(2i64.saturating_pow(over - 1).min(rule.max_wait_secs))
    };
    Tally { failures, wait_until, updated_at: now }
}

/// An attempt counted under several tallies at once (a login at an address, the login, the
/// address): allowed only when every tally allows it, and then counted in each (the new
/// tallies, in order); else the longest wait in seconds, nothing counted.
pub fn attempt_all(tallies: &[(Option<Tally>, Rule)], now: DateTime<Utc>) -> Result<Vec<Tally>, i64> {
    let longest = tallies
        .iter()
        .filter_map(|(t, _)| match check(t.as_ref(), now) {
            Verdict::Wait(s) => Some(s),
            Verdict::Go => None,
        })
        .max();
    match longest {
        Some(wait) => Err(wait),
        None => Ok(tallies.iter().map(|(t, rule)| fail(t.as_ref(), now, *rule)).collect()),
    }
}

/// An attempt counted beforehand turned out a success: it no longer counts (the wait it set
/// stays, so a burst cannot slip through by mixing in successes).
pub fn forgive(tally: &Tally, now: DateTime<Utc>) -> Tally {
    Tally { failures: tally.failures.saturating_sub(1), wait_until: tally.wait_until, updated_at: now }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).single().unwrap()
    }

    /// Each rule is found by the name stored with its tallies; a few typos at one address are
    /// no alarm, one account guessed from many addresses is.
    #[test]
    fn rules_by_name_and_alarms() {
        for r in Rule::ALL {
            assert_eq!(Rule::named(r.name), Some(r));
        }
        assert_eq!(Rule::named("nope"), None);
        let names: std::collections::HashSet<_> = Rule::ALL.iter().map(|r| r.what.0).collect();
        assert_eq!(names.len(), Rule::ALL.len(), "each rule says what it counts");
        assert!(!Rule::LOGIN_AT_ADDRESS.alarming(1) && Rule::LOGIN_AT_ADDRESS.alarming(20));
        assert!(!Rule::LOGIN.alarming(0) && Rule::LOGIN.alarming(1));
    }

    /// A key counts as limited once past its rule's free tries, whether it waits now or not:
    /// an attacker pacing their tries to the waits still shows.
    #[test]
    fn overview_counts_keys_past_their_free_tries() {
        let counts = [
            ("login", 10, 4, 0),   // four accounts at their free tries: no one limited
            ("login", 11, 1, 0),   // one past them, its wait over
            ("address", 31, 2, 2), // two addresses past 30, waiting
            ("old", 50, 9, 9),     // unnamed tallies from before
        ];
        let o = overview(counts);
        assert_eq!(o.len(), Rule::ALL.len());
        let login = o.iter().find(|o| o.rule == Rule::LOGIN).copied();
        assert_eq!(login, Some(Overview { rule: Rule::LOGIN, waiting: 0, limited: 1, failures: 51 }));
        assert!(login.is_some_and(|o| o.alarming()));
        let address = o.iter().find(|o| o.rule == Rule::ADDRESS).copied();
        assert_eq!(address.map(|a| (a.waiting, a.limited, a.failures)), Some((2, 2, 62)));
        assert!(o.iter().filter(|o| o.rule != Rule::LOGIN && o.rule != Rule::ADDRESS).all(|o| o.failures == 0));
    }

    #[test]
    fn free_failures_then_doubling_waits_up_to_the_ceiling() {
        let rule = Rule::LOGIN_AT_ADDRESS;
        let mut tally = None;
        let mut waits = Vec::new();
        let mut now = t0();
        for _ in 0..16 {
            assert_eq!(check(tally.as_ref(), now), Verdict::Go);
            let t = fail(tally.as_ref(), now, rule);
            waits.push((t.wait_until - now).num_seconds().max(0));
            now = now.max(t.wait_until);
            tally = Some(t);
        }
        assert_eq!(waits[..8], [0, 0, 0, 1, 2, 4, 8, 16]);
        assert_eq!(waits[15], 900, "at most 15 minutes");
    }

    /// A commune hall whose volunteers register one person every three minutes all day never
    /// waits; a script registering as fast as it is let gets its 30, then one every two minutes.
    #[test]
    fn a_campaign_day_registers_freely_and_a_script_is_paced() {
        let rule = Rule::REGISTRATIONS;
        let (mut hall, mut now) = (None, t0());
        for _ in 0..160 {
            assert_eq!(check(hall.as_ref(), now), Verdict::Go);
            hall = Some(fail(hall.as_ref(), now, rule));
            now += Duration::minutes(3);
        }
        let (mut script, mut now, mut made) = (None, t0(), 0);
        let end = t0() + Duration::hours(24);
        while now < end {
            match check(script.as_ref(), now) {
                Verdict::Go => {
                    script = Some(fail(script.as_ref(), now, rule));
                    made += 1;
                }
                Verdict::Wait(s) => now += Duration::seconds(s),
            }
        }
        assert!((30 + 24 * 30 - 10..=30 + 24 * 30 + 10).contains(&made), "{made} accounts in a day");
    }

    #[test]
    fn a_wait_is_told_in_seconds_and_a_quiet_spell_forgets() {
        let rule = Rule::LOGIN_AT_ADDRESS;
        let mut t = fail(None, t0(), rule);
        for _ in 0..4 {
            t = fail(Some(&t), t0(), rule);
        }
        assert_eq!(t.failures, 5);
        assert_eq!(check(Some(&t), t0()), Verdict::Wait(2));
        assert_eq!(check(Some(&t), t0() + Duration::seconds(2)), Verdict::Go);
        let later = t0() + Duration::minutes(20);
        assert_eq!(fail(Some(&t), later, rule).failures, 1, "forgotten after 15 quiet minutes");
    }

    #[test]
    fn an_attempt_waits_for_the_slowest_of_its_tallies() {
        let now = t0();
        let blocked = Tally { failures: 9, wait_until: now + Duration::seconds(40), updated_at: now };
        let tallies = [(None, Rule::LOGIN_AT_ADDRESS), (Some(blocked), Rule::LOGIN)];
        assert_eq!(attempt_all(&tallies, now), Err(40));
        let counted = attempt_all(&tallies, now + Duration::seconds(40)).unwrap();
        assert_eq!(counted.iter().map(|t| t.failures).collect::<Vec<_>>(), [1, 10]);
    }

    #[test]
    fn failures_not_yet_stored_count_as_if_stored_one_after_another() {
        let now = t0();
        let rule = Rule::LOOKUP_MISSES;
        let mut stored = None;
        let mut sequential = Vec::new();
        for _ in 0..14 {
            sequential.push(check(stored.as_ref(), now));
            if check(stored.as_ref(), now) == Verdict::Go {
                stored = Some(fail(stored.as_ref(), now, rule));
            }
        }
        // The same failures, none of them stored yet, or two of them.
        let unseen: Vec<_> = (0..14).map(|n| check_with(None, n, now, rule)).collect();
        assert_eq!(unseen, sequential);
        let two = fail(Some(&fail(None, now, rule)), now, rule);
        assert_eq!(check_with(Some(&two), 9, now, rule), Verdict::Wait(1));
        assert_eq!(check_with(Some(&two), 8, now, rule), Verdict::Go);
        assert_eq!(
            sequential.iter().filter(|v| **v == Verdict::Go).count(),
            11,
            "10 free and the one that starts the wait"
        );
    }

    #[test]
    fn free_failures_counted_out_of_order_set_no_wait() {
        // Three attempts stamped 0, 30 and 10 ms, counted in the order 30, 0, 10.
        let rule = Rule::LOGIN;
        let at = |ms| t0() + Duration::milliseconds(ms);
        let mut t = None;
        for ms in [30, 0, 10] {
            assert_eq!(check(t.as_ref(), at(ms)), Verdict::Go, "stamped {ms} ms");
            t = Some(fail(t.as_ref(), at(ms), rule));
        }
        assert_eq!(t.map(|t| t.failures), Some(3));
    }

    #[test]
    fn a_dossiers_guessers_slow_its_owner_by_a_minute_at_most() {
        let rule = Rule::LOOKUP_CODE_MISSES;
        let mut t = None;
        for _ in 0..1000 {
            t = Some(fail(t.as_ref(), t0(), rule));
        }
        assert_eq!(check(t.as_ref(), t0()), Verdict::Wait(60));
    }

    #[test]
    fn successes_do_not_count_but_keep_the_wait() {
        let t = fail(None, t0(), Rule::LOOKUP_MISSES);
        let f = forgive(&t, t0());
        assert_eq!(f.failures, 0);
        assert_eq!(forgive(&f, t0()).failures, 0);
    }
}
