//! Passwords: Argon2id with the crate's defaults, run off the async threads and at most one
//! per core at a time; a dummy hash verified when a login has no password, so both take as long.

use crate::IdentityError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Argon2id with the crate's defaults (19 MiB, 2 passes): run it off the async threads.
pub fn hash_password(password: &str) -> Result<String, IdentityError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| IdentityError(format!("randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| IdentityError(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| IdentityError(e.to_string()))
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Each argon2 run holds 19 MiB. Unbounded, a burst of 32 logins held ~600 MB (and glibc kept
/// it afterwards); one run per core keeps the peak near 40 MB and throttles login floods.
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2))
});

async fn with_hashing_permit<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, IdentityError> {
    let _permit = HASHING.acquire().await.map_err(|e| IdentityError(e.to_string()))?;
    tokio::task::spawn_blocking(f).await.map_err(|e| IdentityError(e.to_string()))
}

/// `verify_password` off the async threads, at most one per core at a time.
pub async fn verify_password_bounded(hash: String, password: String) -> Result<bool, IdentityError> {
    with_hashing_permit(move || verify_password(&hash, &password)).await
}

/// `hash_password` off the async threads, at most one per core at a time.
pub async fn hash_password_bounded(password: String) -> Result<String, IdentityError> {
    with_hashing_permit(move || hash_password(&password)).await?
}

/// A hash of a password nobody has, verified when the login is unknown (or has no password)
/// so that the answer takes as long as for a real account. A real argon2id hash with the
/// default parameters, so its verification costs the same (tested).
pub static DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0V0i2Iqt7D3I3w5pWJ6d0S1z6kYJjvC8s3M0l0J8Jm8";

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_costs() {
        // Equal cost without timing anything: the same algorithm, version and parameters
        // (memory, passes, lanes) as a password hashed now, so verifying it runs the same work.
        let real = hash_password("TuyenQuang-demo-2025").unwrap();
        let (real, dummy) = (PasswordHash::new(&real).unwrap(), PasswordHash::new(DUMMY_HASH).unwrap());
        assert_eq!(real.algorithm, dummy.algorithm);
        assert_eq!(real.version, dummy.version);
        assert_eq!(real.params, dummy.params);
        assert!(!verify_password(DUMMY_HASH, ""), "a password nobody has");
        assert!(verify_password(&real.to_string(), "TuyenQuang-demo-2025"));
    }
}
