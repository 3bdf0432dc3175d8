//! What the DTI's pages do, once for every page: which agencies take part and in which
//! group, the year's round and its frameworks, the figures the platform measures itself, and
//! each command carried out with its ledger entry.

use crate::notices;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;
use tinhso_dti::assessment::{self, Round, Score};
use tinhso_dti::measure::{self, Measure, Reading};
use tinhso_dti::{audit, Appraisal, Assessment, Command, Framework, Frameworks, Refusal, Scores, Step, UnitGroup};
use tinhso_dti_port::{DtiAssessment, DtiRound};
use tinhso_http::error::AppError;
use tinhso_http::state::AppState;
use tinhso_ioc_web::service::{self as ioc, Period, Unit};
use tinhso_kernel::ids::AgencyCode;
use tinhso_kernel::province::AgencyLevel;
use tinhso_ledger::chain::Link;
use tinhso_store::{Account, StoreError};

/// Today, in the province (UTC+7).
pub fn today() -> NaiveDate {
    tinhso_kernel::calendar::local_time(chrono::Utc::now()).date()
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The group an agency is assessed in: departments, and the communes' people's committees;
/// service centres and the province's committee are not units of the index.
pub fn group_of(state: &AppState, agency: &AgencyCode) -> Option<UnitGroup> {
    let a = state.agencies.iter().find(|a| &a.code == agency).filter(|a| a.is_ranked_unit())?;
    Some(if a.level == AgencyLevel::Commune { UnitGroup::Commune } else { UnitGroup::Department })
}

/// Every unit of the index: (agency, name, group), in the Vietnamese order of names.
pub fn units(state: &AppState) -> Vec<(AgencyCode, String, UnitGroup)> {
    let mut out: Vec<_> = state
        .agencies
        .iter()
        .filter_map(|a| group_of(state, &a.code).map(|g| (a.code.clone(), a.name.clone(), g)))
        .collect();
    out.sort_by(|a, b| tinhso_kernel::text::vi_cmp(&a.1, &b.1));
    out
}

/// A year's round with its frameworks.
pub struct Loaded {
    pub round: DtiRound,
    pub frameworks: Frameworks,
}

impl Loaded {
    /// The framework `group`'s units are scored on this year.
    pub fn framework(&self, group: UnitGroup) -> &Framework {
        self.frameworks.of(group)
    }

    pub fn published(&self) -> bool {
        self.round.published_at.is_some()
    }

    pub fn deadline(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.round.deadline, "%Y-%m-%d").ok()
    }

    pub fn rules(&self) -> Round {
        Round { published: self.published(), past_deadline: self.deadline().is_none_or(|d| today() > d) }
    }
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Store(StoreError::Corrupt(format!("{what}: {e}")))
}

pub fn load(round: DtiRound) -> Result<Loaded, AppError> {
    let frameworks = Frameworks::parse(&round.framework).map_err(|e| corrupt("dti framework", e))?;
    Ok(Loaded { round, frameworks })
}

pub async fn round(state: &AppState, year: i32) -> Result<Option<Loaded>, AppError> {
    let rounds = crate::dti_port(state)?.rounds().await?;
    rounds.into_iter().find(|r| r.year == year).map(load).transpose()
}

/// A stored assessment, read.
pub struct Read {
    pub row: DtiAssessment,
    pub assessment: Assessment,
}

pub fn read(row: DtiAssessment) -> Result<Read, AppError> {
    let step = Step::parse(&row.step).ok_or_else(|| corrupt("dti step", &row.step))?;
    let scores: Scores = serde_json::from_str(&row.scores).map_err(|e| corrupt("dti scores", e))?;
    let appraisal: Option<Appraisal> =
        row.appraisal.as_deref().map(serde_json::from_str).transpose().map_err(|e| corrupt("dti appraisal", e))?;
    let assessment = Assessment { step, scores, appraisal, reason: row.reason.clone() };
    Ok(Read { row, assessment })
}

pub async fn assessment(state: &AppState, year: i32, unit: &AgencyCode) -> Result<Option<Read>, AppError> {
    crate::dti_port(state)?.assessment(year, unit.as_str()).await?.map(read).transpose()
}

