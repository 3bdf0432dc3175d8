//! File contents in any S3-compatible object store (a province's MinIO or Ceph, or a cloud):
//! path-style `PUT` and `GET` of content-addressed objects, signed with AWS Signature V4, over
//! HTTP or HTTPS (rustls, the public roots and the province's CA when given). A `PUT` that S3
//! answered 200 is stored durably, which is what the platform waits for before it writes the row
//! that names the file. Deliberately small: one request per connection, bodies within the
//! platform's file size cap.

use sha2::{Digest, Sha256};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Where and how to reach the bucket.
#[derive(Clone)]
pub struct S3 {
    tls: bool,
    host: String,
    port: u16,
    bucket: String,
    prefix: String,
    region: String,
    access_key: String,
    secret_key: String,
    tls_config: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for S3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        write!(
            f,
            "S3({}://{}:{}/{}/{})",
            if self.tls { "https" } else { "http" },
            self.host,
            self.port,
            self.bucket,
            self.prefix
        )
    }
}

#[derive(Debug)]
pub struct S3Error(pub String);

impl std::fmt::Display for S3Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err(e: impl std::fmt::Display) -> S3Error {
    S3Error(e.to_string())
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(data);
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

impl S3 {
    /// `url`: `s3://bucket` or `s3://bucket/prefix`; `endpoint`: `https://host[:port]` (or
    /// `http://` inside a data centre); keys from the standard AWS variables.
    pub fn new(
        url: &str,
        endpoint: &str,
        region: &str,
        access_key: &str,
        secret_key: &str,
        ca_pem: Option<&[u8]>,
    ) -> Result<Self, S3Error> {
        let rest = url.strip_prefix("s3://").ok_or_else(|| err("--files: expected s3://bucket[/prefix]"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let ok = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._/".contains(&b));
        if bucket.is_empty() || !ok(bucket) || !ok(prefix) {
            return Err(err("--files: the bucket and prefix may hold letters, digits, '-', '.', '_' and '/'"));
        }
        let endpoint = url::Url::parse(endpoint).map_err(|e| err(format!("--s3-endpoint: {e}")))?;
        let tls = match endpoint.scheme() {
            "https" => true,
            "http" => false,
            other => return Err(err(format!("--s3-endpoint: scheme {other}, expected https or http"))),
        };
        let host = endpoint.host_str().ok_or_else(|| err("--s3-endpoint: no host"))?.to_owned();
        let port = endpoint.port_or_known_default().unwrap_or(if tls { 443 } else { 80 });
        if access_key.is_empty() || secret_key.is_empty() {
            return Err(err("S3: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"));
        }
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(pem) = ca_pem {
            use rustls::pki_types::pem::PemObject;
            for c in rustls::pki_types::CertificateDer::pem_slice_iter(pem) {
                roots.add(c.map_err(err)?).map_err(err)?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls_config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(err)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self {
            tls,
            host,
            port,
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
            region: region.to_owned(),
            access_key: access_key.to_owned(),
            secret_key: secret_key.to_owned(),
            tls_config: Arc::new(tls_config),
        })
    }

    fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            format!("/{}/{key}", self.bucket)
        } else {
            format!("/{}/{}/{key}", self.bucket, self.prefix)
        }
    }

    fn host_header(&self) -> String {
        match (self.tls, self.port) {
            (true, 443) | (false, 80) => self.host.clone(),
            _ => format!("{}:{}", self.host, self.port),
        }
    }

    /// The request head for `method` on `path` with a body hashing to `payload_sha`, signed.
    fn head(
        &self,
        method: &str,
        path: &str,
        payload_sha: &str,
        len: usize,
        now: chrono::DateTime<chrono::Utc>,
    ) -> String {
        let amz_date = now.format("%Y%m%dT%H%M%SZ").to_string();
        let date = now.format("%Y%m%d").to_string();
        let host = self.host_header();
        let signed = "host;x-amz-content-sha256;x-amz-date";
        let canonical = format!(
            "{method}\n{path}\n\nhost:{host}\nx-amz-content-sha256:{payload_sha}\nx-amz-date:{amz_date}\n\n{signed}\n{payload_sha}"
        );
        let scope = format!("{date}/{}/s3/aws4_request", self.region);
        let to_sign =
            format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", hex::encode(Sha256::digest(canonical.as_bytes())));
        let mut key = hmac(format!("AWS4{}", self.secret_key).as_bytes(), date.as_bytes());
        for part in [self.region.as_str(), "s3", "aws4_request"] {
            key = hmac(&key, part.as_bytes());
        }
        let signature = hex::encode(hmac(&key, to_sign.as_bytes()));
        format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nx-amz-content-sha256: {payload_sha}\r\nx-amz-date: {amz_date}\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}\r\n\
             Content-Length: {len}\r\nConnection: close\r\n\r\n",
            self.access_key
        )
    }

