//! What an official document says, apart from how it is drawn: the national layout for state
//! documents (issuer and national motto side by side, number, place and date, title, body,
//! signature block), as Decree 30/2020 lays it out, and a QR code to the public verifier.
//! Modules say what their documents say (a dossier's result, a receipt, the DTI's decision);
//! the results module draws, signs and issues them (the platform's document capability).

/// One block of a document's body, drawn in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph, wrapped to the page's width.
    Para(String),
    /// "Label: value", the label in bold; the value wraps under itself.
    Field { label: String, value: String },
    /// A bold line opening a part of the body.
    Heading(String),
    /// Numbered items.
    List(Vec<String>),
}

/// Who signs, as the signature block shows it. Filled in when the document is signed, so the
/// block on the page and the signature in the file name the same signer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SignatureBlock {
    /// "TM. ỦY BAN NHÂN DÂN", "KT. GIÁM ĐỐC"...: on whose behalf.
    pub capacity: String,
    /// The certificate's subject, as the block prints it.
    pub signer: String,
    pub agency: String,
    /// dd/mm/yyyy hh:mm, in Vietnam's time.
    pub at: String,
}

/// A state document: a result, a slip, a receipt.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficialDocument {
    /// The superior body, above the issuer ("UBND TỈNH TUYÊN QUANG"); may be empty.
    pub superior: String,
    pub issuer: String,
    /// "Số: …"
    pub number: String,
    /// "Tuyên Quang, ngày 3 tháng 12 năm 2026"
    pub place_date: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub body: Vec<Block>,
    /// Where the QR code leads (the public verifier with the result's code) and the line under it.
    pub qr: Option<(String, String)>,
    pub signature: Option<SignatureBlock>,
    /// Title, subject and keywords of the file's metadata.
    pub subject: String,
    /// When it was made: the file's creation date (PDF/A requires one).
    pub created: chrono::DateTime<chrono::Utc>,
}

/// "Tuyên Quang, ngày 3 tháng 12 năm 2026": the place and date line of a state document.
pub fn place_date(place: &str, day: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{place}, ngày {} tháng {} năm {}", day.day(), day.month(), day.year())
}

/// The kinds of document the platform issues under an agency's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// A dossier's result (kết quả giải quyết), into the applicant's document store.
    Result,
    /// A fee's electronic receipt (biên lai), numbered per agency and year.
    Receipt,
    /// A decision of the province's people's committee, public.
    Decision,
}

impl DocumentKind {
    /// As stored and on the ledger (`result_issued`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Result => "result",
            Self::Receipt => "receipt",
            Self::Decision => "decision",
        }
    }

    /// The verification code's prefix (`KQ-…`), which tells a reader what the code names.
    pub fn code_prefix(self) -> &'static str {
        match self {
            Self::Result => "KQ",
            Self::Receipt => "BL",
            Self::Decision => "QD",
        }
    }
}

/// A signed document the platform issued, as the public verifier answers for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedDocument {
    /// The code printed under the QR code ("KQ-7F3K-92QD-M4XA"): unguessable, not the dossier's.
    pub code: String,
    /// `result` or `receipt`.
    pub kind: String,
    pub dossier: String,
    pub agency: String,
    /// A receipt's number within its agency and year (gap-free); 0 for results.
    pub year: i32,
    pub seq: i64,
    /// Hex SHA-256 of the signed file.
    pub sha256: String,
    pub signer: String,
    pub certificate_sha256: String,
    /// RFC 3339.
    pub signed_at: String,
    pub timestamped: bool,
    /// `issued`, `revoked` or `replaced`.
    pub status: String,
    pub replaced_by: Option<String>,
    pub status_note: Option<String>,
    /// The file's name in the citizen's document store.
    pub name: String,
}
