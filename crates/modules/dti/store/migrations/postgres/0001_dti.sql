-- The digital-transformation index: each year's round, with the framework it was opened
-- with (so a later framework never rescores it), and each unit's assessment. Every write is
-- made with its ledger entry (lane dti); the audit holds each row to it.
CREATE TABLE dti_round (
    year INTEGER PRIMARY KEY,
    framework TEXT NOT NULL,
    deadline TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    published_at TEXT
);
CREATE TABLE dti_assessment (
    year INTEGER NOT NULL REFERENCES dti_round(year),
    unit TEXT NOT NULL,
    unit_group TEXT NOT NULL,
    step TEXT NOT NULL,
    version BIGINT NOT NULL,
    scores TEXT NOT NULL,
    appraisal TEXT,
    reason TEXT NOT NULL,
    submitted_at TEXT,
    appraised_at TEXT,
    updated_at TEXT NOT NULL,
    updated_by BIGINT NOT NULL REFERENCES account(id),
    PRIMARY KEY (year, unit)
);
