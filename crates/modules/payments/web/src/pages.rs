//! The citizen's fee page (`/ho-so/{code}/nop-phi`): the fee asked, the gateway, a VietQR code
//! for a banking app with the transfer's content filled in, and the payments so far; the
//! gateway's return page (`/thanh-toan/ket-qua`), which asks the gateway itself before saying
//! anything is paid.

use crate::service::{self, fee_due, take_report};
use crate::Payments;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use std::collections::BTreeMap;
use tinhso_http::auth::Viewer;
use tinhso_http::capability::dossiers::required as dossier_flow;
use tinhso_http::client::ClientAddr;
use tinhso_http::error::AppError;
use tinhso_http::form::FormData;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_kernel::format::thousands;
use tinhso_payments::{vietqr, State as PayState};

pub struct PaymentRow {
    pub txn_ref: String,
    pub amount: String,
    pub state: &'static str,
    pub receipt: Option<String>,
}

#[derive(Template)]
#[template(path = "payments/fee.html")]
pub struct FeePage {
    pub layout: Layout,
    pub code: String,
    pub amount: Option<String>,
    pub gateway: bool,
    pub qr_svg: Option<String>,
    pub transfer: Option<(String, String, String)>,
    pub payments: Vec<PaymentRow>,
}

fn qr_svg(text: &str) -> Option<String> {
    qrcode::QrCode::new(text.as_bytes())
        .ok()
        .map(|c| c.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build())
}

async fn fee_page_for(state: &AppState, viewer: &Viewer, code: &str) -> Result<FeePage, AppError> {
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated)?;
    let rec = dossier_flow(state)?.open(state, account, code).await?;
    let d = &rec.dossier;
    let payments = state.module_state::<Payments>();
    let due = fee_due(state, d).await?;
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let vnd = |n: u64| tinhso_kernel::format::money(n, en);
    let (qr, transfer) = match (due, payments.vietqr.as_ref()) {
        (Some(amount), Some(acc)) => {
            let content = vietqr::memo(d.code.as_str());
            (
                qr_svg(&vietqr::payload(acc, amount, &content)),
                Some((format!("{} ({})", acc.number, acc.bin), acc.name.clone(), content)),
            )
        }
        _ => (None, None),
    };
    let rows = crate::payments_port(state)?
        .payments_for_dossier(d.code.as_str())
        .await?
        .into_iter()
        .map(|p| PaymentRow {
            txn_ref: p.txn_ref,
            amount: vnd(u64::try_from(p.amount_vnd).unwrap_or(0)),
            state: PayState::parse(&p.state)
                .map(if en { PayState::label_en } else { PayState::label_vi })
                .unwrap_or(""),
            receipt: p.receipt,
        })
        .collect();
    Ok(FeePage {
        layout: Layout::new(state, viewer, if en { "Pay fees" } else { "Nộp phí, lệ phí" }),
        code: d.code.to_string(),
        amount: due.map(vnd),
        gateway: payments.gateway.is_some(),
        qr_svg: qr,
        transfer,
        payments: rows,
    })
}

pub async fn fee_page(State(state): State<AppState>, viewer: Viewer, Path(code): Path<String>) -> PageResult {
    let page = fee_page_for(&state, &viewer, &code).await.map_err(page_err(&viewer))?;
    let mut resp = viewer.finish(render(&page));
    // The form's answer is a redirect to the gateway: the browser must be allowed to follow it.
    if let Some(g) = state.module_state::<Payments>().gateway.as_ref() {
        let origin = g.origin();
        resp.headers_mut().insert(
            axum::http::header::CONTENT_SECURITY_POLICY,
            tinhso_http::csp_with_form_action(&state.config, &origin),
        );
    }
    Ok(resp)
}

/// Sends the citizen to the gateway with a new pending payment.
pub async fn start(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientAddr(client): ClientAddr,
    headers: axum::http::HeaderMap,
    Path(code): Path<String>,
    form: FormData,
) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let rec = dossier_flow(&state).map_err(&err)?.open(&state, account, &code).await.map_err(&err)?;
    if rec.dossier.applicant != account.id {
        return Err(err(AppError::Forbidden));
    }
    let payments = state.module_state::<Payments>();
    let gateway = payments.gateway.as_ref().ok_or(AppError::NotFound).map_err(&err)?;
    // The gateway sends the browser back here: the public address, or the one this request came to.
    let base = state.site_url(&headers);
    let return_url = format!("{base}/thanh-toan/ket-qua");
    let url = service::start(&state, gateway.as_ref(), &rec.dossier, account.id.0, &return_url, &client.to_string())
        .await
        .map_err(&err)?;
    Ok(Redirect::to(&url).into_response())
}

