-- The chain in lanes (see tinhso_ledger::chain): each lane's head (locked by each append to
-- that lane only), the provincial checkpoint chain and the marks each checkpoint records, and
-- the sequence that numbers entries. The single chain of earlier databases becomes the lane
-- named '' (its entries keep their hashes), its checkpoints become marks of that lane.
CREATE TABLE chain_lane (
    lane TEXT PRIMARY KEY,
    last_seq BIGINT NOT NULL,
    last_id BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    -- the last sequence number a checkpoint recorded (which lanes moved since)
    marked_seq BIGINT NOT NULL DEFAULT 0
);
INSERT INTO chain_lane (lane, last_seq, last_id, hash) SELECT '', last_id, last_id, hash FROM chain_head WHERE last_id > 0;

CREATE SEQUENCE ledger_entry_id;
SELECT setval('ledger_entry_id', (SELECT last_id FROM chain_head WHERE one = 1) + 1, false);

CREATE TABLE chain_mark (
    checkpoint BIGINT,
    lane TEXT NOT NULL,
    seq BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    PRIMARY KEY (lane, seq)
);
INSERT INTO chain_mark (checkpoint, lane, seq, hash) SELECT NULL, '', event_id, hash FROM chain_checkpoint;

DROP TABLE chain_checkpoint;
DROP TABLE chain_head;

CREATE TABLE chain_checkpoint (
    n BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    hash BYTEA NOT NULL
);
