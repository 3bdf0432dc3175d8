//! The platform publishes itself: the province's own figures as open datasets, rebuilt on a
//! schedule from what the platform already knows and versioned like any other dataset (a new
//! file, hence a new metadata version, only when a figure changed). Only aggregates and the
//! public catalogue go out: no dossier, no person, no report's text.
//!
//! - `thu-tuc-hanh-chinh`: every procedure with its field, agency, time limit, fee and how far
//!   it can be done online;
//! - `ho-so-theo-thang`: dossiers per month and deciding agency: received, of which online,
//!   finished, on time, late, and the on-time rate;
//! - `ho-so-theo-thu-tuc`: dossiers per month, deciding agency, procedure and channel;
//! - `chi-so-766`: the Decision 766 index per unit (the province and each agency) and month;
//! - `phan-anh-theo-linh-vuc`: field reports per month, category and commune, with how many
//!   were handled on time and how many are overdue.

use crate::service::{fresh_id, organizations_of};
use chrono::{Datelike, NaiveDate};
use sha2::{Digest, Sha256};
use tinhso_catalogue_web::live;
use tinhso_http::state::AppState;
use tinhso_kernel::calendar::{day_start, local_date, local_time};
use tinhso_kernel::province::{AgencyKind, AgencyLevel};
use tinhso_opendata::model::Upload;
use tinhso_opendata::{Dataset, Frequency, Resource, State};

/// Months each table covers, ending with the current one.
const MONTHS: u32 = 12;

struct Table {
    name: &'static str,
    title: &'static str,
    notes: &'static str,
    tags: &'static [&'static str],
    group: &'static str,
    frequency: Frequency,
    header: &'static [&'static str],
    rows: Vec<Vec<String>>,
}

impl Table {
    fn csv(&self) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new().from_writer(b"\xEF\xBB\xBF".to_vec());
        let _ = w.write_record(self.header);
        for r in &self.rows {
            let _ = w.write_record(r);
        }
        w.into_inner().unwrap_or_default()
    }
}

/// What a run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Published {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

fn pct(n: i64, d: i64) -> String {
    if d > 0 {
        format!("{:.1}", n as f64 * 100.0 / d as f64)
    } else {
        String::new()
    }
}

/// The first day of each of the last `MONTHS` months, oldest first, and the day after the last.
fn months(today: NaiveDate) -> Vec<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let mut out: Vec<NaiveDate> =
        (0..MONTHS).rev().filter_map(|i| first.checked_sub_months(chrono::Months::new(i))).collect();
    out.extend(first.checked_add_months(chrono::Months::new(1)));
    out
}

fn procedures(state: &AppState) -> Table {
    let catalogue = live::index(state);
    let mut rows: Vec<Vec<String>> = catalogue
        .all()
        .iter()
        .map(|p| {
            let agency = match &p.competent_agency {
                tinhso_catalogue::procedure::CompetentAgency::Agency(a) => {
                    state.agency_name(a.as_str()).unwrap_or(a.as_str()).to_owned()
                }
                tinhso_catalogue::procedure::CompetentAgency::CommuneCommittee => "UBND xã, phường".to_owned(),
            };
            let days = match p.processing_time {
                Some(tinhso_catalogue::procedure::ProcessingTime::WorkingDays(n)) => n.to_string(),
                Some(tinhso_catalogue::procedure::ProcessingTime::WorkingHours(n)) => {
                    format!("{:.1}", f64::from(n) / 8.0)
                }
                None => String::new(),
            };
            vec![
                p.code.to_string(),
                p.name.clone(),
                p.field.clone(),
                agency,
                days,
                p.fee.amount_vnd.map(|v| v.to_string()).unwrap_or_default(),
                p.fee.note.clone(),
                p.online_level.label_vi().to_owned(),
                p.applicants.label_vi().to_owned(),
            ]
        })
        .collect();
    rows.sort();
    Table {
        name: "thu-tuc-hanh-chinh",
        title: "Thủ tục hành chính, thời hạn và phí, lệ phí",
        notes: "Danh mục thủ tục hành chính của tỉnh: lĩnh vực, cơ quan giải quyết, thời hạn giải quyết (ngày làm việc), phí, lệ phí (đồng), mức độ dịch vụ công trực tuyến và đối tượng thực hiện. Cập nhật tự động từ hệ thống giải quyết thủ tục hành chính.",
        tags: &["thủ tục hành chính", "dịch vụ công", "phí lệ phí"],
        group: "dich-vu-cong",
        frequency: Frequency::Daily,
        header: &["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Cơ quan giải quyết", "Thời hạn (ngày làm việc)", "Phí, lệ phí (đồng)", "Ghi chú phí", "Mức độ trực tuyến", "Đối tượng thực hiện"],
        rows,
    }
}

