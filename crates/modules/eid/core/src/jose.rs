//! Just enough JOSE for a relying party: the provider's signing keys (a JWK Set) and a compact
//! JWS checked against them. Only RS256 and ES256, the algorithms OpenID Connect providers sign
//! ID tokens with; `none`, HMAC (which would let anyone holding the client secret forge a
//! token) and everything else are refused before a key is looked at.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde::Deserialize;

/// Why a token's signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoseError {
    /// Not three base64url parts, or a header or payload that is not JSON.
    Malformed,
    /// An algorithm other than RS256 and ES256.
    Algorithm(String),
    /// No key of the set carries the header's `kid` (the provider may have rotated its keys:
    /// fetch the set again, once).
    UnknownKey,
    /// The signature does not verify with the key.
    BadSignature,
}

/// One public signing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// RSA modulus and exponent, big-endian.
    Rsa { kid: Option<String>, n: Vec<u8>, e: Vec<u8> },
    /// An uncompressed P-256 point (`04 || x || y`).
    P256 { kid: Option<String>, point: Vec<u8> },
}

impl Key {
    fn kid(&self) -> Option<&str> {
        match self {
            Key::Rsa { kid, .. } | Key::P256 { kid, .. } => kid.as_deref(),
        }
    }

    fn fits(&self, alg: Alg) -> bool {
        matches!((self, alg), (Key::Rsa { .. }, Alg::Rs256) | (Key::P256 { .. }, Alg::Es256))
    }

    fn verifies(&self, alg: Alg, message: &[u8], sig: &[u8]) -> bool {
        match (self, alg) {
            (Key::Rsa { n, e, .. }, Alg::Rs256) => {
                RsaPublicKeyComponents { n, e }.verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig).is_ok()
            }
            (Key::P256 { point, .. }, Alg::Es256) => {
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point).verify(message, sig).is_ok()
            }
            _ => false,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Alg {
    Rs256,
    Es256,
}

#[derive(Deserialize)]
struct RawJwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
}

#[derive(Deserialize)]
struct RawSet {
    keys: Vec<serde_json::Value>,
}

/// The provider's published signing keys (`jwks_uri`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySet(pub Vec<Key>);

impl KeySet {
    /// The set's signing keys; keys for encryption, of other types or curves, or that do not
    /// parse are left out (a provider may publish more than we use), so a set with none of
    /// ours is empty, not an error.
    pub fn parse(json: &[u8]) -> Result<Self, JoseError> {
        let raw: RawSet = serde_json::from_slice(json).map_err(|_| JoseError::Malformed)?;
        let keys = raw
            .keys
            .into_iter()
            .filter_map(|v| serde_json::from_value::<RawJwk>(v).ok())
            .filter(|k| k.use_.as_deref().is_none_or(|u| u == "sig"))
            .filter_map(|k| {
                let b = |s: &Option<String>| s.as_deref().and_then(|s| URL_SAFE_NO_PAD.decode(s).ok());
                match (k.kty.as_str(), k.crv.as_deref()) {
                    ("RSA", _) => Some(Key::Rsa { n: b(&k.n)?, e: b(&k.e)?, kid: k.kid }),
                    ("EC", Some("P-256")) => {
                        let (x, y) = (b(&k.x)?, b(&k.y)?);
                        (x.len() == 32 && y.len() == 32).then(|| {
                            let mut point = vec![4u8];
                            point.extend_from_slice(&x);
                            point.extend_from_slice(&y);
                            Key::P256 { kid: k.kid, point }
                        })
                    }
                    _ => None,
                }
            })
            .collect();
        Ok(Self(keys))
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// The payload of `token` (a compact JWS) when its signature verifies with a key of `keys`:
/// the key named by its `kid`, or, without one, any key of the algorithm's type.
pub fn verify(token: &str, keys: &KeySet) -> Result<serde_json::Value, JoseError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(JoseError::Malformed);
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| JoseError::Malformed);
    let header: Header = serde_json::from_slice(&decode(h)?).map_err(|_| JoseError::Malformed)?;
    let alg = match header.alg.as_str() {
        "RS256" => Alg::Rs256,
        "ES256" => Alg::Es256,
        other => return Err(JoseError::Algorithm(other.chars().take(20).collect())),
    };
    let sig = decode(s)?;
    let message = &token.as_bytes()[..h.len() + 1 + p.len()];
    let candidates: Vec<&Key> = keys
        .0
        .iter()
        .filter(|k| k.fits(alg))
        .filter(|k| header.kid.is_none() || k.kid() == header.kid.as_deref())
        .collect();
    if candidates.is_empty() {
        return Err(JoseError::UnknownKey);
    }
    if !candidates.iter().any(|k| k.verifies(alg, message, &sig)) {
        return Err(JoseError::BadSignature);
    }
    serde_json::from_slice(&decode(p)?).map_err(|_| JoseError::Malformed)
}

