//! A year of realistic dossiers for the demo province, produced by the real state machine
//! (`decide` then `apply`) at past times, so due dates, lateness and the audit chain are real.

use chrono::{DateTime, Days, NaiveDate, Utc};
use std::collections::HashMap;
use tinhso_catalogue::procedure::{Applicants, CompetentAgency, Procedure, ProcessingTime};
use tinhso_catalogue::workflow::StepRole;
use tinhso_dossier::{
    apply, decide, ApplicantType, Channel, Command, Dossier, Event, EventKind, Party, Rating, ReturnMethod,
};
use tinhso_kernel::calendar::WorkingCalendar;
use tinhso_kernel::ids::AccountId;
use tinhso_kernel::ids::AgencyCode;
use tinhso_kernel::text::fold;
use tinhso_store::NewDossier;

/// A small deterministic generator (xorshift64*), so every demo install has the same history.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// An index in `0..len`.
    pub fn index(&mut self, len: usize) -> usize {
        usize::try_from(self.below(len as u64)).unwrap_or(0)
    }

    /// A small number in `0..n`.
    pub fn days(&mut self, n: u32) -> u32 {
        u32::try_from(self.below(u64::from(n))).unwrap_or(0)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.index(items.len()))
    }
}

pub struct Citizen {
    pub id: AccountId,
    pub name: String,
    pub phone: String,
    pub personal_id: String,
}

/// Who acts for each agency in the demo.
#[derive(Default)]
pub struct Staff {
    pub receptionist: HashMap<AgencyCode, AccountId>,
    pub specialist: HashMap<AgencyCode, AccountId>,
    pub approver: HashMap<AgencyCode, AccountId>,
}

pub struct World<'a> {
    pub calendar: &'a WorkingCalendar,
    pub procedures: &'a [Procedure],
    pub citizens: &'a [Citizen],
    pub staff: &'a Staff,
    pub service_centre: AgencyCode,
    /// Communes with demo staff: (unit code, committee agency code).
    pub communes: &'a [(u32, AgencyCode)],
    pub now: DateTime<Utc>,
}

/// 08:00 + `minutes` in Vietnam on `day`, as UTC.
fn at(day: NaiveDate, minutes: u64) -> DateTime<Utc> {
    let local = day.and_hms_opt(8, 0, 0).unwrap_or_default() + chrono::Duration::minutes(minutes as i64);
    tinhso_kernel::calendar::from_local(local)
}

fn working_day_after(cal: &WorkingCalendar, day: NaiveDate, n: u32) -> NaiveDate {
    cal.due_date(day, n).unwrap_or(day)
}

/// Runs the history of one dossier until `now`; commands refused by the domain end it early.
struct Run<'a> {
    world: &'a World<'a>,
    d: Dossier,
    events: Vec<Event>,
}

impl Run<'_> {
    fn step(&mut self, cmd: Command, party: Party, actor: AccountId, when: DateTime<Utc>) -> bool {
        // A step planned before the last one happens just after it: histories move forward.
        let when = match self.d.last_event_at {
            Some(last) if when <= last => last + chrono::Duration::minutes(5),
            _ => when,
        };
        if when >= self.world.now {
            return false;
        }
        let Ok(kind) = decide(&self.d, &cmd, party, when, self.world.calendar) else { return false };
        let event = Event { kind, at: when, actor };
        match apply(Some(self.d.clone()), &self.d.code, &event) {
            Some(next) => {
                self.d = next;
                self.events.push(event);
                true
            }
            None => false,
        }
    }
}

fn form(c: &Citizen, commune: u32, p: &Procedure) -> serde_json::Value {
    let mut f = serde_json::json!({
        "ho_ten": c.name,
        "so_dinh_danh": c.personal_id,
        "so_dien_thoai": c.phone,
        "dia_chi": { "detail": "Thôn Bản Mán", "commune": commune },
        "noi_dung": format!("Đề nghị giải quyết: {}", p.name),
    });
    if p.code.as_str() == "1.001193" {
        f["ten_tre"] = serde_json::json!(format!("{} Minh Khôi", c.name.split(' ').next().unwrap_or("Nguyễn")));
        f["ngay_sinh"] = serde_json::json!("2025-03-01");
        f["gioi_tinh"] = serde_json::json!("Nam");
        f["noi_sinh"] = serde_json::json!({ "detail": "Trạm y tế xã", "commune": commune });
    }
    f
}

