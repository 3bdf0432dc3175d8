//! The open-data module's commands: loading a tabular resource into the data store with a
//! progress bar (from its stored file, or a local file larger than an upload may be), and
//! API tokens made for a person by an operator.

use crate::DataArgs;
use anyhow::{bail, Result};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;
use tinhso_opendata_web::datastore::{self, Source};
use tinhso_store::Stores;

#[derive(Subcommand)]
pub enum OpenDataCommand {
    /// Load a CSV or XLSX resource into the shared data store (its typed table replaces any
    /// earlier one), showing progress; the resource is then queryable with datastore_search.
    Load {
        #[command(flatten)]
        data: DataArgs,
        /// The resource's id.
        resource: String,
        /// Read the rows from this local file instead of the resource's stored file.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Publish the province's own figures now (procedures, dossiers per month, the 766 index,
    /// field reports), as the server does once a day; only what changed becomes a new version.
    Publish {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Harvest another portal's DCAT catalogue (Turtle, RDF/XML or JSON-LD, by URL or a file on
    /// the server) into a publisher, now and then every `--every-hours`.
    HarvestAdd {
        #[command(flatten)]
        data: DataArgs,
        url: String,
        /// The publisher (organization name) the harvested datasets go to.
        #[arg(long)]
        org: String,
        #[arg(long, default_value_t = 24)]
        every_hours: i64,
    },
    /// Harvest every source now (whether due or not) and print what each run did.
    HarvestRun {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Make an API token for the account `login` and print it once (only its hash is kept).
    TokenCreate {
        #[command(flatten)]
        data: DataArgs,
        login: String,
        /// What the token is for.
        name: String,
    },
}

pub async fn run(action: OpenDataCommand) -> Result<ExitCode> {
    match action {
        OpenDataCommand::Load { data, resource, file } => load(data.open().await?, &data.data, &resource, file).await,
        OpenDataCommand::TokenCreate { data, login, name } => token(data.open().await?, &login, &name).await,
        OpenDataCommand::HarvestAdd { data, url, org, every_hours } => {
            let state = crate::reports_cli::cli_state(data.open().await?, &data.data).await?;
            let s =
                tinhso_opendata_web::harvest::add(&state, &url, &org, every_hours).await.map_err(anyhow::Error::msg)?;
            harvest_all(&state.store, &[s]).await
        }
        OpenDataCommand::HarvestRun { data } => {
            let store = data.open().await?;
            let sources = store.port::<dyn tinhso_opendata_port::OpenDataStore>()?.harvest_sources().await?;
            harvest_all(&store, &sources).await
        }
        OpenDataCommand::Publish { data } => {
            let state = crate::reports_cli::cli_state(data.open().await?, &data.data).await?;
            let p = tinhso_opendata_web::publish::publish(&state).await.map_err(anyhow::Error::msg)?;
            println!(
                "Tạo {} · cập nhật {} · không đổi {} bộ dữ liệu / created {}, updated {}, unchanged {}",
                p.created, p.updated, p.unchanged, p.created, p.updated, p.unchanged
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn load(store: Stores, dir: &std::path::Path, resource: &str, file: Option<PathBuf>) -> Result<ExitCode> {
    let Some(dataset) = store.port::<dyn tinhso_opendata_port::OpenDataStore>()?.resource_dataset(resource).await?
    else {
        bail!("no resource {resource}")
    };
    let Some(d) = store.port::<dyn tinhso_opendata_port::OpenDataStore>()?.dataset(&dataset).await? else {
        bail!("no dataset {dataset}")
    };
    let Some(res) = d.resource(resource) else { bail!("no resource {resource}") };
    let src = match file {
        Some(path) => {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_uppercase();
            let Some(xlsx) = datastore::tabular(&ext) else { bail!("{}: a .csv or .xlsx file", path.display()) };
            Source::Path { path, xlsx }
        }
        None => {
            let (Some(up), Some(xlsx)) = (&res.upload, datastore::tabular(&res.format)) else {
                bail!("resource {resource} is not an uploaded CSV or XLSX file: give --file")
            };
            let hash = tinhso_kernel::ids::Sha256::parse("sha256", &up.sha256).map_err(|e| anyhow::anyhow!("{e:?}"))?;
            // Where the server keeps files by default: the database on PostgreSQL, the data
            // directory on SQLite (files kept in S3 need --file).
            let blobs = match &store.blobs {
                Some(b) => tinhso_files::Blobs::Database(b.clone()),
                None => tinhso_files::Blobs::Disk,
            };
            let files = tinhso_files::FileStore::new(dir.join("files"), blobs);
            let bytes = files
                .read(&hash)
                .await
                .map_err(|e| anyhow::anyhow!("the stored file cannot be read ({e:?}): give --file"))?;
            Source::Bytes { bytes: std::sync::Arc::new(bytes), xlsx }
        }
    };
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} dòng ({per_sec}, còn {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(format!("Nạp “{}”", res.name));
    let started = std::time::Instant::now();
    let progress = |done: i64, total: i64| {
        bar.set_length(u64::try_from(total).unwrap_or(0));
        bar.set_position(u64::try_from(done).unwrap_or(0));
    };
    match datastore::load(&store, resource, src, &progress).await {
        Ok(rows) => {
            bar.finish();
            datastore::mark_active(&store, &d.id, resource, true).await.map_err(anyhow::Error::msg)?;
            let secs = started.elapsed().as_secs_f64();
            println!(
                "Đã nạp {rows} dòng trong {secs:.1} s ({:.0} dòng/s) / loaded {rows} rows",
                rows as f64 / secs.max(0.001)
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            bar.abandon();
            eprintln!("Không nạp được / not loaded: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn token(store: Stores, login: &str, name: &str) -> Result<ExitCode> {
    let Some(account) = store.identity.account_by_login(login).await? else { bail!("no account {login}") };
    let secret = tinhso_identity::random_token().map(|t| format!("tsk_{t}")).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let t = tinhso_opendata_port::ApiToken {
        id: tinhso_opendata_web::service::fresh_id(),
        account: account.id,
        name: tinhso_kernel::text::clean(name),
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        last_used: None,
    };
    store
        .port::<dyn tinhso_opendata_port::OpenDataStore>()?
        .add_api_token(&t, &tinhso_identity::token_hash(&secret))
        .await?;
    println!("{secret}");
    Ok(ExitCode::SUCCESS)
}

async fn harvest_all(store: &Stores, sources: &[tinhso_opendata_port::HarvestSource]) -> Result<ExitCode> {
    let mut failed = false;
    for s in sources {
        match tinhso_opendata_web::harvest::run(store, s).await {
            Ok(o) => println!(
                "{}: tạo {} · cập nhật {} · không đổi {} · rút {} / created {}, updated {}, unchanged {}, withdrawn {}",
                s.url, o.created, o.updated, o.unchanged, o.withdrawn, o.created, o.updated, o.unchanged, o.withdrawn
            ),
            Err(e) => {
                failed = true;
                eprintln!("{}: {e}", s.url);
            }
        }
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
