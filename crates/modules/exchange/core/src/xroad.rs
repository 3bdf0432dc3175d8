//! X-Road's message protocol for REST (PR-REST 1.0): a consumer information system calls
//! `{method} /r1/{serviceId}[/path]` on its security server with the `X-Road-Client` header;
//! the answer carries the message's id and the hash of the request, which tie it to the
//! security servers' signed message logs. Identifiers are `/`-separated parts, each
//! percent-encoded on the wire.

use serde::Deserialize;

/// The protocol version in every request path.
pub const PROTOCOL: &str = "r1";

/// The headers the protocol names (HTTP header names are case-insensitive).
pub mod header {
    pub const CLIENT: &str = "X-Road-Client";
    pub const SERVICE: &str = "X-Road-Service";
    pub const ID: &str = "X-Road-Id";
    pub const USER_ID: &str = "X-Road-UserId";
    pub const ISSUE: &str = "X-Road-Issue";
    pub const REQUEST_HASH: &str = "X-Road-Request-Hash";
    pub const ERROR: &str = "X-Road-Error";
}

/// Why an identifier given by an operator cannot be one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadIdentifier(pub String);

impl std::fmt::Display for BadIdentifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A part of an identifier may not hold what X-Road's identifier rules forbid (PR-REST 4.8:
/// `:`, `;`, `%`, `/`, `\`, control and zero-width characters), nor be empty or padded.
fn part_ok(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 255
        && p.trim() == p
        && !p.chars().any(|c| c.is_control() || matches!(c, ':' | ';' | '%' | '/' | '\\' | '\u{200B}' | '\u{FEFF}'))
}

fn parts(what: &str, s: &str, counts: &[usize]) -> Result<Vec<String>, BadIdentifier> {
    let parts: Vec<String> = s.split('/').map(str::to_owned).collect();
    if !counts.contains(&parts.len()) || !parts.iter().all(|p| part_ok(p)) {
        return Err(BadIdentifier(format!(
            "{what} `{s}` is not an X-Road identifier: {} parts separated by `/`, none empty, without `:;%\\`",
            counts.iter().map(ToString::to_string).collect::<Vec<_>>().join(" or ")
        )));
    }
    Ok(parts)
}

/// Each part percent-encoded (RFC 3986's unreserved characters kept), joined by `/`.
fn encoded(parts: &[String]) -> String {
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(&percent(p));
    }
    out
}

/// Every byte but RFC 3986's unreserved characters is escaped.
const RESERVED: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// `s` percent-encoded as PR-REST asks of identifier parts and path segments.
pub fn percent(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, RESERVED).to_string()
}

/// The consumer: `INSTANCE/CLASS/MEMBER[/SUBSYSTEM]`, the platform's own subsystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientId(Vec<String>);

impl ClientId {
    pub fn parse(s: &str) -> Result<Self, BadIdentifier> {
        parts("the client", s, &[3, 4]).map(Self)
    }

    /// The `X-Road-Client` header's value.
    pub fn header(&self) -> String {
        encoded(&self.0)
    }

    /// The member code (the agency's code in the national directory).
    pub fn member(&self) -> &str {
        self.0.get(2).map_or("", String::as_str)
    }
}

impl std::fmt::Display for ClientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("/"))
    }
}

/// A provider's service: `INSTANCE/CLASS/MEMBER[/SUBSYSTEM]/SERVICE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceId(Vec<String>);

impl ServiceId {
    pub fn parse(s: &str) -> Result<Self, BadIdentifier> {
        parts("the service", s, &[4, 5]).map(Self)
    }

    /// The request path for `path` (segments, each encoded) on this service.
    pub fn path(&self, segments: &[&str]) -> String {
        let mut out = format!("/{PROTOCOL}/{}", encoded(&self.0));
        for s in segments {
            out.push('/');
            out.push_str(&percent(s));
        }
        out
    }
}

impl std::fmt::Display for ServiceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("/"))
    }
}

/// A security server's error body (PR-REST 4.6): `type` says where it arose (`Client.*`: the
/// request; `Server.ClientProxy.*`: our security server; `Server.ServerProxy.*`: the
/// provider's side).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ErrorBody {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub detail: String,
}

