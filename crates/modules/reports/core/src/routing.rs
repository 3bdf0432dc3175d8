//! Where a report goes: the province's routing table maps category x commune to the
//! responsible agency. A rule for one commune beats a rule for every commune; without a rule
//! a report about a dossier goes to the agency deciding it (it answers for its handling), the
//! commune's own People's Committee answers for what happens in it, and the province's
//! People's Committee for the rest.

use serde::{Deserialize, Serialize};
use tinhso_kernel::ids::AgencyCode;
use tinhso_kernel::province::{Agency, AgencyKind, AgencyLevel};

/// One row of the routing table; `commune` `None` applies to every commune.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub category: String,
    pub commune: Option<u32>,
    pub agency: AgencyCode,
}

/// The agency responsible for a report of `category` in `commune`, about the dossier that
/// `deciding` (when the report names one that exists) decides.
pub fn route(
    table: &[Route],
    agencies: &[Agency],
    category: &str,
    commune: Option<u32>,
    deciding: Option<&AgencyCode>,
) -> Option<AgencyCode> {
    let exact = commune.and_then(|c| table.iter().find(|r| r.category == category && r.commune == Some(c)));
    let any = || table.iter().find(|r| r.category == category && r.commune.is_none());
    if let Some(r) = exact.or_else(any) {
        return Some(r.agency.clone());
    }
    if let Some(a) = deciding.and_then(|d| agencies.iter().find(|a| &a.code == d)) {
        return Some(a.code.clone());
    }
    let committee = |level: AgencyLevel, unit: Option<u32>| {
        agencies.iter().find(|a| {
            a.kind == AgencyKind::PeoplesCommittee && a.level == level && (unit.is_none() || a.unit_code == unit)
        })
    };
    commune
        .and_then(|c| committee(AgencyLevel::Commune, Some(c)))
        .or_else(|| committee(AgencyLevel::Province, None))
        .or_else(|| agencies.first())
        .map(|a| a.code.clone())
}
