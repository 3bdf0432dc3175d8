//! The server's own condition told to the province admins in their notices, not only to a
//! Prometheus a small province may not run: the data disk at or near its reserve, no recent
//! backup, a signing certificate ending. Each piece that knows of one registers a check (the
//! composition root for the disk and the backups, the results module for its certificates);
//! the root's hourly job asks them all and tells each concern once a day (its key).

use std::sync::{Arc, RwLock};

/// One thing an admin must act on, in both languages; `key` names it for the day's once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concern {
    pub key: String,
    pub vi: String,
    pub en: String,
}

/// A check; it may look at the disk (the watch runs checks on a blocking thread).
type Check = Arc<dyn Fn() -> Vec<Concern> + Send + Sync>;

#[derive(Default)]
pub struct OpsWatch {
    checks: RwLock<Vec<Check>>,
}

impl OpsWatch {
    /// Adds `check` to what the hourly watch asks.
    pub fn watch(&self, check: impl Fn() -> Vec<Concern> + Send + Sync + 'static) {
        if let Ok(mut c) = self.checks.write() {
            c.push(Arc::new(check));
        }
    }

    /// Every check's concerns now.
    pub async fn concerns(&self) -> Vec<Concern> {
        let checks: Vec<Check> = self.checks.read().map(|c| c.clone()).unwrap_or_default();
        tokio::task::spawn_blocking(move || checks.iter().flat_map(|c| c()).collect()).await.unwrap_or_default()
    }
}