async fn dossiers(state: &AppState, today: NaiveDate) -> Result<Table, String> {
    use tinhso_ioc::Measure as M;
    let span = months(today);
    let (from, to) = (span[0], span[span.len() - 1].pred_opt().unwrap_or(today));
    let mut per: std::collections::BTreeMap<(String, String), std::collections::HashMap<M, i64>> = Default::default();
    for (grain, key, agency, measure, v) in
        state.store.ioc.ioc_buckets(tinhso_store::Grain::Month).await.map_err(|e| e.to_string())?
    {
        let _ = grain;
        let in_span = NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d").is_ok_and(|d| d >= from && d <= to);
        if in_span {
            *per.entry((key, agency.to_string())).or_default().entry(measure).or_default() += v;
        }
    }
    let rows = per
        .into_iter()
        .map(|((month, agency), m)| {
            let g = |x: M| m.get(&x).copied().unwrap_or(0);
            vec![
                month,
                agency.clone(),
                state.agency_name(&agency).unwrap_or("").to_owned(),
                g(M::Received).to_string(),
                g(M::Online).to_string(),
                g(M::Finished).to_string(),
                g(M::OnTime).to_string(),
                g(M::Late).to_string(),
                pct(g(M::OnTime), g(M::Finished)),
            ]
        })
        .collect();
    Ok(Table {
        name: "ho-so-theo-thang",
        title: "Hồ sơ thủ tục hành chính theo tháng và cơ quan",
        notes: "Số hồ sơ tiếp nhận (trong đó trực tuyến), đã giải quyết, đúng hạn, trễ hạn và tỷ lệ giải quyết đúng hạn theo tháng và cơ quan giải quyết, 12 tháng gần nhất. Số liệu tổng hợp, không chứa thông tin cá nhân.",
        tags: &["hồ sơ", "đúng hạn", "dịch vụ công"],
        group: "dich-vu-cong",
        frequency: Frequency::Daily,
        header: &["Tháng", "Mã cơ quan", "Cơ quan", "Tiếp nhận", "Trực tuyến", "Đã giải quyết", "Đúng hạn", "Trễ hạn", "Tỷ lệ đúng hạn (%)"],
        rows,
    })
}

async fn by_procedure(state: &AppState, today: NaiveDate) -> Result<Table, String> {
    let span = months(today);
    let (first, end) = (span[0], span[span.len() - 1]);
    // The instants around the months (the month is the submission day's, in Vietnam).
    let (from, to) = (day_start(first), day_start(end));
    let catalogue = live::index(state);
    let mut rows: Vec<Vec<String>> = state
        .store
        .dossiers
        .monthly_counts(from, to)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|m| {
            let channel = match m.channel.as_str() {
                "online" => "Trực tuyến",
                "postal" => "Bưu chính công ích",
                _ => "Trực tiếp",
            };
            let procedure = catalogue.get(&m.procedure).map(|p| p.name.clone()).unwrap_or_default();
            vec![
                m.month,
                m.agency.clone(),
                state.agency_name(&m.agency).unwrap_or("").to_owned(),
                m.procedure,
                procedure,
                channel.to_owned(),
                m.count.to_string(),
            ]
        })
        .collect();
    rows.sort();
    Ok(Table {
        name: "ho-so-theo-thu-tuc",
        title: "Hồ sơ theo tháng, thủ tục và kênh nộp",
        notes: "Số hồ sơ nộp theo tháng, cơ quan giải quyết, thủ tục hành chính và kênh nộp (trực tiếp, trực tuyến, bưu chính công ích), 12 tháng gần nhất. Số liệu tổng hợp, không chứa thông tin cá nhân.",
        tags: &["hồ sơ", "thủ tục hành chính", "dịch vụ công trực tuyến"],
        group: "dich-vu-cong",
        frequency: Frequency::Daily,
        header: &["Tháng", "Mã cơ quan", "Cơ quan", "Mã thủ tục", "Thủ tục", "Kênh nộp", "Số hồ sơ"],
        rows,
    })
}

