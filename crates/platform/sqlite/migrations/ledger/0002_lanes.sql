-- The chain in lanes (see tinhso_ledger::chain): each lane's head, the provincial checkpoint
-- chain and the marks each checkpoint records. The single chain of earlier databases becomes
-- the lane named '' (its entries keep their hashes), its checkpoints become marks of that lane.
CREATE TABLE chain_lane (
    lane TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    hash BLOB NOT NULL,
    -- the last sequence number a checkpoint recorded (which lanes moved since)
    marked_seq INTEGER NOT NULL DEFAULT 0
);
INSERT INTO chain_lane (lane, last_seq, last_id, hash) SELECT '', last_id, last_id, hash FROM chain_head WHERE last_id > 0;

CREATE TABLE chain_mark (
    checkpoint INTEGER,
    lane TEXT NOT NULL,
    seq INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (lane, seq)
);
INSERT INTO chain_mark (checkpoint, lane, seq, hash) SELECT NULL, '', event_id, hash FROM chain_checkpoint;

DROP TABLE chain_checkpoint;
DROP TABLE chain_head;

CREATE TABLE chain_checkpoint (
    n INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    hash BLOB NOT NULL
);
