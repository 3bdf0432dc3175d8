-- Where a dossier stands, in columns a public lookup reads without the folded body: the new due
-- date an apology letter gave (until now only in the body).
ALTER TABLE dossier ADD COLUMN apology_due_on date;
UPDATE dossier SET apology_due_on = (body->>'apology_due_on')::date
    WHERE body->>'apology_due_on' IS NOT NULL;
