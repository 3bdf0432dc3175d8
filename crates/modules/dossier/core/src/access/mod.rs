//! Who may issue which command on a dossier: every command maps to one typed policy action,
//! decided by `policy::decide`. The match is exhaustive on purpose: a new command does not
//! compile until someone says which right it needs.

use super::machine::{current_step, holds_step, CommandKind, Dossier, Party};
use super::DossierState;
use tinhso_catalogue::workflow::StepRole;
use tinhso_kernel::ids::AccountId;
use tinhso_policy::{decide, Action, Actor, Decision};

/// The policy action `kind` needs on `d`, for the account `actor_id`.
pub fn required_action(kind: CommandKind, d: &Dossier, actor_id: AccountId) -> Action {
    use CommandKind as K;
    let receiving = || d.receiving_agency.clone();
    let competent = || d.competent_agency.clone();
    match kind {
        K::Supplement | K::Withdraw | K::Rate => Action::ActAsApplicant { own: d.applicant == actor_id },
        // The one-stop desk: what arrives, what is refused, fees paid at the counter, results handed over.
        K::Receive | K::Refuse | K::RecordPayment | K::Return => Action::ReceiveDossier { agency: receiving() },
        // Before receipt the desk asks for missing papers; afterwards the specialist does.
        K::RequestSupplement if d.state == DossierState::Submitted => Action::ReceiveDossier { agency: receiving() },
        K::RequestSupplement => Action::ProcessDossier { agency: competent() },
        K::RequestPayment | K::StartProcessing | K::Transfer | K::Apologise => {
            Action::ProcessDossier { agency: competent() }
        }
        K::CompleteStep if current_step(d).is_some_and(|s| s.role == StepRole::Approver) => {
            Action::ApproveDossier { agency: competent() }
        }
        K::CompleteStep => Action::ProcessDossier { agency: competent() },
        K::Approve | K::Stop | K::Assign => Action::ApproveDossier { agency: competent() },
    }
}

/// Why `actor` may not issue `kind` on `d`, if they may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The policy refuses the action (wrong role, agency or dossier).
    Forbidden,
    /// The step is held by someone else; a leader can reassign it.
    StepHeldByOther,
}

/// Whether `actor` (account `actor_id`) may issue `kind` on `d`, and as which party.
pub fn authorize(actor: &Actor, actor_id: AccountId, kind: CommandKind, d: &Dossier) -> Result<Party, Denied> {
    if decide(actor, &required_action(kind, d, actor_id)) == Decision::Deny {
        return Err(Denied::Forbidden);
    }
    if kind.finishes_step() && !holds_step(d, actor_id) {
        return Err(Denied::StepHeldByOther);
    }
    Ok(kind.party())
}

#[cfg(test)]
mod tests;
