//! A payment's life: made `pending` when the citizen is sent to the gateway; `paid` only on
//! the gateway's word (a signed notification or the answer to a query), never the browser's
//! return; `failed`, `cancelled` or `expired` otherwise; a paid fee is `refunded` when the
//! agency refuses the dossier after payment. The decision on each report is here, pure.

use crate::gateway::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Paid,
    Failed,
    Cancelled,
    Expired,
    Refunded,
}

impl State {
    pub const ALL: [State; 6] =
        [Self::Pending, Self::Paid, Self::Failed, Self::Cancelled, Self::Expired, Self::Refunded];

    pub fn key(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
            Self::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        Self::ALL.into_iter().find(|x| x.key() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Pending => "Đang chờ cổng thanh toán xác nhận",
            Self::Paid => "Đã thanh toán",
            Self::Failed => "Thanh toán không thành công",
            Self::Cancelled => "Đã hủy thanh toán",
            Self::Expired => "Hết thời hạn thanh toán",
            Self::Refunded => "Đã hoàn tiền",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Pending => "Waiting for the payment gateway to confirm",
            Self::Paid => "Paid",
            Self::Failed => "The payment failed",
            Self::Cancelled => "Payment cancelled",
            Self::Expired => "The payment expired",
            Self::Refunded => "Refunded",
        }
    }
}

/// What to do with a gateway's report on a payment in state `now` expecting `amount`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The fee is paid: record it, move the dossier on, issue the receipt.
    Confirm,
    /// The same payment confirmed before (a repeated or replayed notification): nothing to do.
    AlreadyConfirmed,
    /// The amount differs from what was asked: not confirmed, left for the reconciler.
    WrongAmount,
    /// The citizen cancelled, or the bank refused: the payment ends, a new one may start.
    End(State),
    /// A failure reported for a payment already settled: ignored.
    Ignore,
}

pub fn decide(now: State, amount_vnd: u64, report: &Report) -> Decision {
    if report.amount_vnd != amount_vnd {
        return Decision::WrongAmount;
    }
    match (now, report.paid()) {
        (State::Paid | State::Refunded, true) => Decision::AlreadyConfirmed,
        // Money taken after the page gave up (a late notification) is still the citizen's
        // payment: it is confirmed, never lost.
        (State::Pending | State::Failed | State::Cancelled | State::Expired, true) => Decision::Confirm,
        (State::Pending, false) => Decision::End(if report.cancelled() { State::Cancelled } else { State::Failed }),
        (_, false) => Decision::Ignore,
    }
}

/// How long a pending payment waits for the gateway before the platform asks it (and, if the
/// gateway knows nothing of a payment, gives it up).
pub const PENDING_MINUTES: i64 = 15;

#[cfg(test)]
mod tests {
    use super::*;

    fn report(code: &str, amount: u64) -> Report {
        Report {
            txn_ref: "T".into(),
            amount_vnd: amount,
            response_code: code.into(),
            transaction_status: code.into(),
            transaction_no: "1".into(),
            bank_code: "NCB".into(),
            pay_date: String::new(),
        }
    }

    #[test]
    fn every_state_and_report() {
        for s in State::ALL {
            assert_eq!(State::parse(s.key()), Some(s));
            assert_eq!(decide(s, 8000, &report("00", 7000)), Decision::WrongAmount);
            let paid = decide(s, 8000, &report("00", 8000));
            let expect_paid =
                if matches!(s, State::Paid | State::Refunded) { Decision::AlreadyConfirmed } else { Decision::Confirm };
            assert_eq!(paid, expect_paid, "{s:?}");
            let cancelled = decide(s, 8000, &report("24", 8000));
            let expect = if s == State::Pending { Decision::End(State::Cancelled) } else { Decision::Ignore };
            assert_eq!(cancelled, expect, "{s:?}");
        }
        assert_eq!(decide(State::Pending, 8000, &report("51", 8000)), Decision::End(State::Failed));
    }
}