#[derive(Template)]
#[template(path = "payments/returned.html")]
pub struct ReturnedPage {
    pub layout: Layout,
    pub heading: &'static str,
    pub detail: String,
    pub dossier: Option<String>,
    pub receipt: Option<String>,
}

/// The browser back from the gateway: its parameters are only a hint; the page asks the
/// gateway (a query signed both ways) and shows what the platform then knows.
pub async fn returned(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<BTreeMap<String, String>>,
) -> PageResult {
    let err = page_err(&viewer);
    let payments = state.module_state::<Payments>();
    let gateway = payments.gateway.as_ref().ok_or(AppError::NotFound).map_err(&err)?;
    let report = gateway.report(&params);
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let Some(report) = report else {
        let page = ReturnedPage {
            layout: Layout::new(&state, &viewer, if en { "Payment" } else { "Kết quả thanh toán" }),
            heading: if en { "The payment could not be identified" } else { "Không xác định được giao dịch" },
            detail: if en {
                "The address back from the payment gateway is not valid. If you were charged, the platform records it when the gateway reports it; look at the dossier's fee page again in a few minutes."
            } else {
                "Đường dẫn trở về từ cổng thanh toán không hợp lệ. Nếu đã bị trừ tiền, hệ thống vẫn ghi nhận khi cổng thanh toán báo về; xem lại trang nộp phí của hồ sơ sau ít phút."
            }
            .into(),
            dossier: None,
            receipt: None,
        };
        return Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&page))));
    };
    let stored = crate::payments_port(&state)
        .map_err(|e| err(e.into()))?
        .payment(&report.txn_ref)
        .await
        .map_err(|e| err(e.into()))?;
    let Some(mut p) = stored else { return Err(err(AppError::NotFound)) };
    if p.state == "pending" {
        // The gateway's own answer, not the browser's word.
        match gateway.query(&p).await {
            Ok(Some(r)) => {
                take_report(&state, &r).await.map_err(&err)?;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(txn = %p.txn_ref, error = %e, "the gateway could not be asked on return"),
        }
        if let Some(now) = crate::payments_port(&state)
            .map_err(|e| err(e.into()))?
            .payment(&p.txn_ref)
            .await
            .map_err(|e| err(e.into()))?
        {
            p = now;
        }
    }
    let amount = thousands(u64::try_from(p.amount_vnd).unwrap_or(0));
    let (heading, detail) = if en {
        match PayState::parse(&p.state) {
            Some(PayState::Paid) => (
                "Fees paid",
                format!("The payment gateway confirmed {amount} VND. The e-receipt is in your document store; the dossier goes on."),
            ),
            Some(PayState::Cancelled) => {
                ("Payment cancelled", "Nothing was charged. You may pay again from the fee page.".into())
            }
            Some(PayState::Pending) => (
                "Waiting for the payment gateway to confirm",
                "The gateway has not confirmed yet. Do not pay again; the fee page updates when it confirms.".into(),
            ),
            _ => ("The payment failed", "Nothing was recorded. You may try again or transfer with the VietQR code.".into()),
        }
    } else {
        match PayState::parse(&p.state) {
        Some(PayState::Paid) => (
            "Đã nộp phí, lệ phí",
            format!("Cổng thanh toán đã xác nhận {amount} đồng. Biên lai điện tử được gửi vào kho dữ liệu của ông/bà; hồ sơ được chuyển xử lý tiếp."),
        ),
        Some(PayState::Cancelled) => ("Đã hủy thanh toán", "Chưa có khoản tiền nào được trừ. Ông/bà có thể thanh toán lại từ trang nộp phí.".into()),
        Some(PayState::Pending) => (
            "Đang chờ cổng thanh toán xác nhận",
            "Hệ thống chưa nhận được xác nhận của cổng thanh toán. Không thanh toán lại; trang nộp phí sẽ cập nhật khi có xác nhận.".into(),
        ),
        _ => ("Thanh toán không thành công", "Chưa có khoản tiền nào được ghi nhận. Ông/bà có thể thử lại hoặc chuyển khoản bằng mã VietQR.".into()),
        }
    };
    let page = ReturnedPage {
        layout: Layout::new(&state, &viewer, heading),
        heading,
        detail,
        dossier: Some(p.dossier.clone()),
        receipt: p.receipt.clone(),
    };
    Ok(viewer.finish(render(&page)))
}
