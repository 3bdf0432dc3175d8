//! The demo province's field reports: two months of them in the communes that have demo staff,
//! made by the reports module's own rules (submitted, then accepted, worked on, answered and
//! rated by the commune's officer and the reporter as the days go by), so that the public list,
//! the staff's list, the operations centre and Open311 show a living channel from the first start.

use crate::demo::{Rng, World};
use anyhow::{anyhow, Result};
use chrono::{DateTime, NaiveDate, Utc};
use tinhso_kernel::calendar::local_date;
use tinhso_kernel::ids::AccountId;
use tinhso_reports::{machine, Command, NewReport, ReportKind};
use tinhso_store::Stores;

const PLACES: [(&str, &str); 8] = [
    ("duong-sa", "Ổ gà lớn giữa đường, xe máy dễ ngã khi trời mưa"),
    ("rac-thai", "Rác thải đổ trộm ven đường, bốc mùi"),
    ("chieu-sang", "Đèn đường hỏng cả đoạn, buổi tối rất tối"),
    ("thoat-nuoc", "Cống thoát nước tắc, mưa to là ngập"),
    ("cay-xanh", "Cây to nghiêng sát đường điện, sợ đổ khi có bão"),
    ("trat-tu-xay-dung", "Công trình lấn chiếm vỉa hè, vật liệu để ra lòng đường"),
    ("cap-nuoc", "Nước sinh hoạt mất mấy ngày liền"),
    ("an-toan-thuc-pham", "Quán ăn gần trường học mất vệ sinh"),
];

fn at(day: NaiveDate, minutes: u64) -> DateTime<Utc> {
    let local = day.and_hms_opt(8, 0, 0).unwrap_or_default() + chrono::Duration::minutes(minutes as i64);
    tinhso_kernel::calendar::from_local(local)
}

/// Stores `n` demo reports; returns how many.
pub async fn seed(store: &Stores, world: &World<'_>, n: usize) -> Result<usize> {
    let agencies = store.province.agencies().await?;
    let mut rng = Rng::new(766);
    let today = local_date(world.now);
    let mut made = 0;
    for _ in 0..n {
        let Some((commune, agency)) = world.communes.get(rng.index(world.communes.len().max(1))) else { break };
        let day = today - chrono::Duration::days(i64::from(rng.days(60)));
        let service = rng.chance(15);
        let reporter = if rng.chance(60) { world.citizens.get(rng.index(world.citizens.len().max(1))) } else { None };
        let (category, text) = if service {
            ("thu-tuc-hanh-chinh", "Hẹn trả kết quả nhưng đến ngày hẹn chưa có")
        } else {
            PLACES[rng.index(PLACES.len())]
        };
        let new = NewReport {
            kind: if service { ReportKind::Service } else { ReportKind::Place },
            category: category.into(),
            description: text.into(),
            point: None,
            commune: (!service).then_some(*commune),
            address: if service { String::new() } else { format!("Thôn {}", 1 + rng.below(12)) },
            dossier_code: None,
            reporter: reporter.map(|c| c.id),
            reporter_name: reporter.map(|c| c.name.clone()).unwrap_or_default(),
            reporter_contact: reporter.map(|c| c.phone.clone()).unwrap_or_default(),
            show_identity: false,
            photos: Vec::new(),
            client_token: None,
        };
        let lead = if service {
            tinhso_reports::routing::route(&[], &agencies, category, None, None).ok_or_else(|| anyhow!("no agency"))?
        } else {
            agency.clone()
        };
        let first = machine::submit(
            new,
            lead.clone(),
            world.calendar,
            day,
            at(day, rng.below(480)),
            reporter.map_or(AccountId(0), |c| c.id),
        )
        .map_err(|r| anyhow!("{}", r.en))?;
        let mut r = store.reports.create_report(&first).await?;
        made += 1;
        let officer = world.staff.specialist.get(&lead).copied();
        let Some(officer) = officer else { continue };
        // The officer's days: triage within two working days, work, an answer after 3 to 12.
        let mut steps: Vec<(u32, Command, AccountId)> =
            vec![(1 + u32::try_from(rng.below(2)).unwrap_or(0), Command::Accept, officer)];
        if rng.chance(60) {
            steps.push((3, Command::StartWork, officer));
        }
        if rng.chance(75) {
            let answer = tinhso_reports::answers::answer("da-khac-phuc").unwrap_or("Đã xử lý").to_owned();
            steps.push((
                3 + u32::try_from(rng.below(10)).unwrap_or(0),
                Command::Fix { answer, photos: Vec::new() },
                officer,
            ));
            if let Some(c) = reporter.filter(|_| rng.chance(50)) {
                let satisfied = rng.chance(80);
                steps.push((14, Command::Rate { satisfied, comment: String::new() }, c.id));
            }
        }
        let mut last = day;
        for (after, cmd, actor) in steps {
            let on = world.calendar.due_date(day, after).unwrap_or(day).max(last);
            if on > today {
                break;
            }
            last = on;
            let when = at(on, 60 + rng.below(400));
            let Ok(e) = machine::decide(&r, &cmd, world.calendar, on, when, actor) else { break };
            r = store.reports.record_report_events(r.id, r.version, &[e], &[]).await?;
        }
    }
    Ok(made)
}
