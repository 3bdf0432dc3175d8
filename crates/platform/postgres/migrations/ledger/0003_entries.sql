-- Entries of every history that is not a dossier's (field reports first): the same chain, the
-- same lanes and ids (from ledger_entry_id), their own table, so no module's rows reference
-- another module's table.
CREATE TABLE ledger_entry (
    id BIGINT PRIMARY KEY,
    lane TEXT NOT NULL,
    seq BIGINT NOT NULL,
    subject TEXT NOT NULL,
    at TEXT NOT NULL,
    actor BIGINT NOT NULL,
    kind TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    payload TEXT NOT NULL,
    hash BYTEA NOT NULL
);
CREATE INDEX ledger_entry_subject ON ledger_entry(subject, id);
