-- Where a dossier stands, in columns a public lookup reads without the folded body: the new due
-- date an apology letter gave (until now only in the body), and one covering index, so a lookup
-- by code reads one small B-tree instead of the code index and then the wide row. Measured on
-- 1,000,000 dossiers (BENCHMARKS.md, issue 13, ninth session), against the code's index and the
-- row: lookups +19 % on a host that reclaims cold pages (the index is 104 MB, the table 1.9 GB at
-- 1.44 M dossiers); durable submissions -10 % (one more random leaf per dossier).
-- Lookups are the public, abuse-facing and far more frequent path, so the index stays.
ALTER TABLE dossier ADD COLUMN apology_due_on TEXT;
UPDATE dossier SET apology_due_on = json_extract(body, '$.apology_due_on')
    WHERE json_extract(body, '$.apology_due_on') IS NOT NULL;
CREATE INDEX dossier_standing ON dossier(code, applicant_phone, state, due_on, apology_due_on, receiving_agency);
