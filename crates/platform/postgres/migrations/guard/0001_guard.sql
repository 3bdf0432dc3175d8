-- Abuse limits every server shares: one tally per key (the SHA-256 of what is limited: a login
-- at an address, a login, an address), by the rule in tinhso_kernel::guard.
CREATE TABLE guard_tally (
    key BYTEA PRIMARY KEY,
    failures INTEGER NOT NULL,
    wait_until TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX guard_tally_age ON guard_tally(updated_at);
