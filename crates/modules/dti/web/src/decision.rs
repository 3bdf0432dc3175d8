//! The year's results as the province's decision: once published, the ranking is issued as a
//! document signed by the province's people's committee (as provinces announce it, by a
//! decision of the committee), public on the ranking's page and checked by the public verifier
//! like any issued document. Signing is the results module's (`DecisionSigner`, set by the
//! composition root); this module says what the decision says.

use crate::service::{self, Loaded};
use tinhso_dti::{audit, UnitGroup};
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_store::{Account, IssuedDocument};

/// The issued documents' kind of a decision.
pub const KIND: &str = "decision";

/// One group's ranking as the decision lists it.
pub struct DecisionGroup {
    pub group: UnitGroup,
    /// (rank, unit, points as Vietnamese write them), in rank order.
    pub ranked: Vec<(usize, String, String)>,
    /// Units of the group with no appraised assessment.
    pub unranked: usize,
}

/// What the decision announces.
pub struct Decision {
    pub year: i32,
    /// The round's subject on the ledger (`dti/2025`): the issued document's subject.
    pub subject: String,
    pub framework: String,
    pub groups: Vec<DecisionGroup>,
    /// Where the full results (points by pillar) are public, as the decision says it
    /// ("tại https://…/chi-so-chuyen-doi-so?nam=2025").
    pub page: String,
}

/// Signs and issues a decision: the results module's.
#[async_trait::async_trait]
pub trait DecisionSigner: Send + Sync + 'static {
    /// Renders `d` as the province's decision, signs it with the province's key, stores it and
    /// records it with its ledger entry; the issued document.
    async fn sign(&self, state: &AppState, d: &Decision, by: &Account) -> Result<IssuedDocument, AppError>;
}

/// The decision signer on this server, when the platform has signing keys.
pub type DecisionHook = tinhso_http::hook::Slot<dyn DecisionSigner>;

/// The year's decision in force, once issued (one revoked, `tinhso results revoke`, is followed
/// by another signed here).
pub async fn issued(state: &AppState, year: i32) -> Result<Option<IssuedDocument>, AppError> {
    let subject = audit::round_subject(year);
    let all = state.store.results.issued_for_dossier(&subject).await?;
    Ok(all.into_iter().find(|d| d.kind == KIND && d.status == "issued"))
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
    let signer = state.module_state::<DecisionHook>().get().ok_or_else(|| AppError::Conflict {
        code: "no_signing_key",
        vi: "Nền tảng chưa được cấu hình khóa ký số (--signing-keys)".into(),
        en: "No signing keys are configured (--signing-keys)".into(),
    })?;
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
    let d = Decision {
        year,
        subject: audit::round_subject(year),
        framework: loaded.framework.name_vi.clone(),
        groups,
        page,
    };
    signer.sign(state, &d, by).await.map_err(|e| match e {
        // Two appraisers signing at once: the subject has one decision, the other's stands.
        AppError::Conflict { code: "decision_taken", .. } => already(),
        e => e,
    })
}

/// Signs the decision right after publication when the platform can sign (`None` when it has
/// no signing keys); a failure (the timestamp authority away) leaves the results published and
/// the decision to sign again (`Some(false)`).
pub async fn after_publication(state: &AppState, by: &Account, year: i32) -> Option<bool> {
    state.module_state::<DecisionHook>().get()?;
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
    let account = viewer.require(&tinhso_policy::Action::AppraiseDigitalTransformation).map_err(&err)?.clone();
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
    let bytes = state.files.read(&sha256).await.map_err(&err)?;
    Ok(tinhso_http::files::download(bytes, &doc.name, tinhso_kernel::files::FileKind::Pdf))
}
