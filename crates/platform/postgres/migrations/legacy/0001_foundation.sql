CREATE TABLE province (
    code INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    division_type TEXT NOT NULL,
    agency_code_suffix TEXT NOT NULL
);

-- Administrative units, versioned: a change closes valid_to and adds a row.
CREATE TABLE unit (
    code INTEGER NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE,
    name TEXT NOT NULL,
    division_type TEXT NOT NULL,
    province_code INTEGER NOT NULL REFERENCES province(code),
    PRIMARY KEY (code, valid_from)
);

CREATE TABLE agency (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent TEXT REFERENCES agency(code),
    unit_code INTEGER
);

CREATE TABLE account (
    id BIGSERIAL PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    agency_code TEXT REFERENCES agency(code),
    personal_id TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE session (
    token_hash BYTEA PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX session_expiry ON session(expires_at);

-- The catalogue: searchable columns plus the whole procedure as JSON.
CREATE TABLE procedure (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    field TEXT NOT NULL,
    online_level TEXT NOT NULL,
    body JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE calendar_year (
    year INTEGER PRIMARY KEY,
    body JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
