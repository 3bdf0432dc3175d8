//! Who may issue which command on a report: every command maps to one typed policy action,
//! decided by `tinhso_policy::decide`. Exhaustive on purpose: a new command does not compile
//! until someone says which right it needs.

use crate::machine::{CommandKind, Report};
use tinhso_kernel::ids::AccountId;
use tinhso_policy::{decide, Action, Actor, Decision};

/// The policy action `kind` needs on `r`, for the account `actor_id`.
pub fn required_action(kind: CommandKind, r: &Report, actor_id: AccountId) -> Action {
    use CommandKind as K;
    let agency = || r.agency.clone();
    match kind {
        K::ProvideInfo | K::Reopen | K::Rate => Action::ActAsReporter { own: r.reporter == Some(actor_id) },
        K::Hide => Action::ModerateReport { agency: agency() },
        K::Accept
        | K::Refuse
        | K::Forward
        | K::AddContributor
        | K::RequestInfo
        | K::Investigate
        | K::StartWork
        | K::Schedule
        | K::Fix
        | K::NoFurtherAction
        | K::UnableToFix
        | K::InternalReferral
        | K::MarkDuplicate
        | K::Close
        | K::Update
        | K::Note
        | K::Escalate => Action::HandleReport { agency: agency() },
    }
}

/// Whether `actor` (account `actor_id`) may issue `kind` on `r`. Contributing agencies may add
/// notes and public updates; the lead agency decides.
pub fn allowed(actor: &Actor, actor_id: AccountId, kind: CommandKind, r: &Report) -> bool {
    if decide(actor, &required_action(kind, r, actor_id)) == Decision::Allow {
        return true;
    }
    matches!(kind, CommandKind::Note | CommandKind::Update)
        && r.contributors.iter().any(|a| decide(actor, &Action::HandleReport { agency: a.clone() }) == Decision::Allow)
}

/// Whether `actor` may see a report's internal side (notes, the reporter's contact).
pub fn sees_internals(actor: &Actor, r: &Report) -> bool {
    std::iter::once(&r.agency)
        .chain(&r.contributors)
        .any(|a| decide(actor, &Action::HandleReport { agency: a.clone() }) == Decision::Allow)
        || decide(actor, &Action::ViewAllDossiers) == Decision::Allow
}
