-- Email delivery of the outbox: pending, sent, no_address (the account has no email), failed.
ALTER TABLE outbox ADD COLUMN email_state TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
CREATE INDEX outbox_email_queue ON outbox(email_state, next_attempt_at, id);