/// The year so far (or whole, once over), in local days.
fn year_period(year: i32) -> Option<Period> {
    let from = NaiveDate::from_ymd_opt(year, 1, 1)?;
    let end = NaiveDate::from_ymd_opt(year, 12, 31)?;
    Some(Period { from, to: end.min(today()).max(from) })
}

/// A share the platform read ("92,5% của 40 hồ sơ tiếp nhận"), in both languages: `rate` of
/// `over` dossiers that were `vi` / `en`.
fn share(rate: Option<f64>, over: i64, vi: &str, en: &str) -> (Reading, String, String) {
    let pct = |r: f64| format!("{:.1}%", r * 100.0);
    (
        Reading { rate, over },
        rate.map_or_else(
            || "không phát sinh hồ sơ".to_owned(),
            |r| format!("{} của {over} hồ sơ {vi}", pct(r).replace('.', ",")),
        ),
        rate.map_or_else(|| format!("no dossier {en}"), |r| format!("{} of {over} dossiers {en}", pct(r))),
    )
}

/// The figures the platform measures for `agency` over `year`, each with what it read.
pub async fn measured(
    state: &AppState,
    f: &Framework,
    agency: &AgencyCode,
    year: i32,
) -> Result<BTreeMap<String, Score>, AppError> {
    let mut out = BTreeMap::new();
    if f.indicators().all(|i| i.measure.is_none()) {
        return Ok(out);
    }
    let Some(period) = year_period(year) else { return Ok(out) };
    let snapshot = ioc::snapshot(state, period).await?;
    let unit = Unit::Agency(agency.clone());
    let rates = ioc::rates(&snapshot.totals(&unit));
    let index = snapshot.report(state, &unit).total;
    let span =
        format!("{} – {}", tinhso_kernel::format::date_vi(period.from), tinhso_kernel::format::date_vi(period.to));
    for i in f.indicators() {
        let Some(m) = &i.measure else { continue };
        // What was read, said in both languages (the English kept beside, for English pages).
        let (reading, vi, en) = match m {
            Measure::Index766 => (
                Reading { rate: Some(index / 100.0), over: 0 },
                format!("{}/100 điểm", format!("{index:.2}").replace('.', ",")),
                format!("{index:.2}/100 points"),
            ),
            Measure::Online { .. } => share(rates.online, rates.received, "tiếp nhận", "received"),
            Measure::OnTime { .. } => share(rates.on_time, rates.finished, "đã giải quyết", "decided"),
        };
        let points = measure::points(m, i.max_points(), reading);
        let mut score = Score::new(points, format!("Hệ thống đo ({span}): {vi}"));
        score.evidence_en = format!("Measured by the platform ({}): {en}", span.replace(" – ", " to "));
        out.insert(i.key.clone(), score);
    }
    Ok(out)
}

/// Carries out `command` on `unit`'s assessment for the round's year, at the version the
/// person read (`seen`: `None` for one not yet written). `Ok(Err(refusal))` when the rules
/// refuse it; a version that moved meanwhile is a conflict.
pub async fn apply(
    state: &AppState,
    by: &Account,
    loaded: &Loaded,
    unit: &AgencyCode,
    seen: Option<i64>,
    command: Command,
) -> Result<Result<Assessment, Refusal>, AppError> {
    let year = loaded.round.year;
    let group = group_of(state, unit).ok_or(AppError::NotFound)?;
    let current = assessment(state, year, unit).await?;
    if current.as_ref().map(|c| c.row.version) != seen {
        return Err(changed_meanwhile());
    }
    let kind = command.kind();
    let (submits, appraises, returns) = (
        matches!(command, Command::Submit(_)),
        matches!(command, Command::Appraise(_)),
        matches!(command, Command::Return { .. }),
    );
    let next = match assessment::decide(current.as_ref().map(|c| &c.assessment), command, loaded.rules()) {
        Ok(a) => a,
        Err(r) => return Ok(Err(r)),
    };
    let at = now();
    let previous = current.as_ref().map(|c| &c.row);
    let row = DtiAssessment {
        year,
        unit: unit.to_string(),
        unit_group: group.key().to_owned(),
        step: next.step.key().to_owned(),
        version: previous.map_or(1, |p| p.version + 1),
        scores: serde_json::to_string(&next.scores).map_err(|e| AppError::Internal(e.to_string()))?,
        appraisal: next
            .appraisal
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| AppError::Internal(e.to_string()))?,
        reason: next.reason.clone(),
        submitted_at: if submits { Some(at.clone()) } else { previous.and_then(|p| p.submitted_at.clone()) },
        appraised_at: appraises.then(|| at.clone()),
        updated_at: at.clone(),
        updated_by: by.id,
    };
    let stored = audit::Stored {
        year,
        unit: &row.unit,
        step: next.step,
        scores: &next.scores,
        appraisal: next.appraisal.as_ref(),
        reason: &next.reason,
    };
    let entry = entry(audit::subject(year, &row.unit), by, at, audit::payload(&stored, kind, seen.is_none()));
    let step = match next.step {
        Step::Submitted => Some(notices::Step::Submitted { year, unit }),
        Step::Returned if returns => Some(notices::Step::Returned { year, unit, reason: &next.reason }),
        Step::Appraised => next.final_total().map(|total| notices::Step::Appraised { year, unit, total }),
        _ => None,
    };
    let notes = match step {
        Some(step) => notices::notices(state, step).await?,
        None => Vec::new(),
    };
    match crate::dti_port(state)?.put_assessment(&row, seen, &entry, &notes).await {
        Ok(()) => Ok(Ok(next)),
        Err(StoreError::Conflict(_)) => Err(changed_meanwhile()),
        Err(e) => Err(e.into()),
    }
}

