//! The results port's conformance suite on SQLite and PostgreSQL: issue, look up by code and
//! by hash, gap-free receipt numbers that two issuers cannot both take, revocation once.

use crate::ports::{postgres, sqlite};
use tinhso_kernel::document::IssuedDocument;
use tinhso_ledger::chain::Link;
use tinhso_results_port::ResultsStore;
use tinhso_store::{StoreError, Stores};

#[tokio::test]
async fn results_sqlite() {
    results(sqlite().await).await;
}

#[tokio::test]
async fn results_postgres() {
    results(postgres().await).await;
}

fn doc(code: &str, kind: &str, seq: i64, sha: char) -> IssuedDocument {
    IssuedDocument {
        code: code.into(),
        kind: kind.into(),
        dossier: "000.00.03.H08-261203-0001".into(),
        agency: "000.00.03.H08".into(),
        year: 2026,
        seq,
        sha256: sha.to_string().repeat(64),
        signer: "Sở Tư pháp".into(),
        certificate_sha256: "c".repeat(64),
        signed_at: "2026-12-03T08:00:00Z".into(),
        timestamped: false,
        status: "issued".into(),
        replaced_by: None,
        status_note: None,
        name: format!("{code}.pdf"),
    }
}

fn entry(code: &str, kind: &str) -> Link {
    Link {
        id: 0,
        lane: "kq/000.00.03.H08".into(),
        seq: 0,
        dossier: format!("document/{code}"),
        at: "2026-12-03T08:00:00.000000Z".into(),
        actor: 1,
        payload: format!("{{\"kind\":\"{kind}\"}}"),
    }
}

async fn results(s: Stores) {
    let port = s.port::<dyn ResultsStore>().unwrap();
    let r = port.as_ref();
    assert_eq!(r.next_receipt_seq("000.00.03.H08", 2026).await.unwrap(), 1);
    r.issue(&doc("KQ-A", "result", 0, 'a'), &entry("KQ-A", "result_issued")).await.unwrap();
    r.issue(&doc("BL-1", "receipt", 1, 'b'), &entry("BL-1", "receipt_issued")).await.unwrap();
    // The same number again is refused, so two servers numbering at once cannot both take it.
    let again = r.issue(&doc("BL-2", "receipt", 1, 'd'), &entry("BL-2", "receipt_issued")).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert!(r.issued_by_code("BL-2").await.unwrap().is_none(), "nothing half-written");
    assert_eq!(r.next_receipt_seq("000.00.03.H08", 2026).await.unwrap(), 2);
    // A second receipt for the same dossier (two servers settling one payment) is refused.
    let mut second = doc("BL-3", "receipt", 2, 'e');
    second.dossier = "000.00.03.H08-261203-0001".into();
    let again = r.issue(&second, &entry("BL-3", "receipt_issued")).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(r.next_receipt_seq("000.00.03.H08", 2027).await.unwrap(), 1, "numbers start again each year");
    assert_eq!(r.next_receipt_seq("000.00.04.H08", 2026).await.unwrap(), 1, "and per agency");
    let got = r.issued_by_code("KQ-A").await.unwrap().unwrap();
    assert_eq!(got, doc("KQ-A", "result", 0, 'a'));
    assert_eq!(r.issued_by_sha256(&"b".repeat(64)).await.unwrap().unwrap().code, "BL-1");
    assert_eq!(r.issued_for_dossier("000.00.03.H08-261203-0001").await.unwrap().len(), 2);
    assert!(r
        .set_issued_status("KQ-A", "revoked", None, "Sai thông tin", &entry("KQ-A", "document_revoked"))
        .await
        .unwrap());
    assert!(
        !r.set_issued_status("KQ-A", "replaced", Some("KQ-B"), "", &entry("KQ-A", "document_replaced")).await.unwrap(),
        "a revoked document stays revoked"
    );
    let got = r.issued_by_code("KQ-A").await.unwrap().unwrap();
    assert_eq!((got.status.as_str(), got.status_note.as_deref()), ("revoked", Some("Sai thông tin")));

    // A decision of the province (a year's DTI results): one per subject, so two appraisers
    // signing at once cannot both issue one; another year's is its own.
    let decision = |code: &str, subject: &str, sha: char| IssuedDocument {
        dossier: subject.into(),
        agency: "000.00.00.H08".into(),
        ..doc(code, "decision", 0, sha)
    };
    r.issue(&decision("QD-1", "dti/2025", 'f'), &entry("QD-1", "decision_issued")).await.unwrap();
    let again = r.issue(&decision("QD-2", "dti/2025", '1'), &entry("QD-2", "decision_issued")).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert!(r.issued_by_code("QD-2").await.unwrap().is_none(), "nothing half-written");
    r.issue(&decision("QD-3", "dti/2026", '2'), &entry("QD-3", "decision_issued")).await.unwrap();
    assert_eq!(r.issued_for_dossier("dti/2025").await.unwrap(), [decision("QD-1", "dti/2025", 'f')]);
    // Once revoked, another may be issued in its place.
    assert!(r
        .set_issued_status("QD-1", "revoked", None, "Sai tên đơn vị", &entry("QD-1", "document_revoked"))
        .await
        .unwrap());
    r.issue(&decision("QD-4", "dti/2025", '4'), &entry("QD-4", "decision_issued")).await.unwrap();
    // Kinds are the three the platform issues; anything else is refused by the table.
    let odd = r.issue(&doc("XX-1", "letter", 0, '3'), &entry("XX-1", "letter_issued")).await;
    assert!(odd.is_err(), "{odd:?}");
}

