-- Other portals' DCAT catalogues harvested on a schedule: where from, which publisher the
-- harvested datasets go to, how often, what the last run did, and which datasets of this
-- portal each source made (so a dataset the source drops is withdrawn here too).
CREATE TABLE data_harvest_source (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    org TEXT NOT NULL REFERENCES data_organization (id),
    every_hours BIGINT NOT NULL,
    datasets TEXT NOT NULL,
    last_run TEXT,
    last_result TEXT
);
