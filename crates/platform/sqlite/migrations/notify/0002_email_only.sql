-- Messages sent by email only and never listed in the in-app inbox: a password reset's code,
-- which a borrowed session must not be able to read there.
ALTER TABLE outbox ADD COLUMN in_inbox BOOLEAN NOT NULL DEFAULT TRUE;
