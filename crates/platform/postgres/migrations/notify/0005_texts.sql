-- Text messages (SMS) of the outbox, to accounts that log in with a phone: queued by a cursor
-- that walks the outbox by id (nothing is added to a message's own write), each with its
-- delivery state, attempts and lease, as emails have theirs in the outbox's columns.
CREATE TABLE sms_delivery (
    outbox_id BIGINT PRIMARY KEY REFERENCES outbox(id),
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    claimed_until TIMESTAMPTZ,
    last_error TEXT,
    sent_at TIMESTAMPTZ
);
CREATE INDEX sms_delivery_due ON sms_delivery(next_attempt_at, outbox_id) WHERE state = 'pending';
-- The last outbox message the queue has passed: it starts at today's end, so turning texts on
-- sends nothing from before.
CREATE TABLE sms_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_id BIGINT NOT NULL
);
INSERT INTO sms_cursor (id, last_id) SELECT 1, COALESCE(MAX(id), 0) FROM outbox;
-- Accounts that turned texts off (their notices stay in the inbox; a reset code they ask for
-- is still texted).
CREATE TABLE sms_opt_out (
    account_id BIGINT PRIMARY KEY REFERENCES account(id),
    since TIMESTAMPTZ NOT NULL
);
