//! Payments' service: starting a payment, taking a gateway's report (notification, return,
//! query), and the sweep that asks about pending payments and refunds stopped dossiers. A
//! fee counts as paid only on the gateway's signed word or the gateway's answer to a query.

use crate::gateway::Gateway;
use crate::Payments;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use tinhso_dossier::{Dossier, DossierState, EventKind};
use tinhso_http::capability::dossiers;
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::ids::{AccountId, DossierCode};
use tinhso_ledger::chain::Link;
use tinhso_payments::gateway::{self, Report};
use tinhso_payments::payment::{decide, PENDING_MINUTES};
use tinhso_payments::{Decision, State as PayState};
use tinhso_payments_port::Payment;
use tinhso_store::StoreError;

/// yyyyMMddHHmmss in Vietnam's time, as the gateway writes dates.
pub fn gateway_time(t: DateTime<Utc>) -> String {
    tinhso_kernel::calendar::local_time(t).format("%Y%m%d%H%M%S").to_string()
}

fn now_text() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A ledger entry of payment `p`: its kind first, as the audit reads it.
pub fn entry(p: &Payment, kind: &str, detail: serde_json::Value, actor: i64) -> Link {
    Link {
        id: 0,
        lane: format!("{}{}", tinhso_payments::audit::LANE_PREFIX, p.agency),
        seq: 0,
        dossier: tinhso_payments::audit::subject(&p.txn_ref),
        at: now_text(),
        actor,
        payload: format!(
            "{{\"kind\":\"payment_{kind}\",\"payment\":{}}}",
            serde_json::json!({ "txn_ref": p.txn_ref, "dossier": p.dossier, "amount_vnd": p.amount_vnd, "detail": detail })
        ),
    }
}

/// The fee dossier `d` waits for now: the amount of its last payment request, while it is in
/// "waiting for the fee" (its events are read only then).
pub async fn fee_due(state: &AppState, d: &Dossier) -> Result<Option<u64>, AppError> {
    if d.state != DossierState::PaymentRequested {
        return Ok(None);
    }
    let events = state.store.dossiers.dossier_events(&d.code).await?;
    Ok(events.iter().rev().find_map(|e| match &e.event.kind {
        EventKind::PaymentRequested { amount_vnd } => Some(*amount_vnd),
        _ => None,
    }))
}

pub(crate) fn new_ref() -> Result<String, AppError> {
    let mut raw = [0u8; 8];
    getrandom::getrandom(&mut raw).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(format!("TT{}{:016X}", Utc::now().format("%y%m%d"), u64::from_be_bytes(raw)))
}

/// Makes a pending payment of the fee `code` waits for, and the gateway address to send the
/// citizen to.
pub async fn start(
    state: &AppState,
    gateway: &dyn Gateway,
    d: &Dossier,
    applicant: i64,
    return_url: &str,
    client_ip: &str,
) -> Result<String, AppError> {
    let code = &d.code;
    let amount = fee_due(state, d).await?.ok_or_else(|| AppError::Conflict {
        code: "no_fee_due",
        vi: "Hồ sơ không ở trạng thái chờ nộp phí, lệ phí".into(),
        en: "This dossier is not waiting for a fee".into(),
    })?;
    let now = Utc::now();
    let p = Payment {
        txn_ref: new_ref()?,
        dossier: code.to_string(),
        agency: d.competent_agency.to_string(),
        applicant,
        amount_vnd: i64::try_from(amount).unwrap_or(i64::MAX),
        method: "gateway".into(),
        state: PayState::Pending.key().into(),
        external_ref: None,
        created_at: now_text(),
        updated_at: now_text(),
        receipt: None,
    };
    crate::payments_port(state)?.create_payment(&p, &entry(&p, "created", serde_json::Value::Null, applicant)).await?;
    Ok(gateway.pay_url(&tinhso_payments::gateway::PayRequest {
        txn_ref: &p.txn_ref,
        amount_vnd: amount,
        order_info: &format!("Nop phi le phi ho so {code}"),
        return_url,
        client_ip,
        create_date: &gateway_time(now),
        expire_date: &gateway_time(now + chrono::Duration::minutes(PENDING_MINUTES)),
    }))
}

