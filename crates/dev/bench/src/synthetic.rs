//! Synthetic dossiers for the benchmarks: the province's desks, and a year of dossiers spread
//! over them, stored through the real store (codes allocated, events chained).

use anyhow::{anyhow, Result};
use chrono::{DateTime, Utc};
use std::time::Instant;
use tinhso_dossier::{ApplicantType, Channel, Event, EventKind};
use tinhso_kernel::ids::{AccountId, AgencyCode, Phone, ProcedureCode};
use tinhso_store::{NewDossier, Stores};

/// Where the benchmarks' dossiers go: the service centre and the Department of Justice for a
/// provincial procedure, each commune's desk for a commune-level one.
pub struct Desks {
    pub centre: AgencyCode,
    pub justice: AgencyCode,
    pub communes: Vec<AgencyCode>,
    pub provincial: ProcedureCode,
    pub commune_level: ProcedureCode,
}

impl Desks {
    pub async fn of(store: &Stores) -> Result<Self> {
        let agencies = store.province.agencies().await?;
        let code_of = |pick: &dyn Fn(&str) -> bool, what: &str| {
            agencies.iter().find(|a| pick(&a.name)).map(|a| a.code.clone()).ok_or_else(|| anyhow!("no {what}"))
        };
        Ok(Self {
            centre: code_of(&|n| n.starts_with("Trung tâm"), "centre")?,
            justice: code_of(&|n| n == "Sở Tư pháp", "justice")?,
            communes: agencies.iter().filter(|a| a.unit_code.is_some()).map(|a| a.code.clone()).collect(),
            provincial: ProcedureCode::parse("c", "2.000635").map_err(|e| anyhow!("{e}"))?,
            commune_level: ProcedureCode::parse("c", "1.001193").map_err(|e| anyhow!("{e}"))?,
        })
    }

    /// Dossier `i` of `n`, spread over the year from `start` and across desks (so no desk takes
    /// its 9,999 codes in a day): every other one provincial, the rest at a commune; seven in ten
    /// received an hour after submission.
    pub fn dossier(
        &self,
        i: usize,
        n: usize,
        start: DateTime<Utc>,
        applicant: AccountId,
        phone: &str,
        form: serde_json::Value,
    ) -> (NewDossier, Vec<Event>) {
        let at = start + chrono::Duration::seconds((i as i64 * 31_536_000) / n.max(1) as i64);
        let (procedure, receiving, competent) = if i.is_multiple_of(2) {
            (self.provincial.clone(), self.centre.clone(), self.justice.clone())
        } else {
            let c = &self.communes[i % self.communes.len()];
            (self.commune_level.clone(), c.clone(), c.clone())
        };
        let submitted = Event {
            kind: EventKind::Submitted {
                procedure,
                applicant,
                applicant_type: ApplicantType::Citizen,
                organization: None,
                channel: Channel::Online,
                receiving_agency: receiving,
                competent_agency: competent,
                processing_days: 3,
                fee_vnd: Some(0),
                files: Vec::new(),
                paper_components: Vec::new(),
                steps: tinhso_catalogue::workflow::default_steps(Some(
                    tinhso_catalogue::procedure::ProcessingTime::WorkingDays(3),
                )),
                form_sha256: None,
                phone_sha256: None,
            },
            at,
            actor: applicant,
        };
        let received = Event {
            kind: EventKind::Received { due_on: (at + chrono::Duration::days(5)).date_naive() },
            at: at + chrono::Duration::hours(1),
            actor: applicant,
        };
        let events = if i % 10 < 7 { vec![received] } else { Vec::new() };
        let new = NewDossier {
            submitted,
            form,
            applicant_phone: Phone::parse("phone", phone).ok(),
            files: Vec::new(),
            notify: Vec::new(),
        };
        (new, events)
    }
}

/// Stores dossiers `make(0..n)` in batches of `batch`, printing progress every `every`.
pub async fn store_all(
    store: &Stores,
    n: usize,
    batch: usize,
    every: usize,
    make: impl Fn(usize) -> (NewDossier, Vec<Event>),
) -> Result<()> {
    let started = Instant::now();
    let mut done = 0;
    while done < n {
        let items: Vec<(NewDossier, Vec<Event>)> = (done..(done + batch).min(n)).map(&make).collect();
        done += store.dossiers.import_dossiers(&items).await?;
        if done.is_multiple_of(every) || done == n {
            eprintln!("  stored {done} dossiers ({:.0} s)", started.elapsed().as_secs_f64());
        }
    }
    Ok(())
}
