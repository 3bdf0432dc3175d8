-- Who holds a dossier's current step (the folded body's `assignee`), as a column, so that an
-- officer's own work ("Được giao cho tôi") is an index read, not a filter over the agency's
-- open dossiers. Kept in every event's write and audited against the folded body like the
-- other columns. The index holds only held dossiers: a submission (nobody holds it yet) writes
-- no entry.
ALTER TABLE dossier ADD COLUMN assignee bigint;
UPDATE dossier SET assignee = (body->>'assignee')::bigint
    WHERE body->>'assignee' IS NOT NULL;
CREATE INDEX dossier_assignee ON dossier(assignee, state, due_on) WHERE assignee IS NOT NULL;
