//! CMS SignedData as PAdES baseline asks (ETSI EN 319 142-1): detached, SHA-256, signed
//! attributes content-type, message-digest and ESS signing-certificate-v2 (no signing-time:
//! the time is the signature dictionary's /M), and for B-T an RFC 3161 timestamp over the
//! signature value as the unsigned signature-time-stamp attribute. Also reading one back.

use crate::cert::Certificate;
use crate::der::{self, children, ctx, oid, read, seq, set_of, tlv, uint};

pub const ID_DATA: &str = "1.2.840.113549.1.7.1";
pub const ID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const SIGNING_CERT_V2: &str = "1.2.840.113549.1.9.16.2.47";
pub const SIGNATURE_TIMESTAMP: &str = "1.2.840.113549.1.9.16.2.14";
const SHA256: &str = "2.16.840.1.101.3.4.2.1";
pub const RSA: &str = "1.2.840.113549.1.1.1";
const RSA_SHA256: &str = "1.2.840.113549.1.1.11";
pub const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";

/// How a key signs: the CMS signature algorithm follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Rsa,
    EcdsaP256,
}

fn sha256_alg() -> Vec<u8> {
    seq(&[&oid(SHA256)])
}

fn signature_alg(kind: KeyKind) -> Vec<u8> {
    match kind {
        KeyKind::Rsa => seq(&[&oid(RSA_SHA256), &tlv(der::NULL, &[])]),
        KeyKind::EcdsaP256 => seq(&[&oid(ECDSA_SHA256)]),
    }
}

fn attribute(kind: &str, value: &[u8]) -> Vec<u8> {
    seq(&[&oid(kind), &set_of(vec![value.to_vec()])])
}

/// The signed attributes as the SET OF whose encoding the signer signs (RFC 5652 5.4).
pub fn signed_attributes(digest: &[u8; 32], signer: &Certificate) -> Vec<u8> {
    // ESSCertIDv2 with the default hash (SHA-256, so omitted) and the issuer and serial.
    let general_names = seq(&[&ctx(4, &signer.issuer)]);
    let issuer_serial = seq(&[&general_names, &signer.serial]);
    let cert_id = seq(&[&tlv(der::OCTET_STRING, &signer.sha256()), &issuer_serial]);
    let signing_cert = seq(&[&seq(&[&cert_id])]);
    set_of(vec![
        attribute(CONTENT_TYPE, &oid(ID_DATA)),
        attribute(MESSAGE_DIGEST, &tlv(der::OCTET_STRING, digest)),
        attribute(SIGNING_CERT_V2, &signing_cert),
    ])
}

/// The ContentInfo holding the SignedData: `attrs` as `signed_attributes` made them,
/// `signature` over them, certificates signer first, and a timestamp token for B-T.
pub fn signed_data(
    chain: &[Certificate],
    kind: KeyKind,
    attrs: &[u8],
    signature: &[u8],
    timestamp_token: Option<&[u8]>,
) -> Option<Vec<u8>> {
    let signer = chain.first()?;
    // The signed attributes travel as [0] IMPLICIT: the same contents under another tag.
    let (set, _) = read(attrs)?;
    let mut info = vec![
        uint(&[1]),
        seq(&[&signer.issuer, &signer.serial]),
        sha256_alg(),
        ctx(0, set.content),
        signature_alg(kind),
        tlv(der::OCTET_STRING, signature),
    ];
    if let Some(token) = timestamp_token {
        // [1] IMPLICIT SET OF: the SET's contents under the context tag.
        let attr_set = set_of(vec![attribute(SIGNATURE_TIMESTAMP, token)]);
        let (s, _) = read(&attr_set)?;
        info.push(ctx(1, s.content));
    }
    let signer_info = seq(&info.iter().map(Vec::as_slice).collect::<Vec<_>>());
    let certs: Vec<u8> = chain.iter().flat_map(|c| c.der.iter().copied()).collect();
    let signed = seq(&[
        &uint(&[1]),
        &set_of(vec![sha256_alg()]),
        &seq(&[&oid(ID_DATA)]),
        &ctx(0, &certs),
        &set_of(vec![signer_info]),
    ]);
    Some(seq(&[&oid(ID_SIGNED_DATA), &ctx(0, &signed)]))
}

/// RFC 3161 TimeStampReq for SHA-256 of `data`, asking for the TSA's certificate.
pub fn timestamp_request(data: &[u8], nonce: u64) -> Vec<u8> {
    use sha2::Digest;
    let imprint = seq(&[&sha256_alg(), &tlv(der::OCTET_STRING, &sha2::Sha256::digest(data))]);
    seq(&[&uint(&[1]), &imprint, &uint(&nonce.to_be_bytes()), &tlv(der::BOOLEAN, &[0xff])])
}

