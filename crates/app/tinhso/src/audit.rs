//! `tinhso audit verify`: streams the whole chain through the ledger's audit, page by page, so
//! memory stays flat however long the history; the dossier module says how its events are
//! labelled, the ledger checks hashes, order, anchors and those labels.

use anyhow::Result;
use tinhso_dossier::audit::DossierLabels;
use tinhso_ledger::audit::Audit;
use tinhso_ledger::chain::Break;
use tinhso_store::Stores;

const PAGE: usize = 20_000;

/// `Ok(Ok((events, dossiers)))` when intact, `Ok(Err(break))` naming the first break.
pub async fn verify(store: &Stores) -> Result<std::result::Result<(u64, u64), Break>> {
    let anchors = store.ledger.audit_anchors().await?;
    let mut audit = Audit::new(anchors.checkpoints, DossierLabels);
    let mut after = 0i64;
    loop {
        let page = store.ledger.audit_page(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.link.id;
        for row in &page {
            if let Err(b) = audit.push(&row.link, &row.hash, &row.kind, row.public) {
                return Ok(Err(b));
            }
        }
    }
    let audited = match audit.finish(anchors.head) {
        Ok(a) => a,
        Err(b) => return Ok(Err(b)),
    };
    if let Some(code) = store.ledger.audit_unlinked().await?.into_iter().next() {
        return Ok(Err(Break::Unlinked { dossier: code }));
    }
    Ok(Ok((audited.entries, audited.subjects)))
}
