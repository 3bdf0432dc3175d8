-- What the stored dossier rows and their projections were computed with (the domain's fold
-- revision and each projection's, `tinhso_store::plan::signature`). Empty until the first
-- start that checks it; a store whose signature differs refolds every dossier from its events.
CREATE TABLE dossier_fold (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    signature TEXT NOT NULL
);
INSERT INTO dossier_fold (id, signature) VALUES (1, '');
