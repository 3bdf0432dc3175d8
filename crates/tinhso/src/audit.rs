//! `tinhso audit verify`: streams the whole chain through the domain's verifier, page by page,
//! so memory stays flat however long the history, and checks the columns the history pages
//! read beside the hashed payload.

use anyhow::Result;
use tinhso_dossier::EventKind;
use tinhso_ledger::chain::{Break, Verifier};
use tinhso_store::Stores;

const PAGE: usize = 20_000;

/// `Ok(Ok((events, dossiers)))` when intact, `Ok(Err(break))` naming the first break.
pub async fn verify(store: &Stores) -> Result<std::result::Result<(u64, u64), Break>> {
    let anchors = store.ledger.audit_anchors().await?;
    let mut v = Verifier::new(anchors.checkpoints);
    let (mut after, mut dossiers) = (0i64, 0u64);
    loop {
        let page = store.ledger.audit_page(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.link.id;
        for row in &page {
            if let Err(b) = v.push(&row.link, &row.hash) {
                return Ok(Err(b));
            }
            let key = EventKind::key_of_payload(&row.link.payload);
            if key != Some(row.kind.as_str()) || row.public != EventKind::is_public_key(&row.kind) {
                return Ok(Err(Break::Mislabelled { id: row.link.id, dossier: row.link.dossier.clone() }));
            }
            dossiers += u64::from(row.kind == "submitted");
        }
    }
    let events = match v.finish(anchors.head) {
        Ok(n) => n,
        Err(b) => return Ok(Err(b)),
    };
    if let Some(code) = store.ledger.audit_unlinked().await?.into_iter().next() {
        return Ok(Err(Break::Unlinked { dossier: code }));
    }
    Ok(Ok((events, dossiers)))
}
