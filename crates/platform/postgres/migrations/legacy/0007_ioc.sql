-- Decision 766 aggregates: counters per deciding agency, bucket and measure, updated in the
-- event's transaction. grain 'd' buckets are days (YYYY-MM-DD), 'm' months (YYYY-MM): a
-- period sums whole months plus the days at its edges.
CREATE TABLE ioc_aggregate (
    grain TEXT NOT NULL,
    bucket TEXT NOT NULL,
    agency TEXT NOT NULL,
    measure TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (grain, bucket, agency, measure)
);

-- Indicators the platform cannot measure yet, entered by an admin with evidence.
CREATE TABLE ioc_entry (
    indicator TEXT NOT NULL,
    unit TEXT NOT NULL,
    rate DOUBLE PRECISION NOT NULL,
    evidence TEXT NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (indicator, unit)
);
