//! What every route shares: the error body and the health answer.

use serde::Serialize;
use tinhso_kernel::FieldError;
use utoipa::ToSchema;

/// Every error: a stable `code` for programs, a Vietnamese `message` for people, and the
/// field errors of an invalid input, all at once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    #[schema(examples("invalid_input"))]
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

/// `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when the database does not answer.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// Procedures in the catalogue (when the database answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub procedures: Option<usize>,
    /// The database holds the demo accounts, whose shared password is published: never true
    /// on a province's production server.
    pub demo: bool,
}

/// A request body that is a file's bytes as they are (`application/octet-stream`), not JSON.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(pub Vec<u8>);
