//! The digital-transformation index module's rules (DTI, Decision 922/QĐ-BTTTT): how a
//! province scores its own departments and communes each year. [`framework`] is the year's
//! set of pillars and indicators (kept in data, since provinces adjust it); [`points`] parses
//! and bounds points; [`assessment`] is a unit's self-assessment with its evidence, the
//! appraisal that corrects it, and the steps between (draft, submitted, returned, appraised);
//! [`form`] reads the figures people type, every mistake at once;
//! [`measure`] the indicators the platform measures itself from its own dossiers, so no unit
//! grades its own service; [`ranking`] the published order; [`audit`] the ledger's labels.
//!
//! May depend on: the kernel (text, errors, file kinds), the ledger (labels). No IO, no async.

pub mod assessment;
pub mod audit;
pub mod form;
pub mod framework;
pub mod measure;
pub mod points;
pub mod ranking;

pub use assessment::{Appraisal, Assessment, Command, EvidenceFile, Refusal, Score, Scores, Step};
pub use framework::{Framework, Frameworks, Indicator, Pillar, UnitGroup};
pub use points::Points;
