//! The little DER the signatures need: writing the CMS structures PAdES asks for and reading
//! back certificates, signed attributes and timestamp tokens. Only definite lengths, as DER is.

pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;
pub const INTEGER: u8 = 0x02;
pub const OCTET_STRING: u8 = 0x04;
pub const NULL: u8 = 0x05;
pub const OID: u8 = 0x06;
pub const BOOLEAN: u8 = 0x01;
pub const BIT_STRING: u8 = 0x03;
pub const UTF8_STRING: u8 = 0x0c;
pub const PRINTABLE_STRING: u8 = 0x13;
pub const GENERALIZED_TIME: u8 = 0x18;
pub const UTC_TIME: u8 = 0x17;

/// One element: tag, length, contents.
#[allow(clippy::cast_possible_truncation, reason = "n < 0x80 and a usize has at most 8 length bytes")]
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(SEQUENCE, &parts.concat())
}

/// A SET OF, its elements sorted by their encodings as DER requires.
pub fn set_of(mut parts: Vec<Vec<u8>>) -> Vec<u8> {
    parts.sort();
    tlv(SET, &parts.concat())
}

/// An OID from its dotted form; the constants below are all well formed.
pub fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').filter_map(|a| a.parse().ok()).collect();
    let mut body = Vec::new();
    if let [a, b, rest @ ..] = arcs.as_slice() {
        base128(&mut body, a * 40 + b);
        for arc in rest {
            base128(&mut body, *arc);
        }
    }
    tlv(OID, &body)
}

#[allow(clippy::cast_possible_truncation, reason = "masked to seven bits")]
fn base128(out: &mut Vec<u8>, mut v: u64) {
    let mut stack = vec![(v & 0x7f) as u8];
    v >>= 7;
    while v > 0 {
        stack.push(0x80 | (v & 0x7f) as u8);
        v >>= 7;
    }
    out.extend(stack.iter().rev());
}

/// A non-negative INTEGER from big-endian bytes (a leading zero added when the top bit is set).
pub fn uint(bytes: &[u8]) -> Vec<u8> {
    let trimmed: &[u8] = {
        let skip = bytes.iter().take_while(|b| **b == 0).count().min(bytes.len().saturating_sub(1));
        &bytes[skip..]
    };
    let mut body = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_some_and(|b| b & 0x80 != 0) {
        body.push(0);
    }
    body.extend_from_slice(trimmed);
    tlv(INTEGER, &body)
}

pub fn small_int(v: u8) -> Vec<u8> {
    uint(&[v])
}

/// `[n]` context-specific, constructed (explicit tagging, or implicit on a constructed type).
pub fn ctx(n: u8, content: &[u8]) -> Vec<u8> {
    tlv(0xa0 | n, content)
}

/// An element read from a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub content: &'a [u8],
    /// The whole encoding, tag and length included.
    pub raw: &'a [u8],
}

/// Reads one element from the start of `buf`; `None` when it is not well formed.
pub fn read(buf: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let tag = *buf.first()?;
    let first = *buf.get(1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for b in buf.get(2..2 + n)? {
            len = (len << 8) | usize::from(*b);
        }
        (len, 2 + n)
    };
    let end = header.checked_add(len)?;
    let content = buf.get(header..end)?;
    Some((Tlv { tag, content, raw: buf.get(..end)? }, buf.get(end..)?))
}

/// The elements inside a constructed element, in order.
pub fn children(content: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    let mut rest = content;
    while !rest.is_empty() {
        let (t, r) = read(rest)?;
        out.push(t);
        rest = r;
    }
    Some(out)
}

/// The dotted form of an OID's contents.
pub fn oid_string(content: &[u8]) -> String {
    let mut arcs = Vec::new();
    let mut v: u64 = 0;
    for b in content {
        v = (v << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (v / 40).min(2);
                arcs.push(first);
                arcs.push(v - first * 40);
            } else {
                arcs.push(v);
            }
            v = 0;
        }
    }
    arcs.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_round_trip() {
        for o in ["1.2.840.113549.1.7.2", "2.16.840.1.101.3.4.2.1", "1.2.840.10045.4.3.2", "2.5.4.3"] {
            let enc = oid(o);
            let (t, rest) = read(&enc).unwrap();
            assert!(rest.is_empty());
            assert_eq!(oid_string(t.content), o);
        }
        // RFC 5652's id-signedData, byte for byte.
        assert_eq!(oid("1.2.840.113549.1.7.2"), [6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 7, 2]);
    }

    #[test]
    fn long_lengths_and_integers() {
        let big = vec![7u8; 300];
        let enc = tlv(OCTET_STRING, &big);
        assert_eq!(&enc[..4], &[4, 0x82, 1, 44]);
        assert_eq!(read(&enc).unwrap().0.content, &big[..]);
        assert_eq!(uint(&[0x80]), [2, 2, 0, 0x80]);
        assert_eq!(uint(&[0, 0, 5]), [2, 1, 5]);
        assert!(read(&[0x30, 0x05, 1]).is_none(), "a length past the end is refused");
    }
}
