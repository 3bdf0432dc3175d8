-- Files: content-addressed blobs and each citizen's document store.
CREATE TABLE file_blob (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    mime TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE document (
    account_id BIGINT NOT NULL REFERENCES account(id),
    sha256 TEXT NOT NULL REFERENCES file_blob(sha256),
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, sha256)
);
