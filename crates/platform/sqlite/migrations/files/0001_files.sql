-- Files: content-addressed blobs and each citizen's document store.
CREATE TABLE file_blob (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mime TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE document (
    account_id INTEGER NOT NULL REFERENCES account(id),
    sha256 TEXT NOT NULL REFERENCES file_blob(sha256),
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (account_id, sha256)
);
