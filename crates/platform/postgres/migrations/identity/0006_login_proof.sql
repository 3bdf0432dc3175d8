-- A registration waiting for proof that its maker holds the phone or mailbox it names: the
-- account is made from this row only when the code sent there comes back (its SHA-256 here,
-- never the code). One per login: registering again replaces it, so a stranger who named
-- someone else's phone first never keeps it from them. Wrong tries void it after five. Rows
-- whose code ended are swept hourly.
CREATE TABLE login_proof (
    login TEXT PRIMARY KEY,
    full_name TEXT NOT NULL,
    personal_id TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    code_sha256 BYTEA NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0
);
