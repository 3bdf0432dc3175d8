//! Naming a procedure by its code, for pages that list something a procedure was for (a
//! person's notices, the administrators' log, the population-database lookups, a report's
//! dossier) without reading the catalogue themselves. The catalogue module answers from the
//! index it keeps in memory.

pub trait ProcedureNames: Send + Sync + 'static {
    /// The procedure's Vietnamese name; `None` for a code the catalogue does not hold.
    fn name(&self, code: &str) -> Option<String>;

    /// How many procedures the catalogue holds.
    fn count(&self) -> usize;
}

/// Procedure `code`'s name; `None` for a code the catalogue does not hold (or a server set up
/// without the catalogue, which the composition root never makes).
pub fn name(state: &crate::AppState, code: &str) -> Option<String> {
    state.capabilities.procedures.get()?.name(code)
}

/// How many procedures the catalogue holds (0 without one).
pub fn count(state: &crate::AppState) -> usize {
    state.capabilities.procedures.get().map_or(0, |p| p.count())
}
