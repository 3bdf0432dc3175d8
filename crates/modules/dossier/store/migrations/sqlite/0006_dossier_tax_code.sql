-- The tax code of the enterprise or household business a dossier is for, so that the desk finds
-- a company's dossiers by it. Written once, at submission (an organisation never changes after),
-- audited against the folded body like the other columns; the index holds only the dossiers that
-- have one, so a person's own dossier costs nothing more to write.
ALTER TABLE dossier ADD COLUMN tax_code TEXT;
UPDATE dossier SET tax_code = json_extract(body, '$.organization.tax_code')
    WHERE json_extract(body, '$.organization.tax_code') IS NOT NULL;
CREATE INDEX dossier_tax_code ON dossier(tax_code, submitted_at) WHERE tax_code IS NOT NULL;
