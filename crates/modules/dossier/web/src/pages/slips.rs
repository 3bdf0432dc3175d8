//! Printable slips: Mẫu 01 receipt with a QR code to the public lookup, Mẫu 02 supplement
//! request, refusal notice, apology letter; in the national format for state documents.

use crate::service as dossiers;
use crate::views::{summary, DossierSummary};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use tinhso_catalogue_web::live;
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
    /// The procedure's fee, not yet paid, as a VietQR code (svg), the amount, the account and
    /// the transfer content, when the province has a collection account.
    pub fee_qr: Option<(String, String, String, String)>,
}

/// The slips a dossier has, by address and name; the slips themselves are state forms, in
/// Vietnamese whatever the reader's language.
pub fn slips_for(d: &Dossier, en: bool) -> Vec<(&'static str, &'static str)> {
    let t = |vi: &'static str, english: &'static str| if en { english } else { vi };
    let mut s = Vec::new();
    if d.received_on.is_some() {
        s.push((
            "tiep-nhan",
            t("Phiếu tiếp nhận và hẹn trả kết quả (Mẫu 01)", "Receipt and due date (Form 01, in Vietnamese)"),
        ));
    }
    if d.supplement_requests > 0 {
        s.push((
            "bo-sung",
            t("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)", "Request for documents (Form 02, in Vietnamese)"),
        ));
    }
    if d.state == DossierState::Refused {
        s.push(("tu-choi", t("Phiếu từ chối tiếp nhận", "Refusal slip (in Vietnamese)")));
    }
    if d.apology_due_on.is_some() {
        s.push((
            "xin-loi",
            t("Phiếu xin lỗi và hẹn lại ngày trả kết quả", "Apology with a new due date (in Vietnamese)"),
        ));
    }
    s
}

fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(140, 140).quiet_zone(true).build(),
        Err(_) => String::new(),
    }
}

/// What the applicant handed in: components received as files or on paper, with how; every
/// component when the submission named none (older online dossiers).
fn received_components(state: &AppState, d: &Dossier, events: &[StoredEvent]) -> Vec<String> {
    let catalogue = live::index(state);
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
    let page = slip_page(&state, &viewer, &headers, &code, &kind).await?;
    Ok(viewer.finish(render(&page)))
}

/// The same slip as a PDF (tagged PDF/A with the embedded Vietnamese font), for the citizen
/// to keep or print where there is no browser printing.
pub async fn slip_pdf(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path((code, kind)): Path<(String, String)>,
) -> PageResult {
    let err = page_err(&viewer);
    let page = slip_page(&state, &viewer, &headers, &code, &kind).await?;
    let doc = slip_document(&page);
    let rendered = tokio::task::spawn_blocking(move || tinhso_results::render::render(&doc))
        .await
        .map_err(|e| err(AppError::Internal(e.to_string())))?
        .map_err(|e| err(AppError::Internal(e.to_string())))?;
    let name = format!("{}-{}.pdf", page.kind, page.d.code);
    let mut resp = axum::response::IntoResponse::into_response(rendered.pdf);
    let h = resp.headers_mut();
    h.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/pdf"));
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("inline; filename=\"{name}\"")) {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    h.insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("private, no-store"));
    Ok(resp)
}

