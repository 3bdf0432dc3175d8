-- What a citizen may upload, as the province admin set it (megabytes per day and in all; 0:
-- no limit). No row: the limits the server was started with.
CREATE TABLE upload_limit (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    per_day_mb BIGINT NOT NULL,
    total_mb BIGINT NOT NULL,
    updated_by BIGINT NOT NULL REFERENCES account(id),
    updated_at TIMESTAMPTZ NOT NULL
);
