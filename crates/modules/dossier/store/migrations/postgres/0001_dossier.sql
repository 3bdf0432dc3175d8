-- Dossiers: the folded dossier, its daily code sequence, its stream of the ledger, its files
-- and the staff inboxes' counters.
CREATE TABLE dossier (
    code TEXT PRIMARY KEY,
    procedure_code TEXT NOT NULL,
    applicant_id BIGINT NOT NULL REFERENCES account(id),
    applicant_phone TEXT,
    receiving_agency TEXT NOT NULL REFERENCES agency(code),
    competent_agency TEXT NOT NULL REFERENCES agency(code),
    state TEXT NOT NULL,
    due_on DATE,
    submitted_at TIMESTAMPTZ NOT NULL,
    version INTEGER NOT NULL,
    body JSONB NOT NULL,
    form JSONB NOT NULL
);
CREATE INDEX dossier_applicant_time ON dossier(applicant_id, submitted_at, code);
CREATE INDEX dossier_competent_time ON dossier(competent_agency, submitted_at, code);
CREATE INDEX dossier_receiving_time ON dossier(receiving_agency, submitted_at, code);
CREATE INDEX dossier_time ON dossier(submitted_at, code);
CREATE INDEX dossier_open_due ON dossier(due_on, competent_agency)
    WHERE state IN ('received', 'processing', 'payment_requested');
CREATE INDEX dossier_open_deciding ON dossier(competent_agency, due_on)
    WHERE state IN ('received', 'processing', 'payment_requested');
CREATE INDEX dossier_open_desk ON dossier(receiving_agency, due_on)
    WHERE state IN ('received', 'processing', 'payment_requested') AND receiving_agency <> competent_agency;

CREATE TABLE dossier_sequence (
    agency TEXT NOT NULL,
    day DATE NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (agency, day)
);

CREATE TABLE dossier_event (
    id BIGINT PRIMARY KEY,
    dossier_code TEXT NOT NULL REFERENCES dossier(code),
    at TEXT NOT NULL,
    actor BIGINT NOT NULL,
    kind TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    payload TEXT NOT NULL,
    hash BYTEA NOT NULL
);
CREATE INDEX dossier_event_by_dossier ON dossier_event(dossier_code, id);

CREATE TABLE dossier_file (
    id BIGSERIAL PRIMARY KEY,
    dossier_code TEXT NOT NULL REFERENCES dossier(code),
    sha256 TEXT NOT NULL REFERENCES file_blob(sha256),
    name TEXT NOT NULL,
    purpose TEXT NOT NULL,
    component INTEGER,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX dossier_file_by_dossier ON dossier_file(dossier_code, id);

CREATE TABLE inbox_tally (
    agency TEXT NOT NULL,
    key TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (agency, key)
);
