-- Every saved version of a year's working calendar, in the transaction that saves it, as for
-- procedures (0003): its history page says which days off and make-up days each save added or
-- removed, and `tinhso audit verify` checks each version against the log entry that saved it.
-- A database upgraded in place keeps each stored year as it stands as its first version.
CREATE TABLE calendar_version (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL,
    saved_at TEXT NOT NULL,
    actor INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX calendar_version_by_year ON calendar_version (year, id);
INSERT INTO calendar_version (year, saved_at, actor, body) SELECT year, updated_at, 0, body FROM calendar_year ORDER BY year;
