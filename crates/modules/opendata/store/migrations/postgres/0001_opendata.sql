-- The open-data catalogue: publishers (one per agency of the province model), themes,
-- datasets (their metadata as JSON, with the columns lookups use), every kept version of a
-- dataset's metadata, the index from resource to dataset, API tokens (SHA-256 of the
-- secret only) and download counts. Changes also go on the ledger (lane data/<publisher>).
CREATE TABLE data_organization (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    agency TEXT NOT NULL UNIQUE
);

CREATE TABLE data_group (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL
);

CREATE TABLE dataset (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    org TEXT NOT NULL REFERENCES data_organization (id),
    state TEXT NOT NULL CHECK (state IN ('active', 'draft', 'deleted')),
    private BOOLEAN NOT NULL,
    revision BIGINT NOT NULL,
    seq BIGINT NOT NULL UNIQUE,
    modified TEXT NOT NULL,
    body TEXT NOT NULL
);

CREATE TABLE dataset_version (
    dataset TEXT NOT NULL REFERENCES dataset (id),
    revision BIGINT NOT NULL,
    at TEXT NOT NULL,
    actor BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (dataset, revision)
);

CREATE TABLE dataset_resource (
    id TEXT PRIMARY KEY,
    dataset TEXT NOT NULL REFERENCES dataset (id)
);
CREATE INDEX dataset_resource_dataset ON dataset_resource (dataset);

CREATE TABLE data_api_token (
    id TEXT PRIMARY KEY,
    account BIGINT NOT NULL REFERENCES account (id),
    name TEXT NOT NULL,
    hash BYTEA NOT NULL UNIQUE,
    created TEXT NOT NULL,
    last_used TEXT,
    revoked TEXT
);
CREATE INDEX data_api_token_account ON data_api_token (account);

CREATE TABLE resource_download (
    resource TEXT PRIMARY KEY,
    count BIGINT NOT NULL
);