#[tokio::test]
async fn payments_sqlite() {
    payments(sqlite().await).await;
}

#[tokio::test]
async fn payments_postgres() {
    payments(postgres().await).await;
}

fn payment(txn: &str, dossier: &str, method: &str, state: &str) -> tinhso_payments_port::Payment {
    tinhso_payments_port::Payment {
        txn_ref: txn.into(),
        dossier: dossier.into(),
        agency: "000.00.03.H08".into(),
        applicant: 1,
        amount_vnd: 8000,
        method: method.into(),
        state: state.into(),
        external_ref: None,
        created_at: "2026-12-03T08:00:00.000000Z".into(),
        updated_at: "2026-12-03T08:00:00.000000Z".into(),
        receipt: None,
    }
}

fn pay_entry(txn: &str, kind: &str) -> Link {
    Link {
        id: 0,
        lane: "tt/000.00.03.H08".into(),
        seq: 0,
        dossier: format!("payment/{txn}"),
        at: "2026-12-03T08:00:01.000000Z".into(),
        actor: 0,
        payload: format!("{{\"kind\":\"{kind}\"}}"),
    }
}

/// Payments: a move is a compare-and-set (of two racing notifications one wins), a dossier
/// is paid once, and a statement line is recorded once with the payment it makes.
async fn payments(s: Stores) {
    let port = s.port::<dyn tinhso_payments_port::PaymentStore>().unwrap();
    let p = port.as_ref();
    let d = "000.00.03.H08-261203-0001";
    p.create_payment(&payment("T1", d, "gateway", "pending"), &pay_entry("T1", "payment_created")).await.unwrap();
    p.create_payment(&payment("T2", d, "gateway", "pending"), &pay_entry("T2", "payment_created")).await.unwrap();
    let paid = pay_entry("T1", "payment_paid");
    let (a, b) = tokio::join!(
        p.move_payment("T1", "pending", "paid", Some("GW1"), &paid),
        p.move_payment("T1", "pending", "paid", Some("GW1"), &paid),
    );
    assert_eq!(u8::from(a.unwrap()) + u8::from(b.unwrap()), 1, "exactly one of two racing confirmations");
    let got = p.payment("T1").await.unwrap().unwrap();
    assert_eq!((got.state.as_str(), got.external_ref.as_deref()), ("paid", Some("GW1")));
    // A second paid payment of the same dossier is refused: a fee is never taken twice.
    let twice = p.move_payment("T2", "pending", "paid", Some("GW2"), &pay_entry("T2", "payment_paid")).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    assert_eq!(p.payment("T2").await.unwrap().unwrap().state, "pending", "nothing half-written");
    assert_eq!(p.payments_for_dossier(d).await.unwrap().len(), 2);
    assert_eq!(p.payments_in_state("pending", "2027-01-01T00:00:00Z", 10).await.unwrap().len(), 1);
    assert!(p.payments_in_state("pending", "2026-01-01T00:00:00Z", 10).await.unwrap().is_empty());
    p.set_receipt("T1", "BL-AAAA").await.unwrap();
    assert_eq!(p.payment("T1").await.unwrap().unwrap().receipt.as_deref(), Some("BL-AAAA"));
    // Bank lines: once by reference, the payment with it.
    let line = tinhso_payments_port::BankLine {
        reference: "FT1".into(),
        date: "03/12/2026".into(),
        amount_vnd: 8000,
        content: "000.00.03.H08-261203-0002".into(),
        outcome: "confirmed".into(),
        dossier: Some("000.00.03.H08-261203-0002".into()),
        recorded_at: "2026-12-03T08:00:00Z".into(),
    };
    let by_bank = payment("NH-FT1", "000.00.03.H08-261203-0002", "bank", "paid");
    assert!(p.record_bank_line(&line, Some((&by_bank, &pay_entry("NH-FT1", "payment_reconciled")))).await.unwrap());
    assert!(!p.record_bank_line(&line, Some((&by_bank, &pay_entry("NH-FT1", "payment_reconciled")))).await.unwrap());
    assert_eq!(p.bank_lines(10).await.unwrap().len(), 1);
    assert_eq!(p.payment("NH-FT1").await.unwrap().unwrap().method, "bank");
}
