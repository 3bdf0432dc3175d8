//! Harvesting other portals' DCAT catalogues on a schedule (each source every so many hours):
//! fetched over HTTP(S) or read from a file on the server, read by the core's harvester, and
//! applied as the system: new datasets created, changed ones updated (a version each),
//! unchanged ones left alone, and those the source dropped withdrawn (deleted, kept).

use crate::service::{organizations_of, portal};
use std::time::Duration;
use tinhso_http::state::AppState;
use tinhso_opendata::harvest::{self, Remote};
use tinhso_opendata::State;
use tinhso_opendata_port::{HarvestSource, OpenDataStore};
use tinhso_store::Stores;

/// The largest catalogue document read.
const MAX_BYTES: usize = 50 * 1024 * 1024;

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub withdrawn: usize,
}

async fn fetch(url: &str) -> Result<(Vec<u8>, Option<String>), String> {
    if url.starts_with("http://") || url.starts_with("https://") {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .user_agent("TinhSo-harvester/1 (+DCAT-AP)")
            .build()
            .map_err(|e| e.to_string())?;
        let r = client
            .get(url)
            .header("Accept", "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8")
            .send()
            .await
            .map_err(|e| format!("Không tải được {url}: {e}"))?;
        if !r.status().is_success() {
            return Err(format!("{url} trả lời HTTP {}", r.status()));
        }
        let ctype = r.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = r.bytes().await.map_err(|e| e.to_string())?;
        if bytes.len() > MAX_BYTES {
            return Err(format!("Danh mục lớn hơn {} MB.", MAX_BYTES / 1024 / 1024));
        }
        Ok((bytes.to_vec(), ctype))
    } else {
        let path = url.strip_prefix("file://").unwrap_or(url);
        let bytes = tokio::fs::read(path).await.map_err(|e| format!("Không đọc được {path}: {e}"))?;
        Ok((bytes, None))
    }
}

/// Harvests `source` once and records what happened on it.
pub async fn run(stores: &Stores, source: &HarvestSource) -> Result<Outcome, String> {
    let catalogue = stores.port::<dyn OpenDataStore>().map_err(|e| e.to_string())?;
    let result = run_inner(catalogue.as_ref(), source).await;
    let mut s = source.clone();
    s.last_run = Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    s.last_result = Some(match &result {
        Ok((o, _)) => serde_json::to_string(o).unwrap_or_default(),
        Err(e) => format!("{{\"error\":{}}}", serde_json::Value::String(e.clone())),
    });
    if let Ok((_, ids)) = &result {
        s.datasets.clone_from(ids);
    }
    catalogue.put_harvest_source(&s).await.map_err(|e| e.to_string())?;
    result.map(|(o, _)| o)
}

async fn run_inner(catalogue: &dyn OpenDataStore, source: &HarvestSource) -> Result<(Outcome, Vec<String>), String> {
    let (bytes, ctype) = fetch(&source.url).await?;
    let format = harvest::format_of(ctype.as_deref(), &source.url)
        .ok_or("Không nhận ra định dạng RDF của danh mục (Turtle, RDF/XML, JSON-LD).")?;
    let base = if source.url.starts_with("http") { source.url.clone() } else { format!("file://{}", source.url) };
    let remote: Vec<Remote> = tokio::task::spawn_blocking(move || harvest::read(&bytes, format, &base))
        .await
        .map_err(|e| e.to_string())??;
    let mut out = Outcome::default();
    let now = chrono::Utc::now().naive_utc();
    let mut ids = Vec::new();
    for r in &remote {
        let id = harvest::id_of(&source.id, &r.iri);
        ids.push(id.clone());
        let existing = catalogue.dataset(&id).await.map_err(|e| e.to_string())?;
        let live = existing.as_ref().filter(|d| d.state != State::Deleted);
        if live.and_then(|d| harvest::hash_of(d)) == Some(r.hash().as_str()) {
            out.unchanged += 1;
            continue;
        }
        let mut d = harvest::dataset(r, &source.id, &source.org, existing.as_ref(), now);
        let (expected, kind) = match &existing {
            Some(e) => (Some(e.revision), "dataset_updated"),
            None => (None, "dataset_created"),
        };
        let mut saved = catalogue.save_dataset(&d, expected, 0, kind).await;
        if existing.is_none() && matches!(saved, Err(tinhso_store::StoreError::Conflict(_))) {
            // The short name is taken (by hand, or by chance): a longer mark is not.
            d.name = harvest::name_of(r, &source.id, 8);
            saved = catalogue.save_dataset(&d, expected, 0, kind).await;
        }
        match saved {
            Ok(_) if existing.is_some() => out.updated += 1,
            Ok(_) => out.created += 1,
            Err(e) => return Err(format!("{}: {e}", r.iri)),
        }
    }
    for gone in source.datasets.iter().filter(|k| !ids.contains(k)) {
        if let Some(mut d) = catalogue.dataset(gone).await.map_err(|e| e.to_string())? {
            if d.state != State::Deleted {
                let expected = d.revision;
                d.state = State::Deleted;
                d.revision += 1;
                d.modified = now;
                catalogue.save_dataset(&d, Some(expected), 0, "dataset_deleted").await.map_err(|e| e.to_string())?;
                out.withdrawn += 1;
            }
        }
    }
    Ok((out, ids))
}

/// Adds a source: `org` names the publisher (its name or id) the datasets go to.
pub async fn add(state: &AppState, url: &str, org: &str, every_hours: i64) -> Result<HarvestSource, String> {
    let url = url.trim();
    if url.is_empty() {
        return Err("Cần địa chỉ danh mục DCAT.".into());
    }
    let orgs = organizations_of(state);
    let o = orgs.iter().find(|o| o.name == org || o.id == org).ok_or_else(|| format!("Không có tổ chức “{org}”."))?;
    portal(state).refresh(state, true).await.map_err(|e| e.to_string())?;
    let s = HarvestSource {
        id: tinhso_opendata::name::derived_id(&format!("harvest-source:{url}")),
        url: url.to_owned(),
        org: o.id.clone(),
        every_hours: every_hours.max(1),
        datasets: Vec::new(),
        last_run: None,
        last_result: None,
    };
    crate::opendata_port(state).map_err(|e| e.to_string())?.put_harvest_source(&s).await.map_err(|e| e.to_string())?;
    Ok(s)
}

/// Whether `s` is due at `now`.
fn due(s: &HarvestSource, now: chrono::DateTime<chrono::Utc>) -> bool {
    match s.last_run.as_deref().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()) {
        Some(t) => now.signed_duration_since(t) >= chrono::Duration::hours(s.every_hours),
        None => true,
    }
}

/// Every ten minutes, harvests the sources that are due.
pub async fn harvest_loop(state: AppState) {
    loop {
        let sources = async { crate::opendata_port(&state)?.harvest_sources().await }.await;
        match sources {
            Ok(sources) => {
                for s in sources.iter().filter(|s| due(s, chrono::Utc::now())) {
                    match run(&state.store, s).await {
                        Ok(o) => {
                            tracing::info!(source = %s.url, created = o.created, updated = o.updated, withdrawn = o.withdrawn, "harvested")
                        }
                        Err(e) => tracing::warn!(source = %s.url, error = %e, "harvest failed"),
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "harvest sources not readable"),
        }
        tokio::time::sleep(Duration::from_secs(600)).await;
    }
}
