//! How catalogue changes are labelled on the ledger (lanes `data/<organization>`): every
//! create, update and delete of a dataset's metadata is an entry, public like the dataset.

use tinhso_ledger::audit::Labels;

pub const LANE_PREFIX: &str = "data/";

/// The kinds of entries this module writes.
pub const KINDS: [&str; 3] = ["dataset_created", "dataset_updated", "dataset_deleted"];

pub struct DataLabels;

impl Labels for DataLabels {
    fn label<'p>(&self, _lane: &str, payload: &'p str) -> Option<(&'p str, bool)> {
        let kind = payload.strip_prefix("{\"kind\":\"")?.split('"').next()?;
        KINDS.contains(&kind).then_some((kind, true))
    }

    fn opens(&self, _lane: &str, kind: &str) -> bool {
        kind == "dataset_created"
    }
}
