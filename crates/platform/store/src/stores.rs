//! The bundle of ports the composition root makes once per engine and hands the modules: the
//! platform's ports from the engine itself, each module's from its own store crate. A module
//! whose port lives in its own folder (`crates/modules/<m>/port`) is held by type in
//! [`ModulePortMap`], so this crate never names it; the older ports are still fields here.

use crate::*;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

/// Modules' own ports, by their trait object's type (`dyn ResultsStore`): the composition root
/// puts each in once per engine, and the module takes it back by the same type.
#[derive(Clone, Default)]
pub struct ModulePortMap(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

impl ModulePortMap {
    /// Holds `port` under its type `P`, replacing one held before.
    pub fn insert<P: ?Sized + Send + Sync + 'static>(&mut self, port: Arc<P>) {
        self.0.insert(TypeId::of::<P>(), Arc::new(port));
    }

    /// The port of type `P`, or `None` where the composition root put none.
    pub fn get<P: ?Sized + Send + Sync + 'static>(&self) -> Option<Arc<P>> {
        self.0.get(&TypeId::of::<P>()).and_then(|any| any.downcast_ref::<Arc<P>>()).cloned()
    }
}

/// The ports of the four modules that still keep them in this crate (catalogue, dossier with its
/// drafts, ioc, reports), each from its module's store crate on the same engine.
pub struct ModulePorts {
    pub catalogue: Arc<dyn CatalogueStore>,
    pub dossiers: Arc<dyn DossierStore>,
    pub ioc: Arc<dyn IocStore>,
    pub reports: Arc<dyn ReportStore>,
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
    pub drafts: Arc<dyn DraftStore>,
    pub guard: Arc<dyn GuardStore>,
    pub schedule: Arc<dyn ScheduleStore>,
    /// File contents in the database, when the engine keeps them (PostgreSQL).
    pub blobs: Option<Arc<dyn BlobStore>>,
    /// The ports modules keep in their own folders.
    pub modules: ModulePortMap,
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
            drafts: modules.drafts,
            blobs: None,
            modules: ModulePortMap::default(),
        }
    }

    /// A module's own port, put in by the composition root; a root that forgot it is a
    /// bug every request to the module reports, not a crash.
    pub fn port<P: ?Sized + Send + Sync + 'static>(&self) -> Result<Arc<P>> {
        self.modules
            .get::<P>()
            .ok_or_else(|| StoreError::Backend(format!("no {} was set up", std::any::type_name::<P>())))
    }
}

#[cfg(test)]
mod tests {
    use super::ModulePortMap;
    use std::sync::Arc;

    trait Named: Send + Sync {
        fn name(&self) -> &'static str;
    }
    struct One;
    impl Named for One {
        fn name(&self) -> &'static str {
            "one"
        }
    }

    #[test]
    fn a_port_comes_back_by_its_trait_and_only_by_it() {
        let mut map = ModulePortMap::default();
        assert!(map.get::<dyn Named>().is_none());
        map.insert::<dyn Named>(Arc::new(One));
        assert_eq!(map.get::<dyn Named>().map(|p| p.name()), Some("one"));
        // The concrete type is another key: modules ask by the trait their port crate names.
        assert!(map.get::<One>().is_none());
    }
}
