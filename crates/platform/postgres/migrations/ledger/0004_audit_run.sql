-- Each check of the whole history the server made (on its schedule, or because an auditor
-- asked): when, at whose request (NULL: the schedule), and what it found (the counts and the
-- latest checkpoint when intact, the break in both languages when not).
CREATE TABLE audit_run (
    id BIGSERIAL PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    requested_by BIGINT REFERENCES account(id),
    intact BOOLEAN NOT NULL,
    events BIGINT NOT NULL,
    subjects BIGINT NOT NULL,
    checkpoint TEXT,
    finding_vi TEXT,
    finding_en TEXT
);