/// base64url without padding, as JOSE and PKCE write bytes.
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, KeyPair, RsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING, RSA_PKCS1_SHA256};

    pub(crate) const RSA_PK8: &[u8] = include_bytes!("../testdata/rsa-2048.pk8");

    /// A token signed with RS256 by the test key, and that key's JWK Set.
    pub(crate) fn rs256(claims: &serde_json::Value, kid: &str) -> (String, Vec<u8>) {
        let pair = RsaKeyPair::from_pkcs8(RSA_PK8).unwrap();
        let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": kid});
        let input = format!("{}.{}", b64url(header.to_string().as_bytes()), b64url(claims.to_string().as_bytes()));
        let mut sig = vec![0u8; pair.public().modulus_len()];
        pair.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), input.as_bytes(), &mut sig).unwrap();
        let public: ring::rsa::PublicKeyComponents<Vec<u8>> = pair.public().into();
        let (n, e) = (public.n.as_slice(), public.e.as_slice());
        let set = serde_json::json!({"keys": [
            {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA", "kid": "other"},
            {"kty": "RSA", "use": "enc", "n": b64url(n), "e": b64url(e), "kid": "enc"},
            {"kty": "RSA", "use": "sig", "alg": "RS256", "n": b64url(n), "e": b64url(e), "kid": kid}
        ]});
        (format!("{input}.{}", b64url(&sig)), set.to_string().into_bytes())
    }

    fn es256(claims: &serde_json::Value) -> (String, Vec<u8>) {
        let rng = SystemRandom::new();
        let pk8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pk8.as_ref(), &rng).unwrap();
        let header = serde_json::json!({"alg": "ES256"});
        let input = format!("{}.{}", b64url(header.to_string().as_bytes()), b64url(claims.to_string().as_bytes()));
        let sig = pair.sign(&rng, input.as_bytes()).unwrap();
        let point = pair.public_key().as_ref();
        let set = serde_json::json!({"keys": [{"kty": "EC", "crv": "P-256", "x": b64url(&point[1..33]), "y": b64url(&point[33..])}]});
        (format!("{input}.{}", b64url(sig.as_ref())), set.to_string().into_bytes())
    }

    #[test]
    fn a_token_signed_by_the_providers_key_verifies_and_a_changed_one_does_not() {
        let claims = serde_json::json!({"sub": "079203001234", "aud": "tinhso"});
        let (token, set) = rs256(&claims, "k1");
        let keys = KeySet::parse(&set).unwrap();
        assert_eq!(keys.0.len(), 1, "the encryption key and the P-384 key are left out");
        assert_eq!(verify(&token, &keys).unwrap(), claims);

        // The payload changed (another person), the signature kept.
        let parts: Vec<&str> = token.split('.').collect();
        let forged = serde_json::json!({"sub": "001099000001", "aud": "tinhso"});
        let swapped = format!("{}.{}.{}", parts[0], b64url(forged.to_string().as_bytes()), parts[2]);
        assert_eq!(verify(&swapped, &keys), Err(JoseError::BadSignature));

        let (es, es_set) = es256(&claims);
        let es_keys = KeySet::parse(&es_set).unwrap();
        assert_eq!(verify(&es, &es_keys).unwrap(), claims);
        // An ES256 token against the RSA set: no key of its kind.
        assert_eq!(verify(&es, &keys), Err(JoseError::UnknownKey));
        // Another key id: the provider rotated its keys.
        let (other, _) = rs256(&claims, "k2");
        assert_eq!(verify(&other, &keys), Err(JoseError::UnknownKey));
    }

    #[test]
    fn unsigned_and_hmac_tokens_are_refused_before_any_key() {
        let keys = KeySet::parse(&rs256(&serde_json::json!({}), "k1").1).unwrap();
        let body = b64url(br#"{"sub":"079203001234"}"#);
        for alg in ["none", "HS256", "RS512", "PS256"] {
            let header = b64url(format!(r#"{{"alg":"{alg}"}}"#).as_bytes());
            assert_eq!(verify(&format!("{header}.{body}."), &keys), Err(JoseError::Algorithm(alg.into())));
        }
        for bad in ["", "a.b", "a.b.c.d", "!!.??.**", &format!("{body}.{body}.")] {
            assert_eq!(verify(bad, &keys), Err(JoseError::Malformed), "{bad}");
        }
    }

    proptest::proptest! {
        /// Whatever a stranger sends as a token, the answer is a refusal, never a panic or a
        /// payload.
        #[test]
        fn arbitrary_tokens_are_refused(s in "[A-Za-z0-9_.-]{0,200}") {
            let keys = KeySet::parse(&rs256(&serde_json::json!({}), "k1").1).unwrap();
            proptest::prop_assert!(verify(&s, &keys).is_err());
        }
    }
}
