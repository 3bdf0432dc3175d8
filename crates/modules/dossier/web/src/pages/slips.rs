//! Printable slips: Mẫu 01 receipt with a QR code to the public lookup, Mẫu 02 supplement
//! request, refusal notice, apology letter; in the national format for state documents.

use crate::service as dossiers;
use crate::views::{summary, DossierSummary};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use tinhso_dossier::{Dossier, DossierState, EventKind};
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_kernel::format::date_vi;
use tinhso_store::StoredEvent;

#[derive(Template)]
#[template(path = "dossier/slip.html")]
pub struct SlipPage {
    pub layout: Layout,
    pub kind: &'static str,
    pub title: &'static str,
    pub issuer: String,
    pub place_date: String,
    pub d: DossierSummary,
    pub applicant: String,
    pub id_number: String,
    pub phone: String,
    pub components: Vec<String>,
    pub lines: Vec<String>,
    pub qr_svg: String,
    pub lookup_url: String,
    /// On the receipt the desk prints for a walk-in: the code that lets them take over the
    /// account the desk opened, and where to do it.
    pub claim: Option<(String, String)>,
}

pub fn slips_for(d: &Dossier) -> Vec<(&'static str, &'static str)> {
    let mut s = Vec::new();
    if d.received_on.is_some() {
        s.push(("tiep-nhan", "Phiếu tiếp nhận và hẹn trả kết quả (Mẫu 01)"));
    }
    if d.supplement_requests > 0 {
        s.push(("bo-sung", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)"));
    }
    if d.state == DossierState::Refused {
        s.push(("tu-choi", "Phiếu từ chối tiếp nhận"));
    }
    if d.apology_due_on.is_some() {
        s.push(("xin-loi", "Phiếu xin lỗi và hẹn lại ngày trả kết quả"));
    }
    s
}

fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(140, 140).quiet_zone(true).build(),
        Err(_) => String::new(),
    }
}

fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let proto = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).unwrap_or("http");
    format!("{proto}://{host}")
}

/// What the applicant handed in: components received as files or on paper, with how; every
/// component when the submission named none (older online dossiers).
fn received_components(state: &AppState, d: &Dossier, events: &[StoredEvent]) -> Vec<String> {
    let catalogue = state.catalogue();
    let Some(p) = catalogue.get(d.procedure.as_str()) else { return Vec::new() };
    let (files, paper): (Vec<u16>, Vec<u16>) = events
        .iter()
        .find_map(|e| match &e.event.kind {
            EventKind::Submitted { files, paper_components, .. } => {
                Some((files.iter().filter_map(|f| f.component).collect(), paper_components.clone()))
            }
            _ => None,
        })
        .unwrap_or_default();
    let named = !files.is_empty() || !paper.is_empty();
    let written: Vec<u16> = p.declarations().into_iter().filter_map(|i| u16::try_from(i).ok()).collect();
    p.components
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let i = u16::try_from(i).ok()?;
            let how = match (paper.contains(&i), files.contains(&i)) {
                (true, true) => "bản giấy và bản điện tử",
                (true, false) => "bản giấy",
                (false, true) => "bản điện tử",
                (false, false) if written.contains(&i) => "lập từ biểu mẫu điện tử",
                (false, false) if named => return None,
                (false, false) => "",
            };
            let kind = c.copy_kind.label_vi().to_lowercase();
            Some(if how.is_empty() { format!("{} ({kind})", c.name) } else { format!("{} ({kind}; {how})", c.name) })
        })
        .collect()
}

pub async fn slip(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path((code, kind)): Path<(String, String)>,
) -> PageResult {
    let err = page_err(&viewer);
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let rec = dossiers::load(&state, account, &code).await.map_err(&err)?;
    let d = &rec.dossier;
    let (kind, title) = slips_for(d).into_iter().find(|(k, _)| *k == kind).ok_or(AppError::NotFound).map_err(&err)?;
    let events = state.store.dossiers.dossier_events(&d.code).await.map_err(|e| err(e.into()))?;
    let last = |pick: &dyn Fn(&EventKind) -> Option<Vec<String>>| {
        events.iter().rev().find_map(|e| pick(&e.event.kind)).unwrap_or_default()
    };
    let lines = match kind {
        "bo-sung" => last(&|k| match k {
            EventKind::SupplementRequested { items, reason } => {
                Some(items.iter().map(|i| format!("Bổ sung: {i}")).chain([format!("Lý do: {reason}")]).collect())
            }
            _ => None,
        }),
        "tu-choi" => last(&|k| match k {
            EventKind::Refused { reason } => Some(vec![format!("Lý do từ chối: {reason}")]),
            _ => None,
        }),
        "xin-loi" => last(&|k| match k {
            EventKind::ApologySent { reason, new_due_on } => Some(vec![
                format!("Lý do chậm trả kết quả: {reason}"),
                format!("Ngày hẹn trả kết quả mới: {}", date_vi(*new_due_on)),
                "Cơ quan chân thành xin lỗi ông/bà vì sự chậm trễ này.".to_owned(),
            ]),
            _ => None,
        }),
        _ => Vec::new(),
    };
    let form = &rec.form;
    let text = |k: &str| form.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    let base = state.config.public_url.clone().unwrap_or_else(|| base_url(&headers));
    let lookup_url = format!("{base}/tra-cuu?ma={}", d.code);
    let issuer = state.agency_name(d.receiving_agency.as_str()).unwrap_or_default().to_owned();
    let day = d.received_on.unwrap_or(d.submitted_on);
    let claim = match (kind, account.role) {
        ("tiep-nhan", r) if r != tinhso_policy::Role::Citizen => state
            .store
            .identity
            .claim_code(d.applicant)
            .await
            .map_err(|e| err(e.into()))?
            .map(|c| (c, format!("{base}/dang-ky"))),
        _ => None,
    };
    let page = SlipPage {
        layout: Layout::new(&state, &viewer, title),
        kind,
        title,
        issuer,
        place_date: format!(
            "{}, ngày {} tháng {} năm {}",
            state.province.name,
            chrono::Datelike::day(&day),
            chrono::Datelike::month(&day),
            chrono::Datelike::year(&day)
        ),
        d: summary(&state, d),
        applicant: text("ho_ten"),
        id_number: text("so_dinh_danh"),
        phone: rec.applicant_phone.as_ref().map(|p| p.to_string()).unwrap_or_default(),
        components: received_components(&state, d, &events),
        lines,
        qr_svg: qr_svg(&lookup_url),
        lookup_url,
        claim,
    };
    Ok(viewer.finish(render(&page)))
}
