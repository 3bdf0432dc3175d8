//! Who holds an agency's signing key. `Signer` is the port: this file's `Pkcs12Signer` reads
//! `<agency code>.p12` files from a directory (the password beside each in `<code>.pass`, or
//! `TINHSO_SIGNING_PASSWORD`); a remote-signing service or an HSM implements the same two
//! calls. For the demo province it makes a demo CA and agency keys on first use, kept in the
//! directory (their certificates say they have no legal value).

use async_trait::async_trait;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tinhso_http::error::AppError;
use tinhso_results::cert::Certificate;
use tinhso_results::cms::KeyKind;
use tinhso_results::keys::LocalKey;
use tokio::sync::Mutex;

#[async_trait]
pub trait Signer: Send + Sync + 'static {
    /// The agency's certificate chain, its own first.
    async fn chain(&self, agency: &str) -> Result<(Vec<Certificate>, KeyKind), AppError>;
    /// The agency's signature (SHA-256) over `data`.
    async fn sign(&self, agency: &str, data: &[u8]) -> Result<Vec<u8>, AppError>;
    /// Every agency key it holds: the agency, and its certificate or why it cannot be read;
    /// watched so that a certificate is renewed before it ends. None listed by default (a
    /// remote service may not say).
    async fn certificates(&self) -> Vec<(String, Result<Certificate, String>)> {
        Vec::new()
    }
}

pub struct Pkcs12Signer {
    dir: PathBuf,
    /// Make a demo CA and agency keys when an agency has none.
    demo: bool,
    /// Each agency's key as last read, with its file's modification time: a certificate
    /// renewed in the directory is used from the next signature on, without a restart.
    keys: Mutex<HashMap<String, ReadKey>>,
}

/// A key file's modification time when read (None: unknown), and the key.
type ReadKey = (Option<std::time::SystemTime>, Arc<LocalKey>);

const DEMO_PASSWORD: &str = "tinhso-demo";

fn no_key(agency: &str) -> AppError {
    AppError::Conflict {
        code: "no_signing_key",
        vi: format!(
            "Cơ quan {agency} chưa có chứng thư số để ký kết quả điện tử: quản trị viên cần đặt tệp {agency}.p12 vào thư mục khóa ký số"
        ),
        en: format!("Agency {agency} has no signing certificate: the administrator must install {agency}.p12"),
    }
}

impl Pkcs12Signer {
    pub fn new(dir: PathBuf, demo: bool) -> Self {
        Self { dir, demo, keys: Mutex::new(HashMap::new()) }
    }

    /// Where the demo CA's certificate is (for validators to trust in the tests).
    pub fn ca_path(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    async fn key(&self, agency: &str) -> Result<Arc<LocalKey>, AppError> {
        // Codes are parsed agency codes (digits, dots, letters): never a path elsewhere.
        if !agency.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
            return Err(no_key(agency));
        }
        let file = self.dir.join(format!("{agency}.p12"));
        let modified = tokio::fs::metadata(&file).await.and_then(|m| m.modified()).ok();
        let mut keys = self.keys.lock().await;
        if let Some((seen, k)) = keys.get(agency) {
            if *seen == modified {
                return Ok(k.clone());
            }
        }
        let data = match tokio::fs::read(&file).await {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && self.demo => self.make_demo_key(agency).await?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(no_key(agency)),
            Err(e) => return Err(AppError::Internal(format!("{}: {e}", file.display()))),
        };
        let password = match tokio::fs::read_to_string(self.dir.join(format!("{agency}.pass"))).await {
            Ok(p) => p.trim_end_matches(['\n', '\r']).to_owned(),
            Err(_) if self.demo => DEMO_PASSWORD.to_owned(),
            Err(_) => std::env::var("TINHSO_SIGNING_PASSWORD").unwrap_or_default(),
        };
        let key = tokio::task::spawn_blocking(move || LocalKey::from_pkcs12(&data, &password))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(format!("{}: {e}", file.display())))?;
        let key = Arc::new(key);
        // A demo key made just now: its time is read once it exists.
        let modified = match modified {
            Some(t) => Some(t),
            None => tokio::fs::metadata(&file).await.and_then(|m| m.modified()).ok(),
        };
        keys.insert(agency.to_owned(), (modified, key.clone()));
        Ok(key)
    }

    /// A key and certificate for `agency` under the demo CA (made first if needed), written
    /// as a PKCS#12 file so it is read back the way a real agency's is.
    async fn make_demo_key(&self, agency: &str) -> Result<Vec<u8>, AppError> {
        let internal = |e: &dyn std::fmt::Display| AppError::Internal(format!("demo signing key: {e}"));
        tokio::fs::create_dir_all(&self.dir).await.map_err(|e| internal(&e))?;
        let ca_key_path = self.dir.join("ca.key.der");
        let (ca_key, ca_der) =
            match (tokio::fs::read(&ca_key_path).await, tokio::fs::read(self.dir.join("ca.der")).await) {
                (Ok(k), Ok(c)) => (k, c),
                _ => {
                    let (k, c) = demo::ca().map_err(|e| internal(&e))?;
                    write_durably(&self.dir.join("ca.der"), &c).await.map_err(|e| internal(&e))?;
                    write_durably(&self.ca_path(), demo::pem(&c).as_bytes()).await.map_err(|e| internal(&e))?;
                    write_durably(&ca_key_path, &k).await.map_err(|e| internal(&e))?;
                    (k, c)
                }
            };
        let p12 = demo::agency(agency, &ca_key, &ca_der, DEMO_PASSWORD).map_err(|e| internal(&e))?;
        write_durably(&self.dir.join(format!("{agency}.p12")), &p12).await.map_err(|e| internal(&e))?;
        Ok(p12)
    }
}

