//! The module's pages: the public list, map-free and JavaScript-free; reporting; a report's
//! page with its public history and, for whoever may, the forms to act on it; the staff's list;
//! a commune's Atom feed.

pub mod admin;
pub mod centre;
pub mod feed;
pub mod public;
pub mod report;
pub mod staff;
