-- What a citizen may upload, as the province admin set it (megabytes per day and in all; 0:
-- no limit). No row: the limits the server was started with.
CREATE TABLE upload_limit (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    per_day_mb INTEGER NOT NULL,
    total_mb INTEGER NOT NULL,
    updated_by INTEGER NOT NULL REFERENCES account(id),
    updated_at TEXT NOT NULL
);
