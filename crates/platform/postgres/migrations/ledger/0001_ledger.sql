-- The ledger's chain: its head (locked by each append) and periodic checkpoints. The entries
-- of each stream live with their module (the dossier stream: dossier_event).
CREATE TABLE chain_head (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    last_id BIGINT NOT NULL,
    hash BYTEA NOT NULL
);

CREATE TABLE chain_checkpoint (
    event_id BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

INSERT INTO chain_head (one, last_id, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
