//! `tinhso serve`: the daemon's composition. Opens the engine, seeds the demo province when
//! asked, builds the web state from the options the CLI parsed (main.rs), starts the
//! background loops (checkpoints, sweeps, audits, alerts, mail and texts) and serves until
//! SIGTERM or Ctrl-C.

use crate::{housekeeping, seed, DataArgs};
use anyhow::{bail, Context, Result};
use std::net::SocketAddr;
use std::process::ExitCode;
use tinhso_store::Stores;

/// What the operator said of the demo province.
pub(crate) struct Demo {
    /// Seed it on an empty database, with this many dossiers of history.
    pub(crate) seed: Option<usize>,
    /// `--demo`: also when listening beyond loopback.
    pub(crate) on_network: bool,
}

/// `--files` as given.
pub(crate) enum FilesOption {
    Default,
    Disk,
    Database,
    S3(tinhso_files::s3::S3),
}

pub(crate) struct WebOptions {
    /// `--prove-logins`: registration codes go out through the relay and gateway.
    pub(crate) prove_logins: bool,
    pub(crate) files: FilesOption,
    pub(crate) secure_cookies: bool,
    pub(crate) public_url: Option<String>,
    pub(crate) trusted_proxies: Vec<ipnet::IpNet>,
    pub(crate) proxy_header: tinhso_http::client::ProxyHeader,
    pub(crate) metrics_token: Option<String>,
    pub(crate) upload_quota: Option<tinhso_http::files::QuotaLimits>,
    /// Bytes uploads leave free on the data directory's disk.
    pub(crate) disk_reserve: u64,
    /// The nightly backups' directory, watched for /metrics.
    pub(crate) backup_dir: Option<std::path::PathBuf>,
    pub(crate) map_tiles: Option<tinhso_http::state::TileServer>,
    pub(crate) open_data_hours: u64,
    pub(crate) audit_hours: u64,
    pub(crate) limits: tinhso_http::listen::Limits,
    /// Signing, timestamps, payments.
    pub(crate) modules: tinhso::options::ModuleOptions,
}

