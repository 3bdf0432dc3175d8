//! `tinhso`: the daemon and the operators' command line.

mod audit;
mod backup;
mod catalogue_io;
mod demo;
mod demo_dti;
mod demo_reports;
mod housekeeping;
mod ioc;
mod opendata_cli;
mod ops_watch;
mod payments_cli;
mod reports_cli;
mod results_cli;
mod sample_catalogue;
mod seed;
mod serve;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use serve::{Demo, FilesOption, WebOptions};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use tinhso_store::Stores;

#[derive(Parser)]
#[command(
    name = "tinhso",
    version,
    about = "Tỉnh Số: nền tảng chính quyền số cấp tỉnh / provincial digital-government platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the platform's data lives; every command that reads it takes these.
#[derive(Args, Clone)]
pub struct DataArgs {
    /// Data directory (the SQLite database and stored files).
    #[arg(long, default_value = "./data", env = "TINHSO_DATA")]
    data: PathBuf,
    /// Database URL: empty for SQLite in the data directory, or postgres://user:pass@host/db
    /// (`?sslmode=require` or `verify-full` for TLS, always with the certificate verified).
    #[arg(long, env = "TINHSO_DATABASE")]
    database: Option<String>,
    /// PEM file of a certificate authority PostgreSQL's certificate chains to, besides the
    /// public ones (a provincial CA).
    #[arg(long, env = "TINHSO_DATABASE_CA")]
    database_ca: Option<PathBuf>,
}

impl DataArgs {
    async fn open(&self) -> Result<Stores> {
        let ca = match &self.database_ca {
            Some(p) => Some(tokio::fs::read(p).await.with_context(|| format!("cannot read {}", p.display()))?),
            None => None,
        };
        tinhso::db::open_with(self.database.as_deref(), ca.as_deref(), &self.data).await
    }
}

