//! The dossier module's own read model, kept in each dossier write's transaction: each
//! agency's inbox counters (dossiers by state, open ones by due date), by the rule in
//! `tinhso_dossier::tally::delta`.

use tinhso_dossier::{tally, Dossier};
use tinhso_store::plan::{ColumnType as T, CounterTable, DossierProjection, RowOp, Value};

pub static INBOX_TALLY: CounterTable =
    CounterTable { name: "inbox_tally", key: &[("agency", T::Text), ("key", T::Text)], count: "n", drop_zero: true };

/// Each agency's inbox counters.
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

    fn tables(&self) -> &'static [&'static str] {
        &["inbox_tally"]
    }

    fn revision(&self) -> &'static str {
        "inbox:1"
    }
}