/// The token of a TimeStampResp when granted (status 0 or 1), else why not.
pub fn timestamp_token(resp: &[u8]) -> Result<Vec<u8>, String> {
    let bad = || "not a TimeStampResp".to_owned();
    let (r, _) = read(resp).ok_or_else(bad)?;
    let parts = children(r.content).ok_or_else(bad)?;
    let status = children(parts.first().ok_or_else(bad)?.content).ok_or_else(bad)?;
    let code = status.first().and_then(|s| s.content.last()).copied().ok_or_else(bad)?;
    if code > 1 {
        return Err(format!("the timestamp authority refused (status {code})"));
    }
    parts.get(1).map(|t| t.raw.to_vec()).ok_or_else(bad)
}

/// A SignedData read back: enough to check it.
#[derive(Debug, Clone)]
pub struct ReadSignature {
    pub certificates: Vec<Certificate>,
    pub signer: Option<Certificate>,
    pub message_digest: Vec<u8>,
    /// The signed attributes re-tagged as the SET that was signed.
    pub signed_attrs: Vec<u8>,
    pub signature_alg: String,
    pub signature: Vec<u8>,
    pub timestamp_token: Option<Vec<u8>>,
    /// For a timestamp token: the TSTInfo it carries (eContent).
    pub content: Option<Vec<u8>>,
}

/// Reads a ContentInfo(SignedData) with one signer.
pub fn read_signed_data(buf: &[u8]) -> Option<ReadSignature> {
    let (ci, _) = read(buf)?;
    let ci = children(ci.content)?;
    if der::oid_string(ci.first()?.content) != ID_SIGNED_DATA {
        return None;
    }
    let (sd, _) = read(ci.get(1)?.content)?;
    let sd = children(sd.content)?;
    let encap = children(sd.get(2)?.content)?;
    let content = match encap.get(1) {
        Some(e) => Some(read(e.content)?.0.content.to_vec()),
        None => None,
    };
    let mut certificates = Vec::new();
    let mut infos = None;
    for part in sd.iter().skip(3) {
        match part.tag {
            0xa0 => {
                for c in children(part.content)? {
                    certificates.extend(Certificate::from_der(c.raw));
                }
            }
            0x31 => infos = Some(part.content),
            _ => {}
        }
    }
    let (info, _) = read(infos?)?;
    let info = children(info.content)?;
    let sid = children(info.get(1)?.content)?;
    let signer = certificates
        .iter()
        .find(|c| sid.first().is_some_and(|i| i.raw == c.issuer) && sid.get(1).is_some_and(|s| s.raw == c.serial))
        .cloned();
    let attrs = info.get(3).filter(|t| t.tag == 0xa0)?;
    let mut message_digest = Vec::new();
    for a in children(attrs.content)? {
        let kv = children(a.content)?;
        if der::oid_string(kv.first()?.content) == MESSAGE_DIGEST {
            message_digest = read(kv.get(1)?.content)?.0.content.to_vec();
        }
    }
    let alg = children(info.get(4)?.content)?;
    let mut timestamp_token = None;
    if let Some(unsigned) = info.get(6).filter(|t| t.tag == 0xa1) {
        for a in children(unsigned.content)? {
            let kv = children(a.content)?;
            if der::oid_string(kv.first()?.content) == SIGNATURE_TIMESTAMP {
                timestamp_token = Some(read(kv.get(1)?.content)?.0.raw.to_vec());
            }
        }
    }
    Some(ReadSignature {
        certificates,
        signer,
        message_digest,
        signed_attrs: tlv(der::SET, attrs.content),
        signature_alg: der::oid_string(alg.first()?.content),
        signature: info.get(5)?.content.to_vec(),
        timestamp_token,
        content,
    })
}

/// Whether `sig` is a valid signature of its signed attributes by its signer's key.
pub fn signature_valid(sig: &ReadSignature) -> bool {
    use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_ASN1, RSA_PKCS1_2048_8192_SHA256};
    let Some((alg, _, key)) = sig.signer.as_ref().and_then(Certificate::public_key) else { return false };
    match alg.as_str() {
        RSA => UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &key).verify(&sig.signed_attrs, &sig.signature),
        EC_PUBLIC_KEY => {
            UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &key).verify(&sig.signed_attrs, &sig.signature)
        }
        _ => Err(ring::error::Unspecified),
    }
    .is_ok()
}

/// A timestamp token's time (GeneralizedTime text) and the hash it stamps, from its TSTInfo.
pub fn tst_info(token: &ReadSignature) -> Option<(String, Vec<u8>)> {
    let content = token.content.as_ref()?;
    let (tst, _) = read(content)?;
    let parts = children(tst.content)?;
    let imprint = children(parts.get(2)?.content)?;
    let hashed = imprint.get(1)?.content.to_vec();
    let time = parts.iter().find(|p| p.tag == der::GENERALIZED_TIME)?;
    Some((String::from_utf8(time.content.to_vec()).ok()?, hashed))
}