#[derive(Subcommand)]
// `serve` has many options and runs once per process: boxing them buys nothing.
#[allow(clippy::large_enum_variant)]
enum Command {
    /// Start the platform. On an empty data directory, sets up the demo province (Tuyên Quang).
    Serve {
        #[command(flatten)]
        data: DataArgs,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "TINHSO_LISTEN")]
        listen: SocketAddr,
        /// Mark cookies Secure (__Host- prefix). Use whenever the platform is reached over HTTPS.
        #[arg(long, env = "TINHSO_SECURE_COOKIES")]
        secure_cookies: bool,
        /// The address citizens reach the platform at (https://dichvucong.tinh.gov.vn), printed in
        /// the QR codes and links of slips; without it, the address the request came to.
        #[arg(long, env = "TINHSO_PUBLIC_URL")]
        public_url: Option<String>,
        /// Do not seed the demo province on an empty database.
        #[arg(long, conflicts_with = "demo")]
        no_demo: bool,
        /// A reverse proxy (CIDR or address; repeat, or comma-separate) whose forwarding header
        /// (`--proxy-header`) names the client. Without it forwarding headers are ignored and
        /// abuse limits count the connecting address.
        #[arg(long = "trusted-proxy", env = "TINHSO_TRUSTED_PROXY", value_delimiter = ',')]
        trusted_proxy: Vec<String>,
        /// The header the trusted proxy writes: `x-forwarded-for` (nginx, HAProxy, Apache,
        /// Caddy, Traefik) or `forwarded` (RFC 7239). Only that one is read: the other passes
        /// through a proxy as the client wrote it.
        #[arg(long, default_value = "x-forwarded-for", env = "TINHSO_PROXY_HEADER")]
        proxy_header: tinhso_http::client::ProxyHeader,
        /// Megabytes a citizen may upload per day (0: no limit), until the province admin sets
        /// the limits on /quan-tri/tai-len.
        #[arg(long, default_value_t = 100, env = "TINHSO_UPLOAD_QUOTA_DAY_MB")]
        upload_quota_day_mb: u64,
        /// Megabytes a citizen's document store may hold in all (0: no limit).
        #[arg(long, default_value_t = 1000, env = "TINHSO_UPLOAD_QUOTA_TOTAL_MB")]
        upload_quota_total_mb: u64,
        /// Megabytes uploads leave free on the data directory's disk, for the database (whose
        /// writes stop the server when the disk is full) and the operator: past it, uploads are
        /// refused (503, `storage_full`) while submissions, lookups and processing go on.
        #[arg(long, default_value_t = 512, env = "TINHSO_DISK_RESERVE_MB")]
        disk_reserve_mb: u64,
        /// Where the nightly backups go (`tinhso backup --into`): /metrics then says when the
        /// newest complete one began, and an alert fires when none is a day old.
        #[arg(long, env = "TINHSO_BACKUP_DIR")]
        backup_dir: Option<PathBuf>,
        /// Where file contents live: `disk` (the data directory; the default on SQLite),
        /// `database` (PostgreSQL's file_content table, shared by every server; the default on
        /// PostgreSQL), or `s3://bucket[/prefix]` (with --s3-endpoint and the AWS_ACCESS_KEY_ID /
        /// AWS_SECRET_ACCESS_KEY variables).
        #[arg(long, env = "TINHSO_FILES")]
        files: Option<String>,
        /// The S3-compatible store's address (https://s3.tinh.gov.vn, or http:// inside the data
        /// centre).
        #[arg(long, env = "TINHSO_S3_ENDPOINT", default_value = "https://s3.amazonaws.com")]
        s3_endpoint: String,
        #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
        s3_region: String,
        /// PEM file of a certificate authority the S3 store's certificate chains to.
        #[arg(long, env = "TINHSO_S3_CA")]
        s3_ca: Option<PathBuf>,
        /// Lets scrapers beyond loopback read /metrics with `Authorization: Bearer <token>`
        /// (loopback clients need none).
        #[arg(long, env = "TINHSO_METRICS_TOKEN")]
        metrics_token: Option<String>,
        /// A map tile server for the report pages, as `https://host/{z}/{x}/{y}.png` (off by
        /// default: pages then draw reports without tiles). Its origin is added to the pages'
        /// image policy; respect the tile server's usage policy and attribution.
        #[arg(long, env = "TINHSO_MAP_TILES")]
        map_tiles: Option<String>,
        /// Publish the province's own figures as open data every this many hours, once across all
        /// servers and restarts (at start when never published or due; 0: only by `tinhso opendata
        /// publish`).
        #[arg(long, default_value_t = 24, env = "TINHSO_OPEN_DATA_HOURS")]
        open_data_hours: u64,
        /// Check the whole history's integrity every this many hours, once across all servers
        /// (at start when never checked or due; 0: only when an auditor asks, or `tinhso audit verify`).
        #[arg(long, default_value_t = 24, env = "TINHSO_AUDIT_HOURS")]
        audit_hours: u64,
        #[command(flatten)]
        connections: tinhso::options::ConnectionOptions,
        #[command(flatten)]
        modules: tinhso::options::ModuleOptions,
        /// Seed (or keep serving) the demo province, whose accounts share a published password,
        /// even when listening beyond loopback. Without it, demo accounts are made only for a
        /// loopback address, and a database holding them is not served to the network.
        #[arg(long)]
        demo: bool,
        /// How many dossiers of demo history (the past year) to create with the demo province.
        #[arg(long, default_value_t = 1500, env = "TINHSO_DEMO_DOSSIERS")]
        demo_dossiers: usize,
        /// SMTP relay for notification emails (none: in-app only): smtp://mail.tinh.gov.vn:25,
        /// smtp://mail.tinh.gov.vn:587?tls=starttls or smtps://mail.tinh.gov.vn:465.
        #[arg(long, env = "TINHSO_SMTP_URL")]
        smtp_url: Option<url::Url>,
        /// PEM file of a certificate authority the relay's certificate chains to, besides the
        /// public ones (a provincial CA).
        #[arg(long, env = "TINHSO_SMTP_CA")]
        smtp_ca: Option<PathBuf>,
        /// Sender of notification emails.
        #[arg(long, env = "TINHSO_SMTP_FROM", default_value = "Cổng Dịch vụ công <no-reply@localhost>")]
        smtp_from: String,
        /// First retry delay of a failed email, in seconds (doubled per attempt).
        #[arg(long, default_value_t = 30, hide = true)]
        smtp_retry_secs: u64,
        /// The province's SMS gateway (none: no texts): notices to citizens who log in with a
        /// phone are also sent there as texts, `POST {"to", "text"}` in JSON.
        #[arg(long, env = "TINHSO_SMS_URL")]
        sms_url: Option<url::Url>,
        /// Bearer token for the SMS gateway (from the environment, kept out of `ps`).
        #[arg(long, env = "TINHSO_SMS_TOKEN", hide_env_values = true)]
        sms_token: Option<String>,
        /// First retry delay of a failed text, in seconds (doubled per attempt).
        #[arg(long, default_value_t = 30, hide = true)]
        sms_retry_secs: u64,
        /// Prove a registrant's login before the account is made: a 6-digit code texted to a
        /// phone (with --sms-url) or mailed to an email address (with --smtp-url) must come back.
        /// Recommended wherever those are set (deploy/tinhso.env sets it).
        #[arg(long, env = "TINHSO_PROVE_LOGINS")]
        prove_logins: bool,
    },
    /// Set up a province (any of the 34) without demo data, with one province admin account.
    Init {
        #[command(flatten)]
        data: DataArgs,
        /// Province name, with or without diacritics: "Tuyên Quang", "ha noi".
        #[arg(long)]
        province: String,
        /// Login (phone or email) of the first province admin.
        #[arg(long, default_value = "quantri@tinhso.local")]
        admin: String,
    },
    /// Import or export the procedure catalogue.
    Catalogue {
        #[command(subcommand)]
        action: CatalogueCommand,
    },
    /// The working-day calendar.
    Calendar {
        #[command(subcommand)]
        action: CalendarCommand,
    },
    /// The tamper-evident history of dossiers.
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
    },
    /// The operations centre's Decision 766 aggregates.
    Ioc {
        #[command(subcommand)]
        action: IocCommand,
    },
    /// The province's communes: their boundaries (so a point on a map says which commune it is in).
    Units {
        #[command(subcommand)]
        action: reports_cli::UnitsCommand,
    },
    /// Citizens' feedback and field reports: the reminder and escalation jobs.
    Reports {
        #[command(subcommand)]
        action: reports_cli::ReportsCommand,
    },
    /// Citizens' feedback and field reports: Open311 clients' API keys.
    Open311 {
        #[command(subcommand)]
        action: reports_cli::Open311Command,
    },
    /// The open-data portal: load a tabular resource into the data store, API tokens,
    /// the province's own figures, harvesting another portal's DCAT catalogue.
    Opendata {
        #[command(subcommand)]
        action: opendata_cli::OpenDataCommand,
    },
    /// Signed documents: revoke or replace one.
    Results {
        #[command(subcommand)]
        action: results_cli::ResultsCommand,
    },
    /// Fees: reconcile a bank statement, check pending payments and refunds now.
    Payments {
        #[command(subcommand)]
        action: payments_cli::PaymentsCommand,
    },
    /// Copy the data directory (SQLite database and stored files) into a new directory, online:
    /// the server may keep running. PostgreSQL: pg_dump, and copy the files directory (README).
    Backup {
        /// Data directory (the SQLite database and stored files).
        #[arg(long, default_value = "./data", env = "TINHSO_DATA")]
        data: PathBuf,
        /// Where the backup goes (a new or empty directory); or --into.
        #[arg(required_unless_present = "into", conflicts_with = "into", value_name = "DIR | --into <DIR>")]
        dir: Option<PathBuf>,
        /// Instead, a new directory inside this one, named by the time (what a daily timer
        /// runs): files unchanged since the newest backup there are linked, not copied.
        #[arg(long)]
        into: Option<PathBuf>,
        /// With --into: then remove the backups there beyond the newest N.
        #[arg(long, requires = "into", value_parser = clap::value_parser!(u16).range(1..))]
        keep: Option<u16>,
    },
    /// Restore a backup made by `tinhso backup` into a data directory without a database.
    Restore {
        /// Data directory to restore into.
        #[arg(long, default_value = "./data", env = "TINHSO_DATA")]
        data: PathBuf,
        /// The backup directory.
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum IocCommand {
    /// Recompute every aggregate from the dossier events and compare with the stored ones;
    /// exit 1 and list the differences if any.
    Check {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain of every dossier event, then compare every dossier's, report's,
    /// payment's, issued document's and open dataset's stored row with what its events say; exit 1 and name
    /// what broke if any event was edited, deleted or reordered, or a row edited or deleted, in
    /// the database, 0 otherwise.
    Verify {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Record a provincial checkpoint of every lane that moved now (the server records one every
    /// five minutes) and print its number and hash, to be kept outside the database.
    Checkpoint {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum CatalogueCommand {
    /// Import procedures from JSON or CSV; nothing is imported if any row is invalid.
    Import {
        #[command(flatten)]
        data: DataArgs,
        /// The file (.json or .csv).
        file: PathBuf,
    },
    /// Export the catalogue as JSON or CSV (by the file's extension).
    Export {
        #[command(flatten)]
        data: DataArgs,
        /// The file to write (.json or .csv).
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Print the date N working days after DATE (counting starts the next working day).
    Due {
        #[command(flatten)]
        data: DataArgs,
        /// Receipt date, YYYY-MM-DD.
        date: chrono::NaiveDate,
        /// Number of working days.
        days: u32,
    },
    /// List the days off and swap working days of a year.
    Year {
        #[command(flatten)]
        data: DataArgs,
        year: i32,
    },
}

fn main() -> ExitCode {
    tinhso_alloc::tune_malloc();
    // One JSON object per line with TINHSO_LOG_FORMAT=json (for a log collector), else text.
    let filter = || tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    if std::env::var("TINHSO_LOG_FORMAT").is_ok_and(|f| f == "json") {
        tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .init();
    } else {
        // Colours only on a terminal: a log file or journald gets plain text.
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
        tracing_subscriber::fmt().with_ansi(ansi).with_env_filter(filter()).with_writer(std::io::stderr).init();
    }
    let cli = Cli::parse();
    // Blocking threads run SQLite calls and file syncs. On two cores 16 keep the disk busy; every
    // extra thread is another allocator arena holding freed memory (measured: RSS doubled).
    let runtime = match tokio::runtime::Builder::new_multi_thread().max_blocking_threads(16).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("lỗi / error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lỗi / error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Serve {
            data,
            listen,
            secure_cookies,
            public_url,
            no_demo,
            demo,
            trusted_proxy,
            proxy_header,
            metrics_token,
            map_tiles,
            open_data_hours,
            audit_hours,
            connections,
            modules,
            upload_quota_day_mb,
            upload_quota_total_mb,
            disk_reserve_mb,
            backup_dir,
            files,
            s3_endpoint,
            s3_region,
            s3_ca,
            demo_dossiers,
            smtp_url,
            smtp_from,
            smtp_retry_secs,
            smtp_ca,
            sms_url,
            sms_token,
            sms_retry_secs,
            prove_logins,
        } => {
            let demo = Demo { seed: (!no_demo).then_some(demo_dossiers), on_network: demo };
            let ca_pem = match smtp_ca {
                Some(p) => Some(tokio::fs::read(&p).await.with_context(|| format!("cannot read {}", p.display()))?),
                None => None,
            };
            let public_url = match public_url.as_deref().map(url::Url::parse) {
                Some(Ok(u)) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                    Some(u.as_str().trim_end_matches('/').to_owned())
                }
                Some(_) => {
                    bail!("--public-url must be an http(s) address with a host, such as https://dichvucong.tinh.gov.vn")
                }
                None => None,
            };
            let smtp = match smtp_url {
                Some(url) => {
                    let cfg = tinhso_notify::mail::SmtpConfig {
                        url,
                        from: smtp_from,
                        retry_secs: smtp_retry_secs,
                        ca_pem,
                        public_url: public_url.clone(),
                    };
                    // A wrong URL or CA fails at start-up, not silently at the first email.
                    tinhso_notify::mail::transport(&cfg).map_err(|e| anyhow::anyhow!("--smtp-url: {e}"))?;
                    Some(cfg)
                }
                None => None,
            };
            let trusted_proxies = tinhso_http::client::parse_trusted(&trusted_proxy).map_err(anyhow::Error::msg)?;
            let upload_quota = tinhso_http::files::QuotaLimits::from_mb(upload_quota_day_mb, upload_quota_total_mb);
            let files = match files.as_deref() {
                None | Some("") => FilesOption::Default,
                Some("disk") => FilesOption::Disk,
                Some("database") => FilesOption::Database,
                Some(url) if url.starts_with("s3://") => {
                    let ca = match s3_ca {
                        Some(p) => {
                            Some(tokio::fs::read(&p).await.with_context(|| format!("cannot read {}", p.display()))?)
                        }
                        None => None,
                    };
                    let key = std::env::var("AWS_ACCESS_KEY_ID").unwrap_or_default();
                    let secret = std::env::var("AWS_SECRET_ACCESS_KEY").unwrap_or_default();
                    let s3 = tinhso_files::s3::S3::new(url, &s3_endpoint, &s3_region, &key, &secret, ca.as_deref())
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    FilesOption::S3(s3)
                }
                Some(other) => bail!("--files {other}: expected disk, database or s3://bucket[/prefix]"),
            };
            let map_tiles = match map_tiles.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                None => None,
                Some(t) => {
                    Some(tinhso_http::state::TileServer::parse(t).map_err(|e| anyhow::anyhow!("--map-tiles: {e}"))?)
                }
            };
            let sms = sms_url.map(|url| tinhso_notify::sms::SmsConfig {
                url,
                token: sms_token.filter(|t| !t.is_empty()),
                retry_secs: sms_retry_secs,
                public_url: public_url.as_ref().map(|u| u.as_str().to_owned()),
            });
            let web = WebOptions {
                prove_logins,
                secure_cookies,
                public_url,
                trusted_proxies,
                proxy_header,
                metrics_token,
                upload_quota,
                disk_reserve: disk_reserve_mb.saturating_mul(1024 * 1024),
                backup_dir,
                files,
                map_tiles,
                open_data_hours,
                audit_hours,
                limits: connections.limits(),
                modules,
            };
            serve::serve(data, listen, web, demo, (smtp, sms)).await
        }
        Command::Init { data, province, admin } => {
            let store = data.open().await?;
            seed::init_province(&store, &province, &admin).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Catalogue { action: CatalogueCommand::Import { data, file } } => {
            let store = data.open().await?;
            catalogue_io::import(&store, &file).await
        }
        Command::Catalogue { action: CatalogueCommand::Export { data, file } } => {
            let store = data.open().await?;
            catalogue_io::export(&store, &file).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { data, dir, into, keep } => {
            let done = tokio::task::spawn_blocking(move || match (dir, into) {
                (Some(dir), _) => backup::backup(&data, &dir),
                (None, Some(parent)) => backup::backup_into(&data, &parent, keep.map(usize::from)),
                (None, None) => Err(anyhow::anyhow!("tinhso backup <dir> | --into <dir>")),
            })
            .await??;
            println!("{done}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { data, dir } => {
            println!("{}", tokio::task::spawn_blocking(move || backup::restore(&dir, &data)).await??);
            Ok(ExitCode::SUCCESS)
        }
        Command::Reports { action } => reports_cli::reports(action).await,
        Command::Units { action } => reports_cli::units(action).await,
        Command::Open311 { action } => reports_cli::open311(action).await,
        Command::Opendata { action } => opendata_cli::run(action).await,
        Command::Payments { action } => payments_cli::run(action).await,
        Command::Results { action } => results_cli::run(action).await,
        Command::Ioc { action: IocCommand::Check { data } } => {
            let store = data.open().await?;
            ioc::check(&store).await
        }
        Command::Audit { action: AuditCommand::Verify { data } } => audit::report(&data.open().await?).await,
        Command::Audit { action: AuditCommand::Checkpoint { data } } => {
            let store = data.open().await?;
            match store.ledger.checkpoint(chrono::Utc::now()).await? {
                Some(n) => println!("Đã ghi điểm kiểm tra số {n} / checkpoint {n} recorded"),
                None => println!(
                    "Không luồng nào thay đổi từ điểm kiểm tra trước / no lane moved since the last checkpoint"
                ),
            }
            audit::report(&store).await
        }
        Command::Calendar { action: CalendarCommand::Due { data, date, days } } => {
            let cal = calendar(&data).await?;
            let due = cal.due_date(date, days).context("date out of range")?;
            println!("{}", due.format("%Y-%m-%d"));
            Ok(ExitCode::SUCCESS)
        }
        Command::Calendar { action: CalendarCommand::Year { data, year } } => {
            if !(1900..=2200).contains(&year) {
                bail!("năm phải từ 1900 đến 2200 / year must be 1900-2200");
            }
            let y = calendar(&data).await?.year(year);
            eprintln!("# {year}: {:?} — {}", y.source, y.basis);
            for d in &y.days_off {
                println!("{}\tnghỉ\t{}", d.date, d.name);
            }
            for d in &y.swap_workdays {
                println!("{}\tlàm bù\t{}", d.date, d.name);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn calendar(data: &DataArgs) -> Result<tinhso_kernel::calendar::WorkingCalendar> {
    let store = data.open().await?;
    let mut years = seed::official_calendar_years()?;
    years.extend(store.catalogue.calendar_years().await?);
    Ok(tinhso_kernel::calendar::WorkingCalendar::new(years))
}
