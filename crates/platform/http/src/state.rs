//! Shared state: the store, plus the read models kept in memory (calendar, province) that
//! pages and the API read without touching the database; modules keep their own (the
//! catalogue's search index) in their module state.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tinhso_kernel::calendar::WorkingCalendar;
use tinhso_kernel::province::{Agency, Province, Unit};
use tinhso_store::{Account, Session, StoreError, Stores};

#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Set `Secure` and `__Host-` cookies; on whenever the platform is served over HTTPS.
    pub secure_cookies: bool,
    /// The public address (scheme and host, no trailing slash) printed on slips; `None`: the
    /// address each request came to.
    pub public_url: Option<String>,
    /// The data directory's `files`: uploads are staged there, and kept there with `Blobs::Disk`.
    pub files_dir: std::path::PathBuf,
    /// Where file contents live (`--files`): disk, the database, or an S3 bucket.
    pub blobs: tinhso_files::Blobs,
    /// Bytes uploads leave free on the data directory's disk (`--disk-reserve-mb`).
    pub disk_reserve: u64,
    /// The database holds the demo accounts, whose password is published: said in `/healthz`.
    pub demo: bool,
    /// Reverse proxies whose forwarding headers name the client (`--trusted-proxy`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The one header those proxies name the client in (`--proxy-header`).
    pub proxy_header: crate::client::ProxyHeader,
    /// Lets clients beyond loopback read `/metrics` (as a bearer token).
    pub metrics_token: Option<String>,
    /// What a citizen may upload (None: no limit).
    pub upload_quota: Option<crate::files::QuotaLimits>,
    /// Map tiles for pages that show places (`--map-tiles`); none by default.
    pub map_tiles: Option<TileServer>,
    /// An SMTP relay is configured (`--smtp-url`): emails go out, so a page may offer one.
    pub mails: bool,
    /// An SMS gateway is configured (`--sms-url`): texts go out to phone logins.
    pub texts: bool,
    /// With `--prove-logins`, the relay and the gateway themselves, for a registration's code,
    /// sent at once rather than through the outbox (its login has no account yet); None
    /// without it (registration makes the account at once).
    pub smtp: Option<tinhso_notify::mail::SmtpConfig>,
    pub sms: Option<tinhso_notify::sms::SmsConfig>,
    /// A sign-in through the national e-ID (the `eid` module, `--eid-issuer`) that the login,
    /// registration and account pages offer; none without a provider.
    pub eid: Option<EidLogin>,
    /// Where this server's integrity checks are asked for (`/quan-tri/kiem-tra`); none in a
    /// command's state.
    pub audit: Option<crate::pages::audit_runs::AuditQueue>,
}

/// The e-ID sign-in the platform's pages link to: the provider's name as people know it
/// ("VNeID"), where a sign-in starts and the account's e-ID page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EidLogin {
    pub name: String,
    pub start: &'static str,
    pub account: &'static str,
}

/// A map tile server: its URL template (`{z}`, `{x}`, `{y}`) and origin (for the image policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileServer {
    pub template: String,
    pub origin: String,
}

impl TileServer {
    /// Checks a template: http(s), a host, and the three placeholders; nothing that could break
    /// out of a header or an attribute.
    pub fn parse(template: &str) -> Result<Self, String> {
        let rest = template
            .strip_prefix("https://")
            .map(|r| ("https://", r))
            .or_else(|| template.strip_prefix("http://").map(|r| ("http://", r)));
        let Some((scheme, rest)) = rest else {
            return Err("phải bắt đầu bằng https:// hoặc http://".into());
        };
        let host = rest.split('/').next().unwrap_or_default();
        let ok_char = |c: char| c.is_ascii_alphanumeric() || "-._~:/{}?&=%".contains(c);
        if host.is_empty()
            || !template.chars().all(ok_char)
            || !host.chars().all(|c| c.is_ascii_alphanumeric() || "-.:".contains(c))
        {
            return Err("địa chỉ máy chủ bản đồ không hợp lệ".into());
        }
        if !["{z}", "{x}", "{y}"].iter().all(|p| template.contains(p)) {
            return Err("cần đủ {z}, {x} và {y}".into());
        }
        Ok(Self { template: template.to_owned(), origin: format!("{scheme}{host}") })
    }

    /// The URL of tile (z, x, y).
    pub fn url(&self, z: u32, x: u32, y: u32) -> String {
        self.template.replace("{z}", &z.to_string()).replace("{x}", &x.to_string()).replace("{y}", &y.to_string())
    }
}

