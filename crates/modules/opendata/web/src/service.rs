//! The portal's service: the catalogue kept in memory on each server (the search index, the
//! publishers and themes), caught up with the store's change counter at most a second
//! behind any other server's saves; saving a dataset (read, authorize, store, index); and
//! download counts, added up in memory and written in batches so counting never slows a
//! download or a search.

use crate::access;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_opendata::index::{Index, Names, Scope};
use tinhso_opendata::input::{self, Errors, Fresh, Lookup, Mode};
use tinhso_opendata::{name, Dataset, Group, Organization, State};
use tinhso_policy::Actor;
use tinhso_store::StoreError;
use tokio::sync::{RwLock, RwLockReadGuard};

/// How stale a server's copy of the catalogue may be before a request checks the counter.
const FRESH_FOR: Duration = Duration::from_secs(1);
/// Changed datasets read per round when catching up.
const PAGE: usize = 2_000;
/// Download counts are written once this many are waiting, or this long after the last write.
const DOWNLOADS_BATCH: i64 = 200;
const DOWNLOADS_EVERY: Duration = Duration::from_secs(10);

#[derive(Default)]
pub struct Catalogue {
    pub index: Index,
    pub organizations: Vec<Organization>,
    pub groups: Vec<Group>,
    /// The change counter this copy has read up to.
    pub seq: i64,
    /// When this copy last caught up; `None` before it is first loaded.
    checked: Option<Instant>,
}

impl Catalogue {
    pub fn organization(&self, key: &str) -> Option<&Organization> {
        self.organizations.iter().find(|o| o.id == key || o.name == key)
    }

    pub fn group(&self, key: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == key || g.name == key)
    }

    fn put(&mut self, d: &Dataset) {
        if d.state == State::Deleted {
            self.index.remove(&d.id);
            return;
        }
        let org = self.organizations.iter().find(|o| o.id == d.owner_org);
        let groups: Vec<&str> =
            d.groups.iter().filter_map(|g| self.groups.iter().find(|x| &x.id == g)).map(|g| g.name.as_str()).collect();
        let names = Names {
            organization: org.map_or("", |o| o.name.as_str()),
            organization_title: org.map_or("", |o| o.title.as_str()),
            groups,
        };
        self.index.put(d, &names);
    }
}

/// The module's state on one server (`AppState::module_state`).
#[derive(Default)]
pub struct Portal {
    catalogue: RwLock<Catalogue>,
    /// Scans that may take seconds (`datastore_search_sql`, `q` over a table): a few at a
    /// time, so they never take every database connection the platform's pages need.
    pub heavy: Heavy,
    downloads: std::sync::Mutex<(HashMap<String, i64>, Option<Instant>)>,
}

/// At most [`HEAVY_AT_ONCE`] long scans on one server.
pub struct Heavy(pub tokio::sync::Semaphore);

pub const HEAVY_AT_ONCE: usize = 2;

impl Default for Heavy {
    fn default() -> Self {
        Self(tokio::sync::Semaphore::new(HEAVY_AT_ONCE))
    }
}

/// The publishers: one per agency of the province model, with an id derived from its code.
pub fn organizations_of(state: &AppState) -> Vec<Organization> {
    state
        .agencies
        .iter()
        .map(|a| Organization {
            id: name::derived_id(&format!("org:{}", a.code)),
            name: name::agency_name(a.code.as_str()),
            title: a.name.clone(),
            description: String::new(),
            agency: a.code.to_string(),
        })
        .collect()
}

pub fn portal(state: &AppState) -> Arc<Portal> {
    state.module_state::<Portal>()
}

async fn load(state: &AppState) -> Result<Catalogue, StoreError> {
    let store = crate::opendata_port(state)?;
    store.sync_organizations(&organizations_of(state)).await?;
    let mut groups = store.data_groups().await?;
    if groups.is_empty() {
        for g in tinhso_opendata::model::default_groups() {
            store.put_data_group(&g).await?;
        }
        groups = store.data_groups().await?;
    }
    let mut organizations = store.organizations().await?;
    organizations.sort_by(|a, b| tinhso_kernel::text::vi_cmp(&a.title, &b.title));
    groups.sort_by(|a, b| tinhso_kernel::text::vi_cmp(&a.title, &b.title));
    let mut c = Catalogue { organizations, groups, ..Catalogue::default() };
    catch_up(state, &mut c).await?;
    Ok(c)
}

