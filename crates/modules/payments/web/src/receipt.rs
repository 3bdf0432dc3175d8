//! Electronic receipts (biên lai điện tử): numbered without gaps per collecting agency and
//! year, signed by the agency, put in the citizen's document store. The number is taken only
//! when the signed receipt is stored (a unique index), so a failed signing leaves no gap. On
//! one server an agency's receipts are numbered one at a time (a lock per agency), so
//! concurrent payments queue rather than race for a number; two servers racing retry.

use chrono::Utc;
use tinhso_http::capability::documents::{self, ToIssue};
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::document::{place_date, Block, DocumentKind, OfficialDocument};
use tinhso_kernel::ids::AccountId;
use tinhso_payments_port::Payment;

/// One lock per collecting agency, on this server.
#[derive(Default)]
pub struct Numbering {
    agencies: std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
}

impl Numbering {
    fn lock_of(&self, agency: &str) -> std::sync::Arc<tokio::sync::Mutex<()>> {
        let mut map = match self.agencies.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        map.entry(agency.to_owned()).or_default().clone()
    }
}

/// Issues the receipt of paid payment `p` (once: a payment with a receipt is left alone).
pub async fn issue_for(state: &AppState, p: &Payment) -> Result<String, AppError> {
    if let Some(r) = &p.receipt {
        return Ok(r.clone());
    }
    let lock = state.module_state::<Numbering>().lock_of(&p.agency);
    let _numbering = lock.lock().await;
    // Issued meanwhile by a sweep or another report on this server?
    if let Some(r) = crate::payments_port(state)?.payment(&p.txn_ref).await?.and_then(|now| now.receipt) {
        return Ok(r);
    }
    let issuer = documents::required(state)?;
    let today = tinhso_kernel::calendar::local_date(Utc::now());
    let year = chrono::Datelike::year(&today);
    let agency_name = state.agency_name(&p.agency).unwrap_or(&p.agency).to_owned();
    let amount = u64::try_from(p.amount_vnd).unwrap_or(0);
    let register = tinhso_http::capability::issued::register(state)?;
    for _ in 0..5 {
        // Issued meanwhile by another server settling the same payment: that one stands.
        let issued = register.about(&p.dossier).await?;
        if let Some(r) = issued.into_iter().find(|d| d.kind == "receipt") {
            crate::payments_port(state)?.set_receipt(&p.txn_ref, &r.code).await?;
            return Ok(r.code);
        }
        let seq = register.next_receipt_seq(&p.agency, year).await?;
        let number = format!("BL-{year}-{seq:06}/{}", p.agency);
        let method = if p.method == "bank" { "Chuyển khoản (VietQR)" } else { "Cổng thanh toán trực tuyến" };
        let doc = OfficialDocument {
            superior: state.province.committee_heading(),
            issuer: agency_name.to_uppercase(),
            number: format!("Số: {number}"),
            place_date: place_date(&state.province.name, today),
            title: "BIÊN LAI THU PHÍ, LỆ PHÍ ĐIỆN TỬ".into(),
            subtitle: Some("(Liên giao người nộp)".into()),
            body: vec![
                Block::Field { label: "Mã hồ sơ".into(), value: p.dossier.clone() },
                Block::Field { label: "Số tiền".into(), value: tinhso_kernel::format::money(amount, false) },
                Block::Field { label: "Hình thức thanh toán".into(), value: method.into() },
                Block::Field { label: "Mã giao dịch".into(), value: p.external_ref.clone().unwrap_or_else(|| p.txn_ref.clone()) },
                Block::Para(format!(
                    "{agency_name} đã thu đủ số tiền phí, lệ phí nêu trên. Biên lai điện tử có giá trị như biên lai giấy \
                     theo Nghị định số 11/2020/NĐ-CP và Thông tư số 32/2025/TT-BTC."
                )),
            ],
            qr: None,
            signature: None,
            subject: format!("Biên lai thu phí, lệ phí hồ sơ {}", p.dossier),
            created: Utc::now(),
        };
        let what = ToIssue {
            kind: DocumentKind::Receipt,
            subject: p.dossier.clone(),
            agency: p.agency.clone(),
            owner: Some(AccountId(p.applicant)),
            actor: AccountId::NO_PERSON,
            name: format!("Biên lai {}.pdf", p.dossier),
            year,
            seq,
            doc,
            reason: "Ký biên lai thu phí, lệ phí".into(),
        };
        match issuer.issue(state, what).await {
            Ok(issued) => {
                crate::payments_port(state)?.set_receipt(&p.txn_ref, &issued.document.code).await?;
                return Ok(issued.document.code);
            }
            Err(AppError::Conflict { code: "number_taken", .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(AppError::Internal("no receipt number could be taken after 5 tries".into()))
}
