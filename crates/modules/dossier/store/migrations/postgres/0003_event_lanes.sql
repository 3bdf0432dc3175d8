-- Each ledger entry's place in its lane (tinhso_ledger::chain). Entries written before lanes
-- are the lane '' numbered by their (then gap-free) ids.
ALTER TABLE dossier_event ADD COLUMN lane TEXT NOT NULL DEFAULT '', ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
UPDATE dossier_event SET seq = id;