/// A slip as a state document: what the printable page says, block by block.
fn slip_document(p: &SlipPage) -> tinhso_results::OfficialDocument {
    use tinhso_results::Block;
    let mut body = vec![Block::Field { label: "Mã hồ sơ".into(), value: p.d.code.clone() }];
    let mut who = p.applicant.clone();
    if !p.id_number.is_empty() {
        who.push_str(&format!(" — Số định danh cá nhân: {}", p.id_number));
    }
    if !p.phone.is_empty() {
        who.push_str(&format!(" — Điện thoại: {}", p.phone));
    }
    body.push(Block::Field { label: "Người nộp".into(), value: who });
    if !p.d.organization.is_empty() {
        let mut capacity = p.d.capacity.to_owned();
        if let Some(first) = capacity.get(..1) {
            capacity.replace_range(..1, &first.to_uppercase());
        }
        body.push(Block::Field { label: format!("{capacity} của"), value: p.d.organization.clone() });
    }
    body.push(Block::Field { label: "Nội dung yêu cầu giải quyết".into(), value: p.d.procedure.clone() });
    if p.kind == "tiep-nhan" {
        body.push(Block::Heading("Thành phần hồ sơ đã nhận".into()));
        body.push(Block::List(p.components.clone()));
        body.push(Block::Para(format!(
            "Ngày nộp: {}. Ngày tiếp nhận: {}. Hình thức nộp: {}.",
            p.d.submitted, p.d.received, p.d.channel
        )));
        body.push(Block::Field {
            label: "Ngày hẹn trả kết quả".into(),
            value: format!("{}, tại {}", p.d.due, p.d.receiving),
        });
        body.push(Block::Field { label: "Cơ quan giải quyết".into(), value: p.d.competent.clone() });
        if let Some((_, amount, account, content)) = &p.fee_qr {
            body.push(Block::Para(format!(
                "Phí, lệ phí: {amount}. Nộp bằng chuyển khoản vào tài khoản {account}, nội dung {content} (mã VietQR trên bản in của phiếu)."
            )));
        }
        if let Some((code, url)) = &p.claim {
            body.push(Block::Para(format!(
                "Tài khoản dịch vụ công của người nộp: đăng ký tại {url} bằng số điện thoại đã khai và mã kích hoạt {code} (dùng một lần; không đưa mã này cho người khác)."
            )));
        }
    } else {
        body.push(Block::List(p.lines.clone()));
    }
    body.push(Block::Para(
        "NGƯỜI NỘP HỒ SƠ (ký và ghi rõ họ tên)          NGƯỜI TIẾP NHẬN HỒ SƠ (ký và ghi rõ họ tên)".into(),
    ));
    tinhso_results::OfficialDocument {
        superior: String::new(),
        issuer: p.issuer.to_uppercase(),
        number: "Bộ phận Một cửa".into(),
        place_date: p.place_date.clone(),
        title: p.title.to_uppercase(),
        subtitle: None,
        body,
        qr: Some((p.lookup_url.clone(), format!("Tra cứu hồ sơ: {}", p.lookup_url))),
        signature: None,
        subject: format!("{} – {}", p.title, p.d.code),
        created: chrono::Utc::now(),
    }
}

async fn slip_page(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    code: &str,
    kind: &str,
) -> Result<SlipPage, tinhso_http::error::PageError> {
    let (code, kind) = (code.to_owned(), kind.to_owned());
    let err = page_err(viewer);
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let rec = dossiers::load(state, account, &code).await.map_err(&err)?;
    let d = &rec.dossier;
    let (kind, title) =
        slips_for(d, false).into_iter().find(|(k, _)| *k == kind).ok_or(AppError::NotFound).map_err(&err)?;
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
    let base = state.site_url(headers);
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
    let channels = state.module_state::<tinhso_payments::Channels>();
    let fee_qr = match (kind, d.fee_vnd, channels.vietqr.as_ref()) {
        ("tiep-nhan", Some(fee), Some(acc)) if fee > 0 && d.paid_on.is_none() => {
            let content = tinhso_payments::vietqr::memo(d.code.as_str());
            let svg = qr_svg(&tinhso_payments::vietqr::payload(acc, fee, &content));
            let amount = tinhso_kernel::format::money(fee, false);
            Some((svg, amount, format!("{} ({}), {}", acc.number, acc.bin, acc.name), content))
        }
        _ => None,
    };
    let page = SlipPage {
        layout: Layout::new(state, viewer, title),
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
        d: summary(state, d, false),
        applicant: text("ho_ten"),
        id_number: text("so_dinh_danh"),
        phone: rec.applicant_phone.as_ref().map(|p| p.to_string()).unwrap_or_default(),
        components: received_components(state, d, &events),
        lines,
        qr_svg: qr_svg(&lookup_url),
        lookup_url,
        claim,
        fee_qr,
    };
    Ok(page)
}
