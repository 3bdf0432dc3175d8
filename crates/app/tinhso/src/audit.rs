//! `tinhso audit verify`: streams the whole chain through the ledger's audit, page by page, so
//! memory stays flat however long the history; each module (dossiers, reports) says how the
//! events of its lanes are labelled, the ledger checks hashes, order, anchors and those labels.
//! Then every dossier's and report's stored row (a dossier's e-form against the digest its
//! `Submitted` event recorded) is compared with what its events fold to, and every payment's with
//! its entries, every issued document's (what the verifier answers) and every open dataset's with
//! its entries, so a
//! state, a due date, a body, a form, a fee, a revoked result put back or a signed file's digest
//! edited in the database without an event is found too, and so are deleted rows. Last, the
//! staff accounts' locks and the settings administrators change are compared with the
//! administrators' log.

use anyhow::Result;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tinhso_dossier::audit::DossierLabels;
use tinhso_dti::audit::DtiLabels;
use tinhso_eid::audit::EidLabels;
use tinhso_exchange::audit::ExchangeLabels;
use tinhso_kernel::ids::DossierCode;
use tinhso_ledger::audit::{Audit, Labels};
use tinhso_ledger::chain::{verify_checkpoints, Break, RowKind};
use tinhso_opendata::audit::{DataLabels, LANE_PREFIX as DATA_LANES};
use tinhso_payments::audit::{PaymentLabels, LANE_PREFIX as PAYMENT_LANES};
use tinhso_reports::audit::{ReportLabels, LANE_PREFIX};
use tinhso_results::audit::{ResultLabels, LANE_PREFIX as RESULT_LANES};
use tinhso_results_port::ResultsStore;
use tinhso_store::admin::{self, AdminLabels};
use tinhso_store::{plan, staff_audit, Stores};

const PAGE: usize = 20_000;
/// Dossiers whose rows are compared at a time.
const ROW_PAGE: usize = 2_000;
/// Reports whose rows are compared at a time (their histories are read one report at a time).
const REPORT_PAGE: usize = 500;

/// Each module labels the entries of its own lanes; the dossiers opened are counted, to be
/// matched with the stored rows.
#[derive(Default)]
struct ModuleLabels {
    dossiers: Arc<AtomicU64>,
    reports: Arc<AtomicU64>,
    payments: Arc<AtomicU64>,
    documents: Arc<AtomicU64>,
    datasets: Arc<AtomicU64>,
    eid_links: Arc<AtomicU64>,
    lookups: Arc<AtomicU64>,
    dti: Arc<AtomicU64>,
}

impl Labels for ModuleLabels {
    fn label<'p>(&self, lane: &str, payload: &'p str) -> Option<(&'p str, bool)> {
        if lane.starts_with(LANE_PREFIX) {
            ReportLabels.label(lane, payload)
        } else if lane.starts_with(DATA_LANES) {
            DataLabels.label(lane, payload)
        } else if lane.starts_with(RESULT_LANES) {
            ResultLabels.label(lane, payload)
        } else if lane.starts_with(PAYMENT_LANES) {
            PaymentLabels.label(lane, payload)
        } else if lane == admin::LANE {
            AdminLabels.label(lane, payload)
        } else if lane == tinhso_eid::audit::LANE {
            EidLabels.label(lane, payload)
        } else if lane == tinhso_exchange::audit::LANE {
            ExchangeLabels.label(lane, payload)
        } else if lane == tinhso_dti::audit::LANE {
            DtiLabels.label(lane, payload)
        } else {
            DossierLabels.label(lane, payload)
        }
    }

    fn opens(&self, lane: &str, kind: &str) -> bool {
        if lane.starts_with(LANE_PREFIX) {
            counted(&self.reports, ReportLabels.opens(lane, kind))
        } else if lane.starts_with(DATA_LANES) {
            counted(&self.datasets, DataLabels.opens(lane, kind))
        } else if lane.starts_with(RESULT_LANES) {
            counted(&self.documents, ResultLabels.opens(lane, kind))
        } else if lane.starts_with(PAYMENT_LANES) {
            counted(&self.payments, PaymentLabels.opens(lane, kind))
        } else if lane == admin::LANE {
            AdminLabels.opens(lane, kind)
        } else if lane == tinhso_eid::audit::LANE {
            counted(&self.eid_links, EidLabels.opens(lane, kind))
        } else if lane == tinhso_exchange::audit::LANE {
            counted(&self.lookups, ExchangeLabels.opens(lane, kind))
        } else if lane == tinhso_dti::audit::LANE {
            counted(&self.dti, DtiLabels.opens(lane, kind))
        } else {
            counted(&self.dossiers, DossierLabels.opens(lane, kind))
        }
    }
}

