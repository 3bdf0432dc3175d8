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

/// What other modules may know of the province's payment channels (set by the payments
/// module on each server): whether fees can be paid online (Decision 766's 3.5) and the
/// VietQR account a slip may print a code for.
#[derive(Debug, Clone, Default)]
pub struct Channels {
    pub online: bool,
    pub vietqr: Option<vietqr::Account>,
}
