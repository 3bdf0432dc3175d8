//! How report events are labelled on the ledger (lanes `report/...`): the kind a payload
//! carries and whether the public sees it, for `tinhso audit verify`.

use crate::machine::EventKind;
use tinhso_ledger::audit::Labels;

/// The lanes this module writes.
pub const LANE_PREFIX: &str = "report/";

pub struct ReportLabels;

impl Labels for ReportLabels {
    fn label<'p>(&self, _lane: &str, payload: &'p str) -> Option<(&'p str, bool)> {
        // Internally tagged: serde writes the tag first.
        let kind = payload.strip_prefix("{\"kind\":\"")?.split('"').next()?;
        Some((kind, EventKind::is_public_key(kind)))
    }

    fn opens(&self, _lane: &str, kind: &str) -> bool {
        kind == "submitted"
    }
}
