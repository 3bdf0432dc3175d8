-- The desks' daily code counters in one B-tree keyed by (day, desk) (WITHOUT ROWID): every
-- submission reads and rewrites one row, which was a seek in the key's index and another in the
-- table; day first, so that a commit's counters are the same leaf or two (today's rows together).
CREATE TABLE dossier_sequence_keyed (
    agency TEXT NOT NULL,
    day TEXT NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (day, agency)
) WITHOUT ROWID;
INSERT INTO dossier_sequence_keyed (agency, day, last) SELECT agency, day, last FROM dossier_sequence;
DROP TABLE dossier_sequence;
ALTER TABLE dossier_sequence_keyed RENAME TO dossier_sequence;
