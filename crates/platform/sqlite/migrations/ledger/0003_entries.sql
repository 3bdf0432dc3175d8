-- Entries of every history that is not a dossier's (field reports first): the same chain, the
-- same lanes and ids, their own table, so no module's rows reference another module's table.
CREATE TABLE ledger_entry (
    id INTEGER PRIMARY KEY,
    lane TEXT NOT NULL,
    seq INTEGER NOT NULL,
    subject TEXT NOT NULL,
    at TEXT NOT NULL,
    actor INTEGER NOT NULL,
    kind TEXT NOT NULL,
    public INTEGER NOT NULL,
    payload TEXT NOT NULL,
    hash BLOB NOT NULL
);
CREATE INDEX ledger_entry_subject ON ledger_entry(subject, id);