async fn catch_up(state: &AppState, c: &mut Catalogue) -> Result<(), StoreError> {
    loop {
        let page = crate::opendata_port(state)?.datasets_changed(c.seq, PAGE).await?;
        let full = page.len() == PAGE;
        for (seq, d) in &page {
            c.put(d);
            c.seq = *seq;
        }
        if !full {
            break;
        }
    }
    if c.index.needs_rebuild() {
        // Rebuild from scratch: read everything again.
        let (organizations, groups) = (std::mem::take(&mut c.organizations), std::mem::take(&mut c.groups));
        *c = Catalogue { organizations, groups, ..Catalogue::default() };
        Box::pin(catch_up(state, c)).await?;
    }
    c.checked = Some(Instant::now());
    Ok(())
}

impl Portal {
    /// The catalogue, loaded on first use and caught up when more than a second old.
    pub async fn read(&self, state: &AppState) -> Result<RwLockReadGuard<'_, Catalogue>, StoreError> {
        {
            let g = self.catalogue.read().await;
            if g.checked.is_some_and(|t| t.elapsed() < FRESH_FOR) {
                return Ok(g);
            }
        }
        self.refresh(state, false).await?;
        Ok(self.catalogue.read().await)
    }

    /// Catches up with the store now (`force`), or when the copy is older than a second.
    pub async fn refresh(&self, state: &AppState, force: bool) -> Result<(), StoreError> {
        let mut c = self.catalogue.write().await;
        match c.checked {
            None => *c = load(state).await?,
            Some(t) if force || t.elapsed() >= FRESH_FOR => {
                if crate::opendata_port(state)?.catalogue_seq().await? != c.seq {
                    catch_up(state, &mut c).await?;
                } else {
                    c.checked = Some(Instant::now());
                }
            }
            Some(_) => {}
        }
        Ok(())
    }

    /// Counts a download; writes the counts in a batch now and then, off the request's path.
    pub fn count_download(&self, state: &AppState, resource: &str) {
        let batch = {
            let mut g = match self.downloads.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            *g.0.entry(resource.to_owned()).or_insert(0) += 1;
            let waiting: i64 = g.0.values().sum();
            let due = g.1.is_none_or(|t| t.elapsed() >= DOWNLOADS_EVERY);
            if waiting >= DOWNLOADS_BATCH || due {
                g.1 = Some(Instant::now());
                std::mem::take(&mut g.0).into_iter().collect::<Vec<_>>()
            } else {
                Vec::new()
            }
        };
        if !batch.is_empty() {
            let store = crate::opendata_port(state);
            tokio::spawn(async move {
                let added = async { store?.add_downloads(&batch).await }.await;
                if let Err(e) = added {
                    tracing::warn!(error = %e, "download counts not written");
                }
            });
        }
    }

    /// The counts not yet written (shown on top of the stored ones).
    pub fn pending_downloads(&self, resource: &str) -> i64 {
        match self.downloads.lock() {
            Ok(g) => g.0.get(resource).copied().unwrap_or(0),
            Err(p) => p.into_inner().0.get(resource).copied().unwrap_or(0),
        }
    }

    /// Writes every waiting count (at shutdown, and in tests).
    pub async fn flush_downloads(&self, state: &AppState) -> Result<(), StoreError> {
        let batch: Vec<(String, i64)> = {
            let mut g = match self.downloads.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            std::mem::take(&mut g.0).into_iter().collect()
        };
        if batch.is_empty() {
            return Ok(());
        }
        crate::opendata_port(state)?.add_downloads(&batch).await
    }
}

/// Loads the catalogue into memory as the server starts, so the first search does not wait for
/// it (100,000 datasets take a second or two to read).
pub async fn warm(state: AppState) {
    if let Err(e) = portal(&state).refresh(&state, true).await {
        tracing::warn!(error = %e, "the open-data catalogue could not be loaded");
    }
}

/// Who is acting, as the policy sees them, and what they may see.
pub fn scope(actor: Option<&Actor>, c: &Catalogue, drafts: bool) -> Scope {
    let Some(actor) = actor else { return Scope::default() };
    let orgs: Vec<String> =
        c.organizations.iter().filter(|o| access::may_read_private(actor, o)).map(|o| o.id.clone()).collect();
    Scope { all: orgs.len() == c.organizations.len() && !orgs.is_empty(), organizations: orgs, drafts }
}

