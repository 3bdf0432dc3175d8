//! The bundle of ports the composition root makes once per engine and hands the modules: the
//! platform's ports from the engine itself, each module's from its own store crate.

use crate::*;
use std::sync::Arc;

/// The modules' ports, each from its module's store crate on the same engine.
pub struct ModulePorts {
    pub catalogue: Arc<dyn CatalogueStore>,
    pub dossiers: Arc<dyn DossierStore>,
    pub ioc: Arc<dyn IocStore>,
    pub reports: Arc<dyn ReportStore>,
    pub opendata: Arc<dyn OpenDataStore>,
    pub datastore: Arc<dyn DatastoreStore>,
    pub results: Arc<dyn ResultsStore>,
    pub payments: Arc<dyn PaymentStore>,
    pub eid: Arc<dyn EidStore>,
    pub exchange: Arc<dyn ExchangeStore>,
    pub dti: Arc<dyn DtiStore>,
    pub drafts: Arc<dyn DraftStore>,
}

/// The ports of one engine, each held on its own so that a module's state holds what that
/// module uses. Made once by the composition root.
#[derive(Clone)]
pub struct Stores {
    pub health: Arc<dyn Health>,
    pub province: Arc<dyn ProvinceStore>,
    pub identity: Arc<dyn IdentityStore>,
    pub login_proof: Arc<dyn LoginProofStore>,
    pub catalogue: Arc<dyn CatalogueStore>,
    pub dossiers: Arc<dyn DossierStore>,
    pub ledger: Arc<dyn LedgerStore>,
    /// The audit's own record of its runs.
    pub audit_runs: Arc<dyn crate::AuditRunStore>,
    pub notify: Arc<dyn NotifyStore>,
    pub documents: Arc<dyn DocumentStore>,
    pub ioc: Arc<dyn IocStore>,
    pub reports: Arc<dyn ReportStore>,
    pub opendata: Arc<dyn OpenDataStore>,
    pub datastore: Arc<dyn DatastoreStore>,
    pub results: Arc<dyn ResultsStore>,
    pub payments: Arc<dyn PaymentStore>,
    pub eid: Arc<dyn EidStore>,
    pub exchange: Arc<dyn ExchangeStore>,
    pub dti: Arc<dyn DtiStore>,
    pub drafts: Arc<dyn DraftStore>,
    pub guard: Arc<dyn GuardStore>,
    pub schedule: Arc<dyn ScheduleStore>,
    /// File contents in the database, when the engine keeps them (PostgreSQL).
    pub blobs: Option<Arc<dyn BlobStore>>,
}

impl Stores {
    /// The platform's ports from one engine and the modules' ports on the same engine.
    pub fn of<P: Platform>(platform: Arc<P>, modules: ModulePorts) -> Self {
        Self {
            health: platform.clone(),
            province: platform.clone(),
            identity: platform.clone(),
            login_proof: platform.clone(),
            ledger: platform.clone(),
            audit_runs: platform.clone(),
            notify: platform.clone(),
            guard: platform.clone(),
            schedule: platform.clone(),
            documents: platform,
            catalogue: modules.catalogue,
            dossiers: modules.dossiers,
            ioc: modules.ioc,
            reports: modules.reports,
            opendata: modules.opendata,
            datastore: modules.datastore,
            results: modules.results,
            payments: modules.payments,
            eid: modules.eid,
            exchange: modules.exchange,
            dti: modules.dti,
            drafts: modules.drafts,
            blobs: None,
        }
    }
}
