//! The operations centre's pages: the dashboard, a unit's index, one indicator, the dossiers
//! behind a number (dashboard.rs); alerts and indicator entries (alerts.rs); the public
//! transparency page (public.rs); figures and words in the reader's language (figures.rs).

pub mod alerts;
pub mod dashboard;
pub mod figures;
pub mod public;
