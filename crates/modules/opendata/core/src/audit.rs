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

/// A dataset's row as stored: the columns pages and the API filter on, and the body they show.
pub struct StoredDataset<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub org: &'a str,
    pub state: &'a str,
    pub private: bool,
    pub revision: i64,
    pub modified: &'a str,
    pub body: &'a str,
}

/// The first column of a dataset's row its ledger entries (lane and hashed payload, in chain
/// order) do not vouch for. The last entry names the body's SHA-256, the name, revision and
/// state; the columns must say what the body says, and the lane is the publisher's. So a
/// private dataset made public, a draft published or a description rewritten in the
/// database, without a revision, is found.
pub fn row_differs(row: &StoredDataset<'_>, entries: &[(&str, &str)]) -> Option<&'static str> {
    use sha2::Digest;
    let Some((lane, last)) = entries.last() else { return Some("body") };
    let Ok(last) = serde_json::from_str::<serde_json::Value>(last) else { return Some("body") };
    let digest: String = sha2::Sha256::digest(row.body.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    if last["sha256"].as_str() != Some(digest.as_str()) {
        return Some("body");
    }
    let Ok(d) = serde_json::from_str::<crate::Dataset>(row.body) else { return Some("body") };
    let columns = [
        ("id", d.id == row.id),
        ("name", d.name == row.name && last["name"].as_str() == Some(row.name)),
        ("org", d.owner_org == row.org && lane.strip_prefix(LANE_PREFIX) == Some(row.org)),
        ("state", d.state.key() == row.state && last["state"].as_str() == Some(row.state)),
        ("private", d.private == row.private),
        ("revision", d.revision == row.revision && last["revision"].as_i64() == Some(row.revision)),
        ("modified", crate::ckan::time(d.modified) == row.modified),
    ];
    columns.into_iter().find_map(|(column, agrees)| (!agrees).then_some(column))
}
