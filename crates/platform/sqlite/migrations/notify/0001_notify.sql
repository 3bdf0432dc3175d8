-- Notify: the outbox (inbox messages and their email delivery) and the keys of alerts sent once.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account(id),
    dossier_code TEXT,
    event_id INTEGER,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    email_sent_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    email_state TEXT NOT NULL DEFAULT 'pending',
    next_attempt_at TEXT,
    claimed_until TEXT
);
CREATE INDEX outbox_account ON outbox(account_id, id);
CREATE INDEX outbox_email_queue ON outbox(email_state, next_attempt_at, id);

CREATE TABLE ioc_alert (
    key TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