/// Takes a gateway report (already checked as the gateway's): confirms, ends or ignores.
/// Returns the gateway's response code for it ("00" taken, "01" unknown, "02" already
/// confirmed or nothing to do, "04" wrong amount).
pub async fn take_report(state: &AppState, report: &Report) -> Result<&'static str, AppError> {
    let Some(p) = crate::payments_port(state)?.payment(&report.txn_ref).await? else {
        return Ok("01");
    };
    let now = PayState::parse(&p.state).unwrap_or(PayState::Pending);
    let amount = u64::try_from(p.amount_vnd).unwrap_or(0);
    let detail = serde_json::json!({ "gateway_txn": report.transaction_no, "bank": report.bank_code,
        "response": report.response_code, "amount_reported": report.amount_vnd });
    let code = match decide(now, amount, report) {
        Decision::WrongAmount => {
            tracing::warn!(txn = %p.txn_ref, asked = amount, reported = report.amount_vnd, "gateway reported another amount");
            "04"
        }
        Decision::AlreadyConfirmed | Decision::Ignore => "02",
        Decision::End(to) => {
            let e = entry(&p, to.key(), detail, AccountId::NO_PERSON.0);
            crate::payments_port(state)?.move_payment(&p.txn_ref, now.key(), to.key(), None, &e).await?;
            "00"
        }
        Decision::Confirm => {
            let e = entry(&p, "paid", detail, AccountId::NO_PERSON.0);
            let moved = crate::payments_port(state)?
                .move_payment(&p.txn_ref, now.key(), PayState::Paid.key(), Some(&report.transaction_no), &e)
                .await;
            match moved {
                Ok(true) => {
                    settle(state, &p).await;
                    "00"
                }
                // Another report confirmed it first.
                Ok(false) => "02",
                // The dossier's fee was already paid by another payment: this money goes back.
                Err(StoreError::Conflict(_)) => {
                    refund_second(state, &p, now, report).await;
                    "02"
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    Ok(code)
}

/// A second payment of a fee already paid (two tabs, two attempts both completed): refunded
/// at once; if the gateway cannot refund now it is logged for a person, as the money is not ours.
async fn refund_second(state: &AppState, p: &Payment, now: PayState, report: &Report) {
    let payments = state.module_state::<Payments>();
    let Some(g) = payments.gateway.as_ref() else { return };
    let taken = Payment { external_ref: Some(report.transaction_no.clone()), ..p.clone() };
    match g.refund(&taken).await {
        Ok(()) => {
            let detail = serde_json::json!({ "gateway_txn": report.transaction_no, "why": "fee already paid" });
            let e = entry(p, "refunded", detail, AccountId::NO_PERSON.0);
            let recorded = async {
                let port = crate::payments_port(state)?;
                port.move_payment(&p.txn_ref, now.key(), "refunded", Some(&report.transaction_no), &e).await
            }
            .await;
            if let Err(err) = recorded {
                tracing::error!(txn = %p.txn_ref, error = %err, "a second payment was refunded but not recorded");
            }
        }
        Err(e) => {
            tracing::error!(txn = %p.txn_ref, error = %e, "a second payment of a paid fee must be refunded by hand")
        }
    }
}

/// After a payment is durably paid: the dossier records the fee as paid online, and the
/// collecting agency signs a receipt into the citizen's document store. Either may fail
/// (the dossier moved on, the signer is away) without undoing the payment: the sweep tries
/// the receipt again, and a paid fee of a dossier that no longer waits for it is refunded.
pub async fn settle(state: &AppState, p: &Payment) {
    if let Ok(code) = DossierCode::parse("dossier", &p.dossier) {
        let recorded = async { dossiers::required(state)?.fee_paid_online(state, &code).await }.await;
        if let Err(e) = recorded {
            tracing::warn!(txn = %p.txn_ref, error = %e, "a paid fee could not be recorded on its dossier");
        }
    }
    if let Err(e) = crate::receipt::issue_for(state, p).await {
        tracing::warn!(txn = %p.txn_ref, error = %e, "the receipt could not be issued yet");
    }
}

/// The gateway's server-to-server notification (IPN): answered as the gateway expects.
#[utoipa::path(get, path = "/api/v1/payments/ipn", tag = "payments",
    params(("vnp_TxnRef" = Option<String>, Query, description = "Our reference"),
           ("vnp_SecureHash" = Option<String>, Query, description = "HMAC-SHA512 of the other parameters")),
    responses((status = 200, description = "`{RspCode, Message}` as the gateway expects, for any request: a missing \
        or wrong signature is `97`, an unknown reference `01`, anything else unreadable `99`")))]
pub async fn ipn(State(state): State<AppState>, Query(params): Query<BTreeMap<String, String>>) -> Response {
    let payments = state.module_state::<Payments>();
    let Some(g) = payments.gateway.as_ref() else {
        return Json(gateway::ipn_answer("99")).into_response();
    };
    let Some(report) = g.report(&params) else {
        tracing::warn!("a payment notification with a bad signature was refused");
        return g.answer("97");
    };
    match take_report(&state, &report).await {
        Ok(code) => g.answer(code),
        Err(e) => {
            tracing::error!(error = %e, "a payment notification could not be recorded");
            g.answer("99")
        }
    }
}

/// One pass: pending payments older than the gateway's window are asked about (and expired
/// when the gateway knows nothing of them); paid fees of dossiers stopped or withdrawn are
/// refunded; receipts that could not be signed are issued.
pub async fn sweep(state: &AppState) -> Result<(), AppError> {
    let payments = state.module_state::<Payments>();
    let cutoff =
        (Utc::now() - chrono::Duration::minutes(PENDING_MINUTES)).to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    if let Some(g) = payments.gateway.as_ref() {
        for p in crate::payments_port(state)?.payments_in_state("pending", &cutoff, 200).await? {
            match g.query(&p).await {
                Ok(Some(report)) if report.paid() => {
                    take_report(state, &report).await?;
                }
                Ok(_) => {
                    let e = entry(&p, "expired", serde_json::Value::Null, AccountId::NO_PERSON.0);
                    crate::payments_port(state)?.move_payment(&p.txn_ref, "pending", "expired", None, &e).await?;
                }
                Err(e) => tracing::warn!(txn = %p.txn_ref, error = %e, "a pending payment could not be checked"),
            }
        }
    }
    let now = now_text();
    for p in crate::payments_port(state)?.payments_in_state("paid", &now, 500).await? {
        let code = DossierCode::parse("dossier", &p.dossier).map_err(|_| AppError::NotFound)?;
        let Some(rec) = state.store.dossiers.dossier(&code).await? else { continue };
        let ended =
            matches!(rec.dossier.state, DossierState::Stopped | DossierState::Withdrawn | DossierState::Refused);
        if ended && p.method == "gateway" {
            if let Some(g) = payments.gateway.as_ref() {
                match g.refund(&p).await {
                    Ok(()) => {
                        let e = entry(&p, "refunded", serde_json::Value::Null, AccountId::NO_PERSON.0);
                        crate::payments_port(state)?.move_payment(&p.txn_ref, "paid", "refunded", None, &e).await?;
                    }
                    Err(e) => tracing::warn!(txn = %p.txn_ref, error = %e, "a refund is still due"),
                }
            }
        } else if p.receipt.is_none() {
            if let Err(e) = crate::receipt::issue_for(state, &p).await {
                tracing::warn!(txn = %p.txn_ref, error = %e, "the receipt could not be issued yet");
            }
        }
    }
    Ok(())
}

/// Runs `sweep` every `every`.
pub async fn sweep_loop(state: AppState, every: std::time::Duration) {
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) = sweep(&state).await {
            tracing::warn!(error = %e, "the payments sweep failed; it runs again");
        }
    }
}
