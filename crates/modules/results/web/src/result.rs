//! A dossier's electronic result: the document the deciding agency signs when its approver
//! approves (the dossier flow calls `ResultIssuer::issue` before writing the approval).

use crate::issue::{issue, new_code, ToIssue};
use crate::Results;
use async_trait::async_trait;
use chrono::Utc;
use tinhso_dossier::Dossier;
use tinhso_dossier_web::service::ResultIssuer;
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::format::date_vi;
use tinhso_results::document::{place_date, Block, OfficialDocument};
use tinhso_store::{Account, Attachment};

/// The province's name in capitals after "UBND TỈNH".
pub fn superior(state: &AppState) -> String {
    format!("UBND {} {}", state.province.division_type, state.province.name).to_uppercase()
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

pub struct Issuer;

#[async_trait]
impl ResultIssuer for Issuer {
    async fn issue(&self, state: &AppState, d: &Dossier, approver: &Account) -> Result<Attachment, AppError> {
        let results = state.module_state::<Results>();
        let rec = state.store.dossiers.dossier(&d.code).await?.ok_or(AppError::NotFound)?;
        let text = |k: &str| rec.form.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        let catalogue = state.catalogue();
        let procedure = catalogue.get(d.procedure.as_str()).map(|p| p.name.clone()).unwrap_or_default();
        let agency = d.competent_agency.as_str().to_owned();
        let agency_name = state.agency_name(&agency).unwrap_or(&agency).to_owned();
        let code = new_code("KQ")?;
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
            superior: superior(state),
            issuer: agency_name.to_uppercase(),
            number: format!("Số: {}/KQ", d.code),
            place_date: place_date(&state.province.name, today),
            title: "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH".into(),
            subtitle: Some(procedure),
            body,
            qr: Some(verify_link(state, &code)),
            signature: None,
            subject: format!("Kết quả giải quyết hồ sơ {}", d.code),
            created: Utc::now(),
        };
        let what = ToIssue {
            kind: "result",
            dossier: d.code.to_string(),
            agency,
            owner: Some(d.applicant),
            actor: approver.id,
            name: format!("Kết quả {}.pdf", d.code),
            code,
            year: chrono::Datelike::year(&today),
            seq: 0,
            doc,
            reason: "Ký kết quả giải quyết thủ tục hành chính".into(),
        };
        Ok(issue(state, &results, what).await?.0)
    }

    async fn withdraw(&self, state: &AppState, sha256: &tinhso_kernel::ids::Sha256) {
        let Ok(Some(doc)) = state.store.results.issued_by_sha256(sha256.as_str()).await else { return };
        let note = "Phê duyệt không được ghi nhận (hồ sơ vừa thay đổi); kết quả này không có giá trị";
        let entry = tinhso_ledger::chain::Link {
            id: 0,
            lane: format!("{}{}", tinhso_results::audit::LANE_PREFIX, doc.agency),
            seq: 0,
            dossier: tinhso_results::audit::subject(&doc.code),
            at: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            actor: 0,
            payload: format!(
                "{{\"kind\":\"document_revoked\",\"document\":{}}}",
                serde_json::json!({ "code": doc.code, "reason": note })
            ),
        };
        if let Err(e) = state.store.results.set_issued_status(&doc.code, "revoked", None, note, &entry).await {
            tracing::error!(code = %doc.code, error = %e, "a result signed for an unwritten approval could not be withdrawn");
        }
    }
}
