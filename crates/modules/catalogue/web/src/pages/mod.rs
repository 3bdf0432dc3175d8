//! The catalogue's pages: the public portal (home, search, a procedure) and its
//! administration (the procedure editor and each procedure's history, the working-day calendar).

pub mod admin;
pub mod calendar;
pub mod components;
pub mod fields;
pub mod groups;
pub mod history;
pub mod portal;
pub mod steps;
