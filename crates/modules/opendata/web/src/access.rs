//! The policy asked about a publisher: through the core's command table, never around it.

use tinhso_kernel::ids::AgencyCode;
use tinhso_opendata::access::{action, CommandKind};
use tinhso_opendata::Organization;
use tinhso_policy::{decide, Actor, Decision};

fn allowed(actor: &Actor, kind: CommandKind, org: &Organization) -> bool {
    match AgencyCode::parse("agency", &org.agency) {
        Ok(agency) => decide(actor, &action(kind, &agency)) == Decision::Allow,
        Err(_) => false,
    }
}

pub fn may_publish(actor: &Actor, org: &Organization) -> bool {
    allowed(actor, CommandKind::EditDataset, org)
}

pub fn may_read_private(actor: &Actor, org: &Organization) -> bool {
    allowed(actor, CommandKind::ReadPrivate, org)
}

pub fn may_manage(actor: &Actor) -> bool {
    decide(actor, &tinhso_policy::Action::ManageDataPortal) == Decision::Allow
}
