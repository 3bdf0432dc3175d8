//! Who people are to the platform, without HTTP: passwords (Argon2id, at most one hashing per
//! core at a time, the same time spent for a login that has no password), and the secrets the
//! platform hands out or keeps (session tokens and the hashes stored for them, one-time
//! passwords, claim and registration codes from an alphabet without look-alikes, the keys
//! abuse limits are counted under). The HTTP crate builds sessions, CSRF and the login check
//! on these; the accounts themselves are the storage ports' identity port.
//!
//! May depend on: the kernel (comparing secrets in constant time) and the storage ports' guard
//! key type.

mod password;
mod secrets;

pub use password::{hash_password, hash_password_bounded, verify_password, verify_password_bounded, DUMMY_HASH};
pub use secrets::{
    claim_code_digest, guard_key, new_claim_code, new_one_time_password, normalise_claim_code, random_chars,
    random_token, same_secret, token_hash,
};

/// The platform could not draw randomness or run the hasher: nothing a person did wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityError(pub String);

impl std::fmt::Display for IdentityError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for IdentityError {}