async fn index_766(state: &AppState, today: NaiveDate) -> Result<Table, String> {
    use tinhso_ioc_web::service::{snapshot, Period, Unit};
    let span = months(today);
    let mut rows = Vec::new();
    for w in span.windows(2) {
        let period = Period { from: w[0], to: w[1].pred_opt().unwrap_or(w[1]).min(today) };
        if period.from > today {
            break;
        }
        let snap = snapshot(state, period).await.map_err(|e| format!("{e:?}"))?;
        let month = w[0].format("%Y-%m").to_string();
        let mut units = vec![(Unit::Province, "Toàn tỉnh".to_owned(), state.province.code.to_string())];
        units.extend(state.agencies.iter().map(|a| (Unit::Agency(a.code.clone()), a.name.clone(), a.code.to_string())));
        for (unit, name, code) in units {
            let t = snap.totals(&unit);
            if unit != Unit::Province && t.get(&tinhso_ioc::Measure::Received).copied().unwrap_or(0) == 0 {
                continue;
            }
            let r = snap.report(state, &unit);
            rows.push(vec![month.clone(), code, name, format!("{:.2}", r.total)]);
        }
    }
    Ok(Table {
        name: "chi-so-766",
        title: "Chỉ số chất lượng phục vụ người dân, doanh nghiệp (Quyết định 766) theo tháng",
        notes: "Điểm Bộ chỉ số chỉ đạo, điều hành và đánh giá chất lượng phục vụ người dân, doanh nghiệp (Quyết định 766/QĐ-TTg) của toàn tỉnh và từng cơ quan, theo tháng, tính từ dữ liệu hồ sơ thực tế.",
        tags: &["Quyết định 766", "chỉ số", "chất lượng phục vụ"],
        group: "dich-vu-cong",
        frequency: Frequency::Monthly,
        header: &["Tháng", "Mã đơn vị", "Đơn vị", "Điểm (trên 100)"],
        rows,
    })
}

async fn reports(state: &AppState, today: NaiveDate) -> Result<Table, String> {
    let span = months(today);
    let categories = state.store.reports.report_categories().await.map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    for w in span.windows(2) {
        let (since, until) = (day_start(w[0]), day_start(w[1]));
        for s in state.store.reports.report_stats(since, until, today).await.map_err(|e| e.to_string())? {
            let category =
                categories.iter().find(|c| c.code == s.category).map_or(s.category.clone(), |c| c.name.clone());
            let commune = s
                .commune
                .and_then(|c| state.units.iter().find(|u| u.code == c))
                .map(|u| u.name.clone())
                .unwrap_or_default();
            rows.push(vec![
                w[0].format("%Y-%m").to_string(),
                category,
                s.commune.map(|c| c.to_string()).unwrap_or_default(),
                commune,
                s.total.to_string(),
                s.handled.to_string(),
                s.on_time.to_string(),
                s.overdue.to_string(),
            ]);
        }
    }
    rows.sort();
    Ok(Table {
        name: "phan-anh-theo-linh-vuc",
        title: "Phản ánh, kiến nghị theo lĩnh vực và xã, phường",
        notes: "Số phản ánh, kiến nghị của người dân theo tháng, lĩnh vực và xã, phường: đã xử lý, xử lý đúng hạn, đang quá hạn. Số liệu tổng hợp, không chứa nội dung phản ánh hay thông tin người gửi.",
        tags: &["phản ánh", "kiến nghị", "hiện trường"],
        group: "phan-anh-kien-nghi",
        frequency: Frequency::Daily,
        header: &["Tháng", "Lĩnh vực", "Mã xã", "Xã, phường", "Số phản ánh", "Đã xử lý", "Xử lý đúng hạn", "Đang quá hạn"],
        rows,
    })
}

/// The publisher of the province's own figures: its public administration service centre,
/// else its first province-level agency.
fn publisher(state: &AppState) -> Option<String> {
    let level = |k: AgencyKind| state.agencies.iter().find(|a| a.level == AgencyLevel::Province && a.kind == k);
    let agency = level(AgencyKind::ServiceCentre)
        .or_else(|| state.agencies.iter().find(|a| a.level == AgencyLevel::Province))?;
    organizations_of(state).into_iter().find(|o| o.agency == agency.code.as_str()).map(|o| o.id)
}