/// One dossier submitted on `day`, played forward.
fn dossier(world: &World<'_>, rng: &mut Rng, day: NaiveDate) -> Option<(NewDossier, Vec<Event>)> {
    let p = rng.pick(world.procedures)?;
    let c = rng.pick(world.citizens)?;
    let (commune, commune_committee) = rng.pick(world.communes)?.clone();
    let competent = match &p.competent_agency {
        CompetentAgency::Agency(a) => a.clone(),
        CompetentAgency::CommuneCommittee => commune_committee.clone(),
    };
    let channel = match rng.below(100) {
        0..=69 => Channel::Online,
        70..=96 => Channel::InPerson,
        _ => Channel::Postal,
    };
    let receiving = match (&p.competent_agency, channel) {
        (CompetentAgency::CommuneCommittee, _) => competent.clone(),
        (_, Channel::InPerson) if rng.chance(30) => commune_committee.clone(),
        _ => world.service_centre.clone(),
    };
    let desk = *world.staff.receptionist.get(&receiving)?;
    let specialist = *world.staff.specialist.get(&competent)?;
    let approver = *world.staff.approver.get(&competent)?;
    let days = match p.processing_time {
        Some(ProcessingTime::WorkingDays(d)) => d,
        Some(ProcessingTime::WorkingHours(h)) => h.div_ceil(8).max(1),
        None => 15,
    };
    let submitted_at = at(day, rng.below(8 * 60));
    let declared = form(c, commune, p);
    // Drawn for every dossier, so the procedure's applicants do not move the demo's other draws.
    let business = rng.chance(8);
    // An existing household business's own procedures are its owner's as a household business;
    // founding one is a person's.
    let name = fold(&p.name);
    let household = name.contains("ho kinh doanh") && !name.contains("thanh lap");
    let (applicant_type, organization) = match p.applicants {
        Applicants::People => (ApplicantType::Citizen, None),
        _ if household && (business || p.applicants == Applicants::Organizations) => {
            (ApplicantType::HouseholdBusiness, household_business(c))
        }
        Applicants::Organizations => (ApplicantType::Business, demo_company(c)),
        Applicants::PeopleAndOrganizations if business && !name.contains("ho kinh doanh") => {
            (ApplicantType::Business, demo_company(c))
        }
        Applicants::PeopleAndOrganizations => (ApplicantType::Citizen, None),
    };
    // (Every stem has a check digit, so an organisation is always found; a person's otherwise.)
    let applicant_type = if organization.is_some() { applicant_type } else { ApplicantType::Citizen };
    let submitted = Event {
        kind: EventKind::Submitted {
            procedure: p.code.clone(),
            applicant: c.id,
            applicant_type,
            organization: organization.map(Box::new),
            channel,
            receiving_agency: receiving,
            competent_agency: competent,
            processing_days: days,
            fee_vnd: p.fee.amount_vnd,
            files: Vec::new(),
            // At the desk the mandatory documents arrive on paper.
            paper_components: if channel == Channel::Online {
                Vec::new()
            } else {
                (0..u16::try_from(p.components.len()).unwrap_or(u16::MAX))
                    .filter(|i| p.components.get(usize::from(*i)).is_some_and(|c| c.mandatory))
                    .collect()
            },
            steps: p.workflow(),
            form_sha256: Some(tinhso_dossier::form_digest(&declared)),
            phone_sha256: Some(tinhso_dossier::phone_digest(
                tinhso_kernel::ids::Phone::parse("phone", &c.phone).as_ref().map_or("", |p| p.as_str()),
            )),
        },
        at: submitted_at,
        actor: c.id,
    };
    // The code is allocated at import; the fold only needs a placeholder meanwhile.
    let placeholder = match &submitted.kind {
        EventKind::Submitted { receiving_agency, .. } => {
            tinhso_kernel::ids::DossierCode::new(receiving_agency, submitted_at.date_naive(), 1)?
        }
        _ => return None,
    };
    let d = apply(None, &placeholder, &submitted)?;
    let mut run = Run { world, d, events: Vec::new() };
    let cal = world.calendar;
    let later = |base: NaiveDate, n: u32, rng: &mut Rng| at(working_day_after(cal, base, n), rng.below(8 * 60));

    if rng.chance(3) {
        run.step(
            Command::Refuse { reason: "Hồ sơ không thuộc thẩm quyền giải quyết".into() },
            Party::Staff,
            desk,
            submitted_at + chrono::Duration::minutes(30),
        );
    } else if run.step(Command::Receive, Party::Staff, desk, later(day, u32::from(rng.chance(30)), rng)) {
        let received = run.d.received_on.unwrap_or(day);
        run.step(
            Command::StartProcessing,
            Party::Staff,
            specialist,
            later(received, 0, rng) + chrono::Duration::minutes(5),
        );
        // A few recent dossiers stall with their holder, as some always do: the overdue lists,
        // alerts and apology letters have real work to show. (Decided from the submission time,
        // so the rest of the history does not depend on it.)
        let recent = world.now - submitted_at < chrono::Duration::days(40);
        let stalls = recent && submitted_at.timestamp().rem_euclid(100) < 10;
        if rng.chance(2) {
            run.step(
                Command::Withdraw { reason: "Không còn nhu cầu".into() },
                Party::Applicant,
                c.id,
                later(received, 2, rng),
            );
        } else if stalls {
            // Received and taken up, then nothing: it falls due and then overdue.
        } else {
            let supplements = match rng.below(100) {
                0..=2 => 2,
                3..=19 => 1,
                _ => 0,
            };
            let mut cursor = received;
            for _ in 0..supplements {
                cursor = working_day_after(cal, cursor, 1 + rng.days(2));
                let asked = run.step(
                    Command::RequestSupplement {
                        items: vec!["Bản sao giấy tờ tùy thân".into()],
                        reason: "Bản chụp không rõ nét".into(),
                    },
                    Party::Staff,
                    specialist,
                    at(cursor, 60),
                );
                cursor = working_day_after(cal, cursor, 1 + rng.days(4));
                if !asked
                    || !run.step(
                        Command::Supplement { note: "Đã bổ sung".into(), files: Vec::new() },
                        Party::Applicant,
                        c.id,
                        at(cursor, 120),
                    )
                {
                    break;
                }
            }
            if let Some(fee) = p.fee.amount_vnd.filter(|f| *f > 0) {
                cursor = working_day_after(cal, cursor, 1);
                run.step(Command::RequestPayment { amount_vnd: fee }, Party::Staff, specialist, at(cursor, 30));
                // Four in ten pay online (recorded from the gateway's confirmation), the rest at the desk.
                run.step(Command::RecordPayment { online: rng.chance(40) }, Party::Staff, desk, at(cursor, 200));
            }
            if let Some(due) = run.d.due_on {
                // Most finish early or on the day; some are late, half of those apologise in time.
                let finish = match rng.below(100) {
                    0..=74 => cal.due_date(cursor.max(due - Days::new(4)), 1).unwrap_or(due).min(due),
                    75..=86 => due,
                    _ => working_day_after(cal, due, 1 + rng.days(5)),
                };
                if finish > due && rng.chance(50) {
                    let new_due = working_day_after(cal, due, 6);
                    run.step(
                        Command::Apologise { reason: "Cần xác minh thêm thông tin".into(), new_due_on: new_due },
                        Party::Staff,
                        specialist,
                        at(due, 0),
                    );
                }
                // Every step but the last (the approval) is completed, handing over as it goes.
                let steps = run.d.steps.clone();
                for (i, next) in steps.iter().enumerate().skip(1) {
                    let holder = if steps[i - 1].role == StepRole::Approver { approver } else { specialist };
                    let next_assignee = Some(if next.role == StepRole::Approver { approver } else { specialist });
                    run.step(
                        Command::CompleteStep { note: steps[i - 1].name.clone(), next_assignee },
                        Party::Staff,
                        holder,
                        at(finish, i as u64 * 10),
                    );
                }
                // The demo's past results are not rendered (1,500 PDFs would slow every
                // start): an electronic one names a stand-in hash; new approvals sign real files.
                let electronic = rng.chance(85);
                let stand_in = {
                    use sha2::Digest;
                    let digest = sha2::Sha256::digest(format!("demo-result/{}", run.d.code).as_bytes());
                    tinhso_kernel::ids::Sha256::of_digest(&digest)
                };
                if run.step(
                    Command::Approve { electronic_result: electronic, result: stand_in.filter(|_| electronic) },
                    Party::Staff,
                    approver,
                    at(finish, 240),
                ) {
                    let method = match rng.below(100) {
                        0..=59 => ReturnMethod::Online,
                        60..=94 => ReturnMethod::Desk,
                        _ => ReturnMethod::Post,
                    };
                    let returned = working_day_after(cal, finish, rng.days(3));
                    if run.step(Command::Return { method }, Party::Staff, desk, at(returned, 300)) && rng.chance(55) {
                        let rating = match rng.below(100) {
                            0..=69 => Rating::VerySatisfied,
                            70..=94 => Rating::Satisfied,
                            _ => Rating::Dissatisfied,
                        };
                        run.step(
                            Command::Rate { rating, comment: String::new() },
                            Party::Applicant,
                            c.id,
                            at(returned, 400),
                        );
                    }
                }
            }
        }
    }
    let new = NewDossier {
        submitted,
        form: declared,
        applicant_phone: tinhso_kernel::ids::Phone::parse("phone", &c.phone).ok(),
        files: Vec::new(),
        notify: Vec::new(),
    };
    Some((new, run.events))
}

