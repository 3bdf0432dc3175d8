//! The server's own condition, shown to the province admins on a page (`/quan-tri/may-chu`)
//! and told in their notices when it needs them, not only to a Prometheus a small province may
//! not run: the data disk at or near its reserve, no recent backup, a signing certificate
//! ending. Each piece that knows of one registers a check (the composition root for the disk
//! and the backups, the results module for its certificates); the root's hourly job asks them
//! all and tells each concern once a day (its key).

use std::sync::{Arc, RwLock};

/// One thing about the server, in both languages; `key` names it (a concern is told once a
/// day under it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub key: String,
    pub vi: String,
    pub en: String,
    /// An admin must act on it.
    pub concern: bool,
}

impl Condition {
    /// As it should be: shown on the page, told to nobody.
    pub fn fine(key: impl Into<String>, vi: String, en: String) -> Self {
        Self { key: key.into(), vi, en, concern: false }
    }

    /// Something an admin must act on.
    pub fn concern(key: impl Into<String>, vi: String, en: String) -> Self {
        Self { key: key.into(), vi, en, concern: true }
    }
}

/// A check; it may look at the disk (the watch runs checks on a blocking thread).
type Check = Arc<dyn Fn() -> Vec<Condition> + Send + Sync>;

#[derive(Default)]
pub struct OpsWatch {
    checks: RwLock<Vec<Check>>,
}

impl OpsWatch {
    /// Adds `check` to what the hourly watch asks.
    pub fn watch(&self, check: impl Fn() -> Vec<Condition> + Send + Sync + 'static) {
        if let Ok(mut c) = self.checks.write() {
            c.push(Arc::new(check));
        }
    }

    /// Every check's conditions now, concerns first.
    pub async fn conditions(&self) -> Vec<Condition> {
        let checks: Vec<Check> = self.checks.read().map(|c| c.clone()).unwrap_or_default();
        let mut all: Vec<Condition> =
            tokio::task::spawn_blocking(move || checks.iter().flat_map(|c| c()).collect()).await.unwrap_or_default();
        all.sort_by_key(|c| !c.concern);
        all
    }
}
