-- Each lane's head, keyed by the lane alone (WITHOUT ROWID): every append reads and rewrites its
-- lane's row, which was a seek in the key's index and another in the table. One B-tree now.
CREATE TABLE chain_lane_keyed (
    lane TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    hash BLOB NOT NULL,
    -- the last sequence number a checkpoint recorded (which lanes moved since)
    marked_seq INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO chain_lane_keyed (lane, last_seq, last_id, hash, marked_seq)
    SELECT lane, last_seq, last_id, hash, marked_seq FROM chain_lane;
DROP TABLE chain_lane;
ALTER TABLE chain_lane_keyed RENAME TO chain_lane;
