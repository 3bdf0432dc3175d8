-- The inbox counters ordered by counter, then agency: a burst of submissions to many desks adds
-- to one counter ("s:submitted") of each, and those rows now share a page or two instead of
-- one page per agency (measured: an eighth of a group commit's WAL frames were inbox_tally leaves).
-- An inbox reads its agency's counters through inbox_tally_agency; adding to an existing counter
-- leaves that index untouched (it holds only the key columns).
CREATE TABLE inbox_tally_by_counter (
    key TEXT NOT NULL,
    agency TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (key, agency)
) WITHOUT ROWID;
INSERT INTO inbox_tally_by_counter (key, agency, n) SELECT key, agency, n FROM inbox_tally;
DROP TABLE inbox_tally;
ALTER TABLE inbox_tally_by_counter RENAME TO inbox_tally;
CREATE INDEX inbox_tally_agency ON inbox_tally(agency, key);
