//! The province's decisions: the digital-transformation index's published results, rendered
//! as a decision of the province's people's committee (Decree 30/2020's layout), signed with
//! the committee's key and issued as a public document (the DTI's `DecisionSigner`). No one's
//! document store receives it; the ranking's page links to it and the verifier checks it.

use crate::issue::{issue, new_code, ToIssue};
use crate::result::verify_link;
use crate::Results;
use async_trait::async_trait;
use chrono::Utc;
use tinhso_dti_web::decision::{Decision, DecisionSigner};
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::province::{AgencyKind, AgencyLevel};
use tinhso_results::document::{place_date, Block, OfficialDocument};
use tinhso_store::{Account, IssuedDocument};

pub struct Decisions;

/// The body of the decision: its grounds, the ranking by group, and where the details are.
fn body(d: &Decision) -> Vec<Block> {
    let mut body = vec![
        Block::Para(format!(
            "Căn cứ kết quả tự đánh giá của các sở, ban, ngành và Ủy ban nhân dân các xã, phường, đặc khu, và kết quả \
             thẩm định của Hội đồng thẩm định Chỉ số chuyển đổi số năm {} theo {}.",
            d.year, d.framework
        )),
        Block::Heading(format!("Điều 1. Công bố Chỉ số chuyển đổi số năm {} như sau:", d.year)),
    ];
    for g in &d.groups {
        body.push(Block::Heading(format!("Khối {}", g.group.label_vi().to_lowercase())));
        if g.ranked.is_empty() {
            body.push(Block::Para("Không có đơn vị được thẩm định.".into()));
        }
        // One line a unit, its rank first (a numbered list would number them twice).
        body.extend(
            g.ranked
                .iter()
                .map(|(rank, name, points)| Block::Para(format!("Hạng {rank}: {name}, {points}/1.000 điểm"))),
        );
        if g.unranked > 0 {
            body.push(Block::Para(format!("{} đơn vị không có kết quả do chưa được thẩm định.", g.unranked)));
        }
    }
    body.push(Block::Para(format!("Điểm chi tiết theo từng trụ cột của từng đơn vị được công khai {}.", d.page)));
    body.push(Block::Heading("Điều 2. Quyết định này có hiệu lực kể từ ngày ký.".into()));
    body.push(Block::Para(
        "Thủ trưởng các sở, ban, ngành, Chủ tịch Ủy ban nhân dân các xã, phường, đặc khu căn cứ kết quả được công bố để \
         chỉ đạo khắc phục các chỉ số còn hạn chế."
            .into(),
    ));
    body
}

#[async_trait]
impl DecisionSigner for Decisions {
    async fn sign(&self, state: &AppState, d: &Decision, by: &Account) -> Result<IssuedDocument, AppError> {
        let results = state.module_state::<Results>();
        // The province's people's committee: the top of the province's agencies.
        let committee = state
            .agencies
            .iter()
            .find(|a| a.level == AgencyLevel::Province && a.kind == AgencyKind::PeoplesCommittee && a.parent.is_none())
            .ok_or_else(|| AppError::Internal("the province has no people's committee".into()))?;
        let code = new_code("QD")?;
        let today = tinhso_kernel::calendar::local_date(Utc::now());
        let doc = OfficialDocument {
            superior: String::new(),
            issuer: committee.name.to_uppercase(),
            number: format!("Số: CĐS-{}/QĐ-UBND", d.year),
            place_date: place_date(&state.province.name, today),
            title: "QUYẾT ĐỊNH".into(),
            subtitle: Some(format!(
                "Công bố Chỉ số chuyển đổi số năm {} của các sở, ban, ngành và Ủy ban nhân dân các xã, phường, đặc khu",
                d.year
            )),
            body: body(d),
            qr: Some(verify_link(state, &code)),
            signature: None,
            subject: format!("Quyết định công bố Chỉ số chuyển đổi số năm {}", d.year),
            created: Utc::now(),
        };
        let what = ToIssue {
            kind: tinhso_dti_web::decision::KIND,
            dossier: d.subject.clone(),
            agency: committee.code.to_string(),
            owner: None,
            actor: by.id,
            name: format!("Quyết định công bố Chỉ số chuyển đổi số năm {}.pdf", d.year),
            code,
            year: d.year,
            seq: 0,
            doc,
            reason: format!("Công bố Chỉ số chuyển đổi số năm {}", d.year),
        };
        Ok(issue(state, &results, what).await?.1)
    }
}