/// Everything a request handler reads, behind one `Arc`: axum clones the state for every
/// request and every layer that takes it, and one atomic increment is all that costs (a struct
/// of a dozen `Arc`s cost a dozen, measured at 7 % of a status lookup).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub store: Stores,
    pub config: WebConfig,
    pub province: Arc<Province>,
    pub units: Arc<Vec<Unit>>,
    pub agencies: Arc<Vec<Agency>>,
    agency_names: Arc<HashMap<String, String>>,
    calendar: Arc<RwLock<Arc<WorkingCalendar>>>,
    pub files: tinhso_files::FileStore,
    sessions: Arc<std::sync::Mutex<SessionCache>>,
    /// Request latencies and the platform's counters, for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// What the server watches of its own condition, told to the province admins.
    pub ops: Arc<crate::ops::OpsWatch>,
    /// Failures decided on this server that the database may not show yet (limits counted
    /// after the outcome, such as the public lookup's).
    pub unsettled: Arc<crate::unsettled::Unsettled>,
    /// What modules offer each other (signing documents, the population database), filled
    /// by the composition root before serving.
    pub capabilities: crate::capability::Capabilities,
    /// Each module's own in-memory state on this server (by type), made on first use: a
    /// module keeps what only it reads (the open-data search index) without the platform
    /// naming it, and two servers in one process (the tests) never share it. Read on many
    /// requests, written once a module at start-up: readers share the lock.
    modules: RwLock<HashMap<std::any::TypeId, Arc<dyn std::any::Any + Send + Sync>>>,
}

/// Sessions by token hash, with when they were read from the store.
type SessionCache = HashMap<Vec<u8>, (std::time::Instant, Session, Account)>;

/// How long a looked-up session is trusted without asking the store again. Logging out here
/// drops it at once; a logout or a disabled account on another server shows within this time.
const SESSION_CACHE_SECS: u64 = 10;

impl AppState {
    /// Loads the read models from the store. Fails if no province is set up.
    pub async fn load(store: Stores, config: WebConfig) -> Result<Self, StoreError> {
        let province = store
            .province
            .province()
            .await?
            .ok_or_else(|| StoreError::Corrupt("no province is set up: run `tinhso init`".into()))?;
        // Every list a person picks from (communes, agencies) reads in Vietnamese alphabetical order.
        let mut units = store.province.units(tinhso_kernel::calendar::local_date(chrono::Utc::now())).await?;
        units.sort_by_cached_key(|u| tinhso_kernel::text::vi_key(&u.name));
        let mut agencies = store.province.agencies().await?;
        agencies.sort_by_cached_key(|a| tinhso_kernel::text::vi_key(&a.name));
        let calendar = WorkingCalendar::new(store.catalogue.calendar_years().await?);
        let agency_names = agencies.iter().map(|a| (a.code.to_string(), a.name.clone())).collect();
        let files = tinhso_files::FileStore::new(config.files_dir.clone(), config.blobs.clone())
            .with_reserve(config.disk_reserve);
        Ok(Self(Arc::new(Shared {
            store,
            config,
            province: Arc::new(province),
            units: Arc::new(units),
            agencies: Arc::new(agencies),
            agency_names: Arc::new(agency_names),
            calendar: Arc::new(RwLock::new(Arc::new(calendar))),
            files,
            sessions: Arc::new(std::sync::Mutex::new(HashMap::new())),
            metrics: Arc::new(crate::metrics::Metrics::default()),
            ops: Arc::new(crate::ops::OpsWatch::default()),
            unsettled: Arc::new(crate::unsettled::Unsettled::default()),
            capabilities: crate::capability::Capabilities::default(),
            modules: RwLock::new(HashMap::new()),
        })))
    }

    /// This server's instance of a module's state `T`, made with `T::default()` on first use.
    pub fn module_state<T: std::any::Any + Send + Sync + Default>(&self) -> Arc<T> {
        let key = std::any::TypeId::of::<T>();
        let found = match self.modules.read() {
            Ok(map) => map.get(&key).cloned(),
            Err(poisoned) => poisoned.into_inner().get(&key).cloned(),
        };
        let any = match found {
            Some(any) => any,
            None => {
                let mut map = match self.modules.write() {
                    Ok(g) => g,
                    Err(poisoned) => poisoned.into_inner(),
                };
                // Another request may have made it between the two locks: theirs is kept.
                map.entry(key).or_insert_with(|| Arc::new(T::default())).clone()
            }
        };
        // The entry under T's TypeId was made as a T, so the downcast cannot fail; a fresh
        // value is the harmless answer if it ever did.
        any.downcast::<T>().unwrap_or_else(|_| Arc::new(T::default()))
    }

    /// Sets this server's module state `T` (a module's configuration, given by the composition
    /// root before serving), replacing any made before.
    pub fn set_module_state<T: std::any::Any + Send + Sync>(&self, value: Arc<T>) {
        let mut map = match self.modules.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.insert(std::any::TypeId::of::<T>(), value);
    }

