-- How far each account has read its in-app inbox: messages with a higher id are new to it.
CREATE TABLE inbox_read (
    account_id BIGINT PRIMARY KEY REFERENCES account(id) ON DELETE CASCADE,
    last_id BIGINT NOT NULL
);