/// Counts an entry that opens a subject; passes the answer on.
fn counted(count: &AtomicU64, opens: bool) -> bool {
    count.fetch_add(u64::from(opens), Ordering::Relaxed);
    opens
}

/// What an intact chain holds, and its latest provincial checkpoint (number, time, hex hash).
pub struct Intact {
    pub events: u64,
    pub dossiers: u64,
    pub last_checkpoint: Option<(i64, String, String)>,
    /// Accounts held to the administrators' log (every staff account, any it names, any locked).
    pub accounts: usize,
    /// Settings held to it (procedures, years, categories, figures, keys; the routing table, the
    /// limits and the boundaries one each).
    pub settings: usize,
}

/// `tinhso audit verify` (and `audit checkpoint` after recording one): the audit, printed in
/// both languages; exit 1 when something was changed outside the platform.
pub async fn report(store: &Stores) -> Result<std::process::ExitCode> {
    match verify(store).await? {
        Ok(intact) => {
            let (events, dossiers) = (intact.events, intact.dossiers);
            println!(
                "Chuỗi nhật ký toàn vẹn: {events} sự kiện của {dossiers} hồ sơ, phản ánh và bộ dữ liệu / audit chain intact: {events} events"
            );
            let (accounts, settings) = (intact.accounts, intact.settings);
            println!(
                "Khớp nhật ký quản trị: {accounts} tài khoản, {settings} cấu hình / agree with the administrators' log: {accounts} accounts, {settings} settings"
            );
            if let Some((n, at, hash)) = intact.last_checkpoint {
                // Kept outside the database (printed, mailed), this pins everything before it.
                println!("Điểm kiểm tra mới nhất / latest checkpoint: số {n}, {at}, sha256 {hash}");
            }
            Ok(std::process::ExitCode::SUCCESS)
        }
        Err(b) => {
            println!("KIỂM TRA KHÔNG ĐẠT: {} / AUDIT FAILED: {}", b.describe_vi(), b.describe_en());
            Ok(std::process::ExitCode::FAILURE)
        }
    }
}

