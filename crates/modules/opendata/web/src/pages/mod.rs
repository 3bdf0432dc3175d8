//! The portal's pages: home, search with facets, a dataset, a resource (with a preview), a
//! publisher, and a person's API tokens. Every page works without JavaScript.

pub mod dataset;
pub mod home;
pub mod organization;
pub mod publish_form;
pub mod tokens;
pub mod views;