/// The enterprise a demo applicant represents: named after them, with a tax code of the
/// province's series (50) whose check digit holds. Drawn from nothing random, so the demo's
/// other figures stay as they were.
fn demo_company(c: &Citizen) -> Option<tinhso_dossier::Organization> {
    let surname = c.name.split_whitespace().last().unwrap_or("An");
    let stem = format!("50{:07}", c.id.0.rem_euclid(10_000_000));
    let tax_code = (0..10).find_map(|d| tinhso_kernel::ids::TaxCode::parse("tax_code", &format!("{stem}{d}")).ok())?;
    Some(tinhso_dossier::Organization {
        name: format!("Công ty TNHH Thương mại {surname}"),
        tax_code,
        capacity: Default::default(),
    })
}

/// The household business a demo citizen runs: its tax code is the owner's personal id.
fn household_business(c: &Citizen) -> Option<tinhso_dossier::Organization> {
    let tax_code = tinhso_kernel::ids::TaxCode::parse("tax_code", &c.personal_id).ok()?;
    Some(tinhso_dossier::Organization {
        name: format!("Hộ kinh doanh {}", c.name),
        tax_code,
        capacity: Default::default(),
    })
}

/// About `n` dossiers spread over the working days of the year before `now`.
pub fn history(world: &World<'_>, n: usize) -> Vec<(NewDossier, Vec<Event>)> {
    let mut rng = Rng::new(0x7475_7965_6e71_7561);
    let today = tinhso_dossier::deadline::local_date(world.now);
    let days: Vec<NaiveDate> = (1..=365)
        .rev()
        .filter_map(|back| today.checked_sub_days(Days::new(back)))
        .filter(|d| world.calendar.is_working_day(*d))
        .collect();
    if days.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        // The later of two uniform picks: more dossiers in recent months, as online use grows.
        let idx = rng.index(days.len()).max(rng.index(days.len()));
        let Some(day) = days.get(idx).copied() else { continue };
        if let Some(d) = dossier(world, &mut rng, day) {
            out.push(d);
        }
    }
    out.sort_by_key(|(d, _)| d.submitted.at);
    out
}