/// The ledger entry of a write by `by` at `at` (the lane's next place is the store's to give).
fn entry(subject: String, by: &Account, at: String, payload: String) -> Link {
    Link { id: 0, lane: audit::LANE.to_owned(), seq: 0, dossier: subject, at, actor: by.id.0, payload }
}

pub fn changed_meanwhile() -> AppError {
    AppError::Conflict {
        code: "dti_changed",
        vi: "Bản đánh giá vừa được cập nhật ở nơi khác. Tải lại trang để xem bản mới nhất rồi làm lại.".into(),
        en: "The assessment was changed elsewhere meanwhile. Reload the page and try again.".into(),
    }
}

/// Opens `year`'s round with `f`, units submitting until `deadline`.
pub async fn open(
    state: &AppState,
    by: &Account,
    year: i32,
    deadline: NaiveDate,
    f: &Frameworks,
) -> Result<(), AppError> {
    let framework = f.stored();
    let deadline_day = deadline;
    let deadline = deadline.format("%Y-%m-%d").to_string();
    let at = now();
    let round = DtiRound { year, framework, deadline, opened_at: at.clone(), published_at: None };
    let payload = audit::round_opened(&audit::Round {
        year,
        framework: &round.framework,
        deadline: &round.deadline,
        published_at: None,
    });
    let entry = entry(audit::round_subject(year), by, at, payload);
    let said = tinhso_kernel::format::date_vi(deadline_day);
    let notes = notices::notices(state, notices::Step::Opened { year, deadline: &said }).await?;
    match crate::dti_port(state)?.open_round(&round, &entry, &notes).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(_)) => Err(AppError::Conflict {
            code: "dti_round_exists",
            vi: format!("Đợt đánh giá năm {year} đã được mở."),
            en: format!("The {year} round is already open."),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Publishes `year`'s results; refused while an assessment waits for appraisal.
pub async fn publish(state: &AppState, by: &Account, year: i32) -> Result<(), AppError> {
    let at = now();
    let entry = entry(audit::round_subject(year), by, at.clone(), audit::round_published(year, &at));
    let notes = notices::notices(state, notices::Step::Published { year }).await?;
    match crate::dti_port(state)?.publish_round(year, &at, &entry, &notes).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(_)) => Err(AppError::Conflict {
            code: "dti_not_publishable",
            vi: "Chưa công bố được: còn bản tự đánh giá chờ thẩm định, hoặc kết quả năm này đã công bố.".into(),
            en: "Not published: a self-assessment still awaits appraisal, or the year is already published.".into(),
        }),
        Err(e) => Err(e.into()),
    }
}

/// The years a round may be opened for: this one and the last (a year is assessed at its
/// end or early in the next).
pub fn openable_years() -> [i32; 2] {
    let y = today().year();
    [y, y - 1]
}