    pub fn calendar(&self) -> Arc<WorkingCalendar> {
        match self.calendar.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Re-reads the working calendar from the store after a change.
    pub async fn reload_calendar(&self) -> Result<(), StoreError> {
        let cal = Arc::new(WorkingCalendar::new(self.store.catalogue.calendar_years().await?));
        match self.calendar.write() {
            Ok(mut g) => *g = cal,
            Err(poisoned) => *poisoned.into_inner() = cal,
        }
        Ok(())
    }

    /// What a citizen may upload now: the province admin's setting, or else the server's
    /// start-up limits.
    pub async fn upload_limits(&self) -> Result<Option<crate::files::QuotaLimits>, StoreError> {
        Ok(match self.store.documents.upload_limits().await? {
            Some((day, total)) => crate::files::QuotaLimits::from_mb(day, total),
            None => self.config.upload_quota,
        })
    }

    /// The live session with this token hash, from a short-lived cache or the store.
    pub async fn session(&self, token_hash: &[u8]) -> Result<Option<(Session, Account)>, StoreError> {
        let now = chrono::Utc::now();
        if let Ok(cache) = self.sessions.lock() {
            if let Some((at, s, a)) = cache.get(token_hash) {
                if at.elapsed().as_secs() < SESSION_CACHE_SECS && s.expires_at > now {
                    return Ok(Some((s.clone(), a.clone())));
                }
            }
        }
        let found = self.store.identity.session(token_hash, now).await?;
        if let (Some((s, a)), Ok(mut cache)) = (&found, self.sessions.lock()) {
            if cache.len() > 50_000 {
                cache.retain(|_, (at, _, _)| at.elapsed().as_secs() < SESSION_CACHE_SECS);
            }
            cache.insert(token_hash.to_vec(), (std::time::Instant::now(), s.clone(), a.clone()));
        }
        Ok(found)
    }

    /// Drops this server's cached sessions of an account (after its password changed, so
    /// that the sessions the store ended stop here at once).
    pub fn forget_sessions_of(&self, account: tinhso_kernel::ids::AccountId) {
        if let Ok(mut cache) = self.sessions.lock() {
            cache.retain(|_, (_, _, a)| a.id != account);
        }
    }

    /// Ends a session here and in the store.
    pub async fn end_session(&self, token_hash: &[u8]) -> Result<(), StoreError> {
        if let Ok(mut cache) = self.sessions.lock() {
            cache.remove(token_hash);
        }
        self.store.identity.delete_session(token_hash).await
    }

    pub fn agency_name(&self, code: &str) -> Option<&str> {
        self.agency_names.get(code).map(String::as_str)
    }

    /// The platform's address for links that leave the page (a slip's QR code, the gateway's
    /// way back, a catalogue's identifiers): `--public-url`, else the address this request
    /// was sent to.
    pub fn site_url(&self, headers: &axum::http::HeaderMap) -> String {
        site_url(self.config.public_url.as_deref(), !self.config.trusted_proxies.is_empty(), headers)
    }
}

/// [`AppState::site_url`] from its parts. Without a configured address the request's `Host`
/// is used when it is a plain authority (no path, user or space to smuggle a link through),
/// and the scheme a proxy names (`X-Forwarded-Proto`) only when the server is set up behind
/// one (`--trusted-proxy`).
fn site_url(public_url: Option<&str>, behind_proxy: bool, headers: &axum::http::HeaderMap) -> String {
    if let Some(u) = public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)))
        .unwrap_or("localhost");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| behind_proxy && *p == "https")
        .unwrap_or("http");
    format!("{proto}://{host}")
}

#[cfg(test)]
mod tests {
    use super::site_url;
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_site_url_is_the_configured_one_else_a_plain_host() {
        let h = headers(&[("host", "dvc.tuyenquang.gov.vn"), ("x-forwarded-proto", "https")]);
        assert_eq!(site_url(Some("https://dichvucong.example.vn/"), false, &h), "https://dichvucong.example.vn");
        assert_eq!(site_url(None, true, &h), "https://dvc.tuyenquang.gov.vn");
        // Only a proxy the operator named may say the scheme.
        assert_eq!(site_url(None, false, &h), "http://dvc.tuyenquang.gov.vn");
        assert_eq!(site_url(None, false, &headers(&[("host", "127.0.0.1:8080")])), "http://127.0.0.1:8080");
        assert_eq!(site_url(None, false, &headers(&[("host", "[::1]:8080")])), "http://[::1]:8080");
        // A host that would carry a path or a user into a printed link is not used.
        for bad in ["evil.example/phish?", "user@evil.example", "a b", ""] {
            let mut h = HeaderMap::new();
            h.insert("host", bad.parse().unwrap());
            assert_eq!(site_url(None, false, &h), "http://localhost", "{bad}");
        }
        assert_eq!(site_url(None, false, &HeaderMap::new()), "http://localhost");
    }
}