/// Rebuilds every table and saves what changed; each changed file is loaded into the data store.
pub async fn publish(state: &AppState) -> Result<Published, String> {
    let today = local_date(chrono::Utc::now());
    let org = publisher(state).ok_or("the province has no province-level agency to publish for")?;
    // The catalogue knows its publishers and themes before anything names them.
    crate::service::portal(state).refresh(state, true).await.map_err(|e| e.to_string())?;
    let tables = vec![
        procedures(state),
        dossiers(state, today).await?,
        by_procedure(state, today).await?,
        index_766(state, today).await?,
        reports(state, today).await?,
    ];
    let mut done = Published::default();
    let group =
        |name: &str| tinhso_opendata::model::default_groups().into_iter().find(|g| g.name == name).map(|g| g.id);
    for t in tables {
        let bytes = t.csv();
        let sha: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        let existing =
            crate::opendata_port(state).map_err(|e| e.to_string())?.dataset(t.name).await.map_err(|e| e.to_string())?;
        if let Some(d) = &existing {
            if d.state != State::Deleted
                && d.resources.first().and_then(|r| r.upload.as_ref()).is_some_and(|u| u.sha256 == sha)
            {
                done.unchanged += 1;
                continue;
            }
        }
        let size = bytes.len();
        let (stored, _) = state
            .files
            .put_any(futures_util::stream::iter([Ok::<_, std::io::Error>(axum::body::Bytes::from(bytes))]))
            .await
            .map_err(|e| format!("{e:?}"))?;
        let now = chrono::Utc::now().naive_utc();
        let upload = Upload {
            sha256: stored.to_string(),
            filename: format!("{}.csv", t.name),
            size: i64::try_from(size).unwrap_or(0),
            mimetype: "text/csv".into(),
        };
        let resource = |id: String, created| Resource {
            id,
            name: t.title.to_owned(),
            description: format!(
                "{} dòng; tạo tự động lúc {}.",
                t.rows.len(),
                local_time(now.and_utc()).format("%H:%M %d/%m/%Y")
            ),
            format: "CSV".into(),
            url: String::new(),
            upload: Some(upload.clone()),
            created,
            last_modified: Some(now),
            datastore_active: false,
        };
        let (d, expected, kind) = match existing {
            Some(mut d) => {
                let (id, created) =
                    d.resources.first().map_or_else(|| (fresh_id(), now), |r| (r.id.clone(), r.created));
                d.resources = vec![resource(id, created)];
                d.state = State::Active;
                d.modified = now;
                let expected = d.revision;
                d.revision += 1;
                done.updated += 1;
                (d, Some(expected), "dataset_updated")
            }
            None => {
                done.created += 1;
                let d = Dataset {
                    notes: t.notes.to_owned(),
                    tags: t.tags.iter().map(|s| (*s).to_owned()).collect(),
                    groups: group(t.group).into_iter().collect(),
                    contact_name: "Trung tâm Phục vụ hành chính công tỉnh".into(),
                    temporal_start: months(today).first().copied(),
                    temporal_end: Some(today),
                    frequency: Some(t.frequency),
                    resources: vec![resource(fresh_id(), now)],
                    ..Dataset::new(fresh_id(), t.name.to_owned(), t.title.to_owned(), org.clone(), now)
                };
                (d, None, "dataset_created")
            }
        };
        let mut d = d;
        d.temporal_end = Some(today);
        crate::opendata_port(state)
            .map_err(|e| e.to_string())?
            .save_dataset(&d, expected, 0, kind)
            .await
            .map_err(|e| e.to_string())?;
        let rid = d.resources[0].id.clone();
        let src = crate::datastore::Source::Bytes {
            bytes: std::sync::Arc::new(state.files.read(&stored).await.map_err(|e| format!("{e:?}"))?),
            xlsx: false,
        };
        crate::datastore::load(&state.store, &rid, src, &|_, _| {}).await?;
        crate::datastore::mark_active(&state.store, &d.id, &rid, true).await?;
    }
    crate::service::portal(state).refresh(state, true).await.map_err(|e| e.to_string())?;
    Ok(done)
}

/// Publishes every `every` (a day by default) across all servers: at start only when the last
/// publication, by any server, is that old. At 1,000,000 dossiers a run aggregates a year of
/// them for seconds of a core, which a restart under load should not add.
pub async fn publish_loop(state: AppState, every: std::time::Duration) {
    let s = &state;
    tinhso_http::schedule::every(state.store.schedule.clone(), "opendata.publish", every, || async move {
        match publish(s).await {
            Ok(p) => tracing::info!(
                created = p.created,
                updated = p.updated,
                unchanged = p.unchanged,
                "the province's own open data published"
            ),
            Err(e) => tracing::warn!(error = %e, "the province's own open data not published"),
        }
    })
    .await;
}
