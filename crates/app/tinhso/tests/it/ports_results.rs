//! The results port's conformance suite on SQLite and PostgreSQL: issue, look up by code and
//! by hash, gap-free receipt numbers that two issuers cannot both take, revocation once.

use crate::ports::{postgres, sqlite};
use tinhso_ledger::chain::Link;
use tinhso_store::{IssuedDocument, StoreError, Stores};

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
    let r = s.results.as_ref();
    assert_eq!(r.next_receipt_seq("000.00.03.H08", 2026).await.unwrap(), 1);
    r.issue(&doc("KQ-A", "result", 0, 'a'), &entry("KQ-A", "result_issued")).await.unwrap();
    r.issue(&doc("BL-1", "receipt", 1, 'b'), &entry("BL-1", "receipt_issued")).await.unwrap();
    // The same number again is refused, so two servers numbering at once cannot both take it.
    let again = r.issue(&doc("BL-2", "receipt", 1, 'd'), &entry("BL-2", "receipt_issued")).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert!(r.issued_by_code("BL-2").await.unwrap().is_none(), "nothing half-written");
    assert_eq!(r.next_receipt_seq("000.00.03.H08", 2026).await.unwrap(), 2);
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
}
