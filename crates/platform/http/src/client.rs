//! Who is asking: the client's address, for abuse limits. Behind a reverse proxy every
//! connection comes from the proxy, so the forwarding header the proxy writes is read, but only
//! when the connection comes from a proxy the operator named (`--trusted-proxy <CIDR>`): anyone
//! else could write it to pick a fresh address for every guess.
//!
//! Only one header is read, the one the operator's proxy writes (`--proxy-header`): a proxy
//! appends what it saw to its own header and passes any other through untouched, so reading
//! `Forwarded` behind nginx (which writes `X-Forwarded-For`) would let a client name itself.

use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// The client's address as the abuse limits count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer =
            parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::from([127, 0, 0, 1]));
        Ok(Self(address(peer, &parts.headers, &state.config.trusted_proxies, state.config.proxy_header)))
    }
}

/// The header a trusted proxy names the client in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProxyHeader {
    /// `X-Forwarded-For`: nginx, HAProxy, Apache, Caddy, Traefik and most load balancers.
    #[default]
    XForwardedFor,
    /// `Forwarded` (RFC 7239), for a proxy set to write it.
    Forwarded,
}

impl std::str::FromStr for ProxyHeader {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(Self::XForwardedFor),
            "forwarded" => Ok(Self::Forwarded),
            other => Err(format!("--proxy-header {other}: expected x-forwarded-for or forwarded")),
        }
    }
}

/// What one client is counted by: its IPv4 address, or its IPv6 /64 (one subscriber is given a
/// whole /64, so counting single IPv6 addresses would give a guesser 2^64 fresh tallies; an
/// IPv4 address mapped into IPv6 counts as the IPv4 one).
pub fn counted_as(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        },
    }
}

/// The text an abuse-limit key names a client by ([`counted_as`]).
pub fn limit_key(ip: IpAddr) -> String {
    counted_as(ip).to_string()
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the nearest address
/// in the forwarding chain of `header` that is not a trusted proxy (read right to left, as each
/// proxy appends what it saw).
pub fn address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet], header: ProxyHeader) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let values = || headers.get_all(header.name()).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(','));
    let chain: Vec<IpAddr> = match header {
        ProxyHeader::Forwarded => {
            values().filter_map(|element| element.split(';').find_map(for_value).map(node)).flatten().collect()
        }
        ProxyHeader::XForwardedFor => values().filter_map(|a| node(a.trim())).collect(),
    };
    chain.into_iter().rev().find(|ip| !is_trusted(ip)).unwrap_or(peer)
}

impl ProxyHeader {
    fn name(self) -> &'static str {
        match self {
            Self::XForwardedFor => "x-forwarded-for",
            Self::Forwarded => "forwarded",
        }
    }
}

/// The value of a `Forwarded` pair if it is `for=` (parameter names are case-insensitive,
/// RFC 7239 section 4: some proxies write `For=`).
fn for_value(pair: &str) -> Option<&str> {
    let pair = pair.trim();
    pair.get(..4).filter(|name| name.eq_ignore_ascii_case("for=")).and_then(|_| pair.get(4..))
}

/// One node of a forwarding header: `192.0.2.1`, `"[2001:db8::1]:4711"`, `192.0.2.1:80`.
fn node(raw: &str) -> Option<IpAddr> {
    let s = raw.trim().trim_matches('"');
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    s.parse().ok().or_else(|| s.rsplit_once(':').and_then(|(host, _)| host.parse().ok()))
}

/// `--trusted-proxy` values: CIDRs (`10.0.0.0/8`) or single addresses.
pub fn parse_trusted(list: &[String]) -> Result<Vec<IpNet>, String> {
    list.iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<IpNet>()
                .or_else(|_| v.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("--trusted-proxy {v}: not an address or CIDR"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    /// A subscriber's IPv6 addresses count as one client (for connections and for every abuse
    /// limit), IPv4 ones each alone, and a mapped IPv4 address as itself.
    #[test]
    fn a_client_is_counted_by_its_address_or_its_ipv6_slash_64() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(counted_as(ip("2001:db8:1:2:aaaa::1")), counted_as(ip("2001:db8:1:2:ffff::9")));
        assert_ne!(counted_as(ip("2001:db8:1:2::1")), counted_as(ip("2001:db8:1:3::1")));
        assert_eq!(counted_as(ip("::ffff:203.0.113.7")), ip("203.0.113.7"));
        assert_ne!(counted_as(ip("203.0.113.7")), counted_as(ip("203.0.113.8")));
        assert_eq!(limit_key(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::");
    }

    #[test]
    fn forwarding_headers_count_only_behind_a_trusted_proxy() {
        let xff = ProxyHeader::XForwardedFor;
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let trusted = parse_trusted(&["10.0.0.0/8".into()]).unwrap();
        let h = headers(&[("x-forwarded-for", "203.0.113.9, 10.0.0.7")]);
        assert_eq!(address(proxy, &h, &trusted, xff), "203.0.113.9".parse::<IpAddr>().unwrap());
        assert_eq!(address(proxy, &h, &[], xff), proxy, "no trusted proxy: the header is ignored");
        let stranger: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(address(stranger, &h, &trusted, xff), stranger, "a client cannot forge its address");
        // A spoofed entry on the left does not win over what the proxy appended.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9")]);
        assert_eq!(address(proxy, &h, &trusted, xff), "203.0.113.9".parse::<IpAddr>().unwrap());
        // Nor does a `Forwarded` header the client wrote itself behind a proxy that writes
        // `X-Forwarded-For` (nginx passes it through as it came).
        let h = headers(&[("forwarded", "for=1.2.3.4"), ("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(address(proxy, &h, &trusted, xff), "203.0.113.9".parse::<IpAddr>().unwrap());
        let fwd = ProxyHeader::Forwarded;
        let h = headers(&[("forwarded", "for=\"[2001:db8::1]:4711\";proto=https, for=10.0.0.9")]);
        assert_eq!(address(proxy, &h, &trusted, fwd), "2001:db8::1".parse::<IpAddr>().unwrap());
        let h = headers(&[("forwarded", "proto=https;For=203.0.113.5"), ("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(address(proxy, &h, &trusted, fwd), "203.0.113.5".parse::<IpAddr>().unwrap(), "names in any case");
        assert!(parse_trusted(&["not-a-net".into()]).is_err());
        assert_eq!("X-Forwarded-For".parse(), Ok(xff));
        assert_eq!("forwarded".parse(), Ok(fwd));
        assert!("x-real-ip".parse::<ProxyHeader>().is_err());
    }
}
