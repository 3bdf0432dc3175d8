-- Dossiers: the folded dossier (naming its first ledger entry), its daily code sequence, its
-- stream of the ledger, its files and the staff inboxes' counters.
CREATE TABLE dossier (
    code TEXT PRIMARY KEY,
    procedure_code TEXT NOT NULL,
    applicant_id INTEGER NOT NULL REFERENCES account(id),
    applicant_phone TEXT,
    receiving_agency TEXT NOT NULL REFERENCES agency(code),
    competent_agency TEXT NOT NULL REFERENCES agency(code),
    state TEXT NOT NULL,
    due_on TEXT,
    submitted_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    form TEXT NOT NULL,
    first_event INTEGER
);
CREATE INDEX dossier_applicant_time ON dossier(applicant_id, submitted_at, code);
CREATE INDEX dossier_time ON dossier(submitted_at, code);
CREATE INDEX dossier_decided_elsewhere ON dossier(competent_agency, submitted_at, code)
    WHERE competent_agency <> receiving_agency;
CREATE INDEX dossier_open_due ON dossier(due_on, competent_agency)
    WHERE state IN ('received', 'processing', 'payment_requested');
CREATE INDEX dossier_open_deciding ON dossier(competent_agency, due_on)
    WHERE state IN ('received', 'processing', 'payment_requested');
CREATE INDEX dossier_open_desk ON dossier(receiving_agency, due_on)
    WHERE state IN ('received', 'processing', 'payment_requested') AND receiving_agency <> competent_agency;

CREATE TABLE dossier_sequence (
    agency TEXT NOT NULL,
    day TEXT NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (agency, day)
);

-- A dossier's first entry is found through dossier.first_event, the others through this index.
CREATE TABLE dossier_event (
    id INTEGER PRIMARY KEY,
    dossier_code TEXT NOT NULL REFERENCES dossier(code),
    at TEXT NOT NULL,
    actor INTEGER NOT NULL,
    kind TEXT NOT NULL,
    public INTEGER NOT NULL,
    payload TEXT NOT NULL,
    hash BLOB NOT NULL
);
CREATE INDEX dossier_event_later ON dossier_event(dossier_code, id) WHERE kind <> 'submitted';

CREATE TABLE dossier_file (
    id INTEGER PRIMARY KEY,
    dossier_code TEXT NOT NULL REFERENCES dossier(code),
    sha256 TEXT NOT NULL REFERENCES file_blob(sha256),
    name TEXT NOT NULL,
    purpose TEXT NOT NULL,
    component INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX dossier_file_by_dossier ON dossier_file(dossier_code, id);

CREATE TABLE inbox_tally (
    key TEXT NOT NULL,
    agency TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (key, agency)
) WITHOUT ROWID;
CREATE INDEX inbox_tally_agency ON inbox_tally(agency, key);
