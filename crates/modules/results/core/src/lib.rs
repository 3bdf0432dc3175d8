//! The electronic-results module's rules (kết quả điện tử, ký số): documents laid out the way
//! state documents are and drawn as tagged PDF/A-2a with an embedded Vietnamese font; PAdES
//! signatures (the CMS built here, the signature value from whoever holds the key); reading a
//! signed PDF back for the public verifier.
//!
//! May depend on: tinhso-kernel. No IO, no async: keys arrive as bytes, signatures through
//! the `Signer` the web crate gives.

pub mod render;

pub use document::{Block, OfficialDocument, SignatureBlock};
/// The layout modules fill in, kept in the kernel so that they need not depend on this module.
pub use tinhso_kernel::document;
pub mod audit;
pub mod cert;
pub mod cms;
pub mod der;
pub mod keys;
pub mod pades;
pub mod sign;
pub mod verify;

#[cfg(test)]
mod tests;
