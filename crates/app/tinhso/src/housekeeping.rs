//! What a server does on its own besides answering: provincial checkpoints of the ledger, the
//! abuse-limit tallies' sweep and watch (attacks told to the auditors and province admins), and
//! the integrity check of the whole history (`audit::verify`)
//! on its schedule and whenever an auditor asks, each run recorded and a break told to every
//! auditor and province admin.

use crate::audit;
use chrono::Utc;
use std::time::Duration;
use tinhso_http::pages::audit_runs::{abuse_overview, AuditRequests};
use tinhso_kernel::ids::AccountId;
use tinhso_policy::Role;
use tinhso_store::{AuditFinding, AuditRun, Notification, Stores};

/// Records a provincial checkpoint of the ledger's lanes every five minutes (when one moved), so
/// cutting off a lane's newest entries is found back to at most five minutes before.
pub async fn checkpoint_ledger(store: Stores) {
    loop {
        if let Err(e) = store.ledger.checkpoint(Utc::now()).await {
            tracing::warn!(error = %e, "cannot record a ledger checkpoint");
        }
        tokio::time::sleep(Duration::from_secs(300)).await;
    }
}

/// Forgets abuse-limit tallies untouched for a day, and registrations whose code ended unproven
/// (a stranger's name and personal id are not kept), hourly.
pub async fn sweep_guard(store: Stores) {
    loop {
        let day_ago = Utc::now() - chrono::Duration::days(1);
        if let Err(e) = store.guard.guard_sweep(day_ago).await {
            tracing::warn!(error = %e, "cannot sweep the abuse-limit tallies");
        }
        if let Err(e) = store.login_proof.sweep_registrations(Utc::now()).await {
            tracing::warn!(error = %e, "cannot sweep the registrations waiting for a code");
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

/// Checks the whole history every `every` (once per period across servers and restarts; never
/// when zero), and whenever an auditor asks on this server.
pub async fn audits(store: Stores, every: Duration, mut requests: AuditRequests) {
    if !every.is_zero() {
        let (scheduled, counter) = (store.clone(), requests.running.clone());
        tokio::spawn(async move {
            let (s, counter) = (&scheduled, &counter);
            tinhso_http::schedule::every(scheduled.schedule.clone(), "audit.verify", every, || async move {
                let _running = AuditRequests::count(counter);
                log(check(s, None).await);
            })
            .await;
        });
    }
    while let Some(by) = requests.asks.recv().await {
        let _running = requests.running();
        log(check(&store, Some(by)).await);
    }
}

fn log(run: anyhow::Result<AuditRun>) {
    match run {
        Ok(AuditRun { finding: AuditFinding::Intact { events, .. }, .. }) => {
            tracing::info!(events, "integrity check: the history is intact");
        }
        Ok(AuditRun { finding: AuditFinding::Broken { en, .. }, .. }) => {
            tracing::error!(finding = %en, "integrity check: the history was changed outside the platform");
        }
        Err(e) => tracing::warn!(error = %e, "integrity check could not run"),
    }
}

/// One check: a provincial checkpoint, the audit, its run recorded, and a break told to the
/// auditors and province admins.
pub async fn check(store: &Stores, requested_by: Option<AccountId>) -> anyhow::Result<AuditRun> {
    let started_at = Utc::now();
    // A checkpoint first (when a lane moved since the last), so the hash the run shows covers
    // the history up to now.
    store.ledger.checkpoint(started_at).await?;
    let finding = match audit::verify(store).await? {
        Ok(intact) => AuditFinding::Intact {
            events: intact.events,
            subjects: intact.dossiers,
            checkpoint: intact.last_checkpoint.map(|(n, at, hash)| format!("{n} · {at} · sha256 {hash}")),
        },
        Err(b) => AuditFinding::Broken { vi: b.describe_vi(), en: b.describe_en() },
    };
    let mut run = AuditRun { id: 0, started_at, finished_at: Utc::now(), requested_by, finding };
    run.id = store.audit_runs.record_audit_run(&run).await?;
    if let AuditFinding::Broken { vi, .. } = &run.finding {
        alert(store, vi).await?;
    }
    Ok(run)
}

/// Every auditor and province admin who can read a notice: who is told of a break or an attack.
async fn watchers(store: &Stores) -> anyhow::Result<Vec<tinhso_store::Account>> {
    let mut readers = store.identity.staff_with_role(Role::Auditor).await?;
    readers.extend(store.identity.staff_with_role(Role::ProvinceAdmin).await?);
    readers.retain(|a| !a.disabled);
    Ok(readers)
}

/// Watches the abuse limits every quarter of an hour (once across servers, see
/// [`watch_abuse_once`]).
pub async fn watch_abuse(store: Stores) {
    let every = Duration::from_secs(15 * 60);
    let s = &store;
    tinhso_http::schedule::every(store.schedule.clone(), "guard.watch", every, || async move {
        match watch_abuse_once(s).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(kinds = n, "abuse limits: an attack under way, auditors and province admins told"),
            Err(e) => tracing::warn!(error = %e, "cannot watch the abuse limits"),
        }
    })
    .await;
}

/// One look at the abuse limits: for each rule with enough keys made to wait within the hour
/// to be an attack (`Rule::alarming`: one account guessed from many addresses, one address
/// failing again and again...), every auditor and province admin is told what is being
/// tried, once a day per rule. The limits already slow whoever tries; this is for people to know. Returns
/// how many kinds of attack were told now (not those already told today).
pub async fn watch_abuse_once(store: &Stores) -> anyhow::Result<usize> {
    let now = Utc::now();
    let alarming: Vec<_> = abuse_overview(store, now).await?.into_iter().filter(|o| o.alarming()).collect();
    if alarming.is_empty() {
        return Ok(0);
    }
    let readers = watchers(store).await?;
    let today = tinhso_kernel::calendar::local_date(now);
    let mut told = 0;
    for o in &alarming {
        let ((vi, en), (keys_vi, keys_en)) = (o.rule.what, o.rule.keys);
        let (limited, failures) = (o.limited, o.failures);
        let notes: Vec<Notification> = readers
            .iter()
            .map(|a| {
                Notification::new(
                    a.id,
                    format!("Cảnh báo an ninh: {}", vi.to_lowercase()),
                    format!(
                        "{vi}: {limited} {keys_vi} đã bị buộc chờ, {failures} lần thất bại trong một giờ qua. \
                         Nền tảng tự làm chậm người thử; số liệu hiện tại tại /quan-tri/kiem-tra."
                    ),
                )
                .with_english(
                    format!("Security alert: {}", en.to_lowercase()),
                    format!(
                        "{en}: {limited} {keys_en} made to wait, {failures} failures in the last hour. \
                         The platform slows whoever tries; the figures now are at /quan-tri/kiem-tra."
                    ),
                )
            })
            .collect();
        if store.notify.send_alert(&format!("guard:{today}:{}", o.rule.name), &notes).await? {
            told += 1;
        }
    }
    Ok(told)
}

/// Tells every auditor and province admin of a break, once a day while it stands.
async fn alert(store: &Stores, finding: &str) -> anyhow::Result<()> {
    let readers = watchers(store).await?;
    let notes: Vec<Notification> = readers
        .iter()
        .map(|a| {
            Notification::new(
                a.id,
                "Kiểm tra toàn vẹn: dữ liệu bị sửa ngoài hệ thống",
                format!("{finding}. Xem chi tiết tại /quan-tri/kiem-tra."),
            )
            .with_english(
                "Integrity check: data changed outside the platform",
                format!("{finding}. Details at /quan-tri/kiem-tra."),
            )
        })
        .collect();
    let today = tinhso_kernel::calendar::local_date(Utc::now());
    let key = format!("audit:{today}:{}", tinhso_kernel::ids::Sha256::of(finding.as_bytes()));
    store.notify.send_alert(&key, &notes).await?;
    Ok(())
}
