//! The results module's commands: revoking an issued document or marking it replaced (the
//! verifier then says so), with the reason on the ledger.

use crate::DataArgs;
use anyhow::{bail, Result};
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum ResultsCommand {
    /// Revoke an issued result or receipt (by the code under its QR code): the verifier then
    /// answers that it no longer stands, or which document replaced it.
    Revoke {
        #[command(flatten)]
        data: DataArgs,
        code: String,
        /// Why, as the ledger keeps it.
        #[arg(long)]
        reason: String,
        /// The code of the document that replaces it.
        #[arg(long)]
        replaced_by: Option<String>,
    },
}

pub async fn run(action: ResultsCommand) -> Result<ExitCode> {
    match action {
        ResultsCommand::Revoke { data, code, reason, replaced_by } => {
            let reason = tinhso_kernel::text::clean(&reason);
            if reason.is_empty() {
                bail!("--reason: nêu lý do thu hồi / give the reason");
            }
            let store = data.open().await?.port::<dyn tinhso_results_port::ResultsStore>()?;
            let code = code.trim().to_uppercase();
            let Some(doc) = store.issued_by_code(&code).await? else {
                bail!("không có văn bản mã {code} / no document {code}");
            };
            if let Some(r) = &replaced_by {
                if store.issued_by_code(r).await?.is_none() {
                    bail!("không có văn bản thay thế mã {r} / no document {r}");
                }
            }
            let status = if replaced_by.is_some() { "replaced" } else { "revoked" };
            let payload = tinhso_results::audit::status_changed(status, &doc.code, &reason, replaced_by.as_deref());
            let entry = tinhso_results::audit::entry(&doc.agency, &doc.code, 0, payload);
            if store.set_issued_status(&code, status, replaced_by.as_deref(), &reason, &entry).await? {
                println!("Đã ghi: {code} {status} / recorded");
                Ok(ExitCode::SUCCESS)
            } else {
                bail!("văn bản {code} đã bị thu hồi hoặc thay thế trước đó / already {}", doc.status)
            }
        }
    }
}