    async fn exchange(&self, head: String, body: &[u8]) -> Result<(u16, Vec<u8>), S3Error> {
        let tcp = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            tokio::net::TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await
        .map_err(|_| err("S3: connection timed out"))?
        .map_err(|e| err(format!("S3: cannot connect to {}:{}: {e}", self.host, self.port)))?;
        let work = async {
            if self.tls {
                let name = rustls::pki_types::ServerName::try_from(self.host.clone()).map_err(err)?;
                let stream = tokio_rustls::TlsConnector::from(self.tls_config.clone())
                    .connect(name, tcp)
                    .await
                    .map_err(|e| err(format!("S3: TLS: {e}")))?;
                round_trip(stream, head, body).await
            } else {
                round_trip(tcp, head, body).await
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(120), work)
            .await
            .map_err(|_| err("S3: request timed out"))?
    }

    /// Stores `body` under `key`; returns once the store answered 200 (durable).
    pub async fn put(&self, key: &str, body: &[u8]) -> Result<(), S3Error> {
        let sha = hex::encode(Sha256::digest(body));
        let head = self.head("PUT", &self.path(key), &sha, body.len(), chrono::Utc::now());
        match self.exchange(head, body).await? {
            (200, _) => Ok(()),
            (status, answer) => Err(err(format!("S3: PUT {key}: HTTP {status}: {}", String::from_utf8_lossy(&answer)))),
        }
    }

    /// The object under `key`, or `None` when there is none.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, S3Error> {
        let empty = hex::encode(Sha256::digest(b""));
        let head = self.head("GET", &self.path(key), &empty, 0, chrono::Utc::now());
        match self.exchange(head, b"").await? {
            (200, body) => Ok(Some(body)),
            (404, _) => Ok(None),
            (status, answer) => Err(err(format!("S3: GET {key}: HTTP {status}: {}", String::from_utf8_lossy(&answer)))),
        }
    }
}

/// Writes the request, reads the whole answer (the connection closes after it).
async fn round_trip<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    head: String,
    body: &[u8],
) -> Result<(u16, Vec<u8>), S3Error> {
    s.write_all(head.as_bytes()).await.map_err(err)?;
    s.write_all(body).await.map_err(err)?;
    s.flush().await.map_err(err)?;
    let mut raw = Vec::new();
    // A TLS peer may close without close_notify once it has sent everything: keep what came.
    if let Err(e) = s.read_to_end(&mut raw).await {
        if raw.is_empty() {
            return Err(err(e));
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let at = match response.parse(&raw).map_err(err)? {
        httparse::Status::Complete(at) => at,
        httparse::Status::Partial => return Err(err("S3: incomplete answer")),
    };
    let status = response.code.unwrap_or(0);
    let length = response
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse::<usize>().ok());
    let body = raw.get(at..).unwrap_or_default().to_vec();
    if let Some(n) = length {
        if body.len() < n {
            return Err(err(format!("S3: answer cut short ({} of {n} bytes)", body.len())));
        }
    }
    Ok((status, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // RFC 4231, test case 2.
        let mac = hmac(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex::encode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn signing_key_matches_aws_example() {
        // From AWS's Signature V4 documentation: the derived signing key for this secret,
        // date 20150830, region us-east-1, service iam.
        let mut key = hmac(b"AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", b"20150830");
        for part in ["us-east-1", "iam", "aws4_request"] {
            key = hmac(&key, part.as_bytes());
        }
        assert_eq!(hex::encode(key), "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
    }
}
