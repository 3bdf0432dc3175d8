//! Reconciling a bank statement against the dossiers waiting for a fee: each credit recorded
//! once by the bank's reference; a match (code and amount) becomes a paid payment (method
//! `bank`) and moves the dossier on, with a receipt; everything else is listed for a person.

use crate::service::{entry, fee_due, settle};
use chrono::Utc;
use std::collections::HashMap;
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::ids::{AccountId, DossierCode};
use tinhso_payments::reconcile::{codes_in, match_line, read, Columns, Due, Line, Outcome};
use tinhso_payments_port::{BankLine, Payment};

/// One line's fate: what matching said, and whether it was new (not seen in an earlier file).
pub struct Reconciled {
    pub line: Line,
    pub outcome: Outcome,
    pub new: bool,
}

fn outcome_key(o: &Outcome) -> &'static str {
    match o {
        Outcome::Confirm { .. } => "confirmed",
        Outcome::AlreadyPaid { .. } => "already_paid",
        Outcome::WrongAmount { .. } => "wrong_amount",
        Outcome::NotAwaitingPayment { .. } => "not_awaiting",
        Outcome::NoDossier => "no_dossier",
    }
}

async fn due_of(state: &AppState, code: &str) -> Result<Option<Due>, AppError> {
    let Ok(c) = DossierCode::parse("dossier", code) else { return Ok(None) };
    let Some(rec) = state.store.dossiers.dossier(&c).await? else { return Ok(None) };
    let paid = rec.dossier.paid_on.is_some()
        || crate::payments_port(state)?.payments_for_dossier(code).await?.iter().any(|p| p.state == "paid");
    Ok(Some(Due { amount_vnd: fee_due(state, &rec.dossier).await?, paid }))
}

pub async fn reconcile(state: &AppState, csv_text: &str, cols: &Columns) -> Result<Vec<Reconciled>, AppError> {
    let lines = read(csv_text, cols).map_err(|m| AppError::bad_request("bad_statement", m.clone(), m))?;
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        if line.reference.is_empty() {
            return Err(AppError::bad_request(
                "bad_statement",
                "Có dòng sao kê thiếu số tham chiếu: không thể bảo đảm không xác nhận hai lần",
                "A statement line has no reference",
            ));
        }
        let mut due = HashMap::new();
        for code in codes_in(&line.content) {
            if let Some(d) = due_of(state, &code).await? {
                due.insert(code, d);
            }
        }
        let outcome = match_line(&line, &due);
        let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let dossier = match &outcome {
            Outcome::Confirm { dossier }
            | Outcome::AlreadyPaid { dossier }
            | Outcome::WrongAmount { dossier, .. }
            | Outcome::NotAwaitingPayment { dossier } => Some(dossier.clone()),
            Outcome::NoDossier => None,
        };
        let record = BankLine {
            reference: line.reference.clone(),
            date: line.date.clone(),
            amount_vnd: i64::try_from(line.amount_vnd).unwrap_or(i64::MAX),
            content: line.content.clone(),
            outcome: outcome_key(&outcome).into(),
            dossier: dossier.clone(),
            recorded_at: now.clone(),
        };
        let payment = match (&outcome, &dossier) {
            (Outcome::Confirm { .. }, Some(code)) => {
                let c = DossierCode::parse("dossier", code).map_err(|_| AppError::NotFound)?;
                let rec = state.store.dossiers.dossier(&c).await?.ok_or(AppError::NotFound)?;
                Some(Payment {
                    txn_ref: format!("NH-{}", line.reference),
                    dossier: code.clone(),
                    agency: rec.dossier.competent_agency.to_string(),
                    applicant: rec.dossier.applicant.0,
                    amount_vnd: record.amount_vnd,
                    method: "bank".into(),
                    state: "paid".into(),
                    external_ref: Some(line.reference.clone()),
                    created_at: now.clone(),
                    updated_at: now.clone(),
                    receipt: None,
                })
            }
            _ => None,
        };
        let link = payment.as_ref().map(|p| {
            entry(
                p,
                "reconciled",
                serde_json::json!({ "bank_ref": line.reference, "date": line.date }),
                AccountId::NO_PERSON.0,
            )
        });
        let new = match (&payment, &link) {
            (Some(p), Some(l)) => crate::payments_port(state)?.record_bank_line(&record, Some((p, l))).await,
            _ => crate::payments_port(state)?.record_bank_line(&record, None).await,
        };
        // A second paid payment of the same dossier is refused by the store: nothing twice.
        let new = match new {
            Ok(n) => n,
            Err(tinhso_store::StoreError::Conflict(_)) => false,
            Err(e) => return Err(e.into()),
        };
        if new {
            if let Some(p) = &payment {
                settle(state, p).await;
            }
        }
        out.push(Reconciled { line, outcome, new });
    }
    Ok(out)
}
