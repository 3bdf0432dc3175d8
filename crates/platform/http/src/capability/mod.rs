//! The capabilities one module offers the others through the platform, one typed slot each:
//! signing and issuing official documents and reading what was issued (the results module's,
//! used by the dossier flow, payments and the DTI), asking the national population database about a resident (the
//! data-exchange module's, used by the one-stop desk), and opening a dossier or recording a fee
//! paid online on it (the dossier module's, used by payments), and naming a procedure (the
//! catalogue's, used by the account pages and the modules that list what a procedure was
//! for). A module that needs one asks `state.capabilities` and never names the module that
//! offers it; the composition root fills the slots before serving, and an empty slot is a
//! platform set up without it (no signing keys, no exchange), which each user handles in its
//! own way.

pub mod documents;
pub mod dossiers;
pub mod issued;
pub mod procedures;
pub mod residents;

use std::sync::{Arc, RwLock};

#[derive(Default)]
pub struct Capabilities {
    /// Draws, signs and issues a state document; empty without signing keys.
    pub documents: Slot<dyn documents::DocumentIssuer>,
    /// What the platform issued, as other modules read it; always filled.
    pub issued: Slot<dyn issued::IssuedRegister>,
    /// The national population database; empty without `--exchange-url`.
    pub residents: Slot<dyn residents::ResidentRegistry>,
    /// Dossiers as their access rule shows them, and a fee paid online; always filled.
    pub dossiers: Slot<dyn dossiers::DossierFlow>,
    /// A procedure's name by its code; always filled.
    pub procedures: Slot<dyn procedures::ProcedureNames>,
}

/// One capability's slot: empty until the composition root fills it, read on every use.
pub struct Slot<T: ?Sized>(RwLock<Option<Arc<T>>>);

impl<T: ?Sized> Default for Slot<T> {
    fn default() -> Self {
        Self(RwLock::new(None))
    }
}

impl<T: ?Sized> Slot<T> {
    pub fn set(&self, value: Arc<T>) {
        match self.0.write() {
            Ok(mut g) => *g = Some(value),
            Err(p) => *p.into_inner() = Some(value),
        }
    }

    pub fn get(&self) -> Option<Arc<T>> {
        match self.0.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_empty_until_filled_and_keeps_the_last_value() {
        let slot: Slot<dyn Fn() -> u8 + Send + Sync> = Slot::default();
        assert!(slot.get().is_none());
        slot.set(Arc::new(|| 1));
        slot.set(Arc::new(|| 2));
        assert_eq!(slot.get().map(|f| f()), Some(2));
    }
}
