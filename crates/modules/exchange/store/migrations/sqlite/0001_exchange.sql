-- Every question put to the national population database about a person, through the
-- province's data-sharing platform. A row is written only with its ledger entry (lane
-- exchange); the audit holds every row to it, so no lookup can be hidden or altered.
CREATE TABLE resident_lookup (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    looked_at TEXT NOT NULL,
    officer_id INTEGER NOT NULL REFERENCES account(id),
    agency TEXT NOT NULL,
    personal_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    outcome TEXT NOT NULL,
    service TEXT NOT NULL,
    request_hash TEXT
);
-- A person's own lookups, newest first.
CREATE INDEX resident_lookup_person ON resident_lookup (personal_id, id);
-- One officer's lookups (an inspection), and who asked most lately.
CREATE INDEX resident_lookup_officer ON resident_lookup (officer_id, id);
CREATE INDEX resident_lookup_time ON resident_lookup (looked_at);
