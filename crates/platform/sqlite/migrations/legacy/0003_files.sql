-- Content-addressed files: the bytes live under <data>/files/, named by their SHA-256.
CREATE TABLE file_blob (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mime TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The citizen's document store ("khai báo một lần"): files they uploaded, reusable.
CREATE TABLE document (
    account_id INTEGER NOT NULL REFERENCES account(id),
    sha256 TEXT NOT NULL REFERENCES file_blob(sha256),
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (account_id, sha256)
);

-- Files attached to a dossier, with what they are for.
CREATE TABLE dossier_file (
    id INTEGER PRIMARY KEY,
    dossier_code TEXT NOT NULL REFERENCES dossier(code),
    sha256 TEXT NOT NULL REFERENCES file_blob(sha256),
    name TEXT NOT NULL,
    purpose TEXT NOT NULL,
    component INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX dossier_file_by_dossier ON dossier_file(dossier_code, id);
