//! The operations centre's read model of dossiers, kept in each dossier write's transaction
//! once the composition root registers it: Decision 766 counters per deciding agency, day and
//! month (`ioc_aggregate`), and the dossiers behind each day's counter (`ioc_member`), by the
//! rule in `tinhso_ioc::change`.

use tinhso_dossier::Dossier;
use tinhso_ioc as ioc;
use tinhso_store::plan::{ColumnType as T, CounterTable, DossierProjection, RowOp, SetTable, Value};
use tinhso_store::Grain;

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

/// Decision 766 counters per deciding agency, day and month, and the dossiers behind each.
pub struct OperationsCentre;

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

    fn tables(&self) -> &'static [&'static str] {
        &["ioc_aggregate", "ioc_member"]
    }

    fn revision(&self) -> &'static str {
        // 2: "received" counts dossiers received (not refused or never-received submissions),
        // on the day of receipt.
        "ioc:2"
    }
}
