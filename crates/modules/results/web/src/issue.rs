//! Signing and issuing a document (the platform's document capability, [`Issuer`]): give it
//! a verification code and the verifier's QR code, render it (blocking work off the runtime),
//! sign it with the agency's key (PAdES B-B, B-T with a timestamp authority), store the file
//! durably, then record it with its ledger entry, and only then put it in its owner's document
//! store: nothing names a file that is not durable, and no one sees a document not on record.

use crate::signer::Signer;
use chrono::{DateTime, Utc};
use tinhso_http::capability::documents::{DocumentIssuer, Issued, ToIssue};
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::document::{DocumentKind, IssuedDocument, OfficialDocument, SignatureBlock};
use tinhso_kernel::files::FilePurpose;
use tinhso_kernel::ids::Sha256;
use tinhso_results::cert::Unusable;
use tinhso_results::pades::SignatureInfo;
use tinhso_results::{render, sign, verify};
use tinhso_store::{Attachment, StoreError};

/// Vietnam's time (UTC+7, no daylight saving) as dd/mm/yyyy hh:mm.
pub fn vn_time(t: DateTime<Utc>) -> String {
    tinhso_kernel::calendar::local_time(t).format("%d/%m/%Y %H:%M").to_string()
}

/// A new verification code: "KQ-" and 12 characters from an alphabet without look-alikes.
pub fn new_code(prefix: &str) -> Result<String, AppError> {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut raw = [0u8; 12];
    getrandom::getrandom(&mut raw).map_err(|e| AppError::Internal(e.to_string()))?;
    let chars: String = raw.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    Ok(format!("{prefix}-{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..12]))
}

/// An RFC 3161 token for `signature` from the configured authority.
async fn timestamp(url: &str, signature: &[u8]) -> Result<Vec<u8>, AppError> {
    let mut nonce = [0u8; 8];
    getrandom::getrandom(&mut nonce).map_err(|e| AppError::Internal(e.to_string()))?;
    let req = tinhso_results::cms::timestamp_request(signature, u64::from_be_bytes(nonce) >> 1);
    let unavailable = |e: String| AppError::Unavailable {
        code: "timestamp_unavailable",
        vi: format!("Máy chủ cấp dấu thời gian không trả lời, thử lại sau ({e})"),
        en: format!("The timestamp authority did not answer; try again later ({e})"),
    };
    let resp = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/timestamp-query")
        .timeout(std::time::Duration::from_secs(10))
        .body(req)
        .send()
        .await
        .map_err(|e| unavailable(e.to_string()))?;
    if !resp.status().is_success() {
        return Err(unavailable(format!("HTTP {}", resp.status())));
    }
    let body = resp.bytes().await.map_err(|e| unavailable(e.to_string()))?;
    tinhso_results::cms::timestamp_token(&body).map_err(unavailable)
}

/// A signed file and who signed it, when.
pub struct Signed {
    pub pdf: Vec<u8>,
    pub signer: String,
    /// Hex SHA-256 of the signer's certificate.
    pub certificate_sha256: String,
    pub at: DateTime<Utc>,
    pub timestamped: bool,
}

/// Renders and signs `doc` for `agency`.
pub async fn signed_pdf(
    signer: &dyn Signer,
    tsa: Option<&str>,
    agency: &str,
    agency_name: &str,
    mut doc: OfficialDocument,
    reason: &str,
    place: &str,
) -> Result<Signed, AppError> {
    let (chain, kind) = signer.chain(agency).await?;
    let cert = chain.first().ok_or_else(|| AppError::Internal("empty certificate chain".into()))?.clone();
    let now = Utc::now();
    // A signature by a certificate outside its validity is worth nothing to whoever checks it:
    // the approval waits for a new certificate rather than hand the citizen such a result.
    cert.usable_at(now).map_err(|why| unusable(agency, agency_name, why))?;
    if let Some(sig) = doc.signature.as_mut() {
        sig.signer = cert.common_name();
        sig.at = vn_time(now);
        agency_name.clone_into(&mut sig.agency);
    }
    let info =
        SignatureInfo { name: cert.common_name(), reason: reason.to_owned(), location: place.to_owned(), at: now };
    let chain_for_render = chain.clone();
    let timestamped = tsa.is_some();
    let to_sign = tokio::task::spawn_blocking(move || {
        let rendered = render::render(&doc).map_err(|e| AppError::Internal(e.to_string()))?;
        sign::begin(&rendered, &chain_for_render, &info, timestamped).map_err(|e| AppError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))??;
    let signature = signer.sign(agency, &to_sign.attributes).await?;
    let token = match tsa {
        Some(url) => Some(timestamp(url, &signature).await?),
        None => None,
    };
    let pdf = sign::finish(to_sign, &chain, kind, &signature, token.as_deref())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Signed {
        pdf,
        signer: cert.common_name(),
        certificate_sha256: verify::hex(&cert.sha256()),
        at: now,
        timestamped: token.is_some(),
    })
}

/// The refusal to sign with `agency`'s certificate, saying what to do.
fn unusable(agency: &str, agency_name: &str, why: Unusable) -> AppError {
    let day = |t: DateTime<Utc>| tinhso_kernel::format::date_vi(tinhso_kernel::calendar::local_date(t));
    let todo = format!("quản trị viên cần đặt chứng thư số còn hiệu lực ({agency}.p12) vào thư mục khóa ký số");
    let todo_en =
        format!("an administrator must install a valid certificate ({agency}.p12) in the signing keys' directory");
    let (code, vi, en) = match why {
        Unusable::Expired(until) => (
            "signing_certificate_expired",
            format!("Chứng thư số của {agency_name} đã hết hạn ngày {}: chưa ký được kết quả, {todo}", day(until)),
            format!("The certificate of {agency_name} expired on {}: nothing was signed; {todo_en}", day(until)),
        ),
        Unusable::NotYet(from) => (
            "signing_certificate_not_yet_valid",
            format!("Chứng thư số của {agency_name} chỉ có hiệu lực từ ngày {}: chưa ký được kết quả", day(from)),
            format!("The certificate of {agency_name} is valid only from {}: nothing was signed", day(from)),
        ),
        Unusable::Unreadable => (
            "signing_certificate_unreadable",
            format!("Không đọc được thời hạn chứng thư số của {agency_name}: chưa ký được kết quả, {todo}"),
            format!("The validity of the certificate of {agency_name} cannot be read: nothing was signed; {todo_en}"),
        ),
    };
    AppError::Conflict { code, vi, en }
}

/// The line under the QR code and the address it encodes.
pub fn verify_link(state: &AppState, code: &str) -> (String, String) {
    let path = format!("/xac-thuc?ma={code}");
    let url = match &state.config.public_url {
        Some(base) => format!("{base}{path}"),
        None => path,
    };
    (url, format!("Xác thực tại trang \"Xác thực kết quả\" của Cổng dịch vụ công tỉnh, mã: {code}"))
}

/// The platform's document capability on a server with signing keys.
pub struct Issuer {
    pub signer: std::sync::Arc<dyn Signer>,
    /// The timestamp authority's URL, for B-T signatures.
    pub tsa: Option<String>,
}

#[async_trait::async_trait]
impl DocumentIssuer for Issuer {
    async fn issue(&self, state: &AppState, what: ToIssue) -> Result<Issued, AppError> {
        issue(state, self, what).await
    }

    async fn withdraw(&self, state: &AppState, sha256: &Sha256, note: &str) {
        let Ok(store) = crate::results_port(state) else { return };
        let Ok(Some(doc)) = store.issued_by_sha256(sha256.as_str()).await else { return };
        let payload = tinhso_results::audit::status_changed("revoked", &doc.code, note, None);
        let entry = tinhso_results::audit::entry(&doc.agency, &doc.code, 0, payload);
        if let Err(e) = store.set_issued_status(&doc.code, "revoked", None, note, &entry).await {
            tracing::error!(code = %doc.code, error = %e, "a document signed for an unwritten act could not be withdrawn");
        }
    }
}

/// Signs, stores and records `what` under a new verification code.
async fn issue(state: &AppState, issuer: &Issuer, mut what: ToIssue) -> Result<Issued, AppError> {
    let kind = what.kind.as_str();
    let code = new_code(what.kind.code_prefix())?;
    what.doc.qr = Some(verify_link(state, &code));
    let agency_name = state.agency_name(&what.agency).unwrap_or(&what.agency).to_owned();
    if what.doc.signature.is_none() {
        what.doc.signature = Some(SignatureBlock {
            capacity: format!("TM. {}", agency_name.to_uppercase()),
            ..SignatureBlock::default()
        });
    }
    let signed = signed_pdf(
        issuer.signer.as_ref(),
        issuer.tsa.as_deref(),
        &what.agency,
        &agency_name,
        what.doc,
        &what.reason,
        &state.province.name,
    )
    .await?;
    let stored = state.files.put_issued(signed.pdf).await?;
    let doc = IssuedDocument {
        code,
        kind: kind.to_owned(),
        dossier: what.subject.clone(),
        agency: what.agency.clone(),
        year: what.year,
        seq: what.seq,
        sha256: stored.sha256.as_str().to_owned(),
        signer: signed.signer,
        certificate_sha256: signed.certificate_sha256,
        signed_at: signed.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        timestamped: signed.timestamped,
        status: "issued".into(),
        replaced_by: None,
        status_note: None,
        name: what.name.clone(),
    };
    let payload = tinhso_results::audit::issued(kind, &doc.code, &doc.dossier, &doc.sha256, doc.seq, &doc.signer);
    let entry = tinhso_results::audit::entry(&what.agency, &doc.code, what.actor.0, payload);
    crate::results_port(state)?.issue(&doc, &entry).await.map_err(|e| match e {
        // A subject has one decision: another was issued meanwhile.
        StoreError::Conflict(m) if what.kind == DocumentKind::Decision => AppError::Conflict {
            code: "decision_taken",
            vi: "Quyết định này vừa được phát hành".into(),
            en: format!("The decision was just issued ({m})"),
        },
        StoreError::Conflict(m) => AppError::Conflict {
            code: "number_taken",
            vi: "Số biên lai vừa được cấp cho giao dịch khác; thử lại".into(),
            en: format!("The receipt number was just taken ({m})"),
        },
        e => e.into(),
    })?;
    // Only a recorded document reaches the citizen's store (a receipt whose number was taken
    // meanwhile is signed again under the next number, and this file stays unnamed).
    if let Some(owner) = what.owner {
        state.store.documents.add_document(owner, &stored, &what.name, None).await?;
    }
    let attachment =
        Attachment { sha256: stored.sha256.clone(), name: what.name, purpose: FilePurpose::Result, component: None };
    Ok(Issued { document: doc, file: stored, attachment })
}
