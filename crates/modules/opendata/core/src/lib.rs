//! The open-data module's rules (the `opendata` module's core): what a dataset, a resource, an
//! organization and a theme are; how CKAN's data dicts are read (with every problem found at
//! once) and written back; names and licences; the search index that replaces Solr (Vietnamese
//! words folded, CKAN's `q`, `fq`, `sort` and facets); DCAT-AP 3 as RDF in Turtle, RDF/XML and
//! JSON-LD; who may do what.
//!
//! May depend on: the kernel (text folding, agency codes), the policy and the ledger's label
//! trait. No IO, no async: every rule here is tested alone.

pub mod access;
pub mod audit;
pub mod ckan;
pub mod datastore;
pub mod dcat;
pub mod harvest;
pub mod index;
pub mod input;
pub mod licence;
pub mod model;
pub mod name;
pub mod query;
pub mod rdf;

pub use model::{Dataset, Extra, Frequency, Group, Organization, Resource, State};

#[cfg(test)]
mod tests;
