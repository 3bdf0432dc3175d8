//! The reports module's commands: its jobs run once (`tinhso reports jobs`), communes'
//! boundaries imported (`tinhso units boundaries import`), Open311 clients' keys.

use crate::DataArgs;
use anyhow::{Context, Result};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tinhso_store::Stores;

/// Reminders of reports due soon and escalation of overdue ones, as the server runs them, for
/// `today` (dd/mm/yyyy; today by default).
pub async fn jobs(store: Stores, data: &Path, today: Option<&str>) -> Result<ExitCode> {
    let today = match today {
        Some(t) => tinhso_kernel::format::parse_date(t).map_err(|_| anyhow::anyhow!("--today: dd/mm/yyyy"))?,
        None => tinhso_kernel::calendar::local_date(chrono::Utc::now()),
    };
    let state = cli_state(store, data).await?;
    let reminded = tinhso_reports_web::service::remind_due_soon(&state, today).await?;
    let escalated = tinhso_reports_web::service::escalate_overdue(&state, today).await?;
    println!(
        "Nhắc {reminded} phản ánh sắp đến hạn, chuyển {escalated} phản ánh quá hạn lên cấp tỉnh / reminded {reminded}, escalated {escalated}"
    );
    Ok(ExitCode::SUCCESS)
}

/// The web state a command needs to run what the server runs (jobs, publishing), on the
/// data directory's defaults: files on disk, no mail, no public address.
pub async fn cli_state(store: Stores, data: &Path) -> Result<tinhso_http::AppState> {
    let config = tinhso_http::state::WebConfig {
        secure_cookies: false,
        public_url: None,
        files_dir: data.join("files"),
        // Where `serve` keeps files by default: the database on PostgreSQL, else the disk.
        blobs: match &store.blobs {
            Some(db) => tinhso_files::Blobs::Database(db.clone()),
            None => tinhso_files::Blobs::Disk,
        },
        disk_reserve: tinhso_files::room::DEFAULT_RESERVE_BYTES,
        demo: false,
        trusted_proxies: Vec::new(),
        proxy_header: Default::default(),
        metrics_token: None,
        upload_quota: None,
        map_tiles: None,
        mails: false,
        smtp: None,
        sms: None,
        texts: false,
        audit: None,
        eid: None,
    };
    let state = tinhso_http::AppState::load(store, config).await?;
    tinhso_catalogue_web::live::install(&state).await?;
    // The modules configured as the server is (from the environment): the figures a command
    // publishes use the same facts (the 766 index's payment channels).
    let demo = crate::seed::has_demo_accounts(&state.store).await?;
    tinhso::options::install(&state, data, tinhso::options::from_env(), demo)?;
    Ok(state)
}

/// Replaces every commune's boundary with a GeoJSON file's; nothing unless all of it is right.
pub async fn import_boundaries(store: Stores, file: &Path) -> Result<ExitCode> {
    let text = tokio::fs::read_to_string(file).await.with_context(|| format!("cannot read {}", file.display()))?;
    let today = tinhso_kernel::calendar::local_date(chrono::Utc::now());
    let known: Vec<u32> = store.province.units(today).await?.iter().map(|u| u.code).collect();
    match tinhso_reports::geo::parse_boundaries(&text, &known) {
        Ok(b) => {
            store.reports.set_commune_boundaries(&b, &console()).await?;
            println!("Đã nạp ranh giới {} xã, phường / imported {} communes' boundaries", b.len(), b.len());
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            eprintln!("Không nạp gì / nothing imported ({} lỗi):", problems.len());
            for p in problems.iter().take(50) {
                eprintln!("  {p}");
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

/// What a command run here does is the console's, in the administrators' log.
fn console() -> tinhso_store::admin::AdminAct {
    tinhso_store::admin::AdminAct { actor: tinhso_store::admin::CONSOLE, at: chrono::Utc::now() }
}

/// Makes an Open311 client's key and prints it once; only its hash is kept.
pub async fn create_key(store: Stores, name: &str) -> Result<ExitCode> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        anyhow::bail!("the client's name must have 1 to 100 characters");
    }
    let key = tinhso_identity::random_token()?;
    store.reports.add_open311_key(name, &tinhso_identity::token_hash(&key), &console()).await?;
    println!("{key}");
    Ok(ExitCode::SUCCESS)
}

/// Revokes every key of client `name`; fails when it had none.
pub async fn revoke_keys(store: Stores, name: &str) -> Result<ExitCode> {
    let n = store.reports.revoke_open311_keys(name.trim(), &console()).await?;
    println!("Đã thu hồi {n} khoá / revoked {n} keys");
    Ok(if n == 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

#[derive(Subcommand)]
pub enum ReportsCommand {
    /// Run once what the server runs every 15 minutes: remind the handling staff of reports due
    /// within two working days, escalate overdue ones to the province (each done once).
    Jobs {
        #[command(flatten)]
        data: DataArgs,
        /// The day to run them for (dd/mm/yyyy), today by default: a catch-up after downtime.
        #[arg(long)]
        today: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum UnitsCommand {
    /// Communes' boundaries.
    Boundaries {
        #[command(subcommand)]
        action: BoundariesCommand,
    },
}

#[derive(Subcommand)]
pub enum BoundariesCommand {
    /// Replace every commune's boundary with those of a GeoJSON FeatureCollection (each feature's
    /// `properties.code` a commune code of the province, its geometry a Polygon or MultiPolygon).
    /// Nothing is stored if any feature is wrong.
    Import {
        #[command(flatten)]
        data: DataArgs,
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum Open311Command {
    /// Make an API key for an Open311 client (an app posting reports) and print it once; only
    /// its hash is kept.
    KeyCreate {
        #[command(flatten)]
        data: DataArgs,
        /// Who the key is for (shown to the province's admins).
        name: String,
    },
    /// Revoke every key of the client `name`.
    KeyRevoke {
        #[command(flatten)]
        data: DataArgs,
        name: String,
    },
}

pub async fn reports(action: ReportsCommand) -> Result<ExitCode> {
    match action {
        ReportsCommand::Jobs { data, today } => jobs(data.open().await?, &data.data, today.as_deref()).await,
    }
}

pub async fn units(action: UnitsCommand) -> Result<ExitCode> {
    match action {
        UnitsCommand::Boundaries { action: BoundariesCommand::Import { data, file } } => {
            import_boundaries(data.open().await?, &file).await
        }
    }
}

pub async fn open311(action: Open311Command) -> Result<ExitCode> {
    match action {
        Open311Command::KeyCreate { data, name } => create_key(data.open().await?, &name).await,
        Open311Command::KeyRevoke { data, name } => revoke_keys(data.open().await?, &name).await,
    }
}
