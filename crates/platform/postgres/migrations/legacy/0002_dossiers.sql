-- Dossiers: the folded state (body) plus the columns lists filter on.
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
CREATE INDEX dossier_applicant ON dossier(applicant_id, submitted_at);
CREATE INDEX dossier_receiving ON dossier(receiving_agency, state, submitted_at);
CREATE INDEX dossier_competent ON dossier(competent_agency, state, submitted_at);

-- Gap-free daily sequence per receiving agency for dossier codes.
CREATE TABLE dossier_sequence (
    agency TEXT NOT NULL,
    day DATE NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (agency, day)
);

-- The audit chain: every event, gap-free ids, each hash over the previous one.
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

CREATE TABLE chain_head (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    last_id BIGINT NOT NULL,
    hash BYTEA NOT NULL
);

CREATE TABLE chain_checkpoint (
    event_id BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- Notifications written with their event, delivered after commit.
CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES account(id),
    dossier_code TEXT,
    event_id BIGINT,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    email_sent_at TIMESTAMPTZ,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX outbox_account ON outbox(account_id, id);
CREATE INDEX outbox_pending ON outbox(email_sent_at, id);

-- The chain starts empty: last id 0, the all-zero genesis hash.
INSERT INTO chain_head (one, last_id, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
