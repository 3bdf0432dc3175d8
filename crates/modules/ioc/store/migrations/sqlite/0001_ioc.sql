-- The operations centre: Decision 766 counters per day and month, the dossiers behind each
-- day's counter, and the indicators entered by hand.
CREATE TABLE ioc_aggregate (
    grain TEXT NOT NULL,
    bucket TEXT NOT NULL,
    agency TEXT NOT NULL,
    measure TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (grain, bucket, agency, measure)
) WITHOUT ROWID;
CREATE INDEX ioc_aggregate_measure ON ioc_aggregate(measure, grain, bucket);

CREATE TABLE ioc_member (
    agency TEXT NOT NULL,
    measure TEXT NOT NULL,
    day TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (agency, measure, day, code)
) WITHOUT ROWID;

CREATE TABLE ioc_entry (
    indicator TEXT NOT NULL,
    unit TEXT NOT NULL,
    rate REAL NOT NULL,
    evidence TEXT NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at TEXT NOT NULL,
    PRIMARY KEY (indicator, unit)
);
