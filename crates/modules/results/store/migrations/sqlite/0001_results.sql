-- Documents the platform signed and issued: results (on an approver's approval) and
-- electronic receipts (numbered without gaps per agency and year). The public verifier
-- answers from here by code or by the file's SHA-256.
CREATE TABLE issued_document (
    code TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('result', 'receipt')),
    dossier TEXT NOT NULL,
    agency TEXT NOT NULL,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    signer TEXT NOT NULL,
    certificate_sha256 TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    timestamped INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('issued', 'revoked', 'replaced')),
    replaced_by TEXT,
    status_note TEXT,
    name TEXT NOT NULL
);
CREATE INDEX issued_document_dossier ON issued_document (dossier);
-- Receipts' numbers: taken only by a stored receipt, so a failed signing leaves no gap.
CREATE UNIQUE INDEX issued_receipt_number ON issued_document (agency, year, seq) WHERE kind = 'receipt';
-- One receipt per dossier (a dossier's fee is paid once): two servers settling the same payment
-- cannot both issue one.
CREATE UNIQUE INDEX issued_receipt_dossier ON issued_document (dossier) WHERE kind = 'receipt';
