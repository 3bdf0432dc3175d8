-- File contents in the database, so that several servers share them without a shared disk.
-- Content-addressed like the disk store: one row per distinct content, written (and committed)
-- before any row that names it.
CREATE TABLE file_content (
    sha256 TEXT PRIMARY KEY,
    bytes BYTEA NOT NULL
);
