//! `tinhso ioc check`: recomputes every aggregate (the operations centre's counters, the
//! dossiers behind each, and the staff inboxes' counters) from the chained events.

use anyhow::{anyhow, Result};
use std::process::ExitCode;
use tinhso_dossier::tally::{self, Tally};
use tinhso_dossier::{apply, Dossier};
use tinhso_ioc::{accumulate, differences, facts, FactKey, Facts};
use tinhso_store::{Grain, Stores};

/// Dossiers per page of the recomputation.
const PAGE: usize = 5_000;

/// Recomputes the aggregates from the events (fold every dossier, sum its facts) and compares
/// them with the stored day and month buckets. Exit 1 on any difference.
pub async fn check(store: &Stores) -> Result<ExitCode> {
    // Dossier by dossier, a page at a time: memory holds two pages and the counters, never the
    // whole chain (ten million dossiers are ~45 million events). The next page is read (and its
    // events parsed, on the store's blocking thread) while this one is folded.
    let (mut recomputed, mut events, mut dossiers) = (Facts::new(), 0usize, 0usize);
    let mut inbox = Tally::new();
    // How many dossiers are behind each counter: the drill-down's index must list exactly them.
    let mut members = Facts::new();
    let mut page = store.dossiers.events_by_dossier(None, PAGE).await?;
    while !page.dossiers.is_empty() {
        let next = page.next.clone();
        let fold = async {
            let mut out = (Facts::new(), 0usize, 0usize, Tally::new(), Facts::new());
            for (code, list) in page.dossiers {
                let mut d: Option<Dossier> = None;
                let code = tinhso_kernel::ids::DossierCode::parse("code", &code)
                    .map_err(|e| anyhow!("stored dossier code {code}: {e}"))?;
                for e in &list {
                    d = Some(apply(d, &code, e).ok_or_else(|| anyhow!("an event of {code} does not apply"))?);
                }
                if let Some(d) = d {
                    let f = facts(&d);
                    accumulate(&mut out.4, f.keys().map(|k| (k.clone(), 1)).collect());
                    accumulate(&mut out.0, f);
                    tally::accumulate(&mut out.3, tally::tally(&d));
                }
                out.1 += list.len();
                out.2 += 1;
            }
            Ok::<_, anyhow::Error>(out)
        };
        let (fetched, folded) = tokio::join!(store.dossiers.events_by_dossier(next.as_deref(), PAGE), fold);
        let (part, n_events, n_dossiers, part_inbox, part_members) = folded?;
        accumulate(&mut recomputed, part);
        accumulate(&mut members, part_members);
        tally::accumulate(&mut inbox, part_inbox);
        events += n_events;
        dossiers += n_dossiers;
        page = fetched?;
    }
    let mut monthly: std::collections::BTreeMap<(String, String, &'static str), i64> = Default::default();
    for (k, v) in &recomputed {
        *monthly.entry((Grain::Month.bucket(k.day), k.agency.to_string(), k.measure.key())).or_default() += v;
    }
    let mut stored_days = Facts::new();
    for (_, bucket, agency, measure, v) in store.ioc.ioc_buckets(Grain::Day).await? {
        let day = chrono::NaiveDate::parse_from_str(&bucket, "%Y-%m-%d")?;
        stored_days.insert(FactKey { agency, day, measure }, v);
    }
    let mut problems: Vec<String> = differences(&stored_days, &recomputed)
        .into_iter()
        .map(|(k, stored, want)| format!("{} {} {}: lưu {stored}, tính lại {want}", k.agency, k.day, k.measure.key()))
        .collect();
    let mut stored_months: std::collections::BTreeMap<(String, String, &'static str), i64> = Default::default();
    for (_, bucket, agency, measure, v) in store.ioc.ioc_buckets(Grain::Month).await? {
        stored_months.insert((bucket, agency.to_string(), measure.key()), v);
    }
    for key in stored_months.keys().chain(monthly.keys()).collect::<std::collections::BTreeSet<_>>() {
        let (a, b) = (stored_months.get(key).copied().unwrap_or(0), monthly.get(key).copied().unwrap_or(0));
        if a != b {
            problems.push(format!("{} {} {}: lưu {a}, tính lại {b}", key.1, key.0, key.2));
        }
    }
    let stored_members: Facts = store.ioc.ioc_member_counts().await?.into_iter().collect();
    problems.extend(differences(&stored_members, &members).into_iter().map(|(k, stored, want)| {
        format!("hồ sơ chi tiết {} {} {}: lưu {stored}, tính lại {want}", k.agency, k.day, k.measure.key())
    }));
    // The staff inboxes' counters, recomputed the same way.
    let stored_inbox = store.dossiers.inbox_tally().await?;
    for key in stored_inbox.keys().chain(inbox.keys()).collect::<std::collections::BTreeSet<_>>() {
        let (a, b) = (stored_inbox.get(key).copied().unwrap_or(0), inbox.get(key).copied().unwrap_or(0));
        if a != b {
            problems.push(format!("hộp việc {} {}: lưu {a}, tính lại {b}", key.0, key.1.key()));
        }
    }
    // Reports: each stored row (what lists, Open311 and Decision 766 group 5 count) must be its
    // history folded again.
    let reports = check_reports(store, &mut problems).await?;
    if problems.is_empty() {
        println!(
            "Số liệu tổng hợp khớp với {} sự kiện của {} hồ sơ ({} ô số liệu theo ngày) và lịch sử của {} phản ánh / aggregates match the events",
            events,
            dossiers,
            recomputed.len(),
            reports
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("Số liệu tổng hợp lệch so với sự kiện ({} ô) / aggregates differ from the events:", problems.len());
        for p in problems.iter().take(50) {
            eprintln!("  {p}");
        }
        if problems.len() > 50 {
            eprintln!("  … và {} ô khác", problems.len() - 50);
        }
        Ok(ExitCode::from(1))
    }
}

/// Folds every report's ledger history and compares it with its stored row; how many reports.
async fn check_reports(store: &Stores, problems: &mut Vec<String>) -> Result<usize> {
    let mut after = 0;
    let mut n = 0;
    loop {
        let page = store.reports.reports_with_history(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.0.id;
        for (stored, history) in &page {
            n += 1;
            let events: Vec<tinhso_reports::Event> = history.iter().map(|h| h.event.clone()).collect();
            let mut folded = None;
            for e in &events {
                folded = tinhso_reports::apply(folded, stored.id, e);
            }
            match folded {
                Some(f) if &f == stored => {}
                Some(_) => {
                    problems.push(format!("phản ánh {}: bản lưu khác lịch sử", tinhso_reports::public_id(stored.id)))
                }
                None => problems.push(format!("phản ánh {}: không có lịch sử", tinhso_reports::public_id(stored.id))),
            }
        }
    }
    Ok(n)
}
