//! The online-payment module's rules (thanh toán trực tuyến): a payment's states and what each
//! gateway report does to it, the gateway protocol's signatures (VNPay-shaped), VietQR codes,
//! and reconciling bank statements.
//!
//! May depend on: tinhso-kernel, the ledger's vocabulary. No IO, no async.

pub mod audit;
pub mod gateway;
pub mod payment;
pub mod reconcile;
pub mod vietqr;

pub use payment::{Decision, State};
