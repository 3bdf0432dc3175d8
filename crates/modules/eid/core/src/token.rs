//! An ID token's claims checked as OpenID Connect Core 1.0 §3.1.3.7 asks of a relying party,
//! and the person they vouch for.

use chrono::{DateTime, Utc};
use serde_json::Value;
use tinhso_kernel::ids::{Email, PersonalId, Phone};

/// How far clocks may disagree (seconds) when reading `exp`, `nbf` and `iat`.
pub const LEEWAY_SECS: i64 = 120;

/// What a token must say to be ours and fresh.
pub struct Expect<'a> {
    /// The provider's issuer identifier, exactly as configured (and as its discovery says).
    pub issuer: &'a str,
    pub client_id: &'a str,
    /// The nonce this browser's sign-in sent, kept in its cookie.
    pub nonce: &'a str,
    pub now: DateTime<Utc>,
}

/// Why a verified token's claims were still refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimProblem {
    Issuer,
    /// Not issued to us (`aud`, or `azp` naming another client).
    Audience,
    Expired,
    /// `iat` or `nbf` in the future: a token made for later, or a provider's clock far off.
    NotYet,
    /// Not the nonce this sign-in sent: a token made for another sign-in, replayed.
    Nonce,
    /// A required claim is missing or not of its type (named).
    Missing(&'static str),
}

fn seconds(claims: &Value, name: &'static str) -> Result<i64, ClaimProblem> {
    claims.get(name).and_then(Value::as_i64).ok_or(ClaimProblem::Missing(name))
}

/// Checks iss, aud, azp, exp, nbf, iat and nonce; returns `sub`.
pub fn check(claims: &Value, expect: &Expect<'_>) -> Result<String, ClaimProblem> {
    if claims.get("iss").and_then(Value::as_str) != Some(expect.issuer) {
        return Err(ClaimProblem::Issuer);
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => return Err(ClaimProblem::Missing("aud")),
    };
    if !audiences.contains(&expect.client_id) {
        return Err(ClaimProblem::Audience);
    }
    match claims.get("azp") {
        Some(Value::String(azp)) if azp != expect.client_id => return Err(ClaimProblem::Audience),
        // A token for several audiences must say which of them asked for it (§3.1.3.7 item 4).
        None if audiences.len() > 1 => return Err(ClaimProblem::Missing("azp")),
        _ => {}
    }
    let now = expect.now.timestamp();
    if seconds(claims, "exp")? + LEEWAY_SECS <= now {
        return Err(ClaimProblem::Expired);
    }
    if seconds(claims, "iat")? - LEEWAY_SECS > now {
        return Err(ClaimProblem::NotYet);
    }
    if claims.get("nbf").is_some() && seconds(claims, "nbf")? - LEEWAY_SECS > now {
        return Err(ClaimProblem::NotYet);
    }
    let nonce = claims.get("nonce").and_then(Value::as_str).ok_or(ClaimProblem::Missing("nonce"))?;
    if !tinhso_kernel::secret::same(nonce.as_bytes(), expect.nonce.as_bytes()) {
        return Err(ClaimProblem::Nonce);
    }
    match claims.get("sub").and_then(Value::as_str) {
        Some(sub) if !sub.is_empty() && sub.len() <= 255 => Ok(sub.to_owned()),
        _ => Err(ClaimProblem::Missing("sub")),
    }
}

/// Which claims carry the person's details: providers name them differently (the national
/// portal's SSO is not the standard's `phone_number` everywhere), so the operator can rename
/// each; the defaults are OpenID Connect's standard claims plus `personal_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimNames {
    pub personal_id: String,
    pub name: String,
    pub phone: String,
    pub email: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        Self {
            personal_id: "personal_id".into(),
            name: "name".into(),
            phone: "phone_number".into(),
            email: "email".into(),
        }
    }
}

/// The person a provider vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The provider's stable identifier for them (`sub`).
    pub subject: String,
    pub personal_id: PersonalId,
    pub full_name: String,
    /// Only when the provider says it verified it (`phone_number_verified`), or says nothing
    /// of it: a national e-ID's phone is the one its holder registered in person.
    pub phone: Option<Phone>,
    /// Only when the provider says it verified it (`email_verified: true`).
    pub email: Option<Email>,
}

/// The person in `claims` (an ID token's, or those merged from the user-info answer).
pub fn person(subject: &str, claims: &Value, names: &ClaimNames) -> Result<Person, ClaimProblem> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let personal_id = text(&names.personal_id)
        .and_then(|s| PersonalId::parse("personal_id", s).ok())
        .ok_or(ClaimProblem::Missing("personal_id"))?;
    let full_name = tinhso_kernel::text::clean(text(&names.name).ok_or(ClaimProblem::Missing("name"))?);
    if full_name.chars().count() > 200 {
        return Err(ClaimProblem::Missing("name"));
    }
    let unverified = |flag: &str| claims.get(flag).and_then(Value::as_bool) == Some(false);
    let phone = text(&names.phone)
        .filter(|_| !unverified(&format!("{}_verified", names.phone)))
        .and_then(|s| Phone::parse("phone", s).ok());
    let email = text(&names.email)
        .filter(|_| claims.get(format!("{}_verified", names.email)).and_then(Value::as_bool) == Some(true))
        .and_then(|s| Email::parse("email", s).ok());
    Ok(Person { subject: subject.to_owned(), personal_id, full_name, phone, email })
}