/// `Ok(Ok(intact))` when intact, `Ok(Err(break))` naming the first break.
pub async fn verify(store: &Stores) -> Result<std::result::Result<Intact, Break>> {
    let anchors = store.ledger.audit_anchors().await?;
    if let Err(b) = verify_checkpoints(&anchors.checkpoints) {
        return Ok(Err(b));
    }
    let marks = anchors.all_marks();
    let last_checkpoint = anchors
        .checkpoints
        .iter()
        .max_by_key(|c| c.n)
        .map(|c| (c.n, c.at.clone(), c.hash.iter().map(|b| format!("{b:02x}")).collect::<String>()));
    let labels = ModuleLabels::default();
    let (chained, reports, payments) = (labels.dossiers.clone(), labels.reports.clone(), labels.payments.clone());
    let (documents, datasets) = (labels.documents.clone(), labels.datasets.clone());
    let (eid_links, lookups, dti) = (labels.eid_links.clone(), labels.lookups.clone(), labels.dti.clone());
    let mut audit = Audit::new(anchors.heads, marks, labels);
    let mut after = 0i64;
    loop {
        let page = store.ledger.audit_page(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.link.id;
        for row in &page {
            if let Err(b) = audit.push(&row.link, &row.hash, &row.kind, row.public) {
                return Ok(Err(b));
            }
        }
    }
    // Entries written during the walk were skipped; the heads now must cover them.
    let audited = match audit.finish(&store.ledger.lane_heads().await?) {
        Ok(a) => a,
        Err(b) => return Ok(Err(b)),
    };
    if let Some(code) = store.ledger.audit_unlinked().await?.into_iter().next() {
        return Ok(Err(Break::Unlinked { dossier: code }));
    }
    if let Err(b) = rows_agree(store, chained.load(Ordering::Relaxed)).await? {
        return Ok(Err(b));
    }
    if let Err(b) = report_rows_agree(store, reports.load(Ordering::Relaxed)).await? {
        return Ok(Err(b));
    }
    if let Err(b) = payment_rows_agree(store, payments.load(Ordering::Relaxed)).await? {
        return Ok(Err(b));
    }
    if let Err(b) = document_rows_agree(store, documents.load(Ordering::Relaxed)).await? {
        return Ok(Err(b));
    }
    if let Err(b) = dataset_rows_agree(store, datasets.load(Ordering::Relaxed)).await? {
        return Ok(Err(b));
    }
    if let Err(b) = eid_rows_agree(store, eid_links.load(Ordering::Relaxed)).await? {
        return Ok(Err(b));
    }
    if let Err(b) = lookup_rows_agree(store, lookups.load(Ordering::Relaxed)).await? {
        return Ok(Err(b));
    }
    if let Err(b) = dti_rows_agree(store, dti.load(Ordering::Relaxed)).await? {
        return Ok(Err(b));
    }
    let accounts = match accounts_agree(store).await? {
        Ok(n) => n,
        Err(b) => return Ok(Err(b)),
    };
    let settings = match settings_unvouched(store).await? {
        Ok(n) => n,
        Err(b) => return Ok(Err(b)),
    };
    Ok(Ok(Intact { events: audited.entries, dossiers: audited.subjects, last_checkpoint, accounts, settings }))
}

/// Every dossier row against the fold of its events, a page at a time (the next page read
/// while this one is folded); and at least as many rows as the chain opened dossiers (more:
/// submitted during the walk).
async fn rows_agree(store: &Stores, chained: u64) -> Result<std::result::Result<(), Break>> {
    let mut stored = 0u64;
    let mut next = Some(tokio::spawn(page_with_rows(store.clone(), None)));
    while let Some(read) = next.take() {
        let (page, rows) = read.await??;
        next = page.next.clone().map(|after| tokio::spawn(page_with_rows(store.clone(), Some(after))));
        for (code, events) in &page.dossiers {
            let folded = plan::refold(code, events, &[])?.dossier;
            let differs = rows.get(code).and_then(|row| plan::audit_row(events, &folded, row));
            if let Some(column) = differs {
                if still_differs(store, code).await? {
                    return Ok(Err(Break::RowDiffers { dossier: code.clone(), column, kind: RowKind::Dossier }));
                }
            }
        }
        stored += page.dossiers.len() as u64;
    }
    if stored < chained {
        return Ok(Err(Break::RowsMissing { chained, stored, kind: RowKind::Dossier }));
    }
    Ok(Ok(()))
}

/// The events of the dossiers after `after`, and their stored rows by code.
async fn page_with_rows(
    store: Stores,
    after: Option<String>,
) -> Result<(tinhso_store::EventPage, HashMap<String, tinhso_store::StoredDossier>)> {
    let page = store.dossiers.events_by_dossier(after.as_deref(), ROW_PAGE).await?;
    let codes: Vec<String> = page.dossiers.iter().map(|(code, _)| code.clone()).collect();
    let rows = store.dossiers.stored_dossiers(&codes).await?.into_iter().map(|r| (r.code.clone(), r)).collect();
    Ok((page, rows))
}

/// Every report row against the fold of its events, as for dossiers.
async fn report_rows_agree(store: &Stores, chained: u64) -> Result<std::result::Result<(), Break>> {
    let (mut after, mut stored) = (0i64, 0u64);
    loop {
        let page = store.reports.report_rows_with_history(after, REPORT_PAGE).await?;
        let Some((last, _)) = page.last() else { break };
        after = last.id;
        stored += page.len() as u64;
        for (row, history) in &page {
            if report_differs(row, history)?.is_some() {
                // Read again alone: a running server may have written it meanwhile.
                let again = store.reports.report_rows_with_history(row.id - 1, 1).await?;
                if let Some(column) = again.first().map(|(r, h)| report_differs(r, h)).transpose()?.flatten() {
                    return Ok(Err(Break::RowDiffers {
                        dossier: tinhso_reports::public_id(row.id),
                        column,
                        kind: RowKind::Report,
                    }));
                }
            }
        }
    }
    if stored < chained {
        return Ok(Err(Break::RowsMissing { chained, stored, kind: RowKind::Report }));
    }
    Ok(Ok(()))
}

/// Every staff account, any account the log names and any locked one, against the
/// administrators' entries (`tinhso_store::staff_audit`): its lock against its newest lock or
/// unlock, its role and agency against the entry that created it, so a lock lifted or set (a
/// citizen's too), a role raised or an officer moved behind the platform's back is found. A difference is read again (a running
/// server may write meanwhile) before it is reported.
async fn accounts_agree(store: &Stores) -> Result<std::result::Result<usize, Break>> {
    let first_differing = || async {
        // Accounts before the log, so that an account created meanwhile has its entry read.
        let mut accounts = store.identity.staff_accounts().await?;
        let before = store.identity.staff_before_log().await?;
        let log = store.ledger.admin_log(None, usize::MAX, &Default::default()).await?;
        for id in staff_audit::named(&log) {
            if !accounts.iter().any(|a| a.id == id) {
                accounts.extend(store.identity.account(id).await?);
            }
        }
        // And every locked one: a citizen locked (no page does it) is someone shut out.
        for a in store.identity.locked_accounts().await? {
            if !accounts.iter().any(|b| b.id == a.id) {
                accounts.push(a);
            }
        }
        let differs = staff_audit::first_differing(&accounts, &log, &before);
        Ok::<_, anyhow::Error>((differs.map(|(a, column)| (a.login.clone(), column)), accounts.len()))
    };
    let (differs, checked) = first_differing().await?;
    if differs.is_some() {
        if let (Some((login, column)), _) = first_differing().await? {
            return Ok(Err(Break::RowDiffers { dossier: login, column, kind: RowKind::Account }));
        }
    }
    Ok(Ok(checked))
}

/// The settings administrators change (procedures, calendar years, report categories and
/// routing, upload limits, hand-entered figures, Open311 keys, communes' boundaries) against
/// the administrators' log (`tinhso_store::settings`). The settings are read before the log,
/// so a save made meanwhile has its entry read too; a difference is read again before it is
/// reported.
async fn settings_unvouched(store: &Stores) -> Result<std::result::Result<usize, Break>> {
    let first = || async {
        let procedures = store.catalogue.procedures().await?;
        let procedure_versions = store.catalogue.procedure_history(None).await?;
        let calendar = store.catalogue.calendar_years().await?;
        let calendar_versions = store.catalogue.calendar_history(None).await?;
        let before_log = store.catalogue.saved_before_log().await?;
        let categories = store.reports.report_categories().await?;
        let routes = store.reports.report_routes().await?;
        let upload_limits = store.documents.upload_limits().await?;
        let indicators = store.ioc.ioc_entries().await?;
        let open311_keys = store.reports.open311_keys().await?;
        let boundaries = store.reports.commune_boundaries().await?;
        let province = match store.province.province().await? {
            Some(p) => Some(admin::province_digest(&p, &store.province.agencies().await?)?),
            None => None,
        };
        let log = store.ledger.admin_log(None, usize::MAX, &Default::default()).await?;
        let default_categories = tinhso_reports::category::defaults();
        let settings = tinhso_store::settings::Settings {
            procedures: &procedures,
            procedure_versions: &procedure_versions,
            calendar_versions: &calendar_versions,
            calendar: &calendar,
            before_log: &before_log,
            categories: &categories,
            default_categories: &default_categories,
            routes: &routes,
            upload_limits,
            indicators: &indicators,
            open311_keys: &open311_keys,
            boundaries: &boundaries,
            province,
        };
        let count = procedures.len()
            + calendar.len()
            + categories.len()
            + indicators.len()
            + open311_keys.len()
            + 2 // the routing table and the upload limits, set or not
            + usize::from(!boundaries.is_empty())
            + 1; // the province and its agencies
        Ok::<_, anyhow::Error>((tinhso_store::settings::first_unvouched(&settings, &log)?, count))
    };
    let (differs, checked) = first().await?;
    Ok(match differs {
        Some(_) => match first().await? {
            (Some(b), _) => Err(b),
            (None, n) => Ok(n),
        },
        None => Ok(checked),
    })
}

/// Rows vouched for by their ledger entries (payments, issued documents, datasets), a page at a
/// time by key: each row against its entries; a difference is read again (a running server may
/// have written meanwhile) and reported only if it stands; and at least as many rows as the
/// chain opened subjects.
struct EntryRows<T, F> {
    /// A page of rows after a key, each with its entries.
    page: F,
    key: fn(&T) -> &str,
    /// How the audit names a row that differs (a dataset by its name, not its id).
    name: fn(&T) -> &str,
    differs: fn(&T, &[Entry]) -> Option<&'static str>,
    kind: RowKind,
}

/// A ledger entry as the row audits read it: its lane and its payload.
type Entry = (String, String);

impl<T, F, Fut> EntryRows<T, F>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = tinhso_store::Result<Vec<(T, Vec<Entry>)>>>,
{
    async fn agree(&self, chained: u64) -> Result<std::result::Result<(), Break>> {
        let (mut after, mut stored) = (String::new(), 0u64);
        loop {
            let page = (self.page)(after.clone()).await?;
            let Some((last, _)) = page.last() else { break };
            let start = std::mem::replace(&mut after, (self.key)(last).to_owned());
            stored += page.len() as u64;
            for (row, entries) in &page {
                if (self.differs)(row, entries).is_some() {
                    let again = (self.page)(start.clone()).await?;
                    let column = again
                        .iter()
                        .find(|(r, _)| (self.key)(r) == (self.key)(row))
                        .and_then(|(r, e)| (self.differs)(r, e));
                    if let Some(column) = column {
                        let dossier = (self.name)(row).to_owned();
                        return Ok(Err(Break::RowDiffers { dossier, column, kind: self.kind }));
                    }
                }
            }
        }
        if stored < chained {
            return Ok(Err(Break::RowsMissing { chained, stored, kind: self.kind }));
        }
        Ok(Ok(()))
    }
}

/// Every payment row against its ledger entries (state, amount, dossier, agency).
async fn payment_rows_agree(store: &Stores, chained: u64) -> Result<std::result::Result<(), Break>> {
    let rows = EntryRows {
        page: |after: String| async move {
            store.port::<dyn tinhso_payments_port::PaymentStore>()?.payments_with_entries(&after, REPORT_PAGE).await
        },
        key: |p: &tinhso_payments_port::Payment| p.txn_ref.as_str(),
        name: |p: &tinhso_payments_port::Payment| p.txn_ref.as_str(),
        differs: payment_differs,
        kind: RowKind::Payment,
    };
    rows.agree(chained).await
}

/// Every issued document's row (what the verifier answers) against its ledger entries: the
/// signed file's digest, its number, signer and dossier, and its status.
async fn document_rows_agree(store: &Stores, chained: u64) -> Result<std::result::Result<(), Break>> {
    let rows = EntryRows {
        page: |after: String| async move {
            store.port::<dyn ResultsStore>()?.documents_with_entries(&after, REPORT_PAGE).await
        },
        key: |d: &tinhso_kernel::document::IssuedDocument| d.code.as_str(),
        name: |d: &tinhso_kernel::document::IssuedDocument| d.code.as_str(),
        differs: document_differs,
        kind: RowKind::Document,
    };
    rows.agree(chained).await
}

/// Every open dataset's row (the columns searches filter on, and the body pages show)
/// against its last ledger entry: a private dataset made public, a draft published or a text
/// rewritten without a revision is named.
async fn dataset_rows_agree(store: &Stores, chained: u64) -> Result<std::result::Result<(), Break>> {
    let rows = EntryRows {
        page: |after: String| async move {
            store.port::<dyn tinhso_opendata_port::OpenDataStore>()?.datasets_with_entries(&after, REPORT_PAGE).await
        },
        key: |d: &tinhso_opendata_port::DatasetRow| d.id.as_str(),
        name: |d: &tinhso_opendata_port::DatasetRow| d.name.as_str(),
        differs: dataset_differs,
        kind: RowKind::Dataset,
    };
    rows.agree(chained).await
}

/// Every account's join to an e-ID against its entry: a join put into the database behind
/// the platform (which would let that e-ID into the account), or moved to another account, is
/// named; so are joins deleted.
async fn eid_rows_agree(store: &Stores, chained: u64) -> Result<std::result::Result<(), Break>> {
    let rows = EntryRows {
        page: |after: String| async move {
            store.port::<dyn tinhso_eid_port::EidStore>()?.eid_links_with_entries(&after, REPORT_PAGE).await
        },
        key: |l: &tinhso_eid_port::EidLink| l.ledger_subject.as_str(),
        name: |l: &tinhso_eid_port::EidLink| l.ledger_subject.as_str(),
        differs: |l: &tinhso_eid_port::EidLink, entries: &[(String, String)]| {
            let entries: Vec<(&str, &str)> = entries.iter().map(|(l, e)| (l.as_str(), e.as_str())).collect();
            tinhso_eid::audit::row_differs(l.account.0, &l.issuer, &entries)
        },
        kind: RowKind::EidLink,
    };
    rows.agree(chained).await
}

/// Every lookup in the population database against its entry: a lookup deleted (to hide who
/// asked about whom), moved to another person or officer, or made to say it found nothing, is
/// named.
async fn lookup_rows_agree(store: &Stores, chained: u64) -> Result<std::result::Result<(), Break>> {
    let rows = EntryRows {
        page: |after: String| async move {
            store.port::<dyn tinhso_exchange_port::ExchangeStore>()?.lookups_with_entries(&after, REPORT_PAGE).await
        },
        key: |l: &tinhso_exchange_port::ResidentLookup| l.message_id.as_str(),
        name: |l: &tinhso_exchange_port::ResidentLookup| l.message_id.as_str(),
        differs: |l: &tinhso_exchange_port::ResidentLookup, entries: &[(String, String)]| {
            let entries: Vec<(&str, &str)> = entries.iter().map(|(l, e)| (l.as_str(), e.as_str())).collect();
            tinhso_exchange::audit::row_differs(&tinhso_exchange_store::as_audited(l), &entries)
        },
        kind: RowKind::ResidentLookup,
    };
    rows.agree(chained).await
}

/// Every DTI round and assessment against its entries: a score raised or lowered, a step
/// moved, a deadline or framework changed, a publication set or lifted behind the platform,
/// or a row deleted, is named. The tables are small (a row per unit a year): read whole, and
/// read again before a difference is reported (a running server may write meanwhile).
async fn dti_rows_agree(store: &Stores, chained: u64) -> Result<std::result::Result<(), Break>> {
    let first = || async {
        let (rounds, rows) = store.port::<dyn tinhso_dti_port::DtiStore>()?.dti_with_entries().await?;
        let stored = (rounds.len() + rows.len()) as u64;
        let pairs = |e: &[(String, String)]| e.iter().map(|(l, p)| (l.clone(), p.clone())).collect::<Vec<_>>();
        for (r, entries) in &rounds {
            let entries = pairs(entries);
            let refs: Vec<(&str, &str)> = entries.iter().map(|(l, p)| (l.as_str(), p.as_str())).collect();
            let round = tinhso_dti::audit::Round {
                year: r.year,
                framework: &r.framework,
                deadline: &r.deadline,
                published_at: r.published_at.as_deref(),
            };
            if let Some(column) = tinhso_dti::audit::round_differs(&round, &refs) {
                return Ok::<_, anyhow::Error>((Some((r.year.to_string(), column, RowKind::DtiRound)), stored));
            }
        }
        for (a, entries) in &rows {
            let refs: Vec<(&str, &str)> = entries.iter().map(|(l, p)| (l.as_str(), p.as_str())).collect();
            let name = format!("{}/{}", a.year, a.unit);
            let column = match tinhso_dti_store::as_audited(a) {
                Ok(read) => tinhso_dti::audit::row_differs(&read.stored(), &refs),
                Err(column) => Some(column),
            };
            if let Some(column) = column {
                return Ok((Some((name, column, RowKind::DtiAssessment)), stored));
            }
        }
        Ok((None, stored))
    };
    let (differs, stored) = first().await?;
    if differs.is_some() {
        if let (Some((name, column, kind)), _) = first().await? {
            return Ok(Err(Break::RowDiffers { dossier: name, column, kind }));
        }
    }
    if stored < chained {
        return Ok(Err(Break::RowsMissing { chained, stored, kind: RowKind::DtiAssessment }));
    }
    Ok(Ok(()))
}

fn dataset_differs(d: &tinhso_opendata_port::DatasetRow, entries: &[(String, String)]) -> Option<&'static str> {
    let row = tinhso_opendata::audit::StoredDataset {
        id: &d.id,
        name: &d.name,
        org: &d.org,
        state: &d.state,
        private: d.private,
        revision: d.revision,
        modified: &d.modified,
        body: &d.body,
    };
    let entries: Vec<(&str, &str)> = entries.iter().map(|(l, e)| (l.as_str(), e.as_str())).collect();
    tinhso_opendata::audit::row_differs(&row, &entries)
}

