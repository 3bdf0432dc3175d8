//! Electronic results, the web half (the `results` module's service, pages and API): the
//! platform's document capability ([`issue::Issuer`]: whatever another module lays out, a
//! dossier's result, a receipt, the province's decision, is signed with its agency's key and
//! issued with its ledger entry), the agencies' keys, and the public verifier (`/xac-thuc`,
//! `/api/v1/results/...`).
//!
//! It keeps the platform's register of issued documents (`capability::issued`), which the other
//! modules read instead of its storage.
//!
//! May depend on: the platform's HTTP crate, the results core and port, the kernel, the ledger's
//! link type and the storage vocabulary. No other module: they reach signing through the platform.

pub mod issue;
mod register;
pub mod signer;
pub mod verify;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;
use tinhso_http::state::AppState;
use tinhso_http::WebModule;
use tinhso_results_port::ResultsStore;
use utoipa::OpenApi;

/// The module's configuration on a server: who signs, and the timestamp authority for B-T.
#[derive(Default)]
pub struct Results {
    pub signer: Option<Arc<dyn signer::Signer>>,
    pub tsa: Option<String>,
}

/// The module's storage port, which the composition root puts in `state.store`.
pub(crate) fn results_port(state: &AppState) -> tinhso_store::Result<Arc<dyn ResultsStore>> {
    state.store.port::<dyn ResultsStore>()
}

/// Sets the module up on `state` before serving: it keeps the platform's register of issued
/// documents; with signing keys, it is the platform's document capability too; without,
/// documents are not signed here (approvers attach signed files).
pub fn install(state: &AppState, results: Results) {
    match results_port(state) {
        Ok(port) => state.capabilities.issued.set(Arc::new(register::Register(port))),
        Err(e) => tracing::error!(error = %e, "the results module's storage was not set up"),
    }
    if let Some(signer) = results.signer {
        watch_certificates(state, signer.clone());
        state.capabilities.documents.set(Arc::new(issue::Issuer { signer, tsa: results.tsa }));
    }
}

/// Each agency's signing certificate watched: `/metrics` says when each ends and how many key
/// files cannot be read, at each scrape (alerts: deploy/prometheus-alerts.yml), and the
/// province admins see each on the server's page and are told of one ending within 30 days,
/// ended, or unreadable (`ops`).
fn watch_certificates(state: &AppState, signer: Arc<dyn signer::Signer>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
    // Checks run on a blocking thread, where waiting on the runtime is allowed.
    let read = move || -> Vec<(String, Option<chrono::DateTime<chrono::Utc>>)> {
        let certificates = runtime.block_on(signer.certificates());
        certificates.into_iter().map(|(agency, c)| (agency, c.ok().and_then(|c| c.validity()).map(|v| v.1))).collect()
    };
    let read = Arc::new(read);
    let scraped = read.clone();
    state.metrics.sample_on_scrape(move || certificate_samples(&scraped()));
    let names = state.clone();
    state.ops.watch(move || {
        let now = chrono::Utc::now();
        read()
            .into_iter()
            .map(|(agency, until)| {
                let name = names.agency_name(&agency).unwrap_or(&agency).to_owned();
                certificate_condition(&agency, &name, until, now)
            })
            .collect()
    });
}

fn certificate_samples(read: &[(String, Option<chrono::DateTime<chrono::Utc>>)]) -> Vec<tinhso_http::metrics::Sample> {
    use tinhso_http::metrics::Sample;
    let ends =
        read.iter().filter_map(|(a, until)| Some((vec![("agency", a.clone())], until.as_ref()?.timestamp() as f64)));
    let unreadable = read.iter().filter(|(_, until)| until.is_none()).count();
    vec![
        Sample {
            name: "tinhso_signing_certificate_expiry_timestamp_seconds",
            help: "When each agency's signing certificate ends (its notAfter).",
            values: ends.collect(),
        },
        Sample::one(
            "tinhso_signing_keys_unreadable",
            "Agency key files in the signing keys' directory that cannot be read (a wrong password?).",
            unreadable as f64,
        ),
    ]
}

/// Days before its end that a certificate is told of.
const ENDING_DAYS: i64 = 30;