/// PKCE (RFC 7636): the challenge sent with the sign-in for the verifier kept in the browser's
/// cookie, so that a code intercepted on its way back is useless without it.
pub fn pkce_challenge(verifier: &str) -> String {
    crate::jose::b64url(ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes()).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    fn good() -> Value {
        json!({"iss": "https://vneid.example", "aud": "tinhso", "sub": "s-1", "nonce": "n-1",
               "iat": 1_800_000_000 - 5, "exp": 1_800_000_000 + 300})
    }

    fn expect() -> Expect<'static> {
        Expect { issuer: "https://vneid.example", client_id: "tinhso", nonce: "n-1", now: now() }
    }

    fn with(key: &str, v: Value) -> Value {
        let mut c = good();
        c[key] = v;
        c
    }

    #[test]
    fn a_fresh_token_for_us_gives_its_subject() {
        assert_eq!(check(&good(), &expect()), Ok("s-1".into()));
        assert_eq!(check(&with("aud", json!(["tinhso"])), &expect()), Ok("s-1".into()));
        let mut multi = with("aud", json!(["other", "tinhso"]));
        multi["azp"] = json!("tinhso");
        assert_eq!(check(&multi, &expect()), Ok("s-1".into()));
        // Within the leeway of a provider's clock a minute ahead.
        assert_eq!(check(&with("iat", json!(1_800_000_060)), &expect()), Ok("s-1".into()));
    }

    #[test]
    fn every_claim_that_makes_a_token_ours_is_checked() {
        let e = expect();
        assert_eq!(check(&with("iss", json!("https://evil.example")), &e), Err(ClaimProblem::Issuer));
        assert_eq!(check(&with("aud", json!("other")), &e), Err(ClaimProblem::Audience));
        assert_eq!(check(&with("aud", json!(["other", "tinhso"])), &e), Err(ClaimProblem::Missing("azp")));
        assert_eq!(check(&with("azp", json!("other")), &e), Err(ClaimProblem::Audience));
        assert_eq!(check(&with("exp", json!(1_800_000_000 - 121)), &e), Err(ClaimProblem::Expired));
        assert_eq!(check(&with("exp", json!("soon")), &e), Err(ClaimProblem::Missing("exp")));
        assert_eq!(check(&with("iat", json!(1_800_000_000 + 3600)), &e), Err(ClaimProblem::NotYet));
        assert_eq!(check(&with("nbf", json!(1_800_000_000 + 3600)), &e), Err(ClaimProblem::NotYet));
        assert_eq!(check(&with("nonce", json!("n-2")), &e), Err(ClaimProblem::Nonce));
        assert_eq!(check(&with("sub", json!("")), &e), Err(ClaimProblem::Missing("sub")));
        let mut no_nonce = good();
        no_nonce.as_object_mut().unwrap().remove("nonce");
        assert_eq!(check(&no_nonce, &e), Err(ClaimProblem::Missing("nonce")));
    }

    #[test]
    fn the_person_takes_only_what_the_provider_verified() {
        let names = ClaimNames::default();
        let claims = json!({"personal_id": "001099000123", "name": "  Nguyễn Thị Hoa ", "phone_number": "+84912000111",
                            "email": "Hoa@Example.vn", "email_verified": true});
        let p = person("s-1", &claims, &names).unwrap();
        assert_eq!(p.personal_id.as_str(), "001099000123");
        assert_eq!(p.full_name, "Nguyễn Thị Hoa");
        assert_eq!(p.phone.as_ref().map(Phone::as_str), Some("0912000111"));
        assert_eq!(p.email.as_ref().map(Email::as_str), Some("hoa@example.vn"));

        let mut unverified = claims.clone();
        unverified["phone_number_verified"] = json!(false);
        unverified["email_verified"] = json!(false);
        let p = person("s-1", &unverified, &names).unwrap();
        assert_eq!((p.phone, p.email), (None, None));

        let mut no_id = claims.clone();
        no_id["personal_id"] = json!("12345");
        assert_eq!(person("s-1", &no_id, &names), Err(ClaimProblem::Missing("personal_id")));

        // Renamed claims, as a provider that is not the standard's names them.
        let renamed = ClaimNames { personal_id: "so_dinh_danh".into(), name: "ho_ten".into(), ..ClaimNames::default() };
        let p = person("s-1", &json!({"so_dinh_danh": "001099000123", "ho_ten": "Lò Văn Páo"}), &renamed).unwrap();
        assert_eq!((p.full_name.as_str(), p.phone), ("Lò Văn Páo", None));
    }

    #[test]
    fn pkce_matches_the_rfcs_example() {
        // RFC 7636 Appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
