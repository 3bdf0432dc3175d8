//! The year's results as the province's decision: once published, the ranking is issued as a
//! document signed by the province's people's committee (as provinces announce it, by a
//! decision of the committee), public on the ranking's page and checked by the public verifier
//! like any issued document. This module says what the decision says (Decree 30/2020's
//! layout); the platform's document capability (the results module) signs and issues it.

use crate::service::{self, Loaded};
use chrono::Utc;
use tinhso_dti::{audit, UnitGroup};
use tinhso_http::capability::documents::{self, ToIssue};
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::document::{place_date, Block, DocumentKind, IssuedDocument, OfficialDocument};
use tinhso_kernel::province::{AgencyKind, AgencyLevel};
use tinhso_store::Account;

/// One group's ranking as the decision lists it.
struct DecisionGroup {
    group: UnitGroup,
    /// (rank, unit, points as Vietnamese write them), in rank order.
    ranked: Vec<(usize, String, String)>,
    /// Units of the group with no appraised assessment.
    unranked: usize,
}

/// What the decision announces.
struct Decision {
    year: i32,
    framework: String,
    groups: Vec<DecisionGroup>,
    /// Where the full results (points by pillar) are public, as the decision says it
    /// ("tại https://…/chi-so-chuyen-doi-so?nam=2025").
    page: String,
}

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

/// The decision as the province's people's committee (the top of the province's agencies)
/// issues it, signed by `by`.
fn to_issue(state: &AppState, d: &Decision, by: &Account) -> Result<ToIssue, AppError> {
    let committee = state
        .agencies
        .iter()
        .find(|a| a.level == AgencyLevel::Province && a.kind == AgencyKind::PeoplesCommittee && a.parent.is_none())
        .ok_or_else(|| AppError::Internal("the province has no people's committee".into()))?;
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
        qr: None,
        signature: None,
        subject: format!("Quyết định công bố Chỉ số chuyển đổi số năm {}", d.year),
        created: Utc::now(),
    };
    Ok(ToIssue {
        kind: DocumentKind::Decision,
        subject: audit::round_subject(d.year),
        agency: committee.code.to_string(),
        owner: None,
        actor: by.id,
        name: format!("Quyết định công bố Chỉ số chuyển đổi số năm {}.pdf", d.year),
        year: d.year,
        seq: 0,
        doc,
        reason: format!("Công bố Chỉ số chuyển đổi số năm {}", d.year),
    })
}

/// The year's decision in force, once issued (one revoked, `tinhso results revoke`, is followed
/// by another signed here).
pub async fn issued(state: &AppState, year: i32) -> Result<Option<IssuedDocument>, AppError> {
    let subject = audit::round_subject(year);
    let all = tinhso_http::capability::issued::register(state)?.about(&subject).await?;
    Ok(all.into_iter().find(|d| d.kind == DocumentKind::Decision.as_str() && d.status == "issued"))
}

/// Where the decision's file is downloaded.
pub fn file_href(year: i32) -> String {
    format!("{}/quyet-dinh/{year}", crate::public::PUBLIC)
}

fn already() -> AppError {
    AppError::Conflict {
        code: "dti_decision_issued",
        vi: "Quyết định công bố kết quả năm này đã được ký số và phát hành.".into(),
        en: "This year's decision has already been signed and issued.".into(),
    }
}