/// Whose fault an X-Road error is, as an operator must act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorSide {
    /// Our request or our rights (the client's configuration, an access right not granted).
    Ours,
    /// The exchange or the provider (down, overloaded, misconfigured): try again later.
    Theirs,
}

impl ErrorBody {
    pub fn parse(body: &[u8]) -> Option<Self> {
        serde_json::from_slice::<Self>(body).ok().filter(|e| !e.kind.is_empty())
    }

    pub fn side(&self) -> ErrorSide {
        // An access right is granted to our subsystem by the provider: ours to ask for.
        if self.kind.starts_with("Client.") || self.kind.ends_with(".AccessDenied") {
            ErrorSide::Ours
        } else {
            ErrorSide::Theirs
        }
    }
}

/// A fresh message id: a random UUID (version 4), as the protocol recommends.
pub fn message_id(random: [u8; 16]) -> String {
    let mut b = random;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_parse_as_the_protocol_spells_them() {
        let c = ClientId::parse("VN/GOV/000.00.00.H57/TINHSO").unwrap();
        assert_eq!(c.header(), "VN/GOV/000.00.00.H57/TINHSO");
        assert_eq!(c.member(), "000.00.00.H57");
        assert!(ClientId::parse("VN/GOV/000.00.00.H57").is_ok(), "the subsystem is optional");
        let s = ServiceId::parse("VN/GOV/000.00.00.G10/CSDLDC/tra-cuu-cong-dan").unwrap();
        assert_eq!(
            s.path(&["cong-dan", "008090001234"]),
            "/r1/VN/GOV/000.00.00.G10/CSDLDC/tra-cuu-cong-dan/cong-dan/008090001234"
        );
        let spaced = ClientId::parse("VN/GOV/Sở TTTT/TINH SO").unwrap();
        assert_eq!(spaced.header(), "VN/GOV/S%E1%BB%9F%20TTTT/TINH%20SO");
        for bad in ["", "VN", "VN/GOV", "VN/GOV//X", "VN/GOV/M/S/X", "VN/GOV/M:1/S", "VN/GOV/M/S%", " VN/GOV/M/S"] {
            assert!(ClientId::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ServiceId::parse("VN/GOV/M").is_err());
        assert!(ServiceId::parse("VN/GOV/M/S/X/Y").is_err());
        assert!(ServiceId::parse("VN/GOV/M/S\u{200B}").is_err());
        // A path segment cannot climb out of the service.
        assert_eq!(s.path(&["../admin"]).rsplit('/').next(), Some("..%2Fadmin"));
    }

    #[test]
    fn errors_say_whose_they_are() {
        let e = ErrorBody::parse(br#"{"type":"Server.ServerProxy.NetworkError","message":"timeout","detail":"x"}"#)
            .unwrap();
        assert_eq!(e.side(), ErrorSide::Theirs);
        let denied = ErrorBody::parse(br#"{"type":"Server.ServerProxy.AccessDenied","message":"no"}"#).unwrap();
        assert_eq!(denied.side(), ErrorSide::Ours);
        let bad = ErrorBody::parse(br#"{"type":"Client.BadRequest","message":"x"}"#).unwrap();
        assert_eq!(bad.side(), ErrorSide::Ours);
        assert_eq!(ErrorBody::parse(b"<html>"), None);
        assert_eq!(ErrorBody::parse(br#"{"type":""}"#), None);
    }

    #[test]
    fn message_ids_are_version_4_uuids() {
        let id = message_id([0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(message_id([0; 16]), "00000000-0000-4000-8000-000000000000");
    }

    proptest::proptest! {
        #[test]
        fn any_identifier_that_parses_comes_back_as_given(s in "[A-Za-z0-9 .ặđ_/-]{0,40}") {
            if let Ok(c) = ClientId::parse(&s) {
                proptest::prop_assert_eq!(c.to_string(), s.clone());
                proptest::prop_assert!(!c.header().contains(' '));
            }
        }
    }
}
