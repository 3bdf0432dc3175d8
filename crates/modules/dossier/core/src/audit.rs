//! How dossier events are labelled on the ledger: the kind a payload carries and whether the
//! applicant sees it, for `tinhso audit verify`.

use crate::EventKind;
use tinhso_ledger::audit::Labels;

/// The dossier module's labels: a `submitted` event opens a dossier.
pub struct DossierLabels;

impl Labels for DossierLabels {
    fn label<'p>(&self, _lane: &str, payload: &'p str) -> Option<(&'p str, bool)> {
        let kind = EventKind::key_of_payload(payload)?;
        Some((kind, EventKind::is_public_key(kind)))
    }

    fn opens(&self, _lane: &str, kind: &str) -> bool {
        kind == "submitted"
    }
}
