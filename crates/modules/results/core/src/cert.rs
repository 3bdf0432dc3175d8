//! What a signature needs from an X.509 certificate, read with `der`: who issued it and its
//! serial (the signer's identifier in CMS), the subject's names, the public key, and the time
//! it is valid for (a result is never signed with a certificate outside it).

use crate::der::{self, children, read, Tlv};
use chrono::{DateTime, Utc};

/// A certificate, kept as its DER, with the parts the signatures name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub der: Vec<u8>,
    /// The encodings of the issuer Name, the serial INTEGER and the SubjectPublicKeyInfo.
    pub issuer: Vec<u8>,
    pub serial: Vec<u8>,
    pub subject: Vec<u8>,
    pub spki: Vec<u8>,
}

impl Certificate {
    pub fn from_der(der: &[u8]) -> Option<Certificate> {
        let (cert, _) = read(der)?;
        let parts = children(cert.content)?;
        let tbs = children(parts.first()?.content)?;
        // An explicit [0] version comes first in v3 certificates.
        let off = usize::from(tbs.first()?.tag == 0xa0);
        let field = |i: usize| tbs.get(off + i).map(|t: &Tlv<'_>| t.raw.to_vec());
        Some(Certificate {
            der: cert.raw.to_vec(),
            serial: field(0)?,
            issuer: field(2)?,
            subject: field(4)?,
            spki: field(5)?,
        })
    }

    /// The subject's common name (2.5.4.3).
    pub fn common_name(&self) -> String {
        name_part(&self.subject, "2.5.4.3").unwrap_or_default()
    }

    /// The subject's organisation (2.5.4.10).
    pub fn organisation(&self) -> Option<String> {
        name_part(&self.subject, "2.5.4.10")
    }

    pub fn issuer_common_name(&self) -> String {
        name_part(&self.issuer, "2.5.4.3").unwrap_or_default()
    }

    /// SHA-256 of the whole certificate, as ESS's signing-certificate-v2 names it.
    pub fn sha256(&self) -> [u8; 32] {
        use sha2::Digest;
        sha2::Sha256::digest(&self.der).into()
    }

    /// The key's algorithm OID and the key itself (the BIT STRING's bits).
    pub fn public_key(&self) -> Option<(String, String, Vec<u8>)> {
        let (spki, _) = read(&self.spki)?;
        let parts = children(spki.content)?;
        let alg = children(parts.first()?.content)?;
        let alg_oid = der::oid_string(alg.first()?.content);
        let param = alg.get(1).filter(|t| t.tag == der::OID).map(|t| der::oid_string(t.content)).unwrap_or_default();
        let bits = parts.get(1)?.content.get(1..)?.to_vec();
        Some((alg_oid, param, bits))
    }
}

/// Why a certificate cannot sign now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    /// Valid only from this time.
    NotYet(DateTime<Utc>),
    /// Valid until this time, which has passed.
    Expired(DateTime<Utc>),
    /// Its validity cannot be read.
    Unreadable,
}

impl Certificate {
    /// When it is valid: notBefore and notAfter (RFC 5280 4.1.2.5).
    pub fn validity(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let (cert, _) = read(&self.der)?;
        let tbs = children(children(cert.content)?.first()?.content)?;
        let off = usize::from(tbs.first()?.tag == 0xa0);
        let times = children(tbs.get(off + 3)?.content)?;
        Some((time(times.first()?)?, time(times.get(1)?)?))
    }

    /// Whether it may sign at `at`: only within its validity, both ends included.
    pub fn usable_at(&self, at: DateTime<Utc>) -> Result<(), Unusable> {
        match self.validity() {
            None => Err(Unusable::Unreadable),
            Some((from, _)) if at < from => Err(Unusable::NotYet(from)),
            Some((_, until)) if at > until => Err(Unusable::Expired(until)),
            Some(_) => Ok(()),
        }
    }
}

/// A certificate's time: UTCTime (`YYMMDDHHMMSSZ`, years 1950-2049) or GeneralizedTime
/// (`YYYYMMDDHHMMSSZ`), both in UTC as RFC 5280 requires.
fn time(t: &Tlv<'_>) -> Option<DateTime<Utc>> {
    let text = std::str::from_utf8(t.content).ok()?.strip_suffix('Z')?;
    let full = match t.tag {
        der::UTC_TIME if text.len() == 12 => {
            let yy: u32 = text.get(..2)?.parse().ok()?;
            format!("{}{text}", if yy < 50 { "20" } else { "19" })
        }
        der::GENERALIZED_TIME if text.len() == 14 => text.to_owned(),
        _ => return None,
    };
    let naive = chrono::NaiveDateTime::parse_from_str(&full, "%Y%m%d%H%M%S").ok()?;
    Some(naive.and_utc())
}

/// One attribute of a Name: SEQUENCE OF SET OF SEQUENCE { type, value }.
fn name_part(name: &[u8], oid: &str) -> Option<String> {
    let (n, _) = read(name)?;
    for rdn in children(n.content)? {
        for atv in children(rdn.content)? {
            let kv = children(atv.content)?;
            if der::oid_string(kv.first()?.content) == oid {
                return String::from_utf8(kv.get(1)?.content.to_vec()).ok();
            }
        }
    }
    None
}
