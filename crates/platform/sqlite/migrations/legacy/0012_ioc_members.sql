-- The dossiers behind each counter of ioc_aggregate (tinhso_domain::ioc::membership): a row per
-- dossier and non-zero fact, kept in each event's transaction, so that every number of the
-- operations centre drills down to exactly its dossiers, a page at a time, at any volume.
-- Dossiers stored before this migration are filled in by the migration's Rust step.
CREATE TABLE ioc_member (
    agency TEXT NOT NULL,
    measure TEXT NOT NULL,
    day TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (agency, measure, day, code)
) WITHOUT ROWID;