fn document_differs(d: &tinhso_kernel::document::IssuedDocument, entries: &[(String, String)]) -> Option<&'static str> {
    let row = tinhso_results::audit::StoredDocument {
        code: &d.code,
        kind: &d.kind,
        dossier: &d.dossier,
        agency: &d.agency,
        seq: d.seq,
        sha256: &d.sha256,
        signer: &d.signer,
        status: &d.status,
        replaced_by: d.replaced_by.as_deref(),
    };
    let entries: Vec<(&str, &str)> = entries.iter().map(|(l, e)| (l.as_str(), e.as_str())).collect();
    tinhso_results::audit::row_differs(&row, &entries)
}

fn payment_differs(p: &tinhso_payments_port::Payment, entries: &[(String, String)]) -> Option<&'static str> {
    let row = tinhso_payments::audit::StoredPayment {
        txn_ref: &p.txn_ref,
        dossier: &p.dossier,
        agency: &p.agency,
        amount_vnd: p.amount_vnd,
        state: &p.state,
    };
    let entries: Vec<(&str, &str)> = entries.iter().map(|(l, e)| (l.as_str(), e.as_str())).collect();
    tinhso_payments::audit::row_differs(&row, &entries)
}

fn report_differs(
    row: &tinhso_store::StoredReport,
    history: &[tinhso_store::StoredReportEvent],
) -> Result<Option<&'static str>> {
    let events: Vec<_> = history.iter().map(|h| h.event.clone()).collect();
    let folded = tinhso_reports_store::plan::row(&tinhso_reports_store::plan::fold(None, row.id, &events)?)?;
    Ok(tinhso_reports_store::plan::row_differs(&folded, row))
}

/// A difference read again, alone: the server may have written the dossier between the page's
/// events and its row. Only a difference that stands while the history stays put is reported.
async fn still_differs(store: &Stores, code: &str) -> Result<bool> {
    let parsed = DossierCode::parse("code", code).map_err(|e| anyhow::anyhow!("stored code {code}: {e}"))?;
    let events = |list: Vec<tinhso_store::StoredEvent>| list.into_iter().map(|e| e.event).collect::<Vec<_>>();
    let before = events(store.dossiers.dossier_events(&parsed).await?);
    let row = store.dossiers.stored_dossiers(&[code.to_owned()]).await?;
    let after = events(store.dossiers.dossier_events(&parsed).await?);
    if before.len() != after.len() {
        return Ok(false);
    }
    let folded = plan::refold(code, &after, &[])?.dossier;
    Ok(row.first().is_some_and(|row| plan::audit_row(&after, &folded, row).is_some()))
}
