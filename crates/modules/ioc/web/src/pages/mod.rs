//! The operations centre's pages: the dashboard, a unit's index, one indicator, the dossiers
//! behind a number, the public transparency page (dashboard.rs); alerts and indicator entries
//! (alerts.rs).

pub mod alerts;
pub mod dashboard;