/// Whether `actor` may see `d`.
pub fn visible(actor: Option<&Actor>, c: &Catalogue, d: &Dataset) -> bool {
    if d.is_public() {
        return true;
    }
    match (actor, c.organizations.iter().find(|o| o.id == d.owner_org)) {
        (Some(a), Some(o)) => access::may_read_private(a, o),
        _ => false,
    }
}

struct Look<'a> {
    c: &'a Catalogue,
    /// The dataset that holds the name the dict asks for, if any (deleted ones too).
    holder: Option<String>,
}

impl Lookup for Look<'_> {
    fn organization(&self, k: &str) -> Option<String> {
        self.c.organization(k).map(|o| o.id.clone())
    }
    fn group(&self, k: &str) -> Option<String> {
        self.c.group(k).map(|g| g.id.clone())
    }
    fn name_taken(&self, _name: &str, except_id: &str) -> bool {
        self.holder.as_deref().is_some_and(|h| h != except_id)
    }
}

/// Why a save did not happen.
pub enum SaveError {
    Invalid(Errors),
    Forbidden(String),
    NotFound,
    Failed(AppError),
}

impl From<StoreError> for SaveError {
    fn from(e: StoreError) -> Self {
        Self::Failed(e.into())
    }
}

pub fn fresh_id() -> String {
    let mut b = [0u8; 16];
    // A failed draw leaves zeros, which `random_id` still turns into a valid (if predictable)
    // id; the unique key then refuses a second one rather than overwriting anything.
    let _ = getrandom::getrandom(&mut b);
    name::random_id(b)
}

/// How often a save is tried again over a dataset someone (or the system, recording a
/// finished data-store load) saved meanwhile.
const SAVE_ATTEMPTS: usize = 4;

/// Reads `dict` over `existing` (`mode`), checks `actor` may publish for the publisher before
/// and after, and saves: the kept version, the ledger entry and the index, all or nothing.
/// As in CKAN, the last call wins: a save that finds the dataset changed since it was read
/// reads it again and applies the same call to the new version (never a half of each).
pub async fn save(
    state: &AppState,
    actor: &Actor,
    account: i64,
    dict: &serde_json::Map<String, serde_json::Value>,
    existing: Option<&Dataset>,
    mode: Mode,
    edit: impl Fn(&mut Dataset),
) -> Result<Dataset, SaveError> {
    let mut current = existing.cloned();
    for _ in 0..SAVE_ATTEMPTS {
        match save_once(state, actor, account, dict, current.as_ref(), mode, &edit).await? {
            Ok(d) => return Ok(d),
            Err(()) => {
                let id = current.as_ref().map(|d| d.id.clone()).unwrap_or_default();
                current = crate::opendata_port(state)?.dataset(&id).await?;
                if current.is_none() {
                    return Err(SaveError::NotFound);
                }
            }
        }
    }
    Err(SaveError::Failed(AppError::Conflict {
        code: "dataset_changed",
        vi: "Bộ dữ liệu đang được sửa liên tục; hãy thử lại sau.".into(),
        en: "The dataset keeps being changed; try again later.".into(),
    }))
}

