//! The dossier's pages: applying online (apply.rs; saved to finish later: draft.rs), following a dossier (dossier.rs), the one-stop
//! desk (desk.rs; the person checked in the population database: desk_registry.rs), staff inboxes (inbox.rs), receipts and slips (slips.rs), the citizen's
//! document store reused when applying (documents.rs), the declaration written from the
//! e-form (declaration.rs), the public lookup (lookup.rs), whom a dossier is for (organization.rs).

pub mod apply;
pub mod declaration;
pub mod desk;
pub mod desk_registry;
pub mod documents;
pub mod dossier;
pub mod draft;
pub mod inbox;
pub mod lookup;
pub mod organization;
pub mod slips;
