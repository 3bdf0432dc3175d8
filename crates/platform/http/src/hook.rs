//! A slot where the composition root puts a capability one module offers another (the
//! dossier flow's result issuer, the DTI's decision signer): empty until filled, read on every
//! use, set before serving. One mechanism for every module's hooks instead of a lock per hook.

use std::sync::{Arc, RwLock};

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