/// One attempt: `Ok(Err(()))` when the stored dataset moved on since `existing` was read.
async fn save_once(
    state: &AppState,
    actor: &Actor,
    account: i64,
    dict: &serde_json::Map<String, serde_json::Value>,
    existing: Option<&Dataset>,
    mode: Mode,
    edit: &impl Fn(&mut Dataset),
) -> Result<Result<Dataset, ()>, SaveError> {
    let portal = portal(state);
    let wanted = dict.get("name").and_then(|v| v.as_str()).map(str::to_owned);
    let holder = match &wanted {
        Some(n) => crate::opendata_port(state)?.dataset(n).await?.map(|d| d.id),
        None => None,
    };
    let mut d = {
        let c = portal.read(state).await?;
        if let Some(old) = existing {
            let org = c.organization(&old.owner_org).ok_or(SaveError::NotFound)?;
            if !access::may_publish(actor, org) {
                return Err(SaveError::Forbidden(format!("Bạn không được sửa dữ liệu của {}.", org.title)));
            }
        }
        let mut id = fresh_id;
        let mut fresh = Fresh { now: chrono::Utc::now().naive_utc(), id: &mut id };
        let mut d =
            input::dataset(dict, existing, mode, &Look { c: &c, holder }, &mut fresh).map_err(SaveError::Invalid)?;
        let org = c.organization(&d.owner_org).ok_or(SaveError::NotFound)?;
        if !access::may_publish(actor, org) {
            return Err(SaveError::Forbidden(format!("Bạn không được công bố dữ liệu cho {}.", org.title)));
        }
        if existing.is_none() {
            d.creator = Some(account);
        }
        d
    };
    edit(&mut d);
    let kind = match (existing, d.state) {
        (_, State::Deleted) => "dataset_deleted",
        (None, _) => "dataset_created",
        (Some(_), _) => "dataset_updated",
    };
    match crate::opendata_port(state)?.save_dataset(&d, existing.map(|e| e.revision), account, kind).await {
        Ok(_) => {}
        Err(StoreError::Conflict(_)) if existing.is_none() => {
            if holder_exists(state, &d).await {
                let mut e = Errors::new();
                e.insert("name".into(), vec!["Tên định danh hoặc mã này đã được dùng.".into()]);
                return Err(SaveError::Invalid(e));
            }
            return Err(SaveError::Failed(AppError::Conflict {
                code: "dataset_changed",
                vi: "Không lưu được bộ dữ liệu; hãy thử lại.".into(),
                en: "The dataset could not be saved; try again.".into(),
            }));
        }
        Err(StoreError::Conflict(m)) => {
            tracing::info!(conflict = %m, "a dataset save met a newer version; applying the call to it");
            return Ok(Err(()));
        }
        Err(e) => return Err(e.into()),
    }
    portal.refresh(state, true).await?;
    Ok(Ok(d))
}

async fn holder_exists(state: &AppState, d: &Dataset) -> bool {
    let Ok(store) = crate::opendata_port(state) else { return false };
    matches!(store.dataset(&d.name).await, Ok(Some(_))) || matches!(store.dataset(&d.id).await, Ok(Some(_)))
}

/// A search as the portal's pages and CKAN's `package_search` both ask it.
pub struct Find<'a> {
    pub q: &'a str,
    pub fq: &'a str,
    pub sort: &'a str,
    pub start: usize,
    pub rows: usize,
    pub facets: &'a [tinhso_opendata::query::Field],
    pub facet_limit: i64,
    pub facet_mincount: usize,
    /// Also the private datasets (and drafts) of the publishers the actor may read.
    pub private: bool,
    pub drafts: bool,
}

pub struct Found {
    pub count: usize,
    /// The page's datasets, in rank order.
    pub datasets: Vec<Dataset>,
    pub facets: Vec<(tinhso_opendata::query::Field, Vec<(String, usize)>)>,
}

pub enum FindError {
    /// The query is not one the grammar covers: the message says what is.
    Query(String),
    Store(StoreError),
}

impl From<StoreError> for FindError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// Searches the index for `actor`, then reads the page's datasets from the store.
pub async fn find(state: &AppState, actor: Option<&Actor>, f: &Find<'_>) -> Result<Found, FindError> {
    use tinhso_opendata::{index::Request, query};
    let parsed = query::parse(f.q, f.fq, chrono::Utc::now().naive_utc()).map_err(FindError::Query)?;
    let sort = query::sort(f.sort).map_err(FindError::Query)?;
    let portal = portal(state);
    let answer = {
        let cat = portal.read(state).await?;
        let scope = if f.private || f.drafts { scope(actor, &cat, f.drafts) } else { Scope::default() };
        cat.index.search(&Request {
            parsed: &parsed,
            sort: &sort,
            start: f.start,
            rows: f.rows,
            facets: f.facets,
            facet_limit: f.facet_limit,
            facet_mincount: f.facet_mincount,
            scope: &scope,
        })
    };
    let mut datasets = crate::opendata_port(state)?.datasets(&answer.ids).await?;
    let order: HashMap<&str, usize> = answer.ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
    datasets.sort_by_key(|d| order.get(d.id.as_str()).copied().unwrap_or(usize::MAX));
    Ok(Found { count: answer.count, datasets, facets: answer.facets })
}
