//! The demo province's last year of the digital-transformation index, run by the module's own
//! rules and written through its port with their ledger entries: every department and the
//! communes with demo staff submitted, the province appraised (lowering a figure here and there,
//! with its reason) and published, so the public ranking shows from the first start. The
//! evidence says it is illustrative.

use crate::demo::{Rng, World};
use anyhow::{anyhow, Result};
use chrono::Datelike;
use std::collections::BTreeMap;
use tinhso_dti::assessment::{self, Appraised, Round, Score};
use tinhso_dti::{audit, Appraisal, Command, Framework, Points, Scores, Step};
use tinhso_dti_port::{DtiAssessment, DtiRound};
use tinhso_kernel::ids::AccountId;
use tinhso_ledger::chain::Link;
use tinhso_store::Stores;

fn entry(subject: String, by: AccountId, at: &str, payload: String) -> Link {
    Link { id: 0, lane: audit::LANE.into(), seq: 0, dossier: subject, at: at.into(), actor: by.0, payload }
}

/// Seeds last year's round, appraised and published; returns how many units took part.
pub async fn seed(store: &Stores, world: &World<'_>, by: AccountId) -> Result<usize> {
    let year = tinhso_kernel::calendar::local_date(world.now).year() - 1;
    let f = Framework::parse(tinhso_dti::framework::DEFAULT).map_err(|e| anyhow!("shipped DTI framework: {e}"))?;
    let at = world.now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let round = DtiRound {
        year,
        framework: f.stored(),
        deadline: format!("{year}-12-20"),
        opened_at: at.clone(),
        published_at: None,
    };
    let opened = audit::round_opened(&audit::Round {
        year,
        framework: &round.framework,
        deadline: &round.deadline,
        published_at: None,
    });
    store
        .port::<dyn tinhso_dti_port::DtiStore>()?
        .open_round(&round, &entry(audit::round_subject(year), by, &at, opened), &[])
        .await?;
    let units: Vec<(String, &str)> = store
        .province
        .agencies()
        .await?
        .into_iter()
        .filter(|a| a.is_ranked_unit())
        .filter(|a| {
            a.level == tinhso_kernel::province::AgencyLevel::Province
                || world.communes.iter().any(|(_, c)| c == &a.code)
        })
        .map(|a| {
            (
                a.code.to_string(),
                if a.level == tinhso_kernel::province::AgencyLevel::Province { "department" } else { "commune" },
            )
        })
        .collect();
    let mut rng = Rng::new(922);
    let open = Round { published: false, past_deadline: false };
    for (unit, group) in &units {
        // Each unit claims 45-95 % of each indicator, in half points, with its evidence.
        let scores = Scores(
            f.indicators()
                .map(|i| {
                    let halves = u64::from(i.max) * 2 * (45 + rng.below(51)) / 100;
                    let points = Points(u32::try_from(halves * 50).unwrap_or(0));
                    (i.key.clone(), Score::new(points, "Tài liệu kiểm chứng minh hoạ (bản trình diễn)"))
                })
                .collect(),
        );
        // The appraisers lower one figure in four by a fifth, saying why.
        let appraisal = Appraisal(
            scores
                .0
                .iter()
                .map(|(k, s)| {
                    let lowered = rng.chance(25);
                    let points = if lowered { Points(s.points.0 * 4 / 5) } else { s.points };
                    let note = if lowered {
                        "Tài liệu kiểm chứng chưa đủ cho toàn bộ số điểm (minh hoạ)"
                    } else {
                        ""
                    };
                    (k.clone(), Appraised { points, note: note.into() })
                })
                .collect::<BTreeMap<_, _>>(),
        );
        let mut current = None;
        for (version, command) in [(1, Command::Submit(scores.clone())), (2, Command::Appraise(appraisal))] {
            let kind = command.kind();
            let next =
                assessment::decide(current.as_ref(), command, open).map_err(|r| anyhow!("demo DTI: {}", r.en()))?;
            let stored = audit::Stored {
                year,
                unit,
                step: next.step,
                scores: &next.scores,
                appraisal: next.appraisal.as_ref(),
                reason: &next.reason,
            };
            let payload = audit::payload(&stored, kind, version == 1);
            let row = DtiAssessment {
                year,
                unit: unit.clone(),
                unit_group: (*group).into(),
                step: next.step.key().into(),
                version,
                scores: serde_json::to_string(&next.scores)?,
                appraisal: next.appraisal.as_ref().map(serde_json::to_string).transpose()?,
                reason: String::new(),
                submitted_at: Some(at.clone()),
                appraised_at: (next.step == Step::Appraised).then(|| at.clone()),
                updated_at: at.clone(),
                updated_by: by,
            };
            let expected = (version > 1).then_some(version - 1);
            store
                .port::<dyn tinhso_dti_port::DtiStore>()?
                .put_assessment(&row, expected, &entry(audit::subject(year, unit), by, &at, payload), &[])
                .await?;
            current = Some(next);
        }
    }
    let published = entry(audit::round_subject(year), by, &at, audit::round_published(year, &at));
    store.port::<dyn tinhso_dti_port::DtiStore>()?.publish_round(year, &at, &published, &[]).await?;
    Ok(units.len())
}

/// Signs the decision of each published year that has none, as the demo province's admin (the
/// demo's last year is seeded before the server's signer exists), so the ranking's page shows
/// its signed decision as a real province's would. Only for a server holding the demo.
pub async fn sign_decisions(state: &tinhso_http::AppState) -> Result<()> {
    use tinhso_dti_web::decision;
    let Some(admin) = state.store.identity.account_by_login("quantri@tinhso.local").await? else { return Ok(()) };
    for round in state
        .store
        .port::<dyn tinhso_dti_port::DtiStore>()?
        .rounds()
        .await?
        .into_iter()
        .filter(|r| r.published_at.is_some())
    {
        if decision::issued(state, round.year).await.map_err(|e| anyhow!("{e:?}"))?.is_none() {
            let loaded = tinhso_dti_web::service::load(round).map_err(|e| anyhow!("{e:?}"))?;
            decision::sign(state, &admin, &loaded).await.map_err(|e| anyhow!("{e:?}"))?;
        }
    }
    Ok(())
}
