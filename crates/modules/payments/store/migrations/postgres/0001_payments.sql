-- Fees paid online: one row per attempt (a citizen may try again after a cancel), moved
-- between states only by compare-and-set with an entry on the ledger.
CREATE TABLE payment (
    txn_ref TEXT PRIMARY KEY,
    dossier TEXT NOT NULL,
    agency TEXT NOT NULL,
    applicant BIGINT NOT NULL,
    amount_vnd BIGINT NOT NULL CHECK (amount_vnd > 0),
    method TEXT NOT NULL CHECK (method IN ('gateway', 'bank')),
    state TEXT NOT NULL CHECK (state IN ('pending', 'paid', 'failed', 'cancelled', 'expired', 'refunded')),
    external_ref TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    receipt TEXT
);
CREATE INDEX payment_dossier ON payment (dossier);
CREATE INDEX payment_state ON payment (state, updated_at);
-- At most one paid payment per dossier: a fee is never counted twice (a second payment the
-- gateway took anyway is refunded).
CREATE UNIQUE INDEX payment_settled ON payment (dossier) WHERE state = 'paid';
-- Bank-statement lines, each recorded once by the bank's reference.
CREATE TABLE bank_line (
    reference TEXT PRIMARY KEY,
    date TEXT NOT NULL,
    amount_vnd BIGINT NOT NULL,
    content TEXT NOT NULL,
    outcome TEXT NOT NULL,
    dossier TEXT,
    recorded_at TEXT NOT NULL
);
