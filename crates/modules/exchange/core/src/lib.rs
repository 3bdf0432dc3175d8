//! The data-exchange module's rules (nền tảng tích hợp, chia sẻ dữ liệu): the platform as a
//! consumer of the national population database (Cơ sở dữ liệu quốc gia về dân cư) through
//! the province's data-sharing platform, which speaks X-Road's message protocol for REST.
//! [`xroad`] holds that protocol's identifiers, headers and errors; [`population`] the
//! population service's answer and how it is held against what a person said at the desk;
//! [`audit`] labels the ledger entry every lookup leaves, so who asked about whom is kept.
//!
//! May depend on: the kernel (ids, text), the ledger (labels). No IO, no async.

pub mod audit;
pub mod population;
pub mod xroad;

pub use population::{Outcome, Resident};
pub use xroad::{ClientId, ServiceId};
