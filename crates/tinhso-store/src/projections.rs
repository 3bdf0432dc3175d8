//! The dossier projections the platform keeps today, as row changes for [`crate::plan`]:
//! the operations centre's Decision 766 aggregates and drill-down index, and the staff inbox
//! counters. The composition root registers them with the store; the rules they follow are
//! the domain's (`ioc::change`, `dossier::tally::delta`).

use crate::plan::{ColumnType as T, CounterTable, DossierProjection, Projections, RowOp, SetTable, Value};
use crate::Grain;
use tinhso_dossier::{tally, Dossier};
use tinhso_ioc as ioc;

pub static IOC_AGGREGATE: CounterTable = CounterTable {
    name: "ioc_aggregate",
    key: &[("grain", T::Text), ("bucket", T::Text), ("agency", T::Text), ("measure", T::Text)],
    count: "value",
    drop_zero: false,
};

pub static IOC_MEMBER: SetTable = SetTable {
    name: "ioc_member",
    columns: &[("agency", T::Text), ("measure", T::Text), ("day", T::Date), ("code", T::Text)],
};

pub static INBOX_TALLY: CounterTable =
    CounterTable { name: "inbox_tally", key: &[("agency", T::Text), ("key", T::Text)], count: "n", drop_zero: true };

/// Decision 766 counters per deciding agency, day and month, and the dossiers behind each.
pub struct OperationsCentre;

impl OperationsCentre {
    /// The drill-down rows of a stored dossier (for filling the index from stored dossiers).
    pub fn members(&self, d: &Dossier) -> Vec<RowOp> {
        let mut out = Vec::new();
        self.changes(None, d, &mut out);
        out.retain(|op| matches!(op, RowOp::Insert { .. }));
        out
    }
}

impl DossierProjection for OperationsCentre {
    fn changes(&self, before: Option<&Dossier>, after: &Dossier, out: &mut Vec<RowOp>) {
        let (delta, membership) = ioc::change(before, after);
        for (k, n) in delta {
            for grain in [Grain::Day, Grain::Month] {
                out.push(RowOp::Add {
                    table: &IOC_AGGREGATE,
                    key: vec![
                        Value::Static(grain.key()),
                        Value::Text(grain.bucket(k.day)),
                        Value::Text(k.agency.to_string()),
                        Value::Static(k.measure.key()),
                    ],
                    n,
                });
            }
        }
        let member = |k: &ioc::FactKey| {
            vec![
                Value::Text(k.agency.to_string()),
                Value::Static(k.measure.key()),
                Value::Date(k.day),
                Value::Text(after.code.to_string()),
            ]
        };
        out.extend(membership.left.iter().map(|k| RowOp::Delete { table: &IOC_MEMBER, row: member(k) }));
        out.extend(membership.joined.iter().map(|k| RowOp::Insert { table: &IOC_MEMBER, row: member(k) }));
    }
}

/// Each agency's inbox counters: dossiers by state, open ones by due date.
pub struct InboxTally;

impl DossierProjection for InboxTally {
    fn changes(&self, before: Option<&Dossier>, after: &Dossier, out: &mut Vec<RowOp>) {
        for ((agency, key), n) in tally::delta(before, after) {
            out.push(RowOp::Add {
                table: &INBOX_TALLY,
                key: vec![Value::Text(agency.to_string()), Value::Text(key.key())],
                n,
            });
        }
    }
}

/// The projections of the platform as it ships, in the order they write: what the composition
/// root (and the harnesses that open a store directly: benchmarks, store tests) registers.
pub fn standard() -> Projections {
    std::sync::Arc::from(vec![Box::new(OperationsCentre) as Box<dyn DossierProjection>, Box::new(InboxTally)])
}
