-- The ledger's chain: its head and periodic checkpoints. The entries of each stream live with
-- their module (the dossier stream: dossier_event).
CREATE TABLE chain_head (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    last_id INTEGER NOT NULL,
    hash BLOB NOT NULL
);

CREATE TABLE chain_checkpoint (
    event_id INTEGER PRIMARY KEY,
    hash BLOB NOT NULL,
    created_at TEXT NOT NULL
);
