-- Procedures and calendar years saved before the administrators' log recorded what it saved
-- (a database upgraded in place): `tinhso audit verify` accepts these without a log entry
-- until the server's first start records them in the log as they stand, and empties this
-- table. Every later save, the province's own set-up included, is in the log, so on a database
-- made since it stays empty and a row no entry saved is one added behind the platform.
CREATE TABLE catalogue_before_log (
    kind TEXT NOT NULL CHECK (kind IN ('procedure', 'calendar_year')),
    key TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
INSERT INTO catalogue_before_log (kind, key) SELECT 'procedure', code FROM procedure;
INSERT INTO catalogue_before_log (kind, key) SELECT 'calendar_year', year::text FROM calendar_year;
