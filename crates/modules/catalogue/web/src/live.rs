//! The catalogue as this server holds it in memory: every procedure behind one search index,
//! swapped whole when the catalogue changes (an editor's save here, or a change another
//! server made, seen through the store's revision). Readers take an `Arc` of the index and
//! never wait on a rebuild. Modules that search or read procedures use [`index`]; those that
//! only name one go through the platform's `procedures` capability, which this module fills.

use std::sync::{Arc, RwLock};
use tinhso_catalogue::procedure::Procedure;
use tinhso_catalogue::search::SearchIndex;
use tinhso_http::capability::procedures::ProcedureNames;
use tinhso_http::AppState;
use tinhso_store::StoreError;

/// The module's state: the current index.
pub struct Live(RwLock<Arc<SearchIndex>>);

impl Default for Live {
    fn default() -> Self {
        Self(RwLock::new(Arc::new(SearchIndex::new(Vec::new()))))
    }
}

impl Live {
    fn current(&self) -> Arc<SearchIndex> {
        match self.0.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn swap(&self, index: Arc<SearchIndex>) {
        match self.0.write() {
            Ok(mut g) => *g = index,
            Err(poisoned) => *poisoned.into_inner() = index,
        }
    }
}

impl ProcedureNames for Live {
    fn name(&self, code: &str) -> Option<String> {
        self.current().get(code).map(|p| p.name.clone())
    }

    fn count(&self) -> usize {
        self.current().len()
    }
}

/// Reads the catalogue into this server's state and offers its names to the platform; the
/// composition root calls it before serving, so no page ever sees an empty catalogue that
/// is not empty in the store.
pub async fn install(state: &AppState) -> Result<(), StoreError> {
    let live = Arc::new(Live::default());
    live.swap(read(state).await?);
    state.set_module_state(live.clone());
    state.capabilities.procedures.set(live);
    Ok(())
}

/// The current catalogue; cheap (an `Arc` clone), never blocks on a rebuild.
pub fn index(state: &AppState) -> Arc<SearchIndex> {
    state.module_state::<Live>().current()
}

/// Re-reads the catalogue from the store after a change and swaps the index.
pub async fn reload(state: &AppState) -> Result<(), StoreError> {
    let index = read(state).await?;
    state.module_state::<Live>().swap(index);
    Ok(())
}

async fn read(state: &AppState) -> Result<Arc<SearchIndex>, StoreError> {
    let procedures: Vec<Arc<Procedure>> = state.store.catalogue.procedures().await?.into_iter().map(Arc::new).collect();
    Ok(Arc::new(SearchIndex::new(procedures)))
}

/// Reloads the catalogue and the working calendar whenever the store's revision moves: edits
/// made through another server process (scale-out on PostgreSQL, or `tinhso catalogue
/// import` beside a running server) show here within `every`.
pub async fn follow_store(state: AppState, every: std::time::Duration) {
    let mut seen = state.store.catalogue.read_model_revision().await.ok();
    loop {
        tokio::time::sleep(every).await;
        match state.store.catalogue.read_model_revision().await {
            Ok(rev) if seen.as_ref() != Some(&rev) => {
                if let Err(e) = async {
                    reload(&state).await?;
                    state.reload_calendar().await
                }
                .await
                {
                    tracing::warn!(error = %e, "reloading read models failed; will retry");
                    continue;
                }
                seen = Some(rev);
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot read the store revision; will retry"),
        }
    }
}
