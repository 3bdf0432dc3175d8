//! The platform's register of issued documents (`capability::issued`) over the module's port:
//! what other modules may read of what was issued, and nothing they could change.

use std::sync::Arc;
use tinhso_http::capability::issued::IssuedRegister;
use tinhso_http::error::AppError;
use tinhso_kernel::document::IssuedDocument;
use tinhso_results_port::ResultsStore;

pub(crate) struct Register(pub Arc<dyn ResultsStore>);

#[async_trait::async_trait]
impl IssuedRegister for Register {
    async fn by_sha256(&self, sha256: &str) -> Result<Option<IssuedDocument>, AppError> {
        Ok(self.0.issued_by_sha256(sha256).await?)
    }

    async fn about(&self, subject: &str) -> Result<Vec<IssuedDocument>, AppError> {
        Ok(self.0.issued_for_dossier(subject).await?)
    }

    async fn next_receipt_seq(&self, agency: &str, year: i32) -> Result<i64, AppError> {
        Ok(self.0.next_receipt_seq(agency, year).await?)
    }
}