/// `agency`'s certificate, ending at `until` (None: its key cannot be read), at `now`: a
/// concern when unreadable, ended, or ending within 30 days; else when it ends.
pub fn certificate_condition(
    agency: &str,
    name: &str,
    until: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> tinhso_http::ops::Condition {
    use tinhso_http::ops::Condition;
    let day = |t| tinhso_kernel::format::date_vi(tinhso_kernel::calendar::local_date(t));
    let install = format!("cài {agency}.p12 mới vào thư mục khóa ký số");
    let install_en = format!("install a new {agency}.p12 in the signing keys' directory");
    let Some(until) = until else {
        return Condition::concern(
            format!("cert-unreadable:{agency}"),
            format!("Không đọc được khóa ký số {agency}.p12 của {name} (sai mật khẩu?): cơ quan không ký được kết quả điện tử. Hãy kiểm tra tệp và mật khẩu, hoặc {install}."),
            format!("The signing key {agency}.p12 of {name} cannot be read (a wrong password?): the agency cannot sign results. Check the file and its password, or {install_en}."),
        );
    };
    if until < now {
        return Condition::concern(
            format!("cert-ended:{agency}"),
            format!("Chứng thư số của {name} đã hết hạn ngày {}: cơ quan không ký được kết quả điện tử cho đến khi {install}.", day(until)),
            format!("The certificate of {name} ended on {}: the agency cannot sign results until a new {agency}.p12 is installed in the signing keys' directory.", day(until)),
        );
    }
    let left = (until - now).num_days();
    if left < ENDING_DAYS {
        return Condition::concern(
            format!("cert-ending:{agency}"),
            format!("Chứng thư số của {name} hết hạn ngày {} (còn {left} ngày): hãy {install} trước ngày đó (không cần khởi động lại).", day(until)),
            format!("The certificate of {name} ends on {} ({left} days left): {install_en} before then (no restart needed).", day(until)),
        );
    }
    Condition::fine(
        format!("cert:{agency}"),
        format!("Chứng thư số của {name} còn hiệu lực đến ngày {}.", day(until)),
        format!("The certificate of {name} is valid until {}.", day(until)),
    )
}

#[derive(OpenApi)]
#[openapi(paths(verify::api_code, verify::api_verify))]
pub struct ApiDoc;

pub fn module() -> WebModule {
    let routes = Router::new()
        .route("/xac-thuc", get(verify::page).post(verify::upload).layer(DefaultBodyLimit::max(verify::MAX_PDF)))
        .route("/api/v1/results/verify", post(verify::api_verify).layer(DefaultBodyLimit::max(verify::MAX_PDF)))
        .route("/api/v1/results/{code}", get(verify::api_code));
    // The verifier is public and changes nothing: anyone may upload a PDF to it, without a
    // session or CSRF token; the body limit above bounds what it reads.
    WebModule {
        routes,
        api: ApiDoc::openapi(),
        own_upload_auth: &["/xac-thuc"],
        personal_data: None,
        held_work: None,
        account_links: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_certificate_is_told_of_thirty_days_ahead_once_ended_and_when_unreadable() {
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 7, 3, 0, 0).unwrap();
        let said = |until| {
            let c = certificate_condition("000.00.03.H08", "Sở Tư pháp", until, now);
            (c.concern, c.key)
        };
        assert_eq!(said(Some(now + chrono::Duration::days(31))), (false, "cert:000.00.03.H08".to_owned()));
        assert_eq!(said(Some(now + chrono::Duration::days(29))), (true, "cert-ending:000.00.03.H08".to_owned()));
        assert_eq!(said(Some(now - chrono::Duration::hours(1))), (true, "cert-ended:000.00.03.H08".to_owned()));
        assert_eq!(said(None), (true, "cert-unreadable:000.00.03.H08".to_owned()));
        let c = certificate_condition("000.00.03.H08", "Sở Tư pháp", Some(now + chrono::Duration::days(10)), now);
        assert!(c.vi.contains("Sở Tư pháp hết hạn ngày 17/12/2026 (còn 10 ngày)"), "{}", c.vi);
    }
}
