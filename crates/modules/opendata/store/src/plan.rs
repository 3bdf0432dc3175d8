//! What a dataset save writes, computed once for both engines.

use chrono::Utc;
use sha2::{Digest, Sha256};
use tinhso_ledger::chain::Link;
use tinhso_opendata::audit::LANE_PREFIX;
use tinhso_opendata::Dataset;
use tinhso_store::codec::{from_json, to_json};
use tinhso_store::Result;

pub struct Save {
    pub id: String,
    pub name: String,
    pub org: String,
    pub state: &'static str,
    pub private: bool,
    pub revision: i64,
    pub modified: String,
    pub body: String,
    pub resources: Vec<String>,
    pub at: String,
    pub actor: i64,
    pub kind: &'static str,
    pub entry: Link,
}

pub fn save(d: &Dataset, actor: i64, kind: &'static str) -> Result<Save> {
    let body = to_json(d)?;
    let at = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let digest: String = Sha256::digest(body.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let payload = to_json(&serde_json::json!({
        "kind": kind, "name": d.name, "revision": d.revision, "state": d.state.key(), "sha256": digest,
    }))?;
    Ok(Save {
        id: d.id.clone(),
        name: d.name.clone(),
        org: d.owner_org.clone(),
        state: d.state.key(),
        private: d.private,
        revision: d.revision,
        modified: tinhso_opendata::ckan::time(d.modified),
        resources: d.resources.iter().map(|r| r.id.clone()).collect(),
        entry: Link {
            id: 0,
            lane: format!("{LANE_PREFIX}{}", d.owner_org),
            seq: 0,
            dossier: subject(&d.id),
            at: at.clone(),
            actor,
            payload,
        },
        body,
        at,
        actor,
        kind,
    })
}

/// A dataset's subject on the ledger.
pub fn subject(id: &str) -> String {
    format!("dataset/{id}")
}

pub fn dataset(body: &str) -> Result<Dataset> {
    from_json(body)
}

/// Resource ids over this many are looked up in pieces (bound parameters are limited).
pub const CHUNK: usize = 500;
