//! The payments module's commands: reconciling a bank statement (CSV) against the dossiers
//! waiting for a fee, and one pass of the sweep (pending payments asked about, refunds).

use crate::DataArgs;
use anyhow::Result;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;
use tinhso_payments::reconcile::{Columns, Outcome};

#[derive(Subcommand)]
pub enum PaymentsCommand {
    /// Match a bank statement's credits to dossiers by the code in the transfer content and
    /// the amount; a match confirms the fee (once, however often the file is loaded), anything
    /// else is listed.
    Reconcile {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        modules: tinhso::options::ModuleOptions,
        /// The statement, CSV with a header row.
        file: PathBuf,
        /// The statement's column names: `reference=…,date=…,amount=…,content=…`.
        #[arg(long, default_value = "")]
        columns: String,
    },
    /// Check pending payments with the gateway, refund paid fees of stopped dossiers, issue
    /// receipts still due: what the server does every --payment-sweep-secs.
    Sweep {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        modules: tinhso::options::ModuleOptions,
    },
}

async fn state(data: &DataArgs, modules: tinhso::options::ModuleOptions) -> Result<tinhso_http::AppState> {
    let state = crate::reports_cli::cli_state(data.open().await?, &data.data).await?;
    let demo = crate::seed::has_demo_accounts(&state.store).await?;
    tinhso::options::install(&state, &data.data, modules, demo)?;
    Ok(state)
}

pub async fn run(action: PaymentsCommand) -> Result<ExitCode> {
    match action {
        PaymentsCommand::Reconcile { data, modules, file, columns } => {
            let cols = Columns::parse(&columns).map_err(anyhow::Error::msg)?;
            let text = tokio::fs::read_to_string(&file).await?;
            let state = state(&data, modules).await?;
            let lines = tinhso_payments_web::reconcile::reconcile(&state, &text, &cols)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message(tinhso_http::i18n::Locale::Vi)))?;
            let (mut confirmed, mut open) = (0, 0);
            for r in &lines {
                let seen = if r.new { "" } else { " (đã đối soát trước đó, bỏ qua)" };
                println!(
                    "{}\t{}\t{}\t{}{seen}",
                    r.line.reference,
                    r.line.amount_vnd,
                    r.outcome.label_vi(),
                    r.line.content
                );
                match (&r.outcome, r.new) {
                    (Outcome::Confirm { .. }, true) => confirmed += 1,
                    (Outcome::Confirm { .. } | Outcome::AlreadyPaid { .. }, _) => {}
                    _ => open += 1,
                }
            }
            println!("Xác nhận {confirmed} khoản · {open} khoản cần xem xét / confirmed {confirmed}, to review {open}");
            Ok(ExitCode::SUCCESS)
        }
        PaymentsCommand::Sweep { data, modules } => {
            let state = state(&data, modules).await?;
            tinhso_payments_web::service::sweep(&state)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message(tinhso_http::i18n::Locale::Vi)))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
