-- Applications a citizen started and saved to finish later: their own working copy, not a
-- record (no code, no ledger entry). Each save replaces the account's draft of that procedure;
-- it goes when the application is sent, when the person deletes it, or some days after its
-- last save (`saved_at`, RFC 3339 in UTC, so text order is time order).
CREATE TABLE application_draft (
    account_id BIGINT NOT NULL REFERENCES account(id),
    procedure TEXT NOT NULL,
    fields TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (account_id, procedure)
);
CREATE INDEX application_draft_saved ON application_draft (saved_at);
