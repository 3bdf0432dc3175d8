//! A signing key held in this process, from a PKCS#12 file (what Vietnamese CAs issue agencies
//! on a token's export or as a file). A remote-signing service or an HSM takes its place
//! behind the web crate's signer port; this is the local kind.

use crate::cert::Certificate;
use crate::cms::{KeyKind, EC_PUBLIC_KEY, RSA};
use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12ImportPolicy};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, RsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING, RSA_PKCS1_SHA256};

pub struct LocalKey {
    key: Key,
    pub chain: Vec<Certificate>,
}

enum Key {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

impl std::fmt::Debug for LocalKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalKey").field("signer", &self.chain.first().map(Certificate::common_name)).finish()
    }
}

impl LocalKey {
    /// Reads the key and its chain (signer first) from PKCS#12 `data`.
    pub fn from_pkcs12(data: &[u8], password: &str) -> Result<LocalKey, String> {
        let store = KeyStore::from_pkcs12(data, password, Pkcs12ImportPolicy::Relaxed)
            .map_err(|e| format!("cannot open the PKCS#12 file (wrong password?): {e}"))?;
        let (_, chain) = store.private_key_chain().ok_or("the PKCS#12 file holds no private key")?;
        let certs: Vec<Certificate> = chain.certs().iter().filter_map(|c| Certificate::from_der(c.as_der())).collect();
        // Any CA certificates the file also carries, after the signer's own.
        let mut extra: Vec<Certificate> = store
            .entries()
            .filter_map(|(_, e)| match e {
                KeyStoreEntry::Certificate(c) => Certificate::from_der(c.as_der()),
                _ => None,
            })
            .collect();
        extra.retain(|c| !certs.contains(c));
        Self::from_pkcs8(chain.key().as_der(), certs.into_iter().chain(extra).collect())
    }

    /// A key from PKCS#8 DER and its chain, signer first.
    pub fn from_pkcs8(pkcs8: &[u8], chain: Vec<Certificate>) -> Result<LocalKey, String> {
        let signer = chain.first().ok_or("no certificate for the key")?;
        let (alg, _, _) = signer.public_key().ok_or("the certificate's key cannot be read")?;
        let key = match alg.as_str() {
            RSA => Key::Rsa(RsaKeyPair::from_pkcs8(pkcs8).map_err(|e| format!("RSA key: {e}"))?),
            EC_PUBLIC_KEY => Key::Ec(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &SystemRandom::new())
                    .map_err(|e| format!("EC key (P-256 only): {e}"))?,
            ),
            other => return Err(format!("unsupported key algorithm {other}")),
        };
        let ok = match &key {
            Key::Rsa(k) => {
                signer.public_key().is_some_and(|(_, _, pk)| pk == ring::signature::KeyPair::public_key(k).as_ref())
            }
            Key::Ec(k) => {
                signer.public_key().is_some_and(|(_, _, pk)| pk == ring::signature::KeyPair::public_key(k).as_ref())
            }
        };
        if !ok {
            return Err("the private key does not belong to the first certificate".into());
        }
        Ok(LocalKey { key, chain })
    }

    pub fn kind(&self) -> KeyKind {
        match self.key {
            Key::Rsa(_) => KeyKind::Rsa,
            Key::Ec(_) => KeyKind::EcdsaP256,
        }
    }

    /// Signs `data` (the DER of the signed attributes) with SHA-256.
    pub fn sign(&self, data: &[u8]) -> Result<Vec<u8>, String> {
        let rng = SystemRandom::new();
        match &self.key {
            Key::Rsa(k) => {
                let mut sig = vec![0; k.public().modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &rng, data, &mut sig).map_err(|e| e.to_string())?;
                Ok(sig)
            }
            Key::Ec(k) => k.sign(&rng, data).map(|s| s.as_ref().to_vec()).map_err(|e| e.to_string()),
        }
    }
}
