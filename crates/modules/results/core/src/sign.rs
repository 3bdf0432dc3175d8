//! Signing a rendered document, the steps in order; the signature value and the timestamp
//! come from outside (a key here, a remote service, an HSM, a timestamp authority), so the
//! web crate drives these steps around its awaits.

use crate::cert::Certificate;
use crate::cms::{self, KeyKind};
use crate::pades::{self, PdfError, Prepared, SignatureInfo};
use crate::render::Rendered;

/// The document with its signature's place made and the attributes to sign.
#[derive(Debug)]
pub struct ToSign {
    pub prepared: Prepared,
    /// The DER the signer signs.
    pub attributes: Vec<u8>,
}

/// Prepares `rendered` for a signature by `chain` (signer first), with room for a timestamp
/// token when `timestamped`.
pub fn begin(
    rendered: &Rendered,
    chain: &[Certificate],
    info: &SignatureInfo,
    timestamped: bool,
) -> Result<ToSign, PdfError> {
    let signer = chain.first().ok_or(PdfError("no certificate to sign with"))?;
    let area = rendered.signature.ok_or(PdfError("the document has no signature block"))?;
    let room = pades::reserve(chain.iter().map(|c| c.der.len()).sum(), timestamped);
    let prepared = pades::prepare(&rendered.pdf, area, info, room)?;
    let attributes = cms::signed_attributes(&prepared.digest(), signer);
    Ok(ToSign { prepared, attributes })
}

/// Puts the signature (and a timestamp token, for PAdES B-T) into the file.
pub fn finish(
    to_sign: ToSign,
    chain: &[Certificate],
    kind: KeyKind,
    signature: &[u8],
    timestamp_token: Option<&[u8]>,
) -> Result<Vec<u8>, PdfError> {
    let cms = cms::signed_data(chain, kind, &to_sign.attributes, signature, timestamp_token)
        .ok_or(PdfError("the signature could not be assembled"))?;
    to_sign.prepared.finish(&cms)
}
