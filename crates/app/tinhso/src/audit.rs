//! `tinhso audit verify`: streams the whole chain through the ledger's audit, page by page, so
//! memory stays flat however long the history; each module (dossiers, reports) says how the
//! events of its lanes are labelled, the ledger checks hashes, order, anchors and those labels.

use anyhow::Result;
use tinhso_dossier::audit::DossierLabels;
use tinhso_ledger::audit::{Audit, Labels};
use tinhso_ledger::chain::{verify_checkpoints, Break};
use tinhso_opendata::audit::{DataLabels, LANE_PREFIX as DATA_LANES};
use tinhso_payments::audit::{PaymentLabels, LANE_PREFIX as PAYMENT_LANES};
use tinhso_reports::audit::{ReportLabels, LANE_PREFIX};
use tinhso_results::audit::{ResultLabels, LANE_PREFIX as RESULT_LANES};
use tinhso_store::Stores;

const PAGE: usize = 20_000;

/// Each module labels the entries of its own lanes.
struct ModuleLabels;

impl Labels for ModuleLabels {
    fn label<'p>(&self, lane: &str, payload: &'p str) -> Option<(&'p str, bool)> {
        if lane.starts_with(LANE_PREFIX) {
            ReportLabels.label(lane, payload)
        } else if lane.starts_with(DATA_LANES) {
            DataLabels.label(lane, payload)
        } else if lane.starts_with(RESULT_LANES) {
            ResultLabels.label(lane, payload)
        } else if lane.starts_with(PAYMENT_LANES) {
            PaymentLabels.label(lane, payload)
        } else {
            DossierLabels.label(lane, payload)
        }
    }

    fn opens(&self, lane: &str, kind: &str) -> bool {
        if lane.starts_with(LANE_PREFIX) {
            ReportLabels.opens(lane, kind)
        } else if lane.starts_with(DATA_LANES) {
            DataLabels.opens(lane, kind)
        } else if lane.starts_with(RESULT_LANES) {
            ResultLabels.opens(lane, kind)
        } else if lane.starts_with(PAYMENT_LANES) {
            PaymentLabels.opens(lane, kind)
        } else {
            DossierLabels.opens(lane, kind)
        }
    }
}

/// What an intact chain holds, and its latest provincial checkpoint (number, time, hex hash).
pub struct Intact {
    pub events: u64,
    pub dossiers: u64,
    pub last_checkpoint: Option<(i64, String, String)>,
}

/// `Ok(Ok(intact))` when intact, `Ok(Err(break))` naming the first break.
pub async fn verify(store: &Stores) -> Result<std::result::Result<Intact, Break>> {
    let anchors = store.ledger.audit_anchors().await?;
    if let Err(b) = verify_checkpoints(&anchors.checkpoints) {
        return Ok(Err(b));
    }
    let marks = anchors.all_marks();
    let last_checkpoint = anchors
        .checkpoints
        .iter()
        .max_by_key(|c| c.n)
        .map(|c| (c.n, c.at.clone(), c.hash.iter().map(|b| format!("{b:02x}")).collect::<String>()));
    let mut audit = Audit::new(anchors.heads, marks, ModuleLabels);
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
    // Entries written during the walk were skipped; the heads now must cover them.
    let audited = match audit.finish(&store.ledger.lane_heads().await?) {
        Ok(a) => a,
        Err(b) => return Ok(Err(b)),
    };
    if let Some(code) = store.ledger.audit_unlinked().await?.into_iter().next() {
        return Ok(Err(Break::Unlinked { dossier: code }));
    }
    Ok(Ok(Intact { events: audited.entries, dossiers: audited.subjects, last_checkpoint }))
}
