-- The province's decisions are issued documents too: the published results of the
-- digital-transformation index, signed by the province's people's committee and public. Their
-- `dossier` is the subject they decide (`dti/2025`), and a subject has one decision in force (a
-- revoked one may be followed by another). SQLite cannot change a CHECK in place: the table is
-- made again with the same columns.
CREATE TABLE issued_document_kinds (
    code TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('result', 'receipt', 'decision')),
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
INSERT INTO issued_document_kinds (code, kind, dossier, agency, year, seq, sha256, signer, certificate_sha256,
        signed_at, timestamped, status, replaced_by, status_note, name)
    SELECT code, kind, dossier, agency, year, seq, sha256, signer, certificate_sha256,
        signed_at, timestamped, status, replaced_by, status_note, name FROM issued_document;
DROP TABLE issued_document;
ALTER TABLE issued_document_kinds RENAME TO issued_document;
CREATE INDEX issued_document_dossier ON issued_document (dossier);
CREATE UNIQUE INDEX issued_receipt_number ON issued_document (agency, year, seq) WHERE kind = 'receipt';
CREATE UNIQUE INDEX issued_receipt_dossier ON issued_document (dossier) WHERE kind = 'receipt';
CREATE UNIQUE INDEX issued_decision_subject ON issued_document (dossier) WHERE kind = 'decision' AND status = 'issued';