/// Issues the decision of a published year, once.
pub async fn sign(state: &AppState, by: &Account, loaded: &Loaded) -> Result<IssuedDocument, AppError> {
    let year = loaded.round.year;
    if !loaded.published() {
        return Err(AppError::Conflict {
            code: "dti_not_published",
            vi: "Chỉ ký quyết định công bố sau khi đã công bố kết quả.".into(),
            en: "The decision is signed once the results are published.".into(),
        });
    }
    if issued(state, year).await?.is_some() {
        return Err(already());
    }
    let issuer = documents::required(state)?;
    let groups = crate::public::rankings(state, loaded)
        .await?
        .into_iter()
        .map(|(group, ranked)| DecisionGroup {
            group,
            unranked: ranked.iter().filter(|r| r.rank.is_none()).count(),
            ranked: ranked.into_iter().filter_map(|r| Some((r.rank?, r.name, r.total?.vi()))).collect(),
        })
        .collect();
    let page = match &state.config.public_url {
        Some(base) => format!("tại {base}{}?nam={year}", crate::public::PUBLIC),
        None => "tại mục Chỉ số chuyển đổi số của Cổng dịch vụ công tỉnh".to_owned(),
    };
    let d = Decision { year, framework: loaded.frameworks.name(false), groups, page };
    let issued = issuer.issue(state, to_issue(state, &d, by)?).await.map_err(|e| match e {
        // Two appraisers signing at once: the subject has one decision, the other's stands.
        AppError::Conflict { code: "decision_taken", .. } => already(),
        e => e,
    })?;
    Ok(issued.document)
}

/// Signs the decision right after publication when the platform can sign (`None` when it has
/// no signing keys); a failure (the timestamp authority away) leaves the results published and
/// the decision to sign again (`Some(false)`).
pub async fn after_publication(state: &AppState, by: &Account, year: i32) -> Option<bool> {
    state.capabilities.documents.get()?;
    let signed = match service::round(state, year).await {
        Ok(Some(loaded)) => sign(state, by, &loaded).await.map(|_| ()),
        Ok(None) => Err(AppError::NotFound),
        Err(e) => Err(e),
    };
    match signed {
        Ok(()) => Some(true),
        Err(e) => {
            tracing::warn!(year, error = %e.message(tinhso_http::i18n::Locale::En), "the DTI decision was not signed");
            Some(false)
        }
    }
}

/// The province signs a published year's decision (again, after a failed first try).
pub async fn sign_form(
    axum::extract::State(state): axum::extract::State<AppState>,
    viewer: tinhso_http::auth::Viewer,
    axum::extract::Path(year): axum::extract::Path<String>,
    form: tinhso_http::form::FormData,
) -> tinhso_http::pages::PageResult {
    use axum::response::IntoResponse;
    let err = tinhso_http::pages::page_err(&viewer);
    let account = viewer.require(&tinhso_policy::Action::RunDigitalTransformation).map_err(&err)?.clone();
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["csrf"]).map_err(&err)?;
    let year = crate::pages::parse_year(Some(&year)).map_err(&err)?.ok_or(AppError::NotFound).map_err(&err)?;
    let loaded = service::round(&state, year).await.map_err(&err)?.ok_or(AppError::NotFound).map_err(&err)?;
    sign(&state, &account, &loaded).await.map_err(&err)?;
    let to = format!("{}?nam={year}&ket-qua=da-ky", crate::pages::BACK_OFFICE);
    Ok(axum::response::Redirect::to(&to).into_response())
}

/// The decision's signed file, for everyone, once issued.
pub async fn download(
    axum::extract::State(state): axum::extract::State<AppState>,
    viewer: tinhso_http::auth::Viewer,
    axum::extract::Path(year): axum::extract::Path<String>,
) -> tinhso_http::pages::PageResult {
    let err = tinhso_http::pages::page_err(&viewer);
    let year = crate::pages::parse_year(Some(&year)).map_err(&err)?.ok_or(AppError::NotFound).map_err(&err)?;
    let doc = issued(&state, year).await.map_err(&err)?.ok_or(AppError::NotFound).map_err(&err)?;
    let sha256 = tinhso_kernel::ids::Sha256::parse("sha256", &doc.sha256).map_err(|_| err(AppError::NotFound))?;
    let bytes = state.files.read(&sha256).await.map_err(|e| err(e.into()))?;
    Ok(tinhso_http::files::download(bytes, &doc.name, tinhso_kernel::files::FileKind::Pdf))
}
