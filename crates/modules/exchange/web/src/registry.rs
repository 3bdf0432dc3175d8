//! The desk's question, answered: asks the population service, holds the record against the
//! name said, and logs the question with its ledger entry before anything is shown.

use crate::client::{Failure, Population};
use std::sync::Arc;
use tinhso_exchange::audit::{self, Lookup};
use tinhso_exchange::population::{compare, Outcome};
use tinhso_exchange_port::ResidentLookup;
use tinhso_http::capability::residents::{Registered, ResidentCheck, ResidentRegistry};
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_kernel::guard::{Rule, Verdict};
use tinhso_kernel::ids::PersonalId;
use tinhso_ledger::chain::Link;
use tinhso_store::Account;

/// The counter of lookups by outcome, for `/metrics`.
pub const LOOKUPS: &str = "tinhso_resident_lookups_total";
pub const LOOKUPS_HELP: &str =
    "Questions put to the national population database, by what came back (failed: no usable answer).";

pub struct Registry {
    pub population: Arc<Population>,
}

/// How the exchange names the officer (PR-REST: a user id prefixed with the country code).
fn user_of(officer: &Account) -> String {
    match &officer.personal_id {
        Some(id) => format!("VN{}", id.as_str()),
        None => format!("VN-{}", officer.login),
    }
}

fn registered(o: Outcome) -> Registered {
    match o {
        Outcome::Found => Registered::Found,
        Outcome::Matches => Registered::Matches,
        Outcome::NameDiffers => Registered::NameDiffers,
        Outcome::Deceased => Registered::Deceased,
        Outcome::NotFound => Registered::NotFound,
        Outcome::Failed => Registered::Unavailable,
    }
}

#[async_trait::async_trait]
impl ResidentRegistry for Registry {
    async fn check(
        &self,
        state: &AppState,
        officer: &Account,
        personal_id: &PersonalId,
        said_name: Option<&str>,
        purpose: &str,
    ) -> Result<ResidentCheck, AppError> {
        let agency = officer.agency.as_ref().ok_or(AppError::Forbidden)?;
        let actor = tinhso_policy::Actor { role: officer.role, agency: Some(agency.clone()) };
        let may = tinhso_policy::decide(&actor, &tinhso_policy::Action::LookUpResident { agency: agency.clone() });
        if may != tinhso_policy::Decision::Allow {
            return Err(AppError::Forbidden);
        }
        // Counted before the question is put, so a burst is counted one by one; a lookup
        // refused here reaches no one and reads nothing.
        let key = tinhso_identity::guard_key("resident_lookup", &[&officer.id.0.to_string()]);
        let now = chrono::Utc::now();
        if let Verdict::Wait(secs) = state.store.guard.guard_attempt(&[(key, Rule::RESIDENT_LOOKUPS)], now).await? {
            tracing::warn!(officer = officer.id.0, "an officer's population lookups are being slowed");
            return Ok(ResidentCheck {
                registered: Registered::Limited(secs),
                full_name: None,
                birth_date: None,
                residence: None,
            });
        }
        let asked = self.population.ask(personal_id, &user_of(officer), purpose).await;
        let (outcome, record) = match asked.answer {
            Ok(found) => (compare(said_name, found.as_ref()), found),
            Err(f) => {
                match &f {
                    Failure::Refused(_) => tracing::error!(failure = %f, "the data exchange refused a lookup"),
                    _ => tracing::warn!(failure = %f, "a population lookup got no usable answer"),
                }
                (Outcome::Failed, None)
            }
        };
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let row = ResidentLookup {
            message_id: asked.message_id.clone(),
            looked_at: at.clone(),
            officer: officer.id,
            agency: agency.to_string(),
            personal_id: personal_id.as_str().to_owned(),
            purpose: purpose.to_owned(),
            outcome: outcome.as_str().to_owned(),
            service: self.population.config.service.to_string(),
            request_hash: asked.request_hash,
        };
        let entry = Link {
            id: 0,
            lane: audit::LANE.to_owned(),
            seq: 0,
            dossier: audit::subject(&asked.message_id),
            at,
            actor: officer.id.0,
            payload: audit::payload(&Lookup {
                officer: officer.id.0,
                agency: &row.agency,
                personal_id: &row.personal_id,
                outcome: &row.outcome,
                purpose,
            }),
        };
        // Logged before it is shown: a record read that could not be logged is not shown.
        crate::exchange_port(state)?.record_lookup(&row, &entry).await?;
        state.metrics.count(LOOKUPS, LOOKUPS_HELP, outcome.as_str());
        let record = record.filter(|_| outcome.read_record());
        Ok(ResidentCheck {
            registered: registered(outcome),
            full_name: record.as_ref().map(|r| r.full_name.clone()),
            birth_date: record.as_ref().and_then(|r| r.birth_date),
            residence: record.and_then(|r| r.residence),
        })
    }
}
