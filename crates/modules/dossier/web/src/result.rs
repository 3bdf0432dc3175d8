//! A dossier's electronic result: what the document the deciding agency signs when its
//! approver approves says. The platform's document capability (the results module) draws,
//! signs and issues it; the flow (`service::act`) asks for it before writing the approval
//! that names it, puts it in the applicant's document store once that approval is written,
//! and withdraws it if the write fails, so that no one ever holds a result that was not given.

use chrono::Utc;
use tinhso_catalogue_web::live;
use tinhso_dossier::Dossier;
use tinhso_http::capability::documents::{DocumentIssuer, Issued, ToIssue};
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::document::{place_date, Block, DocumentKind, OfficialDocument};
use tinhso_kernel::format::date_vi;
use tinhso_store::Account;

/// The verifier's word on a result signed for an approval that was then not written.
pub const WITHDRAWN: &str = "Phê duyệt không được ghi nhận (hồ sơ vừa thay đổi); kết quả này không có giá trị";

/// Renders, signs, stores and records the result of `d` approved by `approver`.
pub async fn issue(
    state: &AppState,
    issuer: &dyn DocumentIssuer,
    d: &Dossier,
    approver: &Account,
) -> Result<Issued, AppError> {
    let rec = state.store.dossiers.dossier(&d.code).await?.ok_or(AppError::NotFound)?;
    let text = |k: &str| rec.form.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    let procedure = live::index(state).get(d.procedure.as_str()).map(|p| p.name.clone()).unwrap_or_default();
    let agency = d.competent_agency.as_str().to_owned();
    let agency_name = state.agency_name(&agency).unwrap_or(&agency).to_owned();
    let today = tinhso_kernel::calendar::local_date(Utc::now());
    let mut body = vec![
        Block::Field { label: "Mã hồ sơ".into(), value: d.code.to_string() },
        Block::Field { label: "Thủ tục hành chính".into(), value: procedure.clone() },
    ];
    let name = text("ho_ten");
    if !name.is_empty() {
        body.push(Block::Field { label: "Người nộp hồ sơ".into(), value: name });
    }
    if let Some(r) = d.received_on {
        body.push(Block::Field { label: "Ngày tiếp nhận".into(), value: date_vi(r) });
    }
    if let Some(due) = d.due_on {
        body.push(Block::Field { label: "Ngày hẹn trả kết quả".into(), value: date_vi(due) });
    }
    body.push(Block::Field { label: "Ngày có kết quả".into(), value: date_vi(today) });
    body.push(Block::Para(format!(
        "{agency_name} đã giải quyết xong hồ sơ nêu trên theo quy định. Văn bản điện tử này được ký số bởi cơ quan giải quyết, \
         có giá trị pháp lý như bản giấy theo Luật Giao dịch điện tử năm 2023 và Nghị định số 30/2020/NĐ-CP; \
         được lưu trong kho dữ liệu của người nộp để dùng lại khi làm thủ tục khác."
    )));
    let doc = OfficialDocument {
        superior: state.province.committee_heading(),
        issuer: agency_name.to_uppercase(),
        number: format!("Số: {}/KQ", d.code),
        place_date: place_date(&state.province.name, today),
        title: "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH".into(),
        subtitle: Some(procedure),
        body,
        qr: None,
        signature: None,
        subject: format!("Kết quả giải quyết hồ sơ {}", d.code),
        created: Utc::now(),
    };
    let what = ToIssue {
        kind: DocumentKind::Result,
        subject: d.code.to_string(),
        agency,
        // Filed in the applicant's store by the flow, once the approval is written.
        owner: None,
        actor: approver.id,
        name: format!("Kết quả {}.pdf", d.code),
        year: chrono::Datelike::year(&today),
        seq: 0,
        doc,
        reason: "Ký kết quả giải quyết thủ tục hành chính".into(),
    };
    issuer.issue(state, what).await
}
