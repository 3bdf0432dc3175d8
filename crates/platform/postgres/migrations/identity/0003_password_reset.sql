-- A password reset a citizen asked for by email: the SHA-256 of the one-time code the email
-- carries (never the code itself) and when it stops working. One per account: asking again
-- replaces it; gone once used.
CREATE TABLE password_reset (
    account_id BIGINT PRIMARY KEY REFERENCES account(id) ON DELETE CASCADE,
    code_sha256 BYTEA NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
