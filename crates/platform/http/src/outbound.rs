//! Clients the platform opens to outside parties that vouch for people or receive personal
//! data (the e-ID provider, the data exchange's security server): HTTPS only (plain HTTP to
//! this machine, for a service on the same host or a test double), a provincial CA when one is
//! given, redirects never followed, the platform's user agent.

use std::time::Duration;

/// `url` is one such a client may talk to.
pub fn may_send_to(url: &str) -> bool {
    url.starts_with("https://")
        || ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"].iter().any(|p| url.starts_with(p))
}

/// A client builder with those rules; `ca`: the option that named it (for its errors) and the
/// certificate authorities (PEM) the party's certificate may chain to besides the public ones.
pub fn builder(
    ca: Option<(&str, &[u8])>,
    connect: Duration,
    total: Duration,
) -> Result<reqwest::ClientBuilder, String> {
    let mut builder = reqwest::Client::builder();
    if let Some((flag, pem)) = ca {
        let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| format!("{flag}: {e}"))?;
        if certs.is_empty() {
            return Err(format!("{flag}: no PEM certificate in the file"));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    Ok(builder
        .connect_timeout(connect)
        .timeout(total)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("tinhso/", env!("CARGO_PKG_VERSION"))))
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_https_or_this_machine() {
        assert!(super::may_send_to("https://ss.tuyenquang.gov.vn"));
        assert!(super::may_send_to("http://127.0.0.1:8080"));
        assert!(!super::may_send_to("http://ss.tuyenquang.gov.vn"));
        assert!(!super::may_send_to("http://127.0.0.1.evil.example"));
    }
}