pub(crate) async fn serve(
    data: DataArgs,
    listen: SocketAddr,
    web: WebOptions,
    demo: Demo,
    (smtp, sms): (Option<tinhso_notify::mail::SmtpConfig>, Option<tinhso_notify::sms::SmsConfig>),
) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let store: Stores = data.open().await?;
    // Published passwords stay on this machine unless the operator says otherwise.
    let private = listen.ip().is_loopback() || demo.on_network;
    if store.province.province().await?.is_none() {
        match demo.seed {
            Some(dossiers) if private => seed::demo(&store, dossiers).await?,
            Some(_) => bail!(
                "cơ sở dữ liệu trống và máy chủ mở ra mạng ({listen}): không tạo tài khoản dùng thử có mật khẩu công khai. \
                 Chạy `tinhso init --province \"<tên tỉnh>\"`, hoặc thêm --demo nếu thật sự muốn tỉnh mẫu / \
                 empty database on a network address: run `tinhso init`, or pass --demo for the demo province"
            ),
            None => bail!(
                "chưa thiết lập tỉnh: chạy `tinhso init --province \"<tên tỉnh>\"` / no province: run `tinhso init`"
            ),
        }
    }
    // A database upgraded from before the administrators' log recorded saves: its catalogue and
    // calendar as they stand now are recorded once, so the audit vouches for them from here on.
    let console = tinhso_store::admin::AdminAct { actor: tinhso_store::admin::CONSOLE, at: chrono::Utc::now() };
    let adopted = store.catalogue.adopt_before_log(&console).await?;
    if adopted > 0 {
        tracing::info!(adopted, "procedures and calendar years saved before the administrators' log recorded in it");
    }
    if store.province.adopt_province_before_log(&console).await? {
        tracing::info!("the province and its agencies, set up before the administrators' log, recorded in it");
    }
    let has_demo = seed::has_demo_accounts(&store).await?;
    if has_demo && !private {
        bail!(
            "cơ sở dữ liệu có tài khoản dùng thử với mật khẩu công khai: không phục vụ trên {listen}. \
             Chỉ nghe trên 127.0.0.1, hoặc thêm --demo nếu đây là máy trình diễn / \
             the database holds the demo accounts (published password): listen on loopback, or pass --demo"
        );
    }
    let blobs = match (web.files, &store.blobs) {
        (FilesOption::Default | FilesOption::Database, Some(db)) => tinhso_files::Blobs::Database(db.clone()),
        (FilesOption::Database, None) => bail!(
            "--files database: SQLite keeps files in the data directory (--files disk) / \
             files in the database need PostgreSQL"
        ),
        (FilesOption::Default | FilesOption::Disk, _) => tinhso_files::Blobs::Disk,
        (FilesOption::S3(s3), _) => tinhso_files::Blobs::S3(s3),
    };
    tracing::info!(files = ?blobs, "file contents");
    let (audit_queue, audit_requests) = tinhso_http::pages::audit_runs::AuditQueue::new();
    let state = tinhso_http::AppState::load(
        store.clone(),
        tinhso_http::WebConfig {
            secure_cookies: web.secure_cookies,
            public_url: web.public_url,
            files_dir: data.data.join("files"),
            blobs,
            disk_reserve: web.disk_reserve,
            demo: has_demo,
            trusted_proxies: web.trusted_proxies,
            proxy_header: web.proxy_header,
            metrics_token: web.metrics_token.filter(|t| !t.is_empty()),
            upload_quota: web.upload_quota,
            map_tiles: web.map_tiles,
            mails: smtp.is_some(),
            texts: sms.is_some(),
            smtp: smtp.clone().filter(|_| web.prove_logins),
            sms: sms.clone().filter(|_| web.prove_logins),
            audit: Some(audit_queue),
            eid: web.modules.eid.login(),
        },
    )
    .await?;
    let backups = web.backup_dir;
    crate::ops_watch::install(&state, data.data.join("files"), backups.clone());
    state.metrics.sample_on_scrape(move || crate::backup::samples(backups.as_deref()));
    tinhso_catalogue_web::live::install(&state).await?;
    let sweep = tinhso::options::install(&state, &data.data, web.modules, has_demo)?;
    if has_demo {
        // The demo's published DTI year gets its signed decision before the first page is
        // served (once: later starts find it signed), so no one sees the year without it.
        if let Err(e) = crate::demo_dti::sign_decisions(&state).await {
            tracing::warn!(error = %e, "the demo's DTI decision was not signed");
        }
    }
    tokio::spawn(tinhso_payments_web::service::sweep_loop(state.clone(), sweep));
    tokio::spawn(tinhso_catalogue_web::live::follow_store(state.clone(), std::time::Duration::from_secs(2)));
    tokio::spawn(housekeeping::sweep_guard(store.clone()));
    tokio::spawn(housekeeping::watch_abuse(store.clone()));
    tokio::spawn(crate::ops_watch::watch(state.clone()));
    tokio::spawn(housekeeping::checkpoint_ledger(store.clone()));
    tokio::spawn(housekeeping::audits(
        store.clone(),
        std::time::Duration::from_secs(web.audit_hours.saturating_mul(3600)),
        audit_requests,
    ));
    tokio::spawn(tinhso_ioc_web::alert_loop(state.clone(), std::time::Duration::from_secs(15 * 60)));
    tokio::spawn(tinhso_reports_web::service::escalation_loop(state.clone(), std::time::Duration::from_secs(15 * 60)));
    tokio::spawn(tinhso_opendata_web::harvest::harvest_loop(state.clone()));
    tokio::spawn(tinhso_dti_web::reminders::remind_loop(state.clone(), std::time::Duration::from_secs(60 * 60)));
    tokio::spawn(tinhso_dossier_web::pages::draft::sweep_loop(state.clone(), std::time::Duration::from_secs(60 * 60)));
    tokio::spawn(tinhso_opendata_web::service::warm(state.clone()));
    if web.open_data_hours > 0 {
        let every = std::time::Duration::from_secs(web.open_data_hours * 3600);
        tokio::spawn(tinhso_opendata_web::publish::publish_loop(state.clone(), every));
    }
    if let Some(smtp) = smtp {
        tokio::spawn(tinhso_notify::mail::deliver(state.store.notify.clone(), smtp));
    }
    if let Some(sms) = sms {
        let metrics = state.metrics.clone();
        tokio::spawn(tinhso_notify::sms::deliver(state.store.notify.clone(), sms, move |o| metrics.text_attempted(o)));
    }
    if let Some((before, after)) = tinhso_http::listen::raise_open_files_limit().filter(|(b, a)| a > b) {
        tracing::info!(before, after, "raised the open-files limit");
    }
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    if has_demo {
        println!("CẢNH BÁO / WARNING: máy chủ có tài khoản dùng thử, mật khẩu công khai (/healthz: \"demo\": true)");
        seed::print_demo_accounts(&store).await?;
    }
    println!(
        "Tỉnh Số: {} ({} xã/phường, {} thủ tục) trên {} — sẵn sàng tại http://{addr} sau {} ms",
        state.province.name,
        state.units.len(),
        tinhso_catalogue_web::live::index(&state).len(),
        store.health.backend(),
        started.elapsed().as_millis()
    );
    tinhso_http::serve(listener, state, tinhso::web_modules(), web.limits, shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
