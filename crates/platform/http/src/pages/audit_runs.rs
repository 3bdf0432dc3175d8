//! The audit's page (`/quan-tri/kiem-tra`), for province admins and auditors
//! (`Action::ViewAuditLog`): when the server last checked the whole history (the hash chain,
//! every stored row against it, the settings against the administrators' log) and what it
//! found, and a button to check now. The check itself is the composition root's (it knows
//! every module): this page only asks for one through an [`AuditQueue`].

use super::{page_err, PageResult};
use crate::auth::Viewer;
use crate::form::FormData;
use crate::state::AppState;
use crate::views::{render, Layout};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tinhso_kernel::guard::Overview;
use tinhso_kernel::ids::AccountId;
use tinhso_policy::Action;
use tinhso_store::AuditFinding;

/// Runs a page shows.
const SHOWN: usize = 20;

/// Requests for a check, to the server's auditor task; at most one waits behind the one running.
#[derive(Debug, Clone)]
pub struct AuditQueue {
    asks: tokio::sync::mpsc::Sender<AccountId>,
    running: Arc<AtomicUsize>,
}

/// The auditor task's end of an [`AuditQueue`].
pub struct AuditRequests {
    pub asks: tokio::sync::mpsc::Receiver<AccountId>,
    /// How many checks run on this server now (the schedule's and an auditor's may overlap),
    /// so the page can say one is under way.
    pub running: Arc<AtomicUsize>,
}

impl AuditRequests {
    /// Counts a check as running until the guard is dropped.
    pub fn running(&self) -> Running {
        Self::count(&self.running)
    }

    /// The same, on a counter shared with another task (the schedule's).
    pub fn count(running: &Arc<AtomicUsize>) -> Running {
        running.fetch_add(1, Ordering::Relaxed);
        Running(running.clone())
    }
}

/// A check counted as running while this lives.
pub struct Running(Arc<AtomicUsize>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl AuditQueue {
    pub fn new() -> (Self, AuditRequests) {
        let (asks, rx) = tokio::sync::mpsc::channel(1);
        let running = Arc::new(AtomicUsize::new(0));
        (Self { asks, running: running.clone() }, AuditRequests { asks: rx, running })
    }

    /// Whether a check is running or waiting to.
    fn pending(&self) -> bool {
        self.running.load(Ordering::Relaxed) > 0 || self.asks.capacity() == 0
    }
}

pub struct RunRow {
    /// dd/mm/yyyy HH:MM:SS, Vietnam time.
    pub when: String,
    pub seconds: String,
    pub who: String,
    pub intact: bool,
    pub what: String,
    pub checkpoint: String,
}

/// One abuse limit as the page shows it: what it counts, how many of its keys wait now and were
/// made to wait within the hour, its failures in the hour, and whether that is an attack the
/// watch tells of.
pub struct GuardRow {
    pub what: &'static str,
    pub waiting: String,
    /// Keys made to wait at least once within the hour.
    pub limited: String,
    pub failures: String,
    pub alarming: bool,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub layout: Layout,
    pub rows: Vec<RunRow>,
    /// The abuse limits now, every rule in its order.
    pub guard: Vec<GuardRow>,
    pub pending: bool,
    /// Whether this server takes requests (it does when it serves; not in a command's state).
    pub takes_requests: bool,
}

/// The abuse limits' figures over the last hour (the kernel's `guard::overview` of the stored
/// tallies): what this page shows and what the server's watch tells of.
pub async fn abuse_overview(
    store: &tinhso_store::Stores,
    now: chrono::DateTime<chrono::Utc>,
) -> tinhso_store::Result<Vec<Overview>> {
    let counts = store.guard.guard_counts(now, now - chrono::Duration::hours(1)).await?;
    Ok(tinhso_kernel::guard::overview(counts.iter().map(|c| (c.rule.as_str(), c.failures, c.keys, c.waiting))))
}

pub async fn show(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let err = page_err(&viewer);
    viewer.require(&Action::ViewAuditLog).map_err(&err)?;
    let en = viewer.locale == crate::i18n::Locale::En;
    let title = if en { "Integrity checks" } else { "Kiểm tra toàn vẹn dữ liệu" };
    let layout = Layout::new(&state, &viewer, title);
    let runs = state.store.audit_runs.audit_runs(SHOWN).await.map_err(|e| err(e.into()))?;
    let mut ids: Vec<AccountId> = runs.iter().filter_map(|r| r.requested_by).collect();
    ids.sort_unstable_by_key(|a| a.0);
    ids.dedup();
    let names: HashMap<_, _> =
        state.store.identity.account_names(&ids).await.map_err(|e| err(e.into()))?.into_iter().collect();
    let rows = runs
        .iter()
        .map(|r| {
            let local = tinhso_kernel::calendar::local_time(r.started_at);
            let took = (r.finished_at - r.started_at).num_milliseconds().max(0) as f64 / 1000.0;
            let who = match r.requested_by {
                Some(id) => names.get(&id).cloned().unwrap_or_else(|| format!("#{}", id.0)),
                None => if en { "The server's schedule" } else { "Lịch tự động của máy chủ" }.to_owned(),
            };
            let (intact, what, checkpoint) = match &r.finding {
                AuditFinding::Intact { events, subjects, checkpoint } => (
                    true,
                    {
                        let (events, subjects) = (layout.num(events), layout.num(subjects));
                        if en {
                            format!("Intact: {events} entries of {subjects} histories")
                        } else {
                            format!("Toàn vẹn: {events} sự kiện của {subjects} hồ sơ, phản ánh và bộ dữ liệu")
                        }
                    },
                    checkpoint.clone().unwrap_or_default(),
                ),
                AuditFinding::Broken { vi, en: english } => (
                    false,
                    if en { format!("Broken: {english}") } else { format!("Phát hiện bất thường: {vi}") },
                    String::new(),
                ),
            };
            RunRow {
                when: local.format("%d/%m/%Y %H:%M:%S").to_string(),
                seconds: format!("{took:.1}"),
                who,
                intact,
                what,
                checkpoint,
            }
        })
        .collect();
    let overview = abuse_overview(&state.store, chrono::Utc::now()).await.map_err(|e| err(e.into()))?;
    let guard = overview
        .iter()
        .map(|o| {
            let ((vi, english), (keys_vi, keys_en)) = (o.rule.what, o.rule.keys);
            let keys = if en { keys_en } else { keys_vi };
            GuardRow {
                what: if en { english } else { vi },
                waiting: format!("{} {keys}", layout.num(o.waiting)),
                limited: format!("{} {keys}", layout.num(o.limited)),
                failures: layout.num(o.failures),
                alarming: o.alarming(),
            }
        })
        .collect();
    let queue = state.config.audit.as_ref();
    let page = AuditPage {
        layout,
        rows,
        guard,
        pending: queue.is_some_and(AuditQueue::pending),
        takes_requests: queue.is_some(),
    };
    Ok(viewer.finish(render(&page)))
}

/// Asks for a check now; back to the page, which says it is under way.
pub async fn ask(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    let account = viewer.require(&Action::ViewAuditLog).map_err(&err)?;
    if let Some(queue) = state.config.audit.as_ref() {
        // Full: one is already waiting behind the running one, which this would duplicate.
        let _ = queue.asks.try_send(account.id);
    }
    Ok(Redirect::to("/quan-tri/kiem-tra").into_response())
}
