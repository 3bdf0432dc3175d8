//! The digital-transformation index module's web half: units' self-assessment with evidence
//! in words and files ([`evidence`]) and the province's appraisal ([`pages`],
//! `/quan-tri/chuyen-doi-so`), the published
//! ranking for everyone ([`public`], `/chi-so-chuyen-doi-so` and `/api/v1/dti/results`). The
//! figures the platform measures itself come from the operations centre's Decision 766
//! figures for the unit ([`service::measured`]).
//!
//! May depend on: the platform's HTTP crate, the DTI rules, the operations centre's web
//! service (its figures), the API types, the kernel, the ledger and the ports.

pub mod decision;
pub mod evidence;
pub mod notices;
pub mod pages;
pub mod public;
pub mod reminders;
pub mod service;
pub mod views;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;
use tinhso_http::form::MULTIPART_LIMIT;
use tinhso_http::state::AppState;
use tinhso_http::WebModule;
use utoipa::OpenApi;

/// The module's storage port, which the composition root puts in `state.store`.
pub(crate) fn dti_port(state: &AppState) -> tinhso_store::Result<Arc<dyn tinhso_dti_port::DtiStore>> {
    state.store.port::<dyn tinhso_dti_port::DtiStore>()
}

/// The module's configuration on a server: the frameworks a round opens with, the province's
/// file (checked at start) or, when `None`, the shipped one.
#[derive(Default)]
pub struct Dti {
    pub frameworks: Option<Arc<tinhso_dti::Frameworks>>,
}

impl Dti {
    /// The frameworks a round opens with now.
    pub fn frameworks(&self) -> Result<Arc<tinhso_dti::Frameworks>, String> {
        match &self.frameworks {
            Some(f) => Ok(f.clone()),
            // Parsed once: the back office names it on every page.
            None => {
                static SHIPPED: std::sync::OnceLock<Result<Arc<tinhso_dti::Frameworks>, String>> =
                    std::sync::OnceLock::new();
                SHIPPED
                    .get_or_init(|| tinhso_dti::Frameworks::parse(tinhso_dti::framework::DEFAULT).map(Arc::new))
                    .clone()
            }
        }
    }
}

/// Sets the module up with the framework rounds open with.
pub fn install(state: &AppState, dti: Dti) {
    state.set_module_state(Arc::new(dti));
}

#[derive(OpenApi)]
#[openapi(paths(public::api), tags((name = "dti", description = "The digital-transformation index")))]
pub struct ApiDoc;

pub fn module() -> WebModule {
    let routes = Router::new()
        .route(public::PUBLIC, get(public::page))
        .route("/api/v1/dti/results", get(public::api))
        .route(pages::BACK_OFFICE, get(pages::index).post(pages::open))
        .route("/quan-tri/chuyen-doi-so/{year}/cong-bo", post(pages::publish))
        .route("/quan-tri/chuyen-doi-so/{year}/quyet-dinh", post(decision::sign_form))
        .route("/chi-so-chuyen-doi-so/quyet-dinh/{year}", get(decision::download))
        .route(
            "/quan-tri/chuyen-doi-so/{year}/{unit}",
            get(pages::assessment).post(pages::act).layer(DefaultBodyLimit::max(MULTIPART_LIMIT)),
        )
        .route("/quan-tri/chuyen-doi-so/{year}/{unit}/tep/{sha256}", get(evidence::download));
    WebModule {
        routes,
        api: ApiDoc::openapi(),
        own_upload_auth: &[],
        personal_data: None,
        held_work: None,
        account_links: Some(account_links),
    }
}

/// On a person's account page: the back office, for those who read every unit's assessment
/// (the province, the appraisal council, leaders, inspectors) and for a ranked unit's admin.
fn account_links(state: &AppState, viewer: &tinhso_http::auth::Viewer) -> Vec<tinhso_http::AccountLink> {
    use tinhso_policy::Action;
    let own_unit = viewer.account.as_ref().and_then(|a| a.agency.as_ref()).is_some_and(|c| {
        viewer.may(&Action::AssessDigitalTransformation { agency: c.clone() })
            && state.agencies.iter().any(|x| &x.code == c && x.is_ranked_unit())
    });
    if !(own_unit || viewer.may(&Action::ViewDigitalTransformation)) {
        return Vec::new();
    }
    vec![tinhso_http::AccountLink {
        href: pages::BACK_OFFICE,
        vi: "Đánh giá chuyển đổi số (DTI)",
        en: "Digital-transformation index",
    }]
}

#[cfg(test)]
mod tests {
    use utoipa::OpenApi;

    /// Every `/api/` route this module serves is in its part of the document, and nothing else.
    #[test]
    fn every_api_route_is_documented() {
        assert_eq!(tinhso_http::openapi::check_documented(include_str!("lib.rs"), &super::ApiDoc::openapi()), Ok(()));
    }
}
