-- Which account each e-ID (a provider's issuer and its subject for the person) opens. A row is
-- written only with its ledger entry (lane eid); the audit holds every row to it.
CREATE TABLE eid_link (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    account_id INTEGER NOT NULL REFERENCES account(id),
    linked_at TEXT NOT NULL,
    ledger_subject TEXT NOT NULL UNIQUE,
    PRIMARY KEY (issuer, subject)
);
-- One e-ID of a provider per account.
CREATE UNIQUE INDEX eid_link_account ON eid_link (account_id, issuer);