async fn write_durably(path: &std::path::Path, data: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let tmp = path.with_extension("tmp");
    let mut f = tokio::fs::File::create(&tmp).await?;
    f.write_all(data).await?;
    f.sync_all().await?;
    tokio::fs::rename(&tmp, path).await
}

#[async_trait]
impl Signer for Pkcs12Signer {
    async fn chain(&self, agency: &str) -> Result<(Vec<Certificate>, KeyKind), AppError> {
        let k = self.key(agency).await?;
        Ok((k.chain.clone(), k.kind()))
    }

    async fn sign(&self, agency: &str, data: &[u8]) -> Result<Vec<u8>, AppError> {
        self.key(agency).await?.sign(data).map_err(AppError::Internal)
    }

    /// Each `<agency>.p12` in the directory, read as a signature would read it (so a wrong
    /// password shows here before an approval meets it).
    async fn certificates(&self) -> Vec<(String, Result<Certificate, String>)> {
        let mut agencies = Vec::new();
        if let Ok(mut dir) = tokio::fs::read_dir(&self.dir).await {
            while let Ok(Some(entry)) = dir.next_entry().await {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(agency) = name.strip_suffix(".p12") {
                    agencies.push(agency.to_owned());
                }
            }
        }
        agencies.sort();
        let mut out = Vec::new();
        for agency in agencies {
            let read = match self.key(&agency).await {
                Ok(k) => k.chain.first().cloned().ok_or_else(|| "empty certificate chain".to_owned()),
                Err(e) => Err(e.to_string()),
            };
            out.push((agency, read));
        }
        out
    }
}

/// The demo CA and its agency certificates (ECDSA P-256), made with rcgen.
pub mod demo {
    use p12_keystore::{Certificate as P12Cert, KeyStore, KeyStoreEntry, LocalKeyId, PrivateKey, PrivateKeyChain};
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
    };

    pub const CA_NAME: &str = "Tỉnh Số Demo CA - không có giá trị pháp lý";

    fn ca_params() -> Result<CertificateParams, rcgen::Error> {
        let mut ca = CertificateParams::new(Vec::<String>::new())?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, CA_NAME);
        ca.distinguished_name.push(DnType::OrganizationName, "Tỉnh Số (trình diễn)");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        ca.not_before = rcgen::date_time_ymd(2025, 1, 1);
        ca.not_after = rcgen::date_time_ymd(2045, 1, 1);
        Ok(ca)
    }

    /// A new CA: (PKCS#8 key, certificate DER).
    pub fn ca() -> Result<(Vec<u8>, Vec<u8>), rcgen::Error> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let cert = ca_params()?.self_signed(&key)?;
        Ok((key.serialize_der(), cert.der().to_vec()))
    }

    pub fn pem(der: &[u8]) -> String {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> = b64.as_bytes().chunks(64).filter_map(|c| std::str::from_utf8(c).ok()).collect();
        format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", lines.join("\n"))
    }

    /// A PKCS#12 file for `agency` signed by the CA, valid from 2025 to 2040.
    pub fn agency(agency: &str, ca_key: &[u8], ca_der: &[u8], password: &str) -> Result<Vec<u8>, String> {
        agency_valid(agency, (ca_key, ca_der), password, ((2025, 1, 1), (2040, 1, 1)))
    }

    /// The same, valid between two days (year, month, day): what an expired or not yet valid
    /// certificate looks like, for the checks on it.
    pub fn agency_valid(
        agency: &str,
        (ca_key, ca_der): (&[u8], &[u8]),
        password: &str,
        (from, until): ((i32, u8, u8), (i32, u8, u8)),
    ) -> Result<Vec<u8>, String> {
        let e = |e: &dyn std::fmt::Display| e.to_string();
        let ca_key = KeyPair::try_from(ca_key).map_err(|x| e(&x))?;
        let issuer = Issuer::new(ca_params().map_err(|x| e(&x))?, ca_key);
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(|x| e(&x))?;
        let mut p = CertificateParams::new(Vec::<String>::new()).map_err(|x| e(&x))?;
        p.distinguished_name.push(DnType::CommonName, format!("Cơ quan {agency} (trình diễn)"));
        p.distinguished_name.push(DnType::OrganizationName, "Tỉnh Số (trình diễn)");
        p.distinguished_name.push(DnType::OrganizationalUnitName, agency);
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::ContentCommitment];
        p.not_before = rcgen::date_time_ymd(from.0, from.1, from.2);
        p.not_after = rcgen::date_time_ymd(until.0, until.1, until.2);
        let cert = p.signed_by(&key, &issuer).map_err(|x| e(&x))?;
        let certs = [cert.der().as_ref(), ca_der]
            .iter()
            .map(|d| P12Cert::from_der(d).map_err(|x| e(&x)))
            .collect::<Result<Vec<_>, _>>()?;
        let chain = PrivateKeyChain::new(
            LocalKeyId(agency.as_bytes().to_vec()),
            PrivateKey::from_der(&key.serialize_der()).map_err(|x| e(&x))?,
            certs,
        );
        let mut store = KeyStore::new();
        store.add_entry(agency, KeyStoreEntry::PrivateKeyChain(chain));
        store.writer(password).write().map_err(|x| e(&x))
    }
}
